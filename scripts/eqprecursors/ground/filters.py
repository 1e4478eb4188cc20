"""The diurnal filter: a zero-phase Butterworth filter on gap-separated 1-min segments.

Petrescu & Moldovan (2022, doi:10.3390/make4040046) filter the daily (Sq) variation out of
the series before cutting windows.  Their 0.02 Hz corner is above the Nyquist frequency of
1-min data, so corners are given here in cycles per day and checked (:func:`validate_filter`).
"""

from __future__ import annotations

import numpy as np

from eqprecursors.ground.windows import CADENCE_S

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
