"""Time conventions of the whole project: int64 nanoseconds since the Unix epoch (UTC).

pandas 3 infers datetime resolutions (s/ms/us/ns) from its input, so every conversion to
integers goes through :func:`to_epoch_ns` rather than ``astype("int64")`` on a column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

NS_PER_S = 1_000_000_000
NS_PER_MIN = 60 * NS_PER_S
NS_PER_HOUR = 3600 * NS_PER_S
NS_PER_DAY = 86_400 * NS_PER_S


def to_epoch_ns(values: Any) -> np.ndarray:
    """UTC ISO strings, datetimes or datetime64 -> int64 ns since epoch (naive = UTC)."""
    idx = pd.DatetimeIndex(pd.to_datetime(values, utc=True, format="ISO8601"))
    return idx.as_unit("ns").asi8.astype(np.int64)


def format_iso(ns: Iterable[int] | np.ndarray) -> list[str]:
    """int64 ns -> ``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, truncated; the catalogs' form)."""
    idx = pd.to_datetime(np.asarray(ns, dtype=np.int64), unit="ns", utc=True)
    return list(idx.strftime("%Y-%m-%dT%H:%M:%SZ"))


def format_iso_ms(ns: Iterable[int] | np.ndarray) -> list[str]:
    """int64 ns -> ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (millisecond precision, truncated)."""
    idx = pd.to_datetime(np.asarray(ns, dtype=np.int64), unit="ns", utc=True)
    return [f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z" for t in idx]
