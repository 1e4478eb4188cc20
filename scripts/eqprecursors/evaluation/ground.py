"""Evaluation of a trained ground CNN on its held-out windows, and the metrics table.

Scores go through :mod:`eqprecursors.evaluation.metrics` (accuracy beside the
majority-class baseline, MCC, F1, ROC AUC, bootstrap CIs, permutation p-values); the table
puts each run beside the confound and chance baselines of its split
(:mod:`eqprecursors.evaluation.baselines`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json, write_markdown
from eqprecursors.core.runtime import configure_threads
from eqprecursors.core.splits import leakage_warning, read_split, window_blocks
from eqprecursors.evaluation.baselines import GROUND_BASELINES, LABELS, column, read_baselines
from eqprecursors.evaluation.metrics import bootstrap_ci, classification_metrics, permutation_pvalue
from eqprecursors.ground.store import WindowReader
from eqprecursors.ground.training import load_split


def predict_windows(
    model_path: str | Path,
    windows_npy: str | Path,
    rows: np.ndarray,
    *,
    batch_size: int = 64,
) -> np.ndarray:
    """P(class 1) for the given rows of windows.npy, streamed batch-wise from the memmap."""
    import keras

    model = keras.models.load_model(model_path)
    reader = WindowReader(windows_npy)
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty(rows.size)
    for a in range(0, rows.size, batch_size):
        x = reader.read(rows[a : a + batch_size])[..., None]
        out[a : a + x.shape[0]] = np.asarray(model.predict_on_batch(x))[:, 1]
    return out


def part_blocks(labels_csv, split_csv, part: str, gap_hours: float | None) -> np.ndarray | None:
    """Dependence block of every window of one split part, in :func:`load_split`'s order."""
    if gap_hours is None:
        return None
    table = read_split(labels_csv, split_csv)
    return window_blocks(table[table["split"] == part], gap_hours)


def evaluate_model(
    model_path: str | Path,
    windows_npy: str | Path,
    labels_csv: str | Path,
    split_csv: str | Path,
    metrics_json: str | Path,
    *,
    n_bootstrap: int,
    n_permutations: int,
    seed: int,
    block_gap_hours: float | None = 24.0,
    metrics: tuple[str, ...] = ("accuracy", "mcc", "f1", "roc_auc"),
    part: str = "val",
    batch_size: int = 64,
    threads: int = 1,
    predictions_csv: str | Path | None = None,
) -> dict[str, Any]:
    """Score the model on the ``part`` (default val) windows and write metrics.json.

    The JSON holds :func:`classification_metrics`, a bootstrap CI and a permutation p-value
    per metric in ``metrics``, the split method, n and class counts.  Optionally writes
    per-window predictions (index, label, prob) for figures.  CIs and p-values resample
    dependence blocks (:func:`~eqprecursors.core.splits.window_blocks`: windows closer than
    ``block_gap_hours``), not single windows; ``None`` resamples windows.
    """
    configure_threads(threads)
    parts = load_split(labels_csv, split_csv)
    if part not in ("train", "val"):
        raise ValueError(f"part must be 'train' or 'val', got {part!r}")
    rows, y = parts[part]
    blocks = part_blocks(labels_csv, split_csv, part, block_gap_hours)
    p = predict_windows(model_path, windows_npy, rows, batch_size=batch_size)
    resample = {"blocks": blocks}
    result: dict[str, Any] = {
        "model": str(model_path),
        "split_method": parts["method"],
        "part": part,
        f"n_{part}": int(rows.size),
        "class_counts": {str(c): int((y == c).sum()) for c in (0, 1)},
        "seed": seed,
        **classification_metrics(y, p),
        "block_gap_hours": block_gap_hours,
        "bootstrap_ci": {
            m: bootstrap_ci(y, p, m, n=n_bootstrap, seed=seed, **resample) for m in metrics
        },
        "permutation": {
            m: permutation_pvalue(y, p, m, n=n_permutations, seed=seed, **resample) for m in metrics
        },
    }
    write_json(result, metrics_json)
    if predictions_csv is not None:
        Path(predictions_csv).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"index": rows, "label": y, "prob": p}).to_csv(predictions_csv, index=False)
    return result


