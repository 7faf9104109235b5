"""Durations and the injectable clock shared by the sharing managers.

Why a clock hook: expiry is the heart of share links, and tests must move time
forward without sleeping. Every manager asks :func:`now_of` for "now"; a test
sets ``store.clock = lambda: some_datetime`` (any callable returning an aware
datetime) and the whole package follows it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from ..errors import ValidationError

Duration = "str | int | float | dt.timedelta"

MAX_TTL = dt.timedelta(days=90)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION_RE = re.compile(r"^\s*(\d{1,7})\s*([smhdw])\s*$", re.IGNORECASE)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def now_of(store: Any) -> dt.datetime:
    """The current time as the store sees it (``store.clock`` if set, else the wall clock)."""
    clock: Callable[[], dt.datetime] | None = getattr(store, "clock", None)
    value = clock() if callable(clock) else utcnow()
    if value.tzinfo is None:
        raise ValidationError("store.clock returned a naive datetime",
                              hint="return datetime.now(timezone.utc) or another aware datetime")
    return value.astimezone(dt.UTC)


def parse_duration(value: Any, *, what: str = "ttl", maximum: dt.timedelta | None = MAX_TTL) -> dt.timedelta:
    """``"60m"``, ``"2h"``, ``"7d"``, ``"1w"``, ``"30s"``, an int/float of seconds or a timedelta.

    Must be positive and at most ``maximum`` (90 days for links): a link that
    lives for ever is a leak waiting to happen.
    """
    if isinstance(value, bool):  # bool is an int; True seconds is never meant
        raise ValidationError(f"{what} must be a duration, not {value!r}", hint='use e.g. "60m", "2h" or "7d"')
    if isinstance(value, dt.timedelta):
        delta = value
    elif isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValidationError(f"{what} must be a finite number of seconds, not {value!r}",
                                  hint='use e.g. 3600 or "60m"')
        delta = dt.timedelta(seconds=value)
    elif isinstance(value, str):
        m = _DURATION_RE.match(value)
        if not m:
            raise ValidationError(f"{what} {value!r} is not a duration",
                                  hint='write a number and a unit: "30s", "60m", "2h", "7d" or "1w"')
        delta = dt.timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2).lower()])
    else:
        raise ValidationError(f"{what} must be a duration, not {type(value).__name__}",
                              hint='use e.g. "60m", "2h", "7d", a number of seconds or a timedelta')
    if delta <= dt.timedelta(0):
        raise ValidationError(f"{what} must be positive, got {value!r}", hint='use e.g. "60m"')
    if maximum is not None and delta > maximum:
        raise ValidationError(f"{what} {value!r} is longer than the maximum of {maximum.days} days",
                              hint="share for a shorter time and extend the link later if needed")
    return delta


def parse_since(value: Any, now: dt.datetime) -> dt.datetime:
    """A start time: an aware datetime, or a duration back from ``now`` ("7d")."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError("since must be timezone-aware", hint="use datetime(..., tzinfo=timezone.utc)")
        return value.astimezone(dt.UTC)
    return now - parse_duration(value, what="since", maximum=dt.timedelta(days=3660))
