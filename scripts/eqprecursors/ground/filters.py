"""The diurnal filter: a zero-phase Butterworth filter, applied to each window on its own.

Petrescu & Moldovan (2022, doi:10.3390/make4040046) filter the daily (Sq) variation out of
the series before cutting windows.  Their 0.02 Hz corner is above the Nyquist frequency of
1-min data, so corners are given here in cycles per day and checked (:func:`validate_filter`).

A zero-phase filter run over the whole record lets every output sample see data hours
*after* it, so a window ending at an origin time would see the co-seismic record.  The
dataset therefore filters each window ``[s, s + N)`` by itself, with up to
``padding_hours`` of gap-free data taken from *before* the window only (:func:`filter_window`):
nothing after the window's end reaches it.  The padding absorbs the forward pass's start-up
transient, so ``padding_hours`` must reach beyond the impulse response's effective support
(:func:`effective_support_hours`); a gap shortens the padding to the gap-free run after it,
and a run shorter than the support leaves the window unusable.
The backward pass starts at the window end, so the last hours of every window -- earthquake
and quiet alike -- carry the same edge behaviour; that is the price of causality.
"""

from __future__ import annotations

import functools

import numpy as np

from eqprecursors.ground.windows import CADENCE_S

_FILTER_TYPES = {"highpass": 1, "lowpass": 1, "bandpass": 2}

DEFAULT_PADDING_HOURS = 72.0
"""Schema default of ``ground_cnn.filters.<name>.padding_hours``: 4.5 periods (16 h) of the
default 1.5-cpd corner; the order-4 response's effective support is 57 h there."""

SUPPORT_TOLERANCE = 1e-4
"""The effective support ends where the causal impulse response's remaining l1 norm falls
below this fraction of its total.  Input before that lag moves an output sample by at most
this fraction of ||h||_1 times the input's range about its level at the padding start (the
level itself starts no transient: ``sosfiltfilt`` starts in the steady state of the first
sample)."""


def _validate_response(filter: dict | None, cadence_s: float = CADENCE_S) -> dict | None:
    """Type, order and corners of a filter spec (see :func:`validate_filter`)."""
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


def validate_filter(filter: dict | None, cadence_s: float = CADENCE_S) -> dict | None:
    """Check a Butterworth filter spec and return it normalised (corners in cycles/day).

    ``filter = {"type": "highpass"|"lowpass"|"bandpass", "order": 4, "corners_cpd": [..],
    "padding_hours": 72}``; ``corners_hz`` is accepted instead of ``corners_cpd`` so that the
    paper's literal value can be written down -- and rejected: the paper's 0.02 Hz corner is
    above the Nyquist frequency of 1-min data (1/120 Hz = 0.00833 Hz = 720 cpd), so it cannot
    be applied.  Corners are given in cycles per day because the target is the daily (Sq)
    variation, e.g. a high-pass at ~1.5 cpd removes the 1-cpd diurnal variation but keeps
    shorter-period signals.  ``None`` or ``{"type": "none"}`` means no filtering.
    ``padding_hours`` (default :data:`DEFAULT_PADDING_HOURS`) is the data before each window
    that :func:`filter_window` filters with it; it must reach beyond
    :func:`effective_support_hours`.
    """
    spec = _validate_response(filter, cadence_s)
    if spec is None:
        return None
    order = spec["order"]
    ftype = spec["type"]
    padding = filter.get("padding_hours", DEFAULT_PADDING_HOURS)
    if isinstance(padding, bool) or not np.isfinite(float(padding)) or float(padding) <= 0:
        raise ValueError(f"filter padding_hours must be a positive number, got {padding!r}")
    support = effective_support_hours(spec, cadence_s)
    if float(padding) < support:
        raise ValueError(
            f"ground_cnn.filters.*.padding_hours = {float(padding):g} h is shorter than the "
            f"effective support {support:.3g} h of the {ftype} filter (order {order}, corners "
            f"{spec['corners_cpd']} cpd): the forward pass's start-up transient would reach "
            f"into the window; give padding_hours >= {np.ceil(support):g}"
        )
    return spec | {"padding_hours": float(padding)}


