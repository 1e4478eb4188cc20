"""Results of one training run as the figures and the learning curve read them.

A run dict carries ``label``, ``history_csv`` (Keras CSVLogger: epoch, accuracy, loss,
val_accuracy, val_loss) and ``metrics_json`` (``evaluation.ground.evaluate_predictions``; may be
``None``, readers then say that the baseline is unknown).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from eqprecursors.core.reports import read_json


def read_metrics(path) -> dict[str, Any]:
    """metrics.json as a dict; ``{}`` for ``None`` so figures can say 'baseline unknown'."""
    return {} if path is None else read_json(path)


def num(value) -> float:
    """JSON number or null -> float (NaN for null/missing)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def read_history(path) -> pd.DataFrame:
    """CSVLogger history with a 1-based ``epoch`` (Keras logs 0-based)."""
    h = pd.read_csv(path)
    missing = {"epoch", "accuracy", "loss", "val_accuracy", "val_loss"} - set(h.columns)
    if missing:
        raise ValueError(f"{path}: history lacks columns {sorted(missing)}")
    h["epoch"] = h["epoch"].astype(int) + 1
    return h


def load_runs(runs: Sequence[Mapping]) -> list[tuple[Mapping, pd.DataFrame, dict]]:
    """(run, history, metrics) per run dict."""
    if not runs:
        raise ValueError("no runs given")
    return [(r, read_history(r["history_csv"]), read_metrics(r.get("metrics_json"))) for r in runs]


def split_note(metrics: Sequence[Mapping]) -> str:
    """'chronological split' / 'random split (leaky)'; lists all methods when they differ."""
    methods = sorted({str(m["split_method"]) for m in metrics if m.get("split_method")})
    if not methods:
        return "split method unknown (no metrics.json)"
    notes = [
        f"{m} split" + (" (paper; leaks across overlapping windows)" if m == "random" else "")
        for m in methods
    ]
    return "; ".join(notes)


def val_accuracy(metrics: Mapping, history: pd.DataFrame) -> float:
    """Evaluated val accuracy (metrics.json) if present, else the last logged val_accuracy."""
    acc = num(metrics.get("accuracy"))
    return acc if math.isfinite(acc) else float(history["val_accuracy"].iloc[-1])


def accuracy_ci(metrics: Mapping, name: str = "accuracy") -> tuple[float, float]:
    """Bootstrap CI (low, high) of ``name`` from metrics.json; NaNs where absent."""
    ci = (metrics.get("bootstrap_ci") or {}).get(name) or {}
    return num(ci.get("low")), num(ci.get("high"))


def final_scores(loaded: Sequence[tuple[Mapping, pd.DataFrame, Mapping]]) -> pd.DataFrame:
    """One row per loaded run: what its final model scores on validation beside chance.

    Evaluated accuracy and MCC with their bootstrap 95 % CIs, the majority baseline (MCC's
    chance level is 0), the block permutation p of MCC, n_val, the last epoch's training
    accuracy and losses and the split method; the run dict's ``experiment``, ``value``,
    ``label`` and ``sweep_run`` lead where present (the variants' table).
    """
    rows = []
    for run, history, metrics in loaded:
        acc_lo, acc_hi = accuracy_ci(metrics)
        mcc_lo, mcc_hi = accuracy_ci(metrics, "mcc")
        p = ((metrics.get("permutation") or {}).get("mcc") or {}).get("p_value")
        lead = {k: run[k] for k in ("experiment", "value", "label", "sweep_run") if k in run}
        rows.append(
            {
                **lead,
                "n_val": metrics.get("n_val", metrics.get("n")),
                "accuracy": val_accuracy(metrics, history),
                "accuracy_low": acc_lo,
                "accuracy_high": acc_hi,
                "baseline_accuracy": num(metrics.get("baseline_accuracy")),
                "mcc": num(metrics.get("mcc")),
                "mcc_low": mcc_lo,
                "mcc_high": mcc_hi,
                "mcc_p_value": num(p),
                "train_accuracy": float(history["accuracy"].iloc[-1]),
                "train_loss": float(history["loss"].iloc[-1]),
                "val_loss": float(history["val_loss"].iloc[-1]),
                "split_method": metrics.get("split_method", "unknown"),
            }
        )
    return pd.DataFrame(rows)
