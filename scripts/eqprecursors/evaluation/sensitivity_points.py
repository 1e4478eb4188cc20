"""One row per injection-recovery point, and the table of a sweep.

A point's row is made from the reports its pipeline wrote (label report, split report,
training summary, metrics), so the table states what each score rests on: the held-out
``n``, the training size, the events and the injected windows. The null point (amplitude 0)
must be in every table: without it the sweep cannot show that the pipeline reads chance when
there is nothing to find.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from eqprecursors.core.reports import read_json, write_json

TABLE_COLUMNS = [
    "amplitude",
    "seed",
    "n",
    "mcc",
    "f1",
    "auc",
    "p",
    "n_train",
    "n_events",
    "years",
    "shape",
    "mcc_lo",
    "mcc_hi",
    "p_auc",
    "accuracy",
    "majority_baseline",
    "n_windows_event",
    "n_windows_quiet",
    "n_injected",
    "split_method",
    "kp_only_mcc",
    "kp_only_p",
    "date_only_mcc",
    "date_only_p",
]
"""The table's columns: the issue's (amplitude, seed, n, MCC, F1, AUC, p = permutation p of
MCC) first, then what they rest on (``years`` and ``shape``: the point's data amount and
injection shape, ``none`` for the null) and the confound baselines of the same split."""
POINT_KEY = ["years", "shape", "amplitude", "seed"]
"""What tells the points of a sweep apart, and the table's sort order."""
CONFOUND_BASELINES = ("kp_only", "date_only")


def _number(value) -> float:
    return float("nan") if value is None else float(value)


def point_row(
    *,
    amplitude: float,
    seed: int,
    metrics: dict[str, Any],
    n_train: int,
    n_events: int,
    years: float,
    shape: str,
    n_windows_event: int,
    n_windows_quiet: int,
    n_injected: int,
    baselines: dict[str, float] | None = None,
    f1_key: str = "f1",
    auc_key: str = "roc_auc",
) -> dict[str, Any]:
    """The table row of one point from its metrics report (evaluation.ground's layout).

    ``p`` is the permutation p-value of MCC, ``mcc_lo``/``mcc_hi`` its bootstrap CI;
    ``f1_key``/``auc_key`` name the metrics that stand for F1 and AUC (multi-class studies
    report weighted F1 and the AUC of the pre-seismic class). ``baselines``: the columns of
    :func:`baseline_columns` (missing ones are NaN).
    """
    part = metrics.get("part", "val")
    n = metrics.get(f"n_{part}", metrics.get("n"))
    if n is None:
        raise ValueError(f"metrics report has no n_{part}: keys {sorted(metrics)}")
    ci = metrics.get("bootstrap_ci", {}).get("mcc", {})
    perm = metrics.get("permutation", {})
    if "mcc" not in perm:
        raise ValueError(f"metrics report has no permutation p-value of MCC: {sorted(perm)}")
    return {
        "amplitude": float(amplitude),
        "seed": int(seed),
        "n": int(n),
        "mcc": _number(metrics["mcc"]),
        "f1": _number(metrics[f1_key]),
        "auc": _number(metrics.get(auc_key)),
        "p": _number(perm["mcc"]["p_value"]),
        "n_train": int(n_train),
        "n_events": int(n_events),
        "years": float(years),
        "shape": str(shape),
        "mcc_lo": _number(ci.get("low")),
        "mcc_hi": _number(ci.get("high")),
        "p_auc": _number(perm.get(auc_key, {}).get("p_value")),
        "accuracy": _number(metrics.get("accuracy")),
        "majority_baseline": _number(metrics.get("baseline_accuracy")),
        "n_windows_event": int(n_windows_event),
        "n_windows_quiet": int(n_windows_quiet),
        "n_injected": int(n_injected),
        "split_method": str(metrics.get("split_method", "")),
        **{c: _number((baselines or {}).get(c)) for c in _baseline_names()},
    }


def _baseline_names() -> list[str]:
    return [f"{b}_{m}" for b in CONFOUND_BASELINES for m in ("mcc", "p")]


def baseline_columns(report: dict[str, Any]) -> dict[str, float]:
    """MCC and its permutation p of the Kp-only and date-only baselines of a baselines report."""
    out = {}
    for name in CONFOUND_BASELINES:
        scores = report["baselines"][name]
        out[f"{name}_mcc"] = _number(scores["mcc"])
        out[f"{name}_p"] = _number(scores["permutation"]["mcc"]["p_value"])
    return out


def write_point(row: dict[str, Any], out_json: str | Path) -> None:
    missing = [c for c in TABLE_COLUMNS if c not in row]
    if missing:
        raise ValueError(f"{out_json}: point row lacks {missing}")
    write_json({c: row[c] for c in TABLE_COLUMNS}, out_json)


def read_point(path: str | Path) -> dict[str, Any]:
    row = read_json(path)
    missing = [c for c in TABLE_COLUMNS if c not in row]
    if missing:
        raise ValueError(f"{path}: not a sensitivity point (lacks {missing})")
    return row


def write_table(point_jsons, out_csv: str | Path) -> pd.DataFrame:
    """The sweep's table (years, shape, amplitude, then seed ascending) from its points' rows.

    Fails on a repeated (years, shape, amplitude, seed) and on a data amount without the null
    point.
    """
    paths = [point_jsons] if isinstance(point_jsons, str | Path) else list(point_jsons)
    if not paths:
        raise ValueError(f"{out_csv}: no sensitivity points to tabulate")
    table = pd.DataFrame([read_point(p) for p in paths], columns=TABLE_COLUMNS)
    table = table.sort_values(POINT_KEY, kind="stable").reset_index(drop=True)
    keys = list(zip(*(table[c] for c in POINT_KEY), strict=True))
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"{out_csv}: points repeated {tuple(POINT_KEY)}: {repeated}")
    for years, group in table.groupby("years"):
        if not any(math.isclose(a, 0.0) for a in group["amplitude"]):
            raise ValueError(
                f"{out_csv}: the sweep has no zero-amplitude (null) point at {years:g} year(s)"
            )
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False, lineterminator="\n")
    return table
