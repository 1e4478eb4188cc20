"""Satellite alarms per region cell: a model over the continuous test period, by Molchan.

Space-time bins are (cell, day): cells of ``cell_deg`` x ``cell_deg`` in latitude and
longitude, UTC days.  The series is the model's P(pre-seismic) of **every** sequence of
the test period (:mod:`eqprecursors.satellite.continuous`: every half-orbit of the
dataset's time of day, in every cell, not only the curated sequences kept near events and
in storms).  The alarm of bin (c, d) is the **mean** P(pre-seismic) of the cell's
sequences that end during the ``horizon`` days before day d (``[d - horizon, d)``, the
pre-seismic window the classes are defined by), so it uses only data before the day it
forecasts.  The mean, not the maximum: a cell's number of sequences in the horizon varies
with latitude and orbit spacing, and the maximum of more draws is higher by chance alone.
A target is an **independent** catalog event whose epicentre lies in c with its origin on
day d, each event counted once.  Bins whose cell had no sequence in the horizon (the
satellite's latitude limit, the first days of the period) have no alarm; their events are
counted as ``uncovered``, and the coverage of the grid is reported.

Reference measures: cell area (uniform in space-time) and past seismicity (area x a fitted
background + a half-Gaussian kernel of ``bandwidth`` over the cell's independent events
before the day), as for the ground alarms.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json
from eqprecursors.core.times import NS_PER_DAY, NS_PER_HOUR, format_iso, to_epoch_ns
from eqprecursors.evaluation import molchan
from eqprecursors.evaluation.alarms import molchan_result, reference_rows
from eqprecursors.satellite.continuous import read_series

REFERENCES = ("area", "seismicity")
AGGREGATES = ("mean", "max")
COVERAGE = (
    "continuous: every sequence of every half-orbit of the test period in every cell (not "
    "only the curated sequences kept near events and in storms); bins without a sequence in "
    "the horizon have no alarm"
)


def cell_index(latitude, longitude, cell_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of the ``cell_deg`` cell holding each point (longitude wrapped to 0-360)."""
    lat = np.clip(np.asarray(latitude, dtype=float), -90.0, 90.0 - 1e-9)
    lon = np.mod(np.asarray(longitude, dtype=float), 360.0)
    return np.floor((lat + 90.0) / cell_deg).astype(int), np.floor(lon / cell_deg).astype(int)


