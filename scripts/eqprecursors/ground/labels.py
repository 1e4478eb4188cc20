"""Cut labelled windows of ground geomagnetic data around earthquakes.

The ground study of Petrescu & Moldovan (2022, doi:10.3390/make4040046).  Entry points
(file in, file out): :func:`make_dataset` and :func:`combine_datasets`.  The selection
rules are pure functions on arrays in :mod:`~eqprecursors.ground.windows`, the diurnal
filter is :mod:`~eqprecursors.ground.filters` and the memmap store
:mod:`~eqprecursors.ground.store`.

Conventions
-----------
* All times are handled as ``int64`` nanoseconds since the Unix epoch (UTC).  pandas 3
  infers datetime resolutions (s/ms/us/ns) from the input, so every conversion goes
  through :func:`to_epoch_ns` instead of ``astype("int64")`` on a datetime column.
* A window is the half-open sample range ``[s, s + N)`` of the 1-min series; its reported
  ``start`` is the time of sample ``s`` and its ``end`` the exclusive end
  ``start + N * cadence``.
* **Earthquake window** (label 1): ends at ``origin_time - lead_time``, i.e. it holds the
  ``N`` samples whose time stamps are strictly before that instant.  With
  ``screen_storms`` (the default) it must also pass the quiet windows' Kp rule below;
  otherwise a storm alone would tell the classes apart (the paper did not screen them:
  ``config/paper.yaml`` turns it off, and the report counts the stormy ones).
* **Quiet window** (label 0): every 1-min-aligned start position is a candidate; it must be
  at least ``exclusion_hours`` from every event, overlap no earthquake window, have
  ``max Kp < kp_threshold`` over the 3-h Kp intervals it overlaps (missing Kp counts as
  not quiet, because a storm cannot be ruled out), and contain no gap sample.  Windows are
  drawn uniformly from the eligible starts with a seeded RNG and accepted greedily when they
  do not overlap an already accepted quiet window.
* **Filtering is per window** (:func:`~eqprecursors.ground.filters.filter_window`): every
  window of either class is filtered on its own, with up to ``padding_hours`` of the
  gap-free run right before it, so nothing after a window's end (the co-seismic record)
  reaches it.  A window whose run is shorter than the filter's impulse-response support is
  not usable (counted as ``events_dropped_padding`` / ``excluded_padding``).
* **Normalisation happens here, in the dataset**: each stored window is
  ``[Bx, By, Bz] / max|Bz|`` of that window (the paper's 3 x N greyscale image).  The
  divisor is kept in ``labels.csv`` (``bz_scale``) so the physical values can be recovered.
  With unfiltered data Bz is the ~40,000 nT main field, so normalised Bz is ~1 -- that is
  what the paper did and it is implemented literally.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json
from eqprecursors.core.times import NS_PER_S, format_iso, to_epoch_ns
from eqprecursors.ground.filters import filter_window, padding_samples, validate_filter
from eqprecursors.ground.store import open_windows
from eqprecursors.ground.windows import CADENCE_S, normalise_window, plan_windows, window_samples
from eqprecursors.io.kp import max_kp_over_windows, read_kp

log = logging.getLogger(__name__)

COMPONENTS = ("X", "Y", "Z")
LABEL_COLUMNS = [
    "index",
    "observatory",
    "start",
    "end",
    "label",
    "event_id",
    "magnitude",
    "distance_km",
    "max_kp",
    "bz_scale",
]
NORMALIZATION = "stored normalised: [Bx, By, Bz] / max|Bz| per window (bz_scale in labels.csv)"


# --------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------
def load_ground(
    decoded_nc: str | Path, cadence_s: float = CADENCE_S
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Decoded netCDF -> (times_ns (T,), data (T, 3) X/Y/Z nT, gap (T,) bool, attrs).

    The series is put on a strict regular grid (missing time stamps become gap samples), so
    index arithmetic == time arithmetic downstream.  ``gap`` is gap_mask==1 or any NaN.
    """
    import xarray as xr

    with xr.open_dataset(decoded_nc) as ds:
        ds = ds.load()
    return dataset_to_arrays(ds, cadence_s=cadence_s, name=Path(decoded_nc).stem)


def dataset_to_arrays(ds, cadence_s: float = CADENCE_S, name: str = "") -> tuple:
    """In-memory xarray Dataset -> (times_ns, data, gap, attrs); see :func:`load_ground`."""
    t = np.asarray(ds["time"].values).astype("datetime64[ns]").astype(np.int64)
    data = np.stack([np.asarray(ds[c].values, dtype=np.float64) for c in COMPONENTS], axis=1)
    if "gap_mask" in ds:
        gap = np.asarray(ds["gap_mask"].values).astype(bool)
    else:
        gap = np.zeros(t.size, dtype=bool)
    attrs = dict(ds.attrs)
    attrs.setdefault("iaga_code", name)
    cad_ns = int(round(cadence_s * NS_PER_S))
    if t.size > 1 and not np.all(np.diff(t) == cad_ns):
        rel = t - t[0]
        if np.any(rel % cad_ns) or np.any(np.diff(t) <= 0):
            raise ValueError("time coordinate is not on a regular, increasing cadence grid")
        k = rel // cad_ns
        full_t = t[0] + np.arange(int(k[-1]) + 1, dtype=np.int64) * cad_ns
        full = np.full((full_t.size, 3), np.nan)
        full_gap = np.ones(full_t.size, dtype=bool)
        full[k] = data
        full_gap[k] = gap
        t, data, gap = full_t, full, full_gap
    gap = gap | ~np.all(np.isfinite(data), axis=1)
    return t, data, gap, attrs


