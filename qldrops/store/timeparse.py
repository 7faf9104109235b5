"""Durations and points in time as users write them: "7d", "60m", "2h", ISO dates, datetimes."""

from __future__ import annotations

import datetime as dt
import re

from ..errors import ValidationError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(value) -> dt.timedelta:
    """``"60m"``, ``"2h"``, ``"7d"``, seconds as a number, or a timedelta."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.timedelta(seconds=value)
    if isinstance(value, str):
        m = _DURATION.match(value.lower())
        if m:
            return dt.timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])
    raise ValidationError(f"{value!r} is not a duration", hint="write it like '90s', '60m', '2h', '7d' or '1w'")


def parse_since(value, now: dt.datetime) -> dt.datetime:
    """A point in time: a duration back from ``now``, an ISO date/datetime, or a datetime."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    if isinstance(value, str):
        try:
            return now - parse_duration(value)
        except ValidationError:
            pass
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(f"{value!r} is neither a duration nor an ISO date",
                                  hint="use '7d', '12h' or '2026-11-01'") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return now - parse_duration(value)
