"""Alarm time series over the continuous test period, and their Molchan bookkeeping.

A classifier scored on curated, balanced windows says little about forecasting: in use it
runs over the whole record and raises alarms.  Here a trained ground CNN slides over each
observatory's **held-out period** (the chronological split's boundary plus its embargo, to
the record end) and its P(earthquake) becomes an alarm series, which
:mod:`eqprecursors.evaluation.molchan` judges against the catalog's events.

Conventions (times are int64 ns, UTC; a window is ``[start, end)`` as in
:mod:`eqprecursors.ground.labels`):

* **Windows are cut exactly as the dataset cuts them**: the record of
  :func:`~eqprecursors.ground.labels.load_ground` with gap samples set to NaN, filtered window
  by window by :func:`~eqprecursors.ground.filters.filter_window` (padding from before the
  window only) and divided by max|Bz| (:func:`~eqprecursors.ground.windows.normalise_window`).
  Windows with a gap, without their gap-free padding, or that cannot be normalised get no
  score; their status says why.
* **Alarm bins**: every window start ``stride`` apart, from the first sample at or after the
  held-out start while the window fits the record.  Bin ``i`` is ``[e_i, e_i + stride)``
  (``e_i`` the window's exclusive end; the last bin is cut at the record end): the time
  during which window ``i`` is the latest alarm.
* **Event to bin**: an event at origin ``t`` counts in the bin that holds ``t - lead``, i.e.
  it is predicted by the latest window ending at or before ``t - lead``
  (``lead = ground_cnn.labelling.lead_time_minutes``, the training windows' lead).  Events of
  the held-out period that fall before the first window end, or in a bin without a score
  (a data gap), are not targets; they are counted, never dropped in silence.
* **Reference measures**: time (bin durations) and the rate of past seismicity
  (:func:`~eqprecursors.evaluation.molchan.seismicity_rate_weights` over every catalog event
  before each bin), so an alarm that only follows ongoing sequences scores as chance.
* **Null**: the ASS p-value and the conservative operating-point p use the number of bins
  that hold a target (aftershocks sharing a bin are not independent events).

TensorFlow is imported only inside :func:`predict_ground_alarms` (one job per model); the
Molchan side is numpy/scipy/pandas only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.progress import Progress
from eqprecursors.core.reports import read_json, write_json
from eqprecursors.core.splits import leakage_warning
from eqprecursors.core.times import NS_PER_HOUR, NS_PER_MIN, NS_PER_S, format_iso, to_epoch_ns
from eqprecursors.evaluation import molchan
from eqprecursors.ground.filters import filter_window, padding_samples, validate_filter
from eqprecursors.ground.labels import load_ground, read_event_times
from eqprecursors.ground.windows import CADENCE_S, normalise_window, padding_gaps, window_samples
from eqprecursors.io.kp import max_kp_over_windows, read_kp

SERIES_COLUMNS = ["window_start", "window_end", "score", "status", "max_kp"]
"""One row per alarm window: ISO start and (exclusive) end, P(earthquake), why no score."""
STATUSES = ("ok", "gap", "padding", "unnormalisable")
REFERENCES = ("time", "seismicity")
EVENT_FATES = ("target", "uncovered", "before_first_alarm", "after_last_alarm")
ASSIGNMENT = (
    "an event at origin t counts in the alarm bin that holds t - lead: it is predicted by "
    "the latest window ending at or before t - lead (bins [window end, window end + stride))"
)


# ------------------------------------------------------------------ the held-out period
def held_out_period(
    split_report: dict, observatory: str, record_start_ns: int, record_end_ns: int
) -> dict[str, Any]:
    """Where the model's held-out (test) period lies in one observatory's record.

    Chronological split: from the boundary (per observatory if the split has one for it,
    else the global one) plus the embargo to the record end, as the validation windows
    (``start >= boundary + embargo``).  Random split: no period is held out, so the whole
    record is used and flagged ``in_sample`` with the leakage warning.
    """
    method = split_report.get("method")
    out: dict[str, Any] = {"split_method": method, "end_ns": int(record_end_ns)}
    if method == "chronological":
        boundaries = split_report.get("boundary") or {}
        key = observatory if observatory in boundaries else "all"
        if key not in boundaries:
            raise ValueError(f"split report has no boundary for {observatory!r} or 'all'")
        boundary = int(to_epoch_ns([boundaries[key]])[0])
        embargo_h = float(split_report.get("embargo_hours", 0.0))
        start = boundary + int(round(embargo_h * NS_PER_HOUR))
        return out | {
            "boundary": boundaries[key],
            "embargo_hours": embargo_h,
            "start_ns": max(start, int(record_start_ns)),
            "in_sample": False,
            "leakage_warning": None,
        }
    if method == "random":
        warning = (
            f"{leakage_warning('random')}; no period is held out, so the alarm series "
            "covers the whole record, training windows included (in-sample)"
        )
        return out | {
            "boundary": None,
            "embargo_hours": None,
            "start_ns": int(record_start_ns),
            "in_sample": True,
            "leakage_warning": warning,
        }
    raise ValueError(f"split report: unknown method {method!r}")


def alarm_starts(
    times_ns: np.ndarray, start_ns: int, n_samples: int, stride_samples: int
) -> np.ndarray:
    """Start indices of the sliding windows that lie wholly in ``[start_ns, record end)``."""
    if stride_samples < 1:
        raise ValueError(f"alarm stride must be >= 1 sample, got {stride_samples}")
    first = int(np.searchsorted(np.asarray(times_ns, dtype=np.int64), start_ns, side="left"))
    last = len(times_ns) - int(n_samples)
    return np.arange(first, last + 1, int(stride_samples), dtype=np.int64)


def window_status(
    gap: np.ndarray, starts: np.ndarray, n_samples: int, min_padding: int
) -> np.ndarray:
    """Status of each window before filtering: ``gap`` (a gap sample inside), ``padding``
    (the gap-free run before it is shorter than the filter's support ``min_padding``) or
    ``ok``; the dataset's rules (:func:`~eqprecursors.ground.windows.padding_gaps`)."""
    gap = np.asarray(gap, dtype=bool)
    starts = np.asarray(starts, dtype=np.int64)
    status = np.full(starts.size, "ok", dtype=object)
    if starts.size == 0:
        return status
    c = np.concatenate(([0], np.cumsum(gap, dtype=np.int64)))
    in_gap = (c[starts + n_samples] - c[starts]) > 0
    pad_bad = padding_gaps(gap, n_samples, min_padding)[starts]
    status[pad_bad] = "padding"
    status[in_gap] = "gap"
    return status


def cut_window(
    data: np.ndarray, start: int, n_samples: int, spec: dict | None, cadence_s: float = CADENCE_S
) -> np.ndarray | None:
    """The (3, N) float32 window the dataset would store for start ``start`` (None: max|Bz| 0).

    ``data`` is the (T, 3) record with gap samples set to NaN, as in ``make_dataset``.
    """
    w = filter_window(data, int(start), int(n_samples), spec, cadence_s).T
    try:
        return normalise_window(w)[0]
    except ValueError:
        return None


def score_ground_windows(
    decoded_nc: str | Path,
    split_json: str | Path,
    kp_csv: str | Path,
    predict: Callable[[np.ndarray], np.ndarray],
    *,
    observatory: str,
    window: str,
    filter: dict | None,
    stride_hours: float,
    batch_size: int = 32,
    cadence_s: float = CADENCE_S,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Alarm series of one observatory: every window of the held-out period, scored.

    ``predict`` maps a batch (b, 3, N, 1) float32 to P(earthquake) per window.  Returns the
    series (:data:`SERIES_COLUMNS`, NaN score where status is not ok) and its report.
    """
    n = window_samples(window)
    spec = validate_filter(filter, cadence_s)
    most_padding, min_padding = padding_samples(spec, cadence_s)
    cad_ns = int(round(cadence_s * NS_PER_S))
    times, data, gap, _ = load_ground(decoded_nc, cadence_s=cadence_s)
    if times.size == 0:
        raise ValueError(f"{decoded_nc}: the decoded record is empty")
    data = np.where(gap[:, None], np.nan, data)
    record_end = int(times[-1]) + cad_ns
    period = held_out_period(read_json(split_json), observatory, int(times[0]), record_end)
    stride = max(1, int(round(stride_hours * 3600.0 / cadence_s)))
    starts = alarm_starts(times, period["start_ns"], n, stride)
    status = window_status(gap, starts, n, min_padding)
    scores = np.full(starts.size, np.nan)
    todo = np.flatnonzero(status == "ok")
    progress = Progress(todo.size, f"{observatory} {window} window", every=0.1)
    for a in range(0, todo.size, batch_size):
        rows, batch = [], []
        for i in todo[a : a + batch_size].tolist():
            w = cut_window(data, starts[i], n, spec, cadence_s)
            if w is None:
                status[i] = "unnormalisable"
            else:
                rows.append(i)
                batch.append(w)
        if batch:
            p = np.asarray(predict(np.stack(batch)[..., None]), dtype=float).reshape(-1)
            if p.size != len(rows):
                raise ValueError(f"predict returned {p.size} scores for {len(rows)} windows")
            scores[rows] = p
        progress.step(len(todo[a : a + batch_size]))
    start_ns = times[starts] if starts.size else np.empty(0, np.int64)
    end_ns = start_ns + n * cad_ns
    max_kp = (
        max_kp_over_windows(read_kp(kp_csv, fmt="csv"), start_ns, end_ns)
        if starts.size
        else np.empty(0)
    )
    series = pd.DataFrame(
        {
            "window_start": format_iso(start_ns),
            "window_end": format_iso(end_ns),
            "score": scores,
            "status": status.astype(str),
            "max_kp": max_kp,
        },
        columns=SERIES_COLUMNS,
    )
    counts = {s: int((status == s).sum()) for s in STATUSES}
    report = {
        "observatory": observatory,
        "window": window,
        "window_samples": n,
        "cadence_s": cadence_s,
        "stride_hours": stride * cadence_s / 3600.0,
        "filter": spec,
        "filter_padding_samples": {"most": int(most_padding), "least": int(min_padding)},
        "cut": "as ground.labels.make_dataset: filter_window per window (padding from the "
        "gap-free run before it only), then [X, Y, Z] / max|Z|",
        "split_method": period["split_method"],
        "boundary": period["boundary"],
        "embargo_hours": period["embargo_hours"],
        "in_sample": period["in_sample"],
        "leakage_warning": period["leakage_warning"],
        "held_out_start": format_iso([period["start_ns"]])[0],
        "record_end": format_iso([record_end])[0],
        "n_windows": int(starts.size),
        "status_counts": counts,
        "note": None
        if starts.size
        else "the held-out period is shorter than one window: no alarm series",
    }
    return series, report


def predict_ground_alarms(
    model_keras: str | Path,
    decoded_nc: str | Path,
    split_json: str | Path,
    kp_csv: str | Path,
    out_csv: str | Path,
    out_json: str | Path,
    *,
    observatory: str,
    window: str,
    filter: dict | None,
    stride_hours: float,
    batch_size: int = 32,
    threads: int = 1,
) -> dict[str, Any]:
    """The one TensorFlow step: a trained CNN's alarm series of one observatory (CSV, JSON)."""
    from eqprecursors.core.runtime import configure_threads

    configure_threads(threads)
    from eqprecursors.ground.model import load_cnn  # starts TensorFlow

    model = load_cnn(model_keras, compile=False)

    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict_on_batch(x))[:, 1]

    series, report = score_ground_windows(
        decoded_nc,
        split_json,
        kp_csv,
        predict,
        observatory=observatory,
        window=window,
        filter=filter,
        stride_hours=stride_hours,
        batch_size=batch_size,
    )
    report["model"] = str(model_keras)
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    series.to_csv(out_csv, index=False, float_format="%.6g")
    write_json(report, out_json)
    return report


# ------------------------------------------------------------------ Molchan bookkeeping
def alarm_bins(window_end_ns, stride_ns: int, record_end_ns: int) -> tuple[np.ndarray, ...]:
    """Bins ``[e_i, min(e_i + stride, e_{i+1}, record end))`` of window ends ``e_i`` (sorted)."""
    starts = np.asarray(window_end_ns, dtype=np.int64)
    if np.any(np.diff(starts) <= 0):
        raise ValueError("alarm window ends must increase strictly")
    ends = np.minimum(starts + int(stride_ns), int(record_end_ns))
    ends[:-1] = np.minimum(ends[:-1], starts[1:])
    return starts, ends


def assign_events(
    bin_starts_ns: np.ndarray,
    bin_ends_ns: np.ndarray,
    scored: np.ndarray,
    event_ns: np.ndarray,
    *,
    lead_ns: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(targets per bin, fate per event) for events of the held-out period.

    An event at ``t`` counts in the bin holding ``t - lead`` (bins are ``[start, end)``, so an
    event at exactly ``window end + lead`` is predicted by that window).  Fates
    (:data:`EVENT_FATES`): ``target`` (a scored bin), ``uncovered`` (a bin without a score),
    ``before_first_alarm`` / ``after_last_alarm`` (outside the bins, or between bins).
    """
    starts = np.asarray(bin_starts_ns, dtype=np.int64)
    ends = np.asarray(bin_ends_ns, dtype=np.int64)
    scored = np.asarray(scored, dtype=bool)
    u = np.asarray(event_ns, dtype=np.int64) - int(lead_ns)
    fate = np.full(u.size, "after_last_alarm", dtype=object)
    counts = np.zeros(starts.size, dtype=np.int64)
    if starts.size == 0:
        fate[:] = "before_first_alarm"
        return counts, fate
    i = np.searchsorted(starts, u, side="right") - 1
    inside = (i >= 0) & (u < ends[np.clip(i, 0, None)])
    fate[i < 0] = "before_first_alarm"
    hit = inside & scored[np.clip(i, 0, None)]
    fate[inside & ~hit] = "uncovered"
    fate[hit] = "target"
    np.add.at(counts, i[hit], 1)
    return counts, fate


def reference_weights(
    reference: str,
    bin_starts_ns: np.ndarray,
    bin_ends_ns: np.ndarray,
    counts: np.ndarray,
    past_event_ns: np.ndarray,
    *,
    bandwidth_ns: int,
) -> np.ndarray:
    """Reference measure per bin: durations (``time``) or past seismicity (``seismicity``)."""
    if reference == "time":
        return (np.asarray(bin_ends_ns) - np.asarray(bin_starts_ns)).astype(float)
    if reference == "seismicity":
        return molchan.seismicity_rate_weights(
            bin_starts_ns, bin_ends_ns, past_event_ns, bandwidth_ns, event_counts=counts
        )
    raise ValueError(f"unknown reference measure {reference!r}; expected one of {REFERENCES}")


def molchan_result(
    scores, counts, weights, *, operating_tau: float, n_simulations: int, seed: int
) -> dict[str, Any]:
    """Curve, ASS with its null (n = event bins), and the declared operating point."""
    counts = np.asarray(counts)
    curve = molchan.molchan_curve(scores, counts, weights)
    ass = molchan.area_skill_score(curve["tau"], curve["nu"])
    k = curve["n_event_bins"]
    null = molchan.ass_null(k, n_sim=1, seed=seed)  # mean and sd are exact
    point = molchan.operating_point(curve, tau=operating_tau)
    # the same point with each event bin counted once: a conservative binomial p
    by_bin = molchan.operating_point(
        molchan.molchan_curve(scores, (counts > 0).astype(float), weights), tau=operating_tau
    )
    return {
        "n_events": curve["n_events"],
        "n_event_bins": k,
        "ass": ass,
        "ass_p": molchan.ass_pvalue(ass, k, n_sim=n_simulations, seed=seed),
        "ass_null_mean": null["mean"],
        "ass_null_sd": null["sd"],
        "ass_null_n": k,
        "operating_point": point | {"p_value_event_bins": by_bin["p_value"]},
        "curve": {k_: curve[k_] for k_ in ("tau", "nu", "thresholds", "hits")},
    }


def read_series(csv: str | Path) -> pd.DataFrame:
    """An alarm series CSV with int64 ``start_ns`` / ``end_ns`` columns added."""
    series = pd.read_csv(csv)
    missing = [c for c in SERIES_COLUMNS if c not in series]
    if missing:
        raise ValueError(f"{csv}: alarm series lacks columns {missing}")
    empty = np.empty(0, np.int64)
    series["start_ns"] = to_epoch_ns(series["window_start"]) if len(series) else empty
    series["end_ns"] = to_epoch_ns(series["window_end"]) if len(series) else empty
    ok = series["status"] == "ok"
    if not np.all(np.isfinite(series.loc[ok, "score"])):
        raise ValueError(f"{csv}: a window with status ok has no finite score")
    return series


def observatory_molchan(
    series: pd.DataFrame,
    report: dict,
    catalog: pd.DataFrame,
    *,
    lead_time_minutes: float,
    operating_tau: float,
    bandwidth_hours: float,
    n_simulations: int,
    seed: int,
) -> dict[str, Any]:
    """The Molchan evaluation of one observatory's alarm series against its catalog."""
    lead_ns = int(round(lead_time_minutes * NS_PER_MIN))
    held_start = int(to_epoch_ns([report["held_out_start"]])[0])
    record_end = int(to_epoch_ns([report["record_end"]])[0])
    stride_ns = int(round(report["stride_hours"] * NS_PER_HOUR))
    ev = catalog["time_ns"].to_numpy(dtype=np.int64)
    in_period = (ev >= held_start) & (ev < record_end + lead_ns)
    b0, b1 = alarm_bins(series["end_ns"].to_numpy(), stride_ns, record_end)
    keep = b1 > b0
    scored = (series["status"] == "ok").to_numpy() & keep
    counts, fate = assign_events(b0, b1, scored, ev[in_period], lead_ns=lead_ns)
    hours = (b1 - b0) / NS_PER_HOUR
    ids = catalog.loc[in_period, "event_id"].astype(str).to_numpy()
    out: dict[str, Any] = {
        key: report.get(key)
        for key in ("model", "split_method", "boundary", "embargo_hours", "in_sample")
    }
    out |= {
        "leakage_warning": report.get("leakage_warning"),
        "held_out_period": {"start": report["held_out_start"], "end": report["record_end"]},
        "first_alarm_end": format_iso(b0[:1])[0] if b0.size else None,
        "n_windows": int(len(series)),
        "n_bins_scored": int(scored.sum()),
        "hours_scored": float(hours[scored].sum()),
        "hours_without_score": float(hours[~scored].sum()),
        "status_counts": report.get("status_counts"),
        "events": {
            "catalog": int(ev.size),
            "before_held_out_period": int((ev < held_start).sum()),
            "in_held_out_period": int(in_period.sum()),
            **{f: int((fate == f).sum()) for f in EVENT_FATES},
            "target_bins": int(np.count_nonzero(counts[scored])),
        },
        "target_event_ids": ids[fate == "target"].tolist(),
        "references": {},
        "note": None,
    }
    n_targets = int(counts[scored].sum())
    if n_targets == 0:
        ev_out = out["events"]
        out["note"] = (
            "no target event in the held-out period"
            + ("" if scored.any() else " (no scored alarm window)")
            + f" ({ev_out['in_held_out_period']} events there: {ev_out['uncovered']} in data "
            f"gaps, {ev_out['before_first_alarm']} before the first window ends): the Molchan "
            "diagram, ASS and probability gain are undefined"
        )
        return out
    kp = series["max_kp"].to_numpy(dtype=float)[scored]
    sc = series["score"].to_numpy(dtype=float)[scored]
    both = np.isfinite(kp)
    varied = both.sum() > 2 and np.ptp(kp[both]) > 0 and np.ptp(sc[both]) > 0
    # does the alarm follow geomagnetic activity? (a storm confound shows up here)
    out["score_kp_spearman"] = (
        float(pd.Series(sc[both]).corr(pd.Series(kp[both]), method="spearman")) if varied else None
    )
    for ref in REFERENCES:
        try:
            w = reference_weights(
                ref, b0[scored], b1[scored], counts[scored], ev,
                bandwidth_ns=int(round(bandwidth_hours * NS_PER_HOUR)),
            )  # fmt: skip
        except ValueError as exc:  # e.g. no catalog event before the bins: no reference
            out["references"][ref] = {"undefined": str(exc)}
            continue
        out["references"][ref] = molchan_result(
            sc, counts[scored], w,
            operating_tau=operating_tau, n_simulations=n_simulations, seed=seed,
        )  # fmt: skip
    return out


def ground_molchan(
    series_csvs: Sequence[str | Path],
    series_jsons: Sequence[str | Path],
    catalog_csvs: Sequence[str | Path],
    out_json: str | Path,
    out_csv: str | Path,
    *,
    observatories: Sequence[str],
    window: str,
    filter: str,
    model_dataset: str,
    lead_time_minutes: float,
    operating_tau: float,
    bandwidth_hours: float,
    n_simulations: int,
    seed: int,
    data_kind: str = "",
) -> dict[str, Any]:
    """Molchan diagrams of every observatory's alarm series (JSON) and a summary table (CSV).

    Observatories without a target event stay in both files with an explicit note.
    """
    if not len(series_csvs) == len(series_jsons) == len(catalog_csvs) == len(observatories):
        raise ValueError("ground_molchan: one series CSV, report and catalog per observatory")
    result: dict[str, Any] = {
        "study": "ground",
        "data_kind": data_kind,
        "window": window,
        "filter": filter,
        "model_dataset": model_dataset,
        "lead_time_minutes": lead_time_minutes,
        "assignment": ASSIGNMENT,
        "references": {
            "time": "bin duration (uniform in time)",
            "seismicity": f"duration x (half-Gaussian kernel, {bandwidth_hours:g} h, over the "
            "catalog events before each bin + a fitted background): clustering is chance",
        },
        "null": "ASS p and the conservative operating-point p count each bin that holds a "
        "target once (events sharing a bin are not independent)",
        "operating_tau": operating_tau,
        "n_simulations": n_simulations,
        "observatories": {},
    }
    rows = []
    for obs, csv, rep, cat in zip(
        observatories, series_csvs, series_jsons, catalog_csvs, strict=True
    ):
        res = observatory_molchan(
            read_series(csv), read_json(rep), read_event_times(cat),
            lead_time_minutes=lead_time_minutes, operating_tau=operating_tau,
            bandwidth_hours=bandwidth_hours, n_simulations=n_simulations, seed=seed,
        )  # fmt: skip
        result["observatories"][obs] = res
        rows += summary_rows(obs, res)
    write_json(result, out_json)
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=SUMMARY_COLUMNS).to_csv(out_csv, index=False, float_format="%.4g")
    return result


SUMMARY_COLUMNS = [
    "observatory", "reference", "split", "held_out_start", "held_out_end", "hours_scored",
    "n_targets", "n_target_bins", "n_uncovered", "ass", "ass_null_mean", "ass_p",
    "tau", "nu", "gain", "gain_p", "gain_p_event_bins", "note",
]  # fmt: skip


def summary_rows(obs: str, res: dict) -> list[dict[str, Any]]:
    """One table row per reference measure (one row with the note when undefined)."""
    base = {
        "observatory": obs,
        "split": res["split_method"] + (" (in-sample)" if res.get("in_sample") else ""),
        "held_out_start": res["held_out_period"]["start"],
        "held_out_end": res["held_out_period"]["end"],
        "hours_scored": res["hours_scored"],
        "n_targets": res["events"]["target"],
        "n_target_bins": res["events"]["target_bins"],
        "n_uncovered": res["events"]["uncovered"],
    }
    gains = {"gain_p": "p_value", "gain_p_event_bins": "p_value_event_bins"}
    return reference_rows(base, res, REFERENCES, gains, res.get("leakage_warning") or "")


def reference_rows(
    base: dict, res: dict, references: Sequence[str], gains: dict[str, str], note: str
) -> list[dict[str, Any]]:
    """``base`` plus the Molchan numbers of each reference measure, or the reason they are
    undefined; one row with ``res["note"]`` when nothing could be scored. ``gains`` maps a
    table column to an operating-point p-value key."""
    if res["note"]:
        return [base | {"reference": "", "note": res["note"]}]
    rows = []
    for ref in references:
        r = res["references"][ref]
        if "undefined" in r:
            rows.append(base | {"reference": ref, "note": f"undefined: {r['undefined']}"})
            continue
        op = r["operating_point"]
        numbers = {k: r[k] for k in ("ass", "ass_null_mean", "ass_p")}
        numbers |= {"tau": op["tau"], "nu": op["nu"], "gain": op["gain"]}
        numbers |= {column: op[key] for column, key in gains.items()}
        rows.append(base | {"reference": ref, **numbers, "note": note})
    return rows