def window_max_kp(
    times_ns: np.ndarray,
    n_samples: int,
    kp_df: pd.DataFrame,
    *,
    interval_hours: float = 3.0,
    cadence_ns: int = CADENCE_S * NS_PER_S,
    skipna: bool = False,
    chunk: int = 1 << 20,
) -> np.ndarray:
    """Max Kp of the window at every start ``s = 0..T-N`` (the storm rule's input).

    ``skipna=False``: NaN unless Kp is known throughout the window.  Chunked so that a
    20-year series (10 M starts) stays within a few hundred MB.
    """
    n_pos = max(len(times_ns) - n_samples + 1, 0)
    out = np.full(n_pos, np.nan)
    interval = pd.Timedelta(hours=interval_hours)
    for a in range(0, n_pos, chunk):
        starts = np.asarray(times_ns[a : min(a + chunk, n_pos)], dtype=np.int64)
        ends = starts + n_samples * cadence_ns
        out[a : a + starts.size] = max_kp_over_windows(
            kp_df, starts, ends, interval=interval, skipna=skipna
        )
    return out


def read_event_times(csv: str | Path) -> pd.DataFrame:
    """Catalog CSV -> DataFrame with an extra int64 ``time_ns`` column, sorted by time."""
    cat = pd.read_csv(csv, dtype={"event_id": str})
    cat["time_ns"] = to_epoch_ns(cat["time"]) if len(cat) else np.empty(0, np.int64)
    return cat.sort_values("time_ns", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------
def make_dataset(
    decoded_nc: str | Path,
    catalog_csv: str | Path,
    kp_csv: str | Path,
    out_dir: str | Path,
    *,
    window: str | int = "week",
    lead_time_minutes: float = 0,
    exclusion_hours: float,
    kp_threshold: float,
    screen_storms: bool = True,
    quiet_per_event: float = 1.0,
    seed: int,
    filter: dict | None = None,
    all_events_csv: str | Path | None = None,
    kp_interval_hours: float = 3.0,
    cadence_s: float = CADENCE_S,
) -> dict:
    """Write ``windows.npy`` (n, 3, N) float32 memmap, ``labels.csv`` and ``report.json``.

    Rows are sorted by window start; ``labels.csv``'s ``index`` is the row in windows.npy.
    Returns the report dict.  See the module docstring for the selection rules; ``max_kp``
    in labels.csv is the max of the known Kp values over the window.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = window_samples(window)
    spec = validate_filter(filter, cadence_s)
    most_padding, min_padding = padding_samples(spec, cadence_s)
    cad_ns = int(round(cadence_s * NS_PER_S))

    times, data, gap, attrs = load_ground(decoded_nc, cadence_s=cadence_s)
    obs = str(attrs.get("iaga_code") or Path(decoded_nc).stem)
    catalog = read_event_times(catalog_csv)
    if all_events_csv is not None:
        excl_ns = read_event_times(all_events_csv)["time_ns"].to_numpy()
        # the selected events are always excluded, even if the wider catalog misses them
        excl_ns = np.union1d(excl_ns, catalog["time_ns"].to_numpy())
    else:
        excl_ns = catalog["time_ns"].to_numpy()
    kp_df = read_kp(kp_csv, fmt="csv")

    data = np.where(gap[:, None], np.nan, data)
    kp_strict = window_max_kp(times, n, kp_df, interval_hours=kp_interval_hours, cadence_ns=cad_ns)

    cut: dict[int, tuple[np.ndarray, float] | None] = {}

    def window_ok(s: int) -> bool:
        """Filter window s (from its own past only) and keep it if it can be normalised."""
        if s not in cut:
            w = filter_window(data, s, n, spec, cadence_s).T
            try:
                cut[s] = normalise_window(w)
            except ValueError:
                cut[s] = None
        return cut[s] is not None

    plan, report = plan_windows(
        times,
        gap,
        kp_strict,
        catalog,
        n,
        exclusion_event_ns=excl_ns,
        exclusion_hours=exclusion_hours,
        kp_threshold=kp_threshold,
        screen_storms=screen_storms,
        lead_ns=int(round(lead_time_minutes * 60 * NS_PER_S)),
        quiet_per_event=quiet_per_event,
        seed=seed,
        min_padding=min_padding,
        window_ok=window_ok,
        cadence_ns=cad_ns,
    )

    plan = plan.sort_values(["start_idx", "label"], kind="stable").reset_index(drop=True)
    start_idx = plan["start_idx"].to_numpy(dtype=np.int64)
    arr = open_windows(out_dir / "windows.npy", len(plan), n)
    scales = np.empty(len(plan))
    for i, s in enumerate(start_idx.tolist()):
        arr[i], scales[i] = cut[s]
    if isinstance(arr, np.memmap):
        arr.flush()
    del arr
    starts = times[0] + start_idx * cad_ns if len(plan) else np.empty(0, np.int64)
    max_kp = max_kp_over_windows(
        kp_df, starts, starts + n * cad_ns, interval=pd.Timedelta(hours=kp_interval_hours)
    )

    labels = pd.DataFrame(
        {
            "index": np.arange(len(plan)),
            "observatory": obs,
            "start": format_iso(starts),
            "end": format_iso(starts + n * cad_ns),
            "label": plan["label"].to_numpy(dtype=int),
            "event_id": plan["event_id"].to_numpy(),
            "magnitude": plan["magnitude"].to_numpy(dtype=float),
            "distance_km": plan["distance_km"].to_numpy(dtype=float),
            "max_kp": max_kp,
            "bz_scale": scales,
        },
        columns=LABEL_COLUMNS,
    )
    labels.to_csv(out_dir / "labels.csv", index=False)

    report.update(
        {
            "observatory": obs,
            "window": window,
            "window_samples": n,
            "cadence_s": cadence_s,
            "lead_time_minutes": lead_time_minutes,
            "exclusion_hours": exclusion_hours,
            "exclusion_events_source": "all_events_csv" if all_events_csv else "catalog",
            "n_exclusion_events": int(len(excl_ns)),
            "kp_threshold": kp_threshold,
            "quiet_per_event": quiet_per_event,
            "seed": seed,
            "filter": spec,
            "filter_scope": "per window, padding from before the window only",
            "filter_padding_samples": {"most": int(most_padding), "least": int(min_padding)},
            "normalization": NORMALIZATION,
            "counts_per_label": {
                "0": int((labels["label"] == 0).sum()),
                "1": int((labels["label"] == 1).sum()),
            },
            "n_windows": int(len(labels)),
        }
    )
    write_json(report, out_dir / "report.json")
    if min(report["counts_per_label"].values()) == 0:
        drops = {k: v for k, v in report.items() if k.startswith("events_")}
        log.warning("%s: %s window %s has a class without windows: %s", out_dir, obs, window, drops)
    return report


def combine_datasets(dirs: Sequence[str | Path], out_dir: str | Path) -> dict:
    """Concatenate per-observatory datasets into one (the ``ALL`` dataset).

    Windows are copied chunk-wise memmap -> memmap (never all in RAM), in the order of
    ``dirs``; labels get a new global ``index`` plus ``source_index``.  Window lengths must
    agree.  The report nests the per-observatory reports.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = []
    for d in dirs:
        d = Path(d)
        w = np.load(d / "windows.npy", mmap_mode="r")
        lab = pd.read_csv(d / "labels.csv", dtype={"event_id": str, "observatory": str})
        if len(lab) != w.shape[0]:
            raise ValueError(f"{d}: labels.csv has {len(lab)} rows, windows.npy {w.shape[0]}")
        rep = read_json(d / "report.json") if (d / "report.json").exists() else {}
        parts.append((d, w, lab, rep))
    if not parts:
        raise ValueError("combine_datasets needs at least one dataset directory")
    lengths = {w.shape[2] for _, w, _, _ in parts}
    if len(lengths) != 1:
        raise ValueError(f"datasets have different window lengths: {sorted(lengths)}")
    n_samples = lengths.pop()
    total = sum(w.shape[0] for _, w, _, _ in parts)
    out = open_windows(out_dir / "windows.npy", total, n_samples)
    pos = 0
    chunk = max(1, (64 << 20) // (3 * n_samples * 4))  # ~64 MB at a time
    frames = []
    for _, w, lab, _ in parts:
        for a in range(0, w.shape[0], chunk):
            b = min(a + chunk, w.shape[0])
            out[pos + a : pos + b] = w[a:b]
        lab = lab.copy()
        lab.insert(1, "source_index", lab["index"].to_numpy())
        lab["index"] = np.arange(pos, pos + len(lab))
        frames.append(lab)
        pos += w.shape[0]
    if isinstance(out, np.memmap):
        out.flush()
    del out
    labels = pd.concat(frames, ignore_index=True)
    labels.to_csv(out_dir / "labels.csv", index=False)
    report = {
        "combined_from": [str(d) for d, *_ in parts],
        "window_samples": int(n_samples),
        "n_windows": int(total),
        "counts_per_label": {
            "0": int((labels["label"] == 0).sum()),
            "1": int((labels["label"] == 1).sum()),
        },
        "events_total": int(sum(r.get("events_total", 0) for *_, r in parts)),
        **{
            key: int(sum(r.get(key, 0) for *_, r in parts))
            for key in (
                "events_dropped_gaps",
                "events_dropped_padding",
                "events_dropped_storm",
                "events_dropped_kp_missing",
                "earthquake_windows_stormy",
            )
        },
        "normalization": NORMALIZATION,
        "per_observatory": {str(r.get("observatory", Path(d).name)): r for d, _, _, r in parts},
    }
    write_json(report, out_dir / "report.json")
    return report