def cell_days(
    seq_cells: np.ndarray,
    seq_ns: np.ndarray,
    seq_p: np.ndarray,
    days_ns: np.ndarray,
    horizon_ns: int,
    aggregate: str = "mean",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cells, day starts, alarm) of every (cell with a sequence) x day; NaN = no alarm.

    ``seq_cells`` are integer cell ids; the alarm of (c, d) is the ``aggregate`` (mean or
    max) of ``seq_p`` over the sequences of c with time in ``[d - horizon, d)``.
    """
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES}, got {aggregate!r}")
    seq_cells = np.asarray(seq_cells)
    order = np.lexsort((np.asarray(seq_ns), seq_cells))
    cells_sorted = seq_cells[order]
    t_all = np.asarray(seq_ns, dtype=np.int64)[order]
    p_all = np.asarray(seq_p, dtype=float)[order]
    cells, first = np.unique(cells_sorted, return_index=True)
    bounds = np.r_[first, cells_sorted.size]
    out_c, out_d, out_a = [], [], []
    for k, c in enumerate(cells.tolist()):
        t, p = t_all[bounds[k] : bounds[k + 1]], p_all[bounds[k] : bounds[k + 1]]
        lo = np.searchsorted(t, days_ns - horizon_ns, side="left")
        hi = np.searchsorted(t, days_ns, side="left")
        n = hi - lo
        if aggregate == "mean":
            cum = np.r_[0.0, np.cumsum(p)]
            with np.errstate(invalid="ignore", divide="ignore"):
                alarm = np.where(n > 0, (cum[hi] - cum[lo]) / n, np.nan)
        else:
            alarm = np.array(
                [p[a:b].max() if b > a else np.nan for a, b in zip(lo, hi, strict=True)]
            )
        out_c.append(np.full(days_ns.size, c))
        out_d.append(days_ns)
        out_a.append(alarm)
    if not out_c:
        return np.empty(0, int), np.empty(0, np.int64), np.empty(0)
    return np.concatenate(out_c), np.concatenate(out_d), np.concatenate(out_a)


def past_seismicity_weights(
    cells: np.ndarray,
    day_ns: np.ndarray,
    area: np.ndarray,
    counts: np.ndarray,
    event_cells: np.ndarray,
    event_ns: np.ndarray,
    bandwidth_ns: int,
) -> np.ndarray:
    """Per bin: area x fitted background + the cell's half-Gaussian rate of past events.

    The space-time form of :func:`~eqprecursors.evaluation.molchan.seismicity_rate_weights`:
    counts ~ Poisson(mu * area + k * rate), the background share mu/k fitted by the same EM.
    """
    rate = np.zeros(cells.size)
    reach = 8 * int(bandwidth_ns)
    for c in np.unique(cells).tolist():
        ev = np.sort(event_ns[event_cells == c])
        if ev.size == 0:
            continue
        idx = np.flatnonzero(cells == c)
        d0 = day_ns[idx]
        lo = np.searchsorted(ev, d0 - reach, side="left")
        hi = np.searchsorted(ev, d0, side="left")  # strictly before the day
        for j, a, b in zip(idx.tolist(), lo.tolist(), hi.tolist(), strict=True):
            x = (day_ns[j] - ev[a:b]).astype(float) / bandwidth_ns
            rate[j] = np.sqrt(2 / np.pi) * np.exp(-0.5 * x * x).sum()
    if rate.sum() <= 0:
        raise ValueError("no independent event precedes any covered cell-day: no reference")
    a = np.asarray(area, dtype=float)
    level = molchan._fit_background(rate / a, a, np.asarray(counts, dtype=float))
    if not np.isfinite(level):
        return a / a.sum()
    w = a * level + rate
    return w / w.sum()


def dataset_molchan(
    series_csv, series_json, events_csv, *, model: str, cell_deg: float, horizon_days: float,
    operating_tau: float, bandwidth_days: float, n_simulations: int, seed: int,
    aggregate: str = "mean",
) -> dict[str, Any]:  # fmt: skip
    """The cell-day Molchan evaluation of one dataset's continuous test-period series."""
    series = read_series(series_csv)
    report = read_json(series_json)
    try:
        t1 = int(to_epoch_ns([report["test_period"]["end"]])[0])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{series_json}: no test_period.end ({exc!r})") from exc
    if not np.isfinite(series["p1"]).all():
        raise ValueError(f"{series_csv}: a sequence has no finite p1")
    seq_ns = series["end_ns"].to_numpy(np.int64)
    horizon_ns = int(round(horizon_days * NS_PER_DAY))
    first = int(seq_ns.min()) // NS_PER_DAY * NS_PER_DAY + NS_PER_DAY  # first day with a past
    last = (t1 + horizon_ns) // NS_PER_DAY * NS_PER_DAY
    days = np.arange(first, last + 1, NS_PER_DAY, dtype=np.int64)
    n_lat, n_lon = int(np.ceil(180 / cell_deg)), int(np.ceil(360 / cell_deg))
    r, c = cell_index(series["latitude"], series["longitude"], cell_deg)
    cells, day_ns, alarm = cell_days(
        r * n_lon + c, seq_ns, series["p1"].to_numpy(float), days, horizon_ns, aggregate
    )
    events = pd.read_csv(events_csv)
    events = events[events["kind"] == "independent"].reset_index(drop=True)
    ev_ns = to_epoch_ns(events["time"]) if len(events) else np.empty(0, np.int64)
    er, ec = cell_index(events["latitude"], events["longitude"], cell_deg)
    ev_cells = er * n_lon + ec
    in_period = (ev_ns >= first) & (ev_ns < last + NS_PER_DAY)
    key = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(cells, day_ns, strict=True))}
    counts = np.zeros(cells.size)
    fate = []
    for cell, t in zip(ev_cells[in_period].tolist(), ev_ns[in_period].tolist(), strict=True):
        i = key.get((cell, t // NS_PER_DAY * NS_PER_DAY))
        ok = i is not None and np.isfinite(alarm[i])
        fate.append("target" if ok else "uncovered")
        if ok:
            counts[i] += 1
    covered = np.isfinite(alarm)
    centre = (cells // n_lon + 0.5) * cell_deg - 90.0
    area = np.cos(np.deg2rad(centre))[covered]
    grid_area = n_lon * np.cos(np.deg2rad((np.arange(n_lat) + 0.5) * cell_deg - 90.0)).clip(0)
    out: dict[str, Any] = {
        "model": model,
        "series": str(series_csv),
        "coverage": COVERAGE,
        "aggregate": aggregate,
        "test_period": report["test_period"],
        "period": {"start": format_iso([first])[0], "end": format_iso([last + NS_PER_DAY])[0]},
        "sequences": int(len(series)),
        "half_orbits": report.get("half_orbits_with_sequences"),
        "curated_test_sequences": report.get("curated_test_sequences"),
        "cells_with_sequences": int(np.unique(cells).size),
        "grid_cells": n_lat * n_lon,
        "days": int(days.size),
        "n_bins_scored": int(covered.sum()),
        "coverage_fraction": float(covered.sum() / (n_lat * n_lon * days.size)),
        "coverage_area_fraction": float(area.sum() / (grid_area.sum() * days.size)),
        "events": {
            "independent": int(len(events)),
            "in_period": int(in_period.sum()),
            "target": fate.count("target"),
            "uncovered": fate.count("uncovered"),
            "target_bins": int(np.count_nonzero(counts[covered])),
        },
        "references": {},
        "note": None,
    }
    if counts[covered].sum() == 0:
        out["note"] = "no target event in a covered cell-day: the Molchan diagram is undefined"
        return out
    for ref in REFERENCES:
        try:
            w = area if ref == "area" else past_seismicity_weights(
                cells[covered], day_ns[covered], area, counts[covered], ev_cells, ev_ns,
                int(round(bandwidth_days * NS_PER_DAY)),
            )  # fmt: skip
        except ValueError as exc:
            out["references"][ref] = {"undefined": str(exc)}
            continue
        out["references"][ref] = molchan_result(
            alarm[covered], counts[covered], w,
            operating_tau=operating_tau, n_simulations=n_simulations, seed=seed,
        )  # fmt: skip
    return out


def satellite_molchan(
    series_csvs: Sequence[str | Path],
    series_jsons: Sequence[str | Path],
    events_csvs: Sequence[str | Path],
    out_json: str | Path,
    out_csv: str | Path,
    *,
    datasets: Sequence[str],
    model: str,
    cell_deg: float,
    horizon_days: float,
    operating_tau: float,
    bandwidth_days: float,
    n_simulations: int,
    seed: int,
    aggregate: str = "mean",
    data_kind: str = "",
) -> dict[str, Any]:
    """Cell-day Molchan diagrams of every dataset's continuous series (JSON) and a table."""
    result: dict[str, Any] = {
        "study": "satellite",
        "data_kind": data_kind,
        "model": model,
        "cell_deg": cell_deg,
        "horizon_days": horizon_days,
        "assignment": f"alarm of (cell, day d) = {aggregate} P(pre-seismic) of the cell's "
        f"sequences ending in [d - {horizon_days:g} d, d); target = an independent event in "
        "the cell on day d",
        "coverage": COVERAGE,
        "aggregate": aggregate,
        "operating_tau": operating_tau,
        "n_simulations": n_simulations,
        "bandwidth_hours": bandwidth_days * NS_PER_DAY / NS_PER_HOUR,
        "datasets": {},
    }
    files = zip(datasets, series_csvs, series_jsons, events_csvs, strict=True)
    for ds, csv, report, events in files:
        result["datasets"][ds] = dataset_molchan(
            csv, report, events, model=model, cell_deg=cell_deg, horizon_days=horizon_days,
            operating_tau=operating_tau, bandwidth_days=bandwidth_days,
            n_simulations=n_simulations, seed=seed, aggregate=aggregate,
        )  # fmt: skip
    write_json(result, out_json)
    rows = [row for ds, res in result["datasets"].items() for row in summary_rows(ds, res)]
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=SUMMARY_COLUMNS).to_csv(out_csv, index=False, float_format="%.4g")
    return result


SUMMARY_COLUMNS = [
    "dataset", "reference", "period_start", "period_end", "sequences", "cells", "days",
    "bins_scored", "coverage_fraction", "n_targets", "n_target_bins", "n_uncovered", "ass",
    "ass_null_mean", "ass_p", "tau", "nu", "gain", "gain_p", "note",
]  # fmt: skip


def summary_rows(dataset: str, res: dict) -> list[dict[str, Any]]:
    """One table row per reference measure (one row with the note when undefined)."""
    base = {
        "dataset": dataset,
        "period_start": res["period"]["start"],
        "period_end": res["period"]["end"],
        "sequences": res["sequences"],
        "cells": res["cells_with_sequences"],
        "days": res["days"],
        "bins_scored": res["n_bins_scored"],
        "coverage_fraction": res["coverage_fraction"],
        "n_targets": res["events"]["target"],
        "n_target_bins": res["events"]["target_bins"],
        "n_uncovered": res["events"]["uncovered"],
    }
    gains = {"gain_p": "p_value_event_bins"}
    return reference_rows(base, res, REFERENCES, gains, f"continuous series, {res['aggregate']}")
