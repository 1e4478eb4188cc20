"""What the data figures of the ground study show, prepared from the workflow's products.

The plot functions only draw; this module reads the decoded series and the selected
catalogs, cuts the figure's interval and applies the diurnal filter as the dataset filters
a window: from the padding right before the interval, never from data after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.ground.filters import apply_filter, padding_samples, validate_filter
from eqprecursors.ground.labels import load_ground
from eqprecursors.ground.observatories import per_site, read_selected
from eqprecursors.ground.windows import CADENCE_S


def naive_utc(when) -> pd.Timestamp:
    """Any timestamp -> tz-naive UTC (the netCDF time axis is naive UTC)."""
    ts = pd.Timestamp(when)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts


def _load_series(decoded_nc) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Regular 1-min grid (datetime64[ns] times, X/Y/Z with gaps as NaN, gap mask, attrs)."""
    t, data, gap, attrs = load_ground(decoded_nc)
    data = data.copy()
    data[gap] = np.nan
    return t.astype("datetime64[ns]"), data, gap, attrs


def _time_slice(t: np.ndarray, start, days: float, path) -> slice:
    t0 = np.datetime64(naive_utc(start), "ns")
    t1 = t0 + np.timedelta64(int(round(days * 86400)), "s")
    a, b = np.searchsorted(t, t0), np.searchsorted(t, t1)
    if b <= a:
        raise ValueError(
            f"{path}: no samples in [{t0}, {t1}); data cover {t[0] if t.size else '-'} "
            f"to {t[-1] if t.size else '-'}"
        )
    return slice(int(a), int(b))


def series_interval(decoded_nc, *, start, days: float) -> dict[str, Any]:
    """Figure 2: ``days`` of X, Y, Z from ``start`` (gaps as NaN) and the gap mask."""
    t, data, gap, attrs = _load_series(decoded_nc)
    sl = _time_slice(t, start, days, decoded_nc)
    code = attrs.get("iaga_code", Path(decoded_nc).stem)
    return dict(time=t[sl], data=data[sl], gap=gap[sl], code=code)


def filter_comparison(decoded_nc, filter: Mapping, *, start, days: float) -> dict[str, Any]:
    """Figure 3: raw and filtered Z over ``days`` from ``start``; the filter as validated.

    The interval is filtered as the dataset filters one window of that span
    (:func:`~eqprecursors.ground.filters.filter_window`): together with up to
    ``padding_hours`` of the gap-free run right before it, and nothing after it, so the
    curve's last hours show the same end behaviour as every stored window.  For a gap-free
    interval with its full padding it is that window exactly (before normalisation); where
    the record holds less padding (``padding_hours_used``) or gaps split the interval, each
    gap-free piece is filtered on its own.
    """
    if filter is None:
        raise ValueError("Figure 3 needs a filter (ground_cnn.filters), got none")
    spec = validate_filter(dict(filter))
    if spec is None:
        raise ValueError("Figure 3 needs a filter (ground_cnn.filters), got type none")
    t, data, gap, attrs = _load_series(decoded_nc)
    sl = _time_slice(t, start, days, decoded_nc)
    lo = max(sl.start - padding_samples(spec)[0], 0)
    before = np.flatnonzero(gap[lo : sl.start])
    lo += int(before[-1]) + 1 if before.size else 0  # the gap-free run ending at the start
    z_filtered, _ = apply_filter(data[lo : sl.stop, 2], spec)
    code = attrs.get("iaga_code", Path(decoded_nc).stem)
    return dict(
        time=t[sl],
        z=data[sl, 2],
        z_filtered=z_filtered[sl.start - lo :],
        code=code,
        filter=spec,
        padding_hours_used=(sl.start - lo) * CADENCE_S / 3600,
    )


def site_catalogs(sites: Sequence[Mapping], catalog_csvs) -> list[pd.DataFrame]:
    """Figure 1: the selected events of each site, aligned with ``sites``."""
    return [read_selected(p) for p in per_site(sites, catalog_csvs, "catalogs")]
