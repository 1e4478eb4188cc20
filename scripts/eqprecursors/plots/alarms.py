"""Figures of the alarm evaluation: Molchan diagrams drawn from the evaluation's JSON.

Draws only what :func:`eqprecursors.evaluation.alarms.ground_molchan` (per observatory) or
:func:`eqprecursors.evaluation.alarms_satellite.satellite_molchan` (per dataset) wrote: one
curve per observatory or dataset and reference measure, the random-guess diagonal and the
binomial 95 % bound for each number of event bins (the conservative N), the declared
operating point with its gain.  An observatory without target events, or a reference that
is undefined, keeps its legend entry saying so, so nothing disappears silently.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from eqprecursors.core.reports import read_json
from eqprecursors.evaluation.molchan import molchan_null_bound
from eqprecursors.plots.evaluation import figure_molchan

REFERENCE_LABELS = {"time": "time", "area": "cell area", "seismicity": "past seismicity"}
NO_CURVE = {"tau": [0.0, 1.0], "nu": [float("nan"), float("nan")]}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _line(name: str, res: dict) -> str:
    """The title line of one observatory (ground) or dataset (satellite)."""
    ev = res["events"]
    counted = f"{_plural(ev['target'], 'target event')} in {_plural(ev['target_bins'], 'bin')}"
    if "held_out_period" in res:
        period = res["held_out_period"]
        flag = " IN-SAMPLE" if res.get("in_sample") else ""
        return (
            f"{name}: held out {period['start'][:10]} to {period['end'][:10]}{flag}, {counted} "
            f"({ev['uncovered']} in gaps, {ev['before_first_alarm']} before the first alarm)"
        )
    period = res["period"]
    return (
        f"{name}: {period['start'][:10]} to {period['end'][:10]}, {res['sequences']} "
        f"continuous sequences in {res['cells_with_sequences']} cells "
        f"({100 * res['coverage_fraction']:.0f} % of cell-days covered), {counted} "
        f"({ev['uncovered']} of {ev['in_period']} events in cell-days without an alarm)"
    )


def molchan_curves(units: dict) -> tuple[list[dict], list[dict], list[str]]:
    """(curves, null bounds, title lines) of the results per observatory or dataset."""
    curves: list[dict] = []
    bins: set[int] = set()
    lines: list[str] = []
    for name, res in units.items():
        lines.append(_line(name, res))
        ev = res["events"]
        if res.get("note"):
            curves.append(dict(NO_CURVE, label=f"{name}: {res['note'].split(' (')[0]}", n_events=0))
            continue
        for ref, r in res["references"].items():
            label = f"{name}, {REFERENCE_LABELS.get(ref, ref)}"
            if "undefined" in r:
                curves.append(dict(NO_CURVE, label=f"{label}: undefined", n_events=ev["target"]))
                continue
            op = r["operating_point"]
            curves.append(
                {
                    "label": f"{label} ({_plural(r['n_event_bins'], 'bin')})",
                    "tau": np.asarray(r["curve"]["tau"], dtype=float),
                    "nu": np.asarray(r["curve"]["nu"], dtype=float),
                    "ass": _num(r["ass"]),
                    "ass_p": _num(r["ass_p"]),
                    "n_events": r["n_events"],
                    "gain_point": {k: _num(op[k]) for k in ("tau", "nu", "gain")},
                }
            )
            bins.add(int(r["n_event_bins"]))
    tau = np.linspace(0.0, 1.0, 1001)
    bounds = [
        {
            "tau": tau,
            "nu": molchan_null_bound(k, tau),
            "label": f"95 % bound, {_plural(k, 'event bin')}",
        }
        for k in sorted(bins)
    ]
    return curves, bounds, lines


def _draw(molchan_json, units: dict, title: str, lines: list[str], out_png, out_pdf):
    curves, bounds, unit_lines = molchan_curves(units)
    if not curves:
        raise ValueError(f"{molchan_json}: nothing to draw")
    wrapped = [w for x in [title, *unit_lines, *lines] for w in textwrap.wrap(x, 80)]
    return figure_molchan(
        curves, out_png, null_bounds=bounds, title="\n".join(wrapped), out_pdf=out_pdf
    )


def figure_ground_molchan(molchan_json, out_png, out_pdf=None) -> tuple[Path, ...]:
    """Molchan diagram of the ground CNN's alarm series, every observatory and reference."""
    result = read_json(molchan_json)
    units = result["observatories"]
    warnings = {r["leakage_warning"] for r in units.values() if r.get("leakage_warning")}
    title = (
        f"Ground CNN alarms, {result['window']} windows ({result['filter']}, "
        f"{result['model_dataset']} models), {result.get('data_kind') or 'data'}; "
        f"gain at τ = {result['operating_tau']:g}"
    )
    lines = [f"WARNING: {w}" for w in sorted(warnings)]
    return _draw(molchan_json, units, title, lines, out_png, out_pdf)


def figure_satellite_molchan(molchan_json, out_png, out_pdf=None) -> tuple[Path, ...]:
    """Molchan diagram of the satellite alarms per (cell, day), every dataset and reference."""
    result = read_json(molchan_json)
    title = (
        f"{result['model']} alarms per {result['cell_deg']:g}° cell and day, "
        f"{result.get('data_kind') or 'data'}; gain at τ = {result['operating_tau']:g}"
    )
    lines = [
        f"Alarm: the {result['aggregate']} P(pre-seismic) of every test-period sequence of the "
        f"cell in the {result['horizon_days']:g} days before the day (continuous series, not "
        "only the curated test sequences)"
    ]
    return _draw(molchan_json, result["datasets"], title, lines, out_png, out_pdf)
