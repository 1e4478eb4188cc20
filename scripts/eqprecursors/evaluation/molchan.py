"""Molchan error diagrams, area skill score and probability gain: the alarm-forecast standard.

A classifier scored on curated balanced windows says little about forecasting: in use it
runs over the continuous record and raises alarms.  Molchan's diagram judges exactly that:
for every threshold ``h`` the alarm is on in the bins with score >= h; the alarm fraction
``tau`` is the share of the reference measure (time, or past seismicity) under alarm, the miss
rate ``nu`` the share of target events outside it.  Random guessing lies on ``nu = 1 - tau``.

Conventions (numpy/scipy only, so the figure environment can use it):

* bins are time bins or space-time cells (any array shape; all inputs are flattened alike);
* tied scores are one threshold: a block of tied bins switches on together, and the curve is
  joined linearly across it.  The straight segment is the expectation over random tie
  breaking, so the area skill score equals the Mann-Whitney AUC of the events against the
  reference measure (ties counted 1/2) and ties never change it;
* the null (Zechar & Jordan 2008): each event falls in the alarm with probability ``tau``
  independently, so the hits are Binomial(N, tau).  Events that share a bin (aftershocks)
  are not independent; pass the number of event bins as ``n_events`` to the null functions
  for a conservative test (``molchan_curve`` returns it as ``n_event_bins``).

pycsep's Molchan tools do not fit: spatial only, cells instead of events, ASS clamped at 1/2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats


def _flat(x, name: str, shape=None) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if shape is not None and a.shape != shape:
        raise ValueError(f"molchan: {name} has shape {a.shape}, scores have {shape}")
    a = a.ravel()
    if not np.all(np.isfinite(a)):
        raise ValueError(f"molchan: {name} holds NaN or infinite values (bins without a score?)")
    return a


def molchan_curve(scores, event_counts, weights=None) -> dict[str, Any]:
    """The Molchan trajectory over every distinct threshold, from no alarm to full alarm.

    ``scores``: alarm value per bin; ``event_counts``: target events per bin; ``weights``:
    reference measure per bin (default uniform; durations, or :func:`seismicity_rate_weights`).
    Returns ``tau``, ``nu`` and ``thresholds`` (``inf`` first: nothing alarmed, tau 0, nu 1;
    the lowest score last: everything alarmed, tau 1, nu 0), ``hits`` (events under alarm),
    ``n_events``, ``n_event_bins`` and ``n_bins``.  Without events ``nu`` is NaN.
    """
    s_arr = np.asarray(scores, dtype=float)
    s = _flat(s_arr, "scores")
    e = _flat(event_counts, "event_counts", s_arr.shape)
    w = np.ones_like(s) if weights is None else _flat(weights, "weights", s_arr.shape)
    if s.size == 0:
        raise ValueError("molchan: no bins (empty scores)")
    if np.any(e < 0) or np.any(w < 0):
        raise ValueError("molchan: event_counts and weights must be >= 0")
    total_w = float(w.sum())
    if total_w <= 0:
        raise ValueError("molchan: the reference measure (weights) sums to 0")
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    ends = np.flatnonzero(np.r_[s_sorted[1:] != s_sorted[:-1], True])  # last bin of each tie
    cum_w = np.cumsum(w[order])[ends]
    hits = np.r_[0.0, np.cumsum(e[order])[ends]]
    n_events = float(e.sum())
    tau = np.r_[0.0, cum_w / total_w]
    tau[-1] = 1.0
    if n_events > 0:
        nu = 1.0 - hits / n_events
        nu[-1] = 0.0
    else:
        nu = np.full(tau.shape, np.nan)
    return {
        "tau": tau,
        "nu": nu,
        "thresholds": np.r_[np.inf, s_sorted[ends]],
        "hits": hits,
        "n_events": int(n_events) if n_events.is_integer() else n_events,
        "n_event_bins": int(np.count_nonzero(e)),
        "n_bins": int(s.size),
    }


def area_skill_score(tau, nu, tau_max: float = 1.0) -> float:
    """ASS(tau_max) = 1 - (1/tau_max) * integral_0^tau_max nu dtau, curve joined linearly.

    1 for a perfect alarm (in the limit of events in bins of negligible measure), 1/2 for
    random guessing at tau_max = 1 (tau_max/2 in general), about 0 for a reversed alarm.
    Vertical steps (bins of zero measure) add no area.
    """
    t = np.asarray(tau, dtype=float)
    v = np.asarray(nu, dtype=float)
    if not 0 < tau_max <= 1:
        raise ValueError(f"area_skill_score: tau_max must lie in (0, 1], got {tau_max}")
    if t.shape != v.shape or t.ndim != 1 or t.size < 2:
        raise ValueError("area_skill_score: tau and nu must be 1-d arrays of the same length >= 2")
    if np.isnan(v).any():
        return float("nan")
    if t[0] != 0 or np.any(np.diff(t) < 0):
        raise ValueError("area_skill_score: tau must start at 0 and never decrease")
    t0, t1, v0, v1 = t[:-1], t[1:], v[:-1], v[1:]
    a, b = np.minimum(t0, tau_max), np.minimum(t1, tau_max)
    width = t1 - t0
    safe = np.where(width > 0, width, 1.0)
    va = v0 + (v1 - v0) * (a - t0) / safe
    vb = v0 + (v1 - v0) * (b - t0) / safe
    area = float(np.sum((b - a) * (va + vb) / 2))
    return 1.0 - area / tau_max


def molchan_null_bound(n_events: int, tau, alpha: float = 0.05) -> np.ndarray:
    """Critical miss rate: a curve point with nu strictly below it beats chance at ``alpha``.

    Under the null the misses are Binomial(N, 1 - tau); the bound is k/N with k the smallest
    miss count whose lower tail reaches alpha (``binom.ppf``), so P(misses < k) < alpha.  At
    tau 0 it is 1 and at tau 1 it is 0: neither end can be significant.
    """
    n = int(n_events)
    if n != n_events or n < 1:
        raise ValueError(f"molchan_null_bound: n_events must be a positive integer, got {n_events}")
    t = np.asarray(tau, dtype=float)
    if np.any((t < 0) | (t > 1)):
        raise ValueError("molchan_null_bound: tau must lie in [0, 1]")
    k = stats.binom.ppf(alpha, n, np.clip(1.0 - t, 0.0, 1.0))
    return np.asarray(k, dtype=float) / n


def probability_gain(tau, nu) -> np.ndarray:
    """G = (1 - nu) / tau: how much more often events fall under alarm than by chance."""
    t = np.asarray(tau, dtype=float)
    v = np.asarray(nu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (1.0 - v) / t
    return np.where(t > 0, g, np.nan)


def operating_point(curve, tau: float | None = None, threshold: float | None = None) -> dict:
    """The curve point at a declared alarm fraction (first point with tau >= it) or threshold.

    With ``threshold`` the alarm is on where score >= threshold, i.e. the point of the
    smallest distinct score >= threshold.  Also returns the hits and the one-sided binomial
    p-value P(hits >= observed | Binomial(N, tau)) of that single, pre-declared point.
    """
    if (tau is None) == (threshold is None):
        raise ValueError("operating_point: give exactly one of tau or threshold")
    t = np.asarray(curve["tau"], dtype=float)
    th = np.asarray(curve["thresholds"], dtype=float)
    if tau is not None:
        if not 0 <= tau <= 1:
            raise ValueError(f"operating_point: tau must lie in [0, 1], got {tau}")
        i = int(np.flatnonzero(t >= tau - 1e-12)[0])
    else:
        i = int(np.flatnonzero(th >= threshold)[-1])
    nu = float(curve["nu"][i])
    hits = float(curve["hits"][i])
    n = curve["n_events"]
    p = float("nan")
    if n and float(n).is_integer():
        p = float(stats.binom.sf(round(hits) - 1, int(n), t[i]))
    return {
        "tau": float(t[i]),
        "nu": nu,
        "gain": float(probability_gain(t[i], nu)),
        "threshold": float(th[i]),
        "hits": hits,
        "p_value": p,
    }


def ass_null(n_events: int, tau_max: float = 1.0, n_sim: int = 10000, seed: int = 0) -> dict:
    """Null distribution of ASS(tau_max) for N independent events (alarm fractions uniform).

    Each event's alarm fraction u_i is U(0, 1), so ASS = 1 - sum(min(u_i, tau_max))/(N tau_max).
    ``mean`` and ``sd`` are exact: tau_max/2 and sqrt((tau_max/3 - tau_max^2/4)/N), which at
    tau_max = 1 are 1/2 and sqrt(1/(12 N)); ``samples`` (n_sim, seeded) give the finite-N shape.
    """
    n = int(n_events)
    if n != n_events or n < 1:
        raise ValueError(f"ass_null: n_events must be a positive integer, got {n_events}")
    if not 0 < tau_max <= 1:
        raise ValueError(f"ass_null: tau_max must lie in (0, 1], got {tau_max}")
    rng = np.random.default_rng(seed)
    samples = np.empty(n_sim)
    chunk = max(1, 2_000_000 // n)
    for lo in range(0, n_sim, chunk):
        m = min(chunk, n_sim - lo)
        u = np.minimum(rng.uniform(size=(m, n)), tau_max)
        samples[lo : lo + m] = 1.0 - u.mean(axis=1) / tau_max
    var = (tau_max / 3 - tau_max**2 / 4) / n
    return {"mean": tau_max / 2, "sd": float(np.sqrt(var)), "samples": samples, "tau_max": tau_max}


def ass_pvalue(
    ass: float, n_events: int, tau_max: float = 1.0, n_sim: int = 10000, seed: int = 0
) -> float:
    """One-sided p = (1 + #{null ASS >= ass}) / (n_sim + 1): small when the alarm beats chance."""
    if not np.isfinite(ass):
        return float("nan")
    null = ass_null(n_events, tau_max=tau_max, n_sim=n_sim, seed=seed)["samples"]
    return float((1 + np.sum(null >= ass - 1e-12)) / (n_sim + 1))


def count_events(bin_starts_ns, bin_ends_ns, event_times_ns) -> np.ndarray:
    """Target events per bin [start, end) (bins may overlap; an event counts in each)."""
    starts = np.asarray(bin_starts_ns, dtype=np.int64)
    ends = np.asarray(bin_ends_ns, dtype=np.int64)
    ev = np.sort(np.asarray(event_times_ns, dtype=np.int64))
    return np.searchsorted(ev, ends, side="left") - np.searchsorted(ev, starts, side="left")


def _fit_background(rate: np.ndarray, dur: np.ndarray, counts: np.ndarray) -> float:
    """Background / kernel ratio mu/k of the Poisson model counts ~ dur (mu + k rate), by EM.

    Each event is shared between background and triggered parts in proportion to their
    rates (the standard EM for a two-component Poisson mixture); it converges monotonically.
    """
    n = float(counts.sum())
    if n <= 0:
        raise ValueError("seismicity_rate_weights: background='fit' needs target events")
    exposure_bg, exposure_tr = float(dur.sum()), float(np.sum(dur * rate))
    mu, k = n / (2 * exposure_bg), n / (2 * exposure_tr)
    for _ in range(2000):
        bg = counts * mu / (mu + k * rate)
        mu_new = float(bg.sum()) / exposure_bg
        k_new = float(n - bg.sum()) / exposure_tr
        done = abs(mu_new - mu) <= 1e-10 * mu and abs(k_new - k) <= 1e-10 * max(k, 1e-300)
        mu, k = mu_new, k_new
        if done:
            break
    return mu / k if k > 0 else np.inf


def seismicity_rate_weights(
    bin_starts_ns,
    bin_ends_ns,
    past_event_times_ns,
    bandwidth_ns,
    *,
    background: float | str = "fit",
    event_counts=None,
) -> np.ndarray:
    """Reference measure per bin: duration x (smoothed rate of PAST seismicity + background).

    With time as the reference, an alarm that simply follows ongoing sequences ("alarm when
    quakes cluster") earns skill from clustering alone.  Measuring the alarm by the expected
    number of events of a clustering reference model makes that alarm chance: if the measure
    is the conditional rate, any alarm built from the past hits, on average, its measure.

    Choices: the rate at a bin is a one-sided (half-)Gaussian kernel of width ``bandwidth_ns``
    over catalog events strictly before the bin start, so the measure never uses the events
    it is scored on, and it is evaluated at the bin start (bins short against the bandwidth).
    A constant background is added, since Gaussian tails vanish between sequences and an alarm
    there would otherwise cost nothing.  ``background="fit"`` (default) takes the background
    level from a Poisson fit of the model dur x (mu + k rate) to ``event_counts`` (default:
    the catalog events inside each bin), i.e. a Hawkes-type reference whose only fitted
    number is the background share; a float sets it to that fraction of the mean rate instead.
    Pass catalog events from before the evaluated period so the first bins have a history;
    for space-time cells call it per cell with that cell's past events.
    """
    starts = np.asarray(bin_starts_ns, dtype=np.int64).ravel()
    ends = np.asarray(bin_ends_ns, dtype=np.int64).ravel()
    ev = np.sort(np.asarray(past_event_times_ns, dtype=np.int64).ravel())
    if starts.shape != ends.shape or np.any(ends <= starts):
        raise ValueError("seismicity_rate_weights: every bin needs start < end, same lengths")
    if not bandwidth_ns > 0:
        raise ValueError("seismicity_rate_weights: bandwidth_ns must be > 0")
    bw = float(bandwidth_ns)
    reach = int(8 * bw)
    lo = np.searchsorted(ev, starts - reach, side="left")
    hi = np.searchsorted(ev, starts, side="left")  # strictly before the bin start
    rate = np.zeros(starts.size)
    norm = np.sqrt(2 / np.pi)  # per bandwidth; the overall scale cancels in tau
    for i in np.flatnonzero(hi > lo):
        d = (starts[i] - ev[lo[i] : hi[i]]).astype(float) / bw
        rate[i] = norm * np.exp(-0.5 * d * d).sum()
    dur = (ends - starts).astype(float) / bw
    mean_rate = float(np.sum(rate * dur) / dur.sum())
    if mean_rate <= 0:
        raise ValueError(
            "seismicity_rate_weights: no catalog event precedes any bin within 8 bandwidths: "
            "the past-seismicity reference is undefined (pass events from before the period)"
        )
    if isinstance(background, str):
        if background != "fit":
            raise ValueError(f"seismicity_rate_weights: background {background!r}: 'fit' or float")
        counts = (
            count_events(starts, ends, ev)
            if event_counts is None
            else np.asarray(event_counts, dtype=float).ravel()
        )
        if counts.shape != starts.shape:
            raise ValueError("seismicity_rate_weights: event_counts must have one value per bin")
        level = _fit_background(rate, dur, counts.astype(float))
        if not np.isfinite(level):  # no triggering at all: the measure is time
            return dur / dur.sum()
    elif background >= 0:
        level = float(background) * mean_rate
    else:
        raise ValueError("seismicity_rate_weights: background must be 'fit' or >= 0")
    w = dur * (rate + level)
    return w / w.sum()
