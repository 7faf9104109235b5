"""Durations and points in time as users write them: "7d", "60m", "2h", ISO dates, datetimes.

One copy for every package: the store's ``since=`` filters, share-link TTLs and
the analytics windows all parse time here, so "7d" means the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from ..errors import ValidationError

MAX_TTL = dt.timedelta(days=90)  # share links and tokens: a link that lives for ever is a leak
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d{1,7}(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_DURATION_HINT = 'write a number and a unit: "30s", "60m", "2h", "7d" or "1w"'


def aware(value: dt.datetime, *, what: str = "the time") -> dt.datetime:
    """``value`` in UTC; a naive datetime is refused (it would be read in an unknown zone)."""
    if value.tzinfo is None:
        raise ValidationError(f"{what} is a naive datetime",
                              hint="use datetime.now(timezone.utc) or another timezone-aware datetime")
    return value.astimezone(dt.UTC)


def parse_duration(value: Any, *, what: str = "duration", maximum: dt.timedelta | None = None) -> dt.timedelta:
    """``"60m"``, ``"2h"``, ``"1.5h"``, ``"7d"``, ``"1w"``, a number of seconds or a timedelta.

    Must be positive and, when ``maximum`` is given, at most that.
    """
    if isinstance(value, bool):  # bool is an int; True seconds is never meant
        raise ValidationError(f"{what} must be a duration, not {value!r}", hint=_DURATION_HINT)
    if isinstance(value, dt.timedelta):
        delta = value
    elif isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValidationError(f"{what} must be a finite number of seconds, not {value!r}",
                                  hint='use e.g. 3600 or "60m"')
        delta = dt.timedelta(seconds=value)
    elif isinstance(value, str):
        m = _DURATION.match(value)
        if not m:
            raise ValidationError(f"{what} {value!r} is not a duration", hint=_DURATION_HINT)
        delta = dt.timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])
    else:
        raise ValidationError(f"{what} must be a duration, not {type(value).__name__}",
                              hint='use e.g. "60m", "2h", "7d", a number of seconds or a timedelta')
    if delta <= dt.timedelta(0):
        raise ValidationError(f"{what} must be positive, got {value!r}", hint='use e.g. "60m"')
    if maximum is not None and delta > maximum:
        raise ValidationError(f"{what} {value!r} is longer than the maximum of {maximum.days} days",
                              hint="use a shorter time (a link can be extended later)")
    return delta


def parse_since(value: Any, now: dt.datetime, *, what: str = "since") -> dt.datetime:
    """A point in time: a duration back from ``now`` ("7d"), an ISO date or datetime, a date or a datetime.

    Dates and naive datetimes are read as UTC (that is what the store writes).
    """
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str) and not _DURATION.match(value):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(f"{what} {value!r} is neither a duration nor an ISO date",
                                  hint="use '7d', '12h' or '2026-11-01'") from None
        return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return now - parse_duration(value, what=what)
