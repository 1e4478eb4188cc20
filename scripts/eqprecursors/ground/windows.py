"""Which windows to cut: earthquake windows, quiet-window candidates and the seeded draw.

Pure functions on arrays and int64-ns time stamps (see :mod:`eqprecursors.ground.labels` for
the conventions), so the selection rules can be unit-tested on hand-checkable series.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.times import NS_PER_S
from eqprecursors.ground.plan import WINDOW_SAMPLES  # one table for the DAG and the science

CADENCE_S = 60
"""Sample spacing of the decoded series in seconds (1-min data)."""


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


def padding_gaps(gap: np.ndarray, n_samples: int, min_padding: int) -> np.ndarray:
    """For every start s in [0, T-N]: is the gap-free run ending at s shorter than
    ``min_padding`` (a gap in ``[s - min_padding, s)``, or too close to the record start)?

    The filter's padding is taken from before the window only, from that run.
    """
    gap = np.asarray(gap, dtype=bool)
    n_pos = gap.size - n_samples + 1
    if n_pos <= 0:
        return np.zeros(0, dtype=bool)
    if min_padding <= 0:
        return np.zeros(n_pos, dtype=bool)
    c = np.concatenate(([0], np.cumsum(gap, dtype=np.int64)))
    s = np.arange(n_pos)
    bad = s < min_padding
    ok = ~bad
    bad[ok] = (c[s[ok]] - c[s[ok] - min_padding]) > 0
    return bad


def is_stormy(window_kp: np.ndarray, kp_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(storm, kp_missing) per window: max Kp >= threshold, or Kp not known throughout."""
    window_kp = np.asarray(window_kp, dtype=float)
    missing = np.isnan(window_kp)
    with np.errstate(invalid="ignore"):
        storm = ~missing & (window_kp >= kp_threshold)
    return storm, missing


MASK_NAMES = ("seismic", "storm", "kp_missing", "gaps", "padding", "eligible")


def quiet_candidate_masks(
    times_ns: np.ndarray,
    gap: np.ndarray,
    window_kp: np.ndarray,
    n_samples: int,
    *,
    exclusion_event_ns: np.ndarray,
    exclusion_hours: float,
    kp_threshold: float,
    eq_window_ends: np.ndarray,
    min_padding: int = 0,
    cadence_ns: int = CADENCE_S * NS_PER_S,
) -> dict[str, np.ndarray]:
    """Per-criterion exclusion masks over all start positions ``s = 0..T-N``.

    ``window_kp[s]`` is the max Kp of window s, NaN unless Kp is known throughout it
    (``io.kp.max_kp_over_windows(..., skipna=False)``).  Returns boolean arrays ``seismic``
    (an event closer than ``exclusion_hours`` to the window [start, end), or overlap with any
    earthquake window), ``storm`` (max Kp >= threshold), ``kp_missing``, ``gaps`` (a gap
    sample in the window), ``padding`` (fewer than ``min_padding`` gap-free samples right
    before the window, see :func:`padding_gaps`) and ``eligible``.
    """
    T = len(times_ns)
    n_pos = T - n_samples + 1
    if n_pos <= 0:
        e = np.zeros(0, dtype=bool)
        return {k: e for k in MASK_NAMES}
    window_kp = np.asarray(window_kp, dtype=float)
    if window_kp.shape != (n_pos,):
        raise ValueError(f"window_kp has shape {window_kp.shape}, expected ({n_pos},)")
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
    storm, kp_missing = is_stormy(window_kp, kp_threshold)
    gaps = _window_any(np.asarray(gap, dtype=bool), n_samples)
    pad = padding_gaps(gap, n_samples, min_padding)
    eligible = ~(seismic | storm | kp_missing | gaps | pad)
    return {
        "seismic": seismic,
        "storm": storm,
        "kp_missing": kp_missing,
        "gaps": gaps,
        "padding": pad,
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


def plan_windows(
    times_ns: np.ndarray,
    gap: np.ndarray,
    window_kp: np.ndarray,
    catalog: pd.DataFrame,
    n_samples: int,
    *,
    exclusion_event_ns: np.ndarray,
    exclusion_hours: float,
    kp_threshold: float,
    screen_storms: bool = True,
    lead_ns: int = 0,
    quiet_per_event: float = 1.0,
    seed: int = 0,
    min_padding: int = 0,
    window_ok: Callable[[int], bool] | None = None,
    cadence_ns: int = CADENCE_S * NS_PER_S,
) -> tuple[pd.DataFrame, dict]:
    """Pure core of :func:`~eqprecursors.ground.labels.make_dataset`: which windows to cut.

    ``catalog`` needs ``time_ns`` (and optionally event_id, magnitude, distance_km).
    ``window_kp`` as in :func:`quiet_candidate_masks`; with ``screen_storms`` earthquake
    windows obey the quiet windows' Kp rule (max Kp < threshold, Kp known), without it they
    are only counted.  ``min_padding``: gap-free samples every window needs right before its
    start (the filter's support).  ``window_ok(s)`` rejects windows that cannot be stored
    (the filtered window has max|Bz| = 0).  Returns (plan with start_idx/label/event
    metadata, report counts).
    """
    T = len(times_ns)
    ev_ns = catalog["time_ns"].to_numpy(dtype=np.int64) if len(catalog) else np.empty(0, np.int64)
    ends = (
        earthquake_window_ends(int(times_ns[0]), cadence_ns, ev_ns, lead_ns)
        if T
        else np.empty(0, np.int64)
    )
    gap_c = np.concatenate(([0], np.cumsum(np.asarray(gap, dtype=bool), dtype=np.int64)))
    pad_bad = padding_gaps(gap, n_samples, min_padding)
    storm, kp_missing = is_stormy(window_kp, kp_threshold)

    def bz_ok(s: int) -> bool:
        return True if window_ok is None else bool(window_ok(s))

    rows = []
    n_outside = n_gaps = n_padding = n_storm = n_kp_missing = n_degenerate = 0
    stormy_kept = kp_missing_kept = 0
    for k, e in enumerate(ends.tolist()):
        s = e - n_samples
        if s < 0 or e > T:
            n_outside += 1
            continue
        if gap_c[e] - gap_c[s] > 0:
            n_gaps += 1
            continue
        if pad_bad[s]:
            n_padding += 1
            continue
        if screen_storms and (storm[s] or kp_missing[s]):
            n_storm += bool(storm[s])
            n_kp_missing += bool(kp_missing[s])
            continue
        if not bz_ok(s):
            n_degenerate += 1
            continue
        stormy_kept += bool(storm[s])
        kp_missing_kept += bool(kp_missing[s])
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
        window_kp,
        n_samples,
        exclusion_event_ns=exclusion_event_ns,
        exclusion_hours=exclusion_hours,
        kp_threshold=kp_threshold,
        eq_window_ends=ends,
        min_padding=min_padding,
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
        "events_dropped_padding": n_padding,
        "events_dropped_storm": n_storm,
        "events_dropped_kp_missing": n_kp_missing,
        "events_dropped_unnormalisable": n_degenerate,
        "screen_storms": bool(screen_storms),
        "earthquake_windows": n_eq,
        # with screen_storms off: how many earthquake windows a Kp rule alone would flag
        "earthquake_windows_stormy": stormy_kept,
        "earthquake_windows_kp_missing": kp_missing_kept,
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
            "excluded_padding": int(masks["padding"].sum()),
            "excluded_unnormalisable": int(degenerate_quiet[0]),
            "eligible": int(masks["eligible"].sum()),
        },
    }
    return plan, report
