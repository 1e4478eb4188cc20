"""Evaluation of a trained ground CNN on its held-out windows, and the metrics table.

Scores go through :mod:`eqprecursors.evaluation.metrics` (accuracy beside the
majority-class baseline, MCC, F1, ROC AUC, bootstrap CIs, permutation p-values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json, write_markdown
from eqprecursors.core.runtime import configure_threads
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
    metrics: tuple[str, ...] = ("accuracy", "mcc", "f1", "roc_auc"),
    part: str = "val",
    batch_size: int = 64,
    threads: int = 1,
    predictions_csv: str | Path | None = None,
) -> dict[str, Any]:
    """Score the model on the ``part`` (default val) windows and write metrics.json.

    The JSON holds :func:`classification_metrics`, a bootstrap CI and a permutation p-value
    per metric in ``metrics``, the split method, n and class counts.  Optionally writes
    per-window predictions (index, label, prob) for figures.
    """
    configure_threads(threads)
    parts = load_split(labels_csv, split_csv)
    if part not in ("train", "val"):
        raise ValueError(f"part must be 'train' or 'val', got {part!r}")
    rows, y = parts[part]
    p = predict_windows(model_path, windows_npy, rows, batch_size=batch_size)
    result: dict[str, Any] = {
        "model": str(model_path),
        "split_method": parts["method"],
        "part": part,
        f"n_{part}": int(rows.size),
        "class_counts": {str(c): int((y == c).sum()) for c in (0, 1)},
        "seed": seed,
        **classification_metrics(y, p),
        "bootstrap_ci": {m: bootstrap_ci(y, p, m, n=n_bootstrap, seed=seed) for m in metrics},
        "permutation": {
            m: permutation_pvalue(y, p, m, n=n_permutations, seed=seed) for m in metrics
        },
    }
    write_json(result, metrics_json)
    if predictions_csv is not None:
        Path(predictions_csv).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"index": rows, "label": y, "prob": p}).to_csv(predictions_csv, index=False)
    return result


def metrics_table(runs, metrics_jsons, summary_jsons, out_csv, out_md) -> pd.DataFrame:
    """One row per trained model: held-out metrics beside the chance baseline.

    Putting accuracy next to the majority-class baseline, the bootstrap CI and the
    permutation p-value in one row keeps a reader from mistaking the class ratio for skill.
    """
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
            }
        )
    table = pd.DataFrame(rows)
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False, float_format="%.4g")
    write_markdown(table, out_md)
    return table