def effective_support_hours(
    spec: dict, cadence_s: float = CADENCE_S, tol: float = SUPPORT_TOLERANCE
) -> float:
    """Hours after which the causal (one-pass) impulse response's l1 tail is below ``tol``.

    That is how much earlier data an output sample depends on: the forward pass needs this
    much padding before a window so that where it starts does not matter.  The response is
    computed over 64 periods of the lowest corner, by which time every tail is negligible.
    """
    return support_samples(spec, cadence_s, tol) * float(cadence_s) / 3600.0


def support_samples(spec: dict, cadence_s: float = CADENCE_S, tol: float = SUPPORT_TOLERANCE):
    """:func:`effective_support_hours` in samples: the least padding a window may have."""
    return _support_samples(
        spec["type"], spec["order"], tuple(spec["corners_cpd"]), float(cadence_s), float(tol)
    )


@functools.lru_cache(maxsize=32)
def _support_samples(ftype: str, order: int, corners: tuple, cadence_s: float, tol: float):
    from scipy import signal

    spec = {"type": ftype, "order": order, "corners_cpd": list(corners)}
    sos = _sos(spec, cadence_s)
    fs_cpd = 86400.0 / cadence_s
    length = int(np.ceil(64 * fs_cpd / min(corners)))
    impulse = np.zeros(length)
    impulse[0] = 1.0
    h = np.abs(signal.sosfilt(sos, impulse))
    tail = np.cumsum(h[::-1])[::-1]  # tail[k] = sum_{j >= k} |h[j]|
    return int(np.argmax(tail < tol * tail[0])) if tail[-1] < tol * tail[0] else length


def padding_samples(spec: dict | None, cadence_s: float = CADENCE_S) -> tuple[int, int]:
    """(most, least) samples of padding before a window: ``padding_hours`` and the support.

    (0, 0) without a filter.
    """
    if spec is None:
        return 0, 0
    most = int(np.ceil(spec["padding_hours"] * 3600.0 / float(cadence_s) - 1e-9))
    return most, min(support_samples(spec, cadence_s), most)


def _sos(spec: dict, cadence_s: float = CADENCE_S) -> np.ndarray:
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

    spec = _validate_response(filter, cadence_s)
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


def filter_window(
    data: np.ndarray, start: int, n: int, spec: dict | None, cadence_s: float = CADENCE_S
) -> np.ndarray:
    """The filtered window ``data[start : start + n]``, from data before its end only.

    The window and the gap-free run right before it, at most ``padding_hours`` long, are
    filtered as one segment and the last ``n`` samples returned, so samples at or after
    ``start + n`` never enter.  ValueError when the window holds a gap (NaN) or the run is
    shorter than the filter's support (:func:`padding_samples`): such a window is not usable.
    """
    most, least = padding_samples(spec, cadence_s)
    if start < 0 or start + n > len(data):
        raise ValueError(f"window [{start}, {start + n}) is outside the data")
    window = np.asarray(data[start : start + n], dtype=np.float64)
    if not np.all(np.isfinite(window)):
        raise ValueError(f"window [{start}, {start + n}) holds a gap")
    if spec is None:
        return window.copy()
    lo = max(start - most, 0)
    before = np.asarray(data[lo:start], dtype=np.float64).reshape(start - lo, -1)
    bad = np.flatnonzero(~np.all(np.isfinite(before), axis=1))
    lo += int(bad[-1]) + 1 if bad.size else 0  # the gap-free run ending at the window start
    if start - lo < least:
        raise ValueError(
            f"window [{start}, {start + n}): {start - lo} gap-free samples before it, the "
            f"filter needs {least} (its impulse-response support)"
        )
    out, nulled = apply_filter(data[lo : start + n], spec, cadence_s)
    if nulled:
        raise ValueError(f"window of {n} + {start - lo} samples is too short to filter")
    return out[start - lo :]