def _baseline_lookup(baseline_jsons) -> dict[tuple[str, str, str], tuple[str, dict]]:
    """(dataset, window, filter) -> (path, baselines JSON) of every split's baselines."""
    out = {}
    for path in baseline_jsons:
        data = read_baselines(path, "ground")
        out[(str(data["dataset"]), str(data["window"]), str(data["filter"]))] = (str(path), data)
    return out


def _baseline_columns(run: dict, metrics: dict, metrics_path, lookup) -> dict[str, Any]:
    """The MCC, ROC AUC and permutation p (MCC) of each baseline of the run's split.

    The baselines must have been scored on the same held-out part as the model (same split
    method and size); anything else is a stale file, not a comparison.
    """
    key = (str(run["dataset"]), str(run["window"]), str(run["filter"]))
    if key not in lookup:
        raise ValueError(f"{metrics_path}: no baselines file for split {'/'.join(key)}")
    path, data = lookup[key]
    if data["split_method"] != metrics["split_method"] or data["n_val"] != metrics["n"]:
        raise ValueError(
            f"{path} ({data['split_method']}, n_val {data['n_val']}) and {metrics_path} "
            f"({metrics['split_method']}, n {metrics['n']}) score different held-out parts"
        )
    out: dict[str, Any] = {}
    for name in GROUND_BASELINES:
        b = data["baselines"][name]
        out[column(name, "mcc")] = b["mcc"]
        out[column(name, "roc_auc")] = b["roc_auc"]
        out[column(name, "p_mcc")] = b["permutation"].get("mcc", {}).get("p_value")
    return out


def _markdown_view(table: pd.DataFrame) -> pd.DataFrame:
    """The CSV's columns with each baseline's MCC and AUC in one cell ("MCC / AUC")."""

    def cell(v) -> str:
        return "" if pd.isna(v) else f"{v:.3g}"

    def pair(mcc, auc) -> str:
        return f"{cell(mcc)} / {cell(auc)}"

    baseline_cols = [column(n, k) for n in GROUND_BASELINES for k in ("mcc", "roc_auc", "p_mcc")]
    view = table.drop(columns=[c for c in baseline_cols if c in table])
    for name in GROUND_BASELINES:
        view[f"{LABELS[name]} MCC / AUC"] = [
            pair(m, a)
            for m, a in zip(table[column(name, "mcc")], table[column(name, "roc_auc")], strict=True)
        ]
    return view


def _leakage_note(table: pd.DataFrame) -> str:
    """A warning above the Markdown table when any row comes from a random split."""
    if "split" not in table or not (table["split"] == "random").any():
        return ""
    return f"> **Warning (rows with split = random):** {leakage_warning('random')}.\n\n"


def metrics_table(
    runs, metrics_jsons, summary_jsons, out_csv, out_md, *, baseline_jsons
) -> pd.DataFrame:
    """One row per trained model: held-out metrics beside the chance and confound baselines.

    Putting accuracy next to the majority-class baseline, the bootstrap CI and the
    permutation p-value in one row keeps a reader from mistaking the class ratio for skill;
    the Kp-only, date-only, majority and stratified baselines of the run's split
    (:mod:`eqprecursors.evaluation.baselines`, one ``baseline_jsons`` file per split) keep
    a reader from mistaking a storm or a season for a precursor.
    """
    lookup = _baseline_lookup(baseline_jsons)
    rows = []
    for run, metrics_path, summary_path in zip(runs, metrics_jsons, summary_jsons, strict=True):
        m = read_json(metrics_path)
        s = read_json(summary_path)
        ci = m["bootstrap_ci"].get("accuracy", {})
        perm = m["permutation"]
        rows.append(
            {
                **run,
                "split": m["split_method"],
                "n_train": s["n_train"],
                "n_val": m["n"],
                "val_pos": m["n_pos"],
                "accuracy": m["accuracy"],
                "accuracy_ci_low": ci.get("low"),
                "accuracy_ci_high": ci.get("high"),
                "baseline_accuracy": m["baseline_accuracy"],
                "mcc": m["mcc"],
                "f1": m["f1"],
                "roc_auc": m["roc_auc"],
                "p_accuracy": perm.get("accuracy", {}).get("p_value"),
                "p_roc_auc": perm.get("roc_auc", {}).get("p_value"),
                **_baseline_columns(run, m, metrics_path, lookup),
            }
        )
    table = pd.DataFrame(rows)
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False, float_format="%.4g")
    write_markdown(_markdown_view(table), out_md, title=_leakage_note(table))
    return table
