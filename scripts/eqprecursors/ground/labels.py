"""Cut labelled windows of ground geomagnetic data around earthquakes (seed 000 study).

Entry points (file in, file out): :func:`make_dataset` and :func:`combine_datasets`.
Everything else is a pure function on arrays so that the selection rules can be
unit-tested on hand-checkable series.

Conventions
-----------
* All times are handled as ``int64`` nanoseconds since the Unix epoch (UTC).  pandas 3
  infers datetime resolutions (s/ms/us/ns) from the input, so every conversion goes
  through :func:`to_epoch_ns` instead of ``astype("int64")`` on a datetime column.
* A window is the half-open sample range ``[s, s + N)`` of the 1-min series; its reported
  ``start`` is the time of sample ``s`` and its ``end`` the exclusive end
  ``start + N * cadence``.
* **Earthquake window** (label 1): ends at ``origin_time - lead_time``, i.e. it holds the
  ``N`` samples whose time stamps are strictly before that instant.
* **Quiet window** (label 0): every 1-min-aligned start position is a candidate; it must be
  at least ``exclusion_hours`` from every event, overlap no earthquake window, have
  ``max Kp < kp_threshold`` over the 3-h Kp intervals it overlaps (missing Kp counts as
  not quiet, because a storm cannot be ruled out), and contain no gap sample.  Windows are
  drawn uniformly from the eligible starts with a seeded RNG and accepted greedily when they
  do not overlap an already accepted quiet window.
* **Normalisation happens here, in the dataset**: each stored window is
  ``[Bx, By, Bz] / max|Bz|`` of that window (the paper's 3 x N greyscale image).  The
  divisor is kept in ``labels.csv`` (``bz_scale``) so the physical values can be recovered.
  With unfiltered data Bz is the ~40,000 nT main field, so normalised Bz is ~1 -- that is
  what the paper did and it is implemented literally.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import write_json
from eqprecursors.core.times import NS_PER_S, format_iso, to_epoch_ns

WINDOW_SAMPLES: dict[str, int] = {"hour": 60, "day": 1440, "week": 10080, "month": 43200}
"""Window lengths in samples at 1-min cadence (month = 30 days)."""

CADENCE_S = 60
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


def window_samples(window: str | int) -> int:
    """Window name (hour/day/week/month) or explicit sample count -> N."""
    if isinstance(window, str):
        try:
            return WINDOW_SAMPLES[window]
        except KeyError:
            raise ValueError(
                f"unknown window {window!r}; expected one of {sorted(WINDOW_SAMPLES)} or an int"
            ) from None
    n = int(window)
    if n <= 0:
        raise ValueError(f"window length must be positive, got {n}")
    return n


# --------------------------------------------------------------------------------------
# diurnal filtering
# --------------------------------------------------------------------------------------
_FILTER_TYPES = {"highpass": 1, "lowpass": 1, "bandpass": 2}


def validate_filter(filter: dict | None, cadence_s: float = CADENCE_S) -> dict | None:
    """Check a Butterworth filter spec and return it normalised (corners in cycles/day).

    ``filter = {"type": "highpass"|"lowpass"|"bandpass", "order": 4, "corners_cpd": [..]}``;
    ``corners_hz`` is accepted instead of ``corners_cpd`` so that the paper's literal value can
    be written down -- and rejected: the paper's 0.02 Hz corner is above the Nyquist frequency
    of 1-min data (1/120 Hz = 0.00833 Hz = 720 cpd), so it cannot be applied.  Corners are
    given in cycles per day because the target is the daily (Sq) variation, e.g. a high-pass
    at ~1.5 cpd removes the 1-cpd diurnal variation but keeps shorter-period signals.
    ``None`` or ``{"type": "none"}`` means no filtering.
    """
    if filter is None:
        return None
    if not isinstance(filter, dict):
        raise ValueError(f"filter must be a mapping or None, got {type(filter).__name__}")
    ftype = str(filter.get("type", "")).lower()
    if ftype in ("none", ""):
        return None
    if ftype not in _FILTER_TYPES:
        raise ValueError(f"filter type must be one of {sorted(_FILTER_TYPES)}, got {ftype!r}")
    order = filter.get("order", 4)
    if isinstance(order, bool) or int(order) != order or int(order) < 1:
        raise ValueError(f"filter order must be a positive integer, got {order!r}")
    fs_cpd = 86400.0 / float(cadence_s)
    nyquist_cpd = fs_cpd / 2.0
    if "corners_cpd" in filter and "corners_hz" in filter:
        raise ValueError("give either corners_cpd or corners_hz, not both")
    if "corners_cpd" in filter:
        corners = np.atleast_1d(np.asarray(filter["corners_cpd"], dtype=float))
    elif "corners_hz" in filter:
        corners = np.atleast_1d(np.asarray(filter["corners_hz"], dtype=float)) * 86400.0
    else:
        raise ValueError("filter needs corners_cpd (cycles per day)")
    if corners.size != _FILTER_TYPES[ftype]:
        raise ValueError(
            f"{ftype} filter needs {_FILTER_TYPES[ftype]} corner(s), got {corners.tolist()}"
        )
    for c in corners:
        if not np.isfinite(c) or c <= 0:
            raise ValueError(f"filter corner {c} cpd must be > 0")
        if c >= nyquist_cpd:
            raise ValueError(
                f"filter corner {c:g} cpd ({c / 86400:.4g} Hz) is at or above the Nyquist "
                f"frequency {nyquist_cpd:g} cpd ({nyquist_cpd / 86400:.4g} Hz) of "
                f"{cadence_s:g}-s data; the paper's 0.02 Hz corner cannot be applied to "
                f"1-min data -- use a corner in cycles/day, e.g. highpass 1.5 cpd"
            )
    if ftype == "bandpass" and not corners[0] < corners[1]:
        raise ValueError(f"bandpass corners must be increasing, got {corners.tolist()}")
    return {"type": ftype, "order": int(order), "corners_cpd": [float(c) for c in corners]}


def _sos(spec: dict, cadence_s: float) -> np.ndarray:
    from scipy import signal

    fs_cpd = 86400.0 / float(cadence_s)
    wn = spec["corners_cpd"] if spec["type"] == "bandpass" else spec["corners_cpd"][0]
    return signal.butter(spec["order"], wn, btype=spec["type"], output="sos", fs=fs_cpd)


def finite_segments(valid: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True in ``valid`` as half-open ``(start, stop)`` pairs."""
    v = np.asarray(valid, dtype=bool)
    if v.size == 0:
        return []
    d = np.diff(np.concatenate(([0], v.view(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def apply_filter(
    data: np.ndarray, filter: dict | None, cadence_s: float = CADENCE_S
) -> tuple[np.ndarray, int]:
    """Zero-phase (forward-backward, ``sosfiltfilt``) Butterworth filter per continuous segment.

    NaN samples break the series into segments that are filtered independently, so a gap
    never leaks into its neighbours.  Segments too short for ``sosfiltfilt``'s edge padding
    cannot be filtered reliably and are set to NaN (they then count as gaps); the number of
    such samples is returned.  ``data`` has shape (T,) or (T, C); rows with any NaN are gaps.
    """
    from scipy import signal

    spec = validate_filter(filter, cadence_s)
    out = np.array(data, dtype=np.float64, copy=True)
    if spec is None:
        return out, 0
    sos = _sos(spec, cadence_s)
    padlen = 3 * (2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum()))
    two_d = out.reshape(out.shape[0], -1)
    valid = np.all(np.isfinite(two_d), axis=1)
    n_nulled = 0
    for a, b in finite_segments(valid):
        if b - a <= padlen:
            two_d[a:b] = np.nan
            n_nulled += b - a
            continue
        two_d[a:b] = signal.sosfiltfilt(sos, two_d[a:b], axis=0)
    return two_d.reshape(out.shape), n_nulled


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


def read_event_times(csv: str | Path) -> pd.DataFrame:
    """Catalog CSV -> DataFrame with an extra int64 ``time_ns`` column, sorted by time."""
    cat = pd.read_csv(csv, dtype={"event_id": str})
    cat["time_ns"] = to_epoch_ns(cat["time"]) if len(cat) else np.empty(0, np.int64)
    return cat.sort_values("time_ns", kind="stable").reset_index(drop=True)


def read_kp(kp_csv: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Kp CSV (time = START of each 3-h interval, kp) -> (start_ns, kp float, NaN missing)."""
    kp = pd.read_csv(kp_csv)
    t = to_epoch_ns(kp["time"])
    v = pd.to_numeric(kp["kp"], errors="coerce").to_numpy(dtype=float)
    order = np.argsort(t, kind="stable")
    return t[order], v[order]


# --------------------------------------------------------------------------------------
# pure selection logic
# --------------------------------------------------------------------------------------
def kp_per_sample(
    times_ns: np.ndarray,
    kp_start_ns: np.ndarray,
    kp_values: np.ndarray,
    interval_hours: float = 3.0,
) -> np.ndarray:
    """Kp value of the 3-h interval containing each sample (NaN where not covered).

    A window's samples cover exactly the Kp intervals the half-open window overlaps, so the
    window's max Kp is the max over its samples.
    """
    times_ns = np.asarray(times_ns, dtype=np.int64)
    out = np.full(times_ns.size, np.nan)
    if len(kp_start_ns) == 0:
        return out
    i = np.searchsorted(kp_start_ns, times_ns, side="right") - 1
    ok = i >= 0
    ii = np.clip(i, 0, None)
    ok &= times_ns < kp_start_ns[ii] + int(interval_hours * 3600 * NS_PER_S)
    out[ok] = np.asarray(kp_values, dtype=float)[ii[ok]]
    return out


def earthquake_window_ends(
    t0_ns: int, cadence_ns: int, event_ns: np.ndarray, lead_ns: int = 0
) -> np.ndarray:
    """Exclusive end sample index ``e`` of each earthquake window.

    ``e`` is the first sample at or after ``origin - lead``; the window ``[e - N, e)`` thus
    holds the N samples strictly before that instant.
    """
    rel = np.asarray(event_ns, dtype=np.int64) - lead_ns - int(t0_ns)
    return -((-rel) // cadence_ns)  # ceil division for int64


def _window_any(flags: np.ndarray, n: int) -> np.ndarray:
    """For every start s in [0, T-N]: does flags[s:s+N] contain a True?"""
    c = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
    return (c[n:] - c[:-n]) > 0


def _mark_ranges(n_pos: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Boolean array of length n_pos, True on every closed index range [lo_k, hi_k]."""
    lo = np.clip(np.asarray(lo, dtype=np.int64), 0, n_pos)
    hi = np.clip(np.asarray(hi, dtype=np.int64) + 1, 0, n_pos)
    keep = hi > lo
    d = np.zeros(n_pos + 1, dtype=np.int64)
    np.add.at(d, lo[keep], 1)
    np.add.at(d, hi[keep], -1)
    return np.cumsum(d[:-1]) > 0


def quiet_candidate_masks(
    times_ns: np.ndarray,
    gap: np.ndarray,
    kp_sample: np.ndarray,
    n_samples: int,
    *,
    exclusion_event_ns: np.ndarray,
    exclusion_hours: float,
    kp_threshold: float,
    eq_window_ends: np.ndarray,
    cadence_ns: int = CADENCE_S * NS_PER_S,
) -> dict[str, np.ndarray]:
    """Per-criterion exclusion masks over all start positions ``s = 0..T-N``.

    Returns boolean arrays ``seismic`` (an event closer than ``exclusion_hours`` to the
    window [start, end), or overlap with any earthquake window), ``storm`` (max Kp >=
    threshold), ``kp_missing`` (some sample without a Kp value), ``gaps`` and ``eligible``.
    """
    T = len(times_ns)
    n_pos = T - n_samples + 1
    if n_pos <= 0:
        e = np.zeros(0, dtype=bool)
        return {k: e for k in ("seismic", "storm", "kp_missing", "gaps", "eligible")}
    t0 = int(times_ns[0])
    excl = int(round(exclusion_hours * 3600 * NS_PER_S))
    ev = np.asarray(exclusion_event_ns, dtype=np.int64) - t0
    # too close iff start - excl < t_ev < end + excl  (distance from event to window < excl)
    lo = (ev - n_samples * cadence_ns - excl) // cadence_ns + 1
    hi = -((-(ev + excl)) // cadence_ns) - 1
    seismic = _mark_ranges(n_pos, lo, hi)
    # overlap with an earthquake window [e - N, e):  e - 2N < s < e
    e = np.asarray(eq_window_ends, dtype=np.int64)
    seismic |= _mark_ranges(n_pos, e - 2 * n_samples + 1, e - 1)
    kp_sample = np.asarray(kp_sample, dtype=float)
    with np.errstate(invalid="ignore"):
        storm = _window_any(kp_sample >= kp_threshold, n_samples)
    kp_missing = _window_any(np.isnan(kp_sample), n_samples)
    gaps = _window_any(np.asarray(gap, dtype=bool), n_samples)
    eligible = ~(seismic | storm | kp_missing | gaps)
    return {
        "seismic": seismic,
        "storm": storm,
        "kp_missing": kp_missing,
        "gaps": gaps,
        "eligible": eligible,
    }


def draw_quiet_starts(
    eligible: np.ndarray,
    n_wanted: int,
    n_samples: int,
    rng: np.random.Generator,
    accept: Any = None,
) -> list[int]:
    """Random, mutually non-overlapping window starts among the eligible ones.

    Starts are visited in a seeded random order and accepted greedily when the window does
    not overlap an accepted one (and ``accept(s)`` is true, if given).  Returns sorted starts;
    fewer than ``n_wanted`` when the eligible time runs out.
    """
    chosen: list[int] = []
    if n_wanted <= 0:
        return chosen
    order = rng.permutation(np.flatnonzero(eligible))
    for a in range(0, order.size, 1 << 16):  # chunked: a 20-yr series has ~10 M candidates
        for s in order[a : a + (1 << 16)].tolist():
            i = bisect.bisect_left(chosen, s)
            if i > 0 and chosen[i - 1] + n_samples > s:
                continue
            if i < len(chosen) and s + n_samples > chosen[i]:
                continue
            if accept is not None and not accept(s):
                continue
            chosen.insert(i, s)
            if len(chosen) >= n_wanted:
                return chosen
    return chosen


def normalise_window(window: np.ndarray) -> tuple[np.ndarray, float]:
    """(3, N) [X, Y, Z] -> divided by max|Z| of the window (paper: per-window greyscale)."""
    scale = float(np.max(np.abs(window[2])))
    if not np.isfinite(scale) or scale == 0.0:
        raise ValueError("window has max|Bz| == 0 or non-finite; cannot normalise")
    return (window / scale).astype(np.float32), scale


# --------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------
def _open_windows(path: Path, n: int, n_samples: int) -> np.ndarray:
    if n == 0:  # a zero-length memmap cannot be created; an empty .npy still loads fine
        np.save(path, np.zeros((0, 3, n_samples), dtype=np.float32))
        return np.load(path)
    return np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, 3, n_samples))


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
    quiet_per_event: float = 1.0,
    seed: int,
    filter: dict | None = None,
    all_events_csv: str | Path | None = None,
    kp_interval_hours: float = 3.0,
    cadence_s: float = CADENCE_S,
) -> dict:
    """Write ``windows.npy`` (n, 3, N) float32 memmap, ``labels.csv`` and ``report.json``.

    Rows are sorted by window start; ``labels.csv``'s ``index`` is the row in windows.npy.
    Returns the report dict.  See the module docstring for the selection rules.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = window_samples(window)
    spec = validate_filter(filter, cadence_s)
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
    kp_t, kp_v = read_kp(kp_csv)

    data, n_nulled = apply_filter(data, spec, cadence_s)
    gap = gap | ~np.all(np.isfinite(data), axis=1)
    kp_s = kp_per_sample(times, kp_t, kp_v, kp_interval_hours)

    plan, report = plan_windows(
        times,
        gap,
        kp_s,
        catalog,
        n,
        exclusion_event_ns=excl_ns,
        exclusion_hours=exclusion_hours,
        kp_threshold=kp_threshold,
        lead_ns=int(round(lead_time_minutes * 60 * NS_PER_S)),
        quiet_per_event=quiet_per_event,
        seed=seed,
        z=data[:, 2],
        cadence_ns=cad_ns,
    )

    plan = plan.sort_values(["start_idx", "label"], kind="stable").reset_index(drop=True)
    arr = _open_windows(out_dir / "windows.npy", len(plan), n)
    scales = np.empty(len(plan))
    for i, s in enumerate(plan["start_idx"].to_numpy()):
        w, scales[i] = normalise_window(data[s : s + n].T)
        arr[i] = w
    if isinstance(arr, np.memmap):
        arr.flush()
    del arr

    starts = times[0] + plan["start_idx"].to_numpy(dtype=np.int64) * cad_ns if len(plan) else []
    labels = pd.DataFrame(
        {
            "index": np.arange(len(plan)),
            "observatory": obs,
            "start": format_iso(starts),
            "end": format_iso(np.asarray(starts, dtype=np.int64) + n * cad_ns),
            "label": plan["label"].to_numpy(dtype=int),
            "event_id": plan["event_id"].to_numpy(),
            "magnitude": plan["magnitude"].to_numpy(dtype=float),
            "distance_km": plan["distance_km"].to_numpy(dtype=float),
            "max_kp": [
                float(np.nanmax(kp_s[s : s + n]))
                if np.any(np.isfinite(kp_s[s : s + n]))
                else np.nan
                for s in plan["start_idx"].to_numpy()
            ],
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
            "filter_samples_nulled_short_segments": int(n_nulled),
            "normalization": NORMALIZATION,
            "counts_per_label": {
                "0": int((labels["label"] == 0).sum()),
                "1": int((labels["label"] == 1).sum()),
            },
            "n_windows": int(len(labels)),
        }
    )
    write_json(report, out_dir / "report.json")
    return report


def plan_windows(
    times_ns: np.ndarray,
    gap: np.ndarray,
    kp_sample: np.ndarray,
    catalog: pd.DataFrame,
    n_samples: int,
    *,
    exclusion_event_ns: np.ndarray,
    exclusion_hours: float,
    kp_threshold: float,
    lead_ns: int = 0,
    quiet_per_event: float = 1.0,
    seed: int = 0,
    z: np.ndarray | None = None,
    cadence_ns: int = CADENCE_S * NS_PER_S,
) -> tuple[pd.DataFrame, dict]:
    """Pure core of :func:`make_dataset`: which windows to cut, and why others were not.

    ``catalog`` needs ``time_ns`` (and optionally event_id, magnitude, distance_km).  ``z`` is
    the (filtered) Bz series, used to reject windows that cannot be normalised (max|Bz|=0).
    Returns (plan with start_idx/label/event metadata, report counts).
    """
    T = len(times_ns)
    ev_ns = catalog["time_ns"].to_numpy(dtype=np.int64) if len(catalog) else np.empty(0, np.int64)
    ends = (
        earthquake_window_ends(int(times_ns[0]), cadence_ns, ev_ns, lead_ns)
        if T
        else np.empty(0, np.int64)
    )
    gap_c = np.concatenate(([0], np.cumsum(np.asarray(gap, dtype=bool), dtype=np.int64)))

    def bz_ok(s: int) -> bool:
        if z is None:
            return True
        m = np.max(np.abs(z[s : s + n_samples]))
        return bool(np.isfinite(m) and m > 0)

    rows = []
    n_outside = n_gaps = n_degenerate = 0
    for k, e in enumerate(ends.tolist()):
        s = e - n_samples
        if s < 0 or e > T:
            n_outside += 1
            continue
        if gap_c[e] - gap_c[s] > 0:
            n_gaps += 1
            continue
        if not bz_ok(s):
            n_degenerate += 1
            continue
        rec = catalog.iloc[k]
        eid = rec.get("event_id", "")
        rows.append(
            {
                "start_idx": s,
                "label": 1,
                "event_id": "" if pd.isna(eid) else str(eid),
                "magnitude": float(rec.get("magnitude", np.nan)),
                "distance_km": float(rec.get("distance_km", np.nan)),
            }
        )
    n_eq = len(rows)
    eq_starts = sorted(r["start_idx"] for r in rows)
    gaps_between = np.diff(np.asarray(eq_starts, dtype=np.int64))
    n_eq_overlapping = int(np.sum(gaps_between < n_samples))

    masks = quiet_candidate_masks(
        times_ns,
        gap,
        kp_sample,
        n_samples,
        exclusion_event_ns=exclusion_event_ns,
        exclusion_hours=exclusion_hours,
        kp_threshold=kp_threshold,
        eq_window_ends=ends,
        cadence_ns=cadence_ns,
    )
    n_wanted = int(round(quiet_per_event * n_eq))
    rng = np.random.default_rng(seed)
    degenerate_quiet = [0]

    def accept(s: int) -> bool:
        ok = bz_ok(s)
        degenerate_quiet[0] += not ok
        return ok

    quiet = draw_quiet_starts(masks["eligible"], n_wanted, n_samples, rng, accept)
    for s in quiet:
        rows.append(
            {
                "start_idx": s,
                "label": 0,
                "event_id": "",
                "magnitude": np.nan,
                "distance_km": np.nan,
            }
        )
    plan = pd.DataFrame(
        rows, columns=["start_idx", "label", "event_id", "magnitude", "distance_km"]
    )
    plan = plan.astype({"start_idx": np.int64, "label": np.int64})
    report = {
        "events_total": int(len(catalog)),
        "events_outside_coverage": n_outside,
        "events_dropped_gaps": n_gaps,
        "events_dropped_unnormalisable": n_degenerate,
        "earthquake_windows": n_eq,
        "earthquake_windows_overlapping_next": n_eq_overlapping,
        "quiet_requested": n_wanted,
        "quiet_windows": len(quiet),
        "quiet_shortfall": n_wanted - len(quiet),
        "quiet_candidates": {
            "unit": "1-min start positions (a candidate may fail several criteria)",
            "total": int(masks["eligible"].size),
            "excluded_seismic_proximity": int(masks["seismic"].sum()),
            "excluded_storm": int(masks["storm"].sum()),
            "excluded_kp_missing": int(masks["kp_missing"].sum()),
            "excluded_gaps": int(masks["gaps"].sum()),
            "excluded_unnormalisable": int(degenerate_quiet[0]),
            "eligible": int(masks["eligible"].sum()),
        },
    }
    return plan, report


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
        rep = json.loads((d / "report.json").read_text()) if (d / "report.json").exists() else {}
        parts.append((d, w, lab, rep))
    if not parts:
        raise ValueError("combine_datasets needs at least one dataset directory")
    lengths = {w.shape[2] for _, w, _, _ in parts}
    if len(lengths) != 1:
        raise ValueError(f"datasets have different window lengths: {sorted(lengths)}")
    n_samples = lengths.pop()
    total = sum(w.shape[0] for _, w, _, _ in parts)
    out = _open_windows(out_dir / "windows.npy", total, n_samples)
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
        "events_dropped_gaps": int(sum(r.get("events_dropped_gaps", 0) for *_, r in parts)),
        "normalization": NORMALIZATION,
        "per_observatory": {str(r.get("observatory", Path(d).name)): r for d, _, _, r in parts},
    }
    write_json(report, out_dir / "report.json")
    return report
