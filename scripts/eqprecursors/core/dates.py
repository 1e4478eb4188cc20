"""Period bounds from config, with the standard library only (the DAG imports this).

One convention for the whole project: a bare date given as an *end* bound means "through
that day", so ``end: 2016-12-31`` includes the events and data of 31 December.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_date_only(value) -> bool:
    """True for a ``date`` (not a datetime) or a ``YYYY-MM-DD`` string."""
    if isinstance(value, str):
        return bool(_DATE_ONLY.fullmatch(value.strip()))
    return isinstance(value, date) and not isinstance(value, datetime)


def utc_datetime(value) -> datetime:
    """A date, datetime or ISO string as an aware UTC datetime (naive is taken as UTC)."""
    if isinstance(value, str):
        text = value.strip()
        text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        value = datetime.fromisoformat(text)
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp, without importing pandas
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def period_bound(value, *, is_end: bool) -> datetime:
    """A period bound as an aware UTC datetime; a date-only end is exclusive next midnight."""
    bound = utc_datetime(value)
    if is_end and is_date_only(value):
        bound += timedelta(days=1)
    return bound
