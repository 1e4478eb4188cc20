"""Evaluation of a trained ground CNN on its held-out windows, and the metrics table.

The training job writes the model's validation predictions (``predictions.csv``,
:data:`eqprecursors.ground.training.PREDICTION_COLUMNS`); :func:`evaluate_predictions`
scores that file with the split, without TensorFlow (an evaluation job that started it and
reloaded the model spent 10-15 s on that alone).  Scores go through
:mod:`eqprecursors.evaluation.metrics` (accuracy beside the majority-class baseline, MCC,
F1, ROC AUC, bootstrap CIs, permutation p-values); the table puts each run beside the
confound and chance baselines of its split (:mod:`eqprecursors.evaluation.baselines`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json, write_markdown
from eqprecursors.core.splits import leakage_warning, read_split, window_blocks
from eqprecursors.evaluation.baselines import GROUND_BASELINES, LABELS, column, read_baselines
from eqprecursors.evaluation.metrics import bootstrap_ci, classification_metrics, permutation_pvalue
from eqprecursors.ground.store import WindowReader
from eqprecursors.ground.training import (
    PREDICT_BATCH_SIZE,
    PREDICTION_COLUMNS,
    load_split,
    predict_rows,
    write_predictions,
)

DEFAULT_METRICS = ("accuracy", "mcc", "f1", "roc_auc")


def part_blocks(labels_csv, split_csv, part: str, gap_hours: float | None) -> np.ndarray | None:
    """Dependence block of every window of one split part, in :func:`load_split`'s order."""
    if gap_hours is None:
        return None
    table = read_split(labels_csv, split_csv)
    return window_blocks(table[table["split"] == part], gap_hours)


def read_predictions(path: str | Path) -> pd.DataFrame:
    """A ground predictions.csv, checked: columns, >= 1 row, one part, labels 0/1, P in [0, 1]."""
    frame = pd.read_csv(path)
    missing = [c for c in PREDICTION_COLUMNS if c not in frame]
    if missing:
        raise ValueError(f"{path}: missing columns {missing} (has {list(frame.columns)})")
    if frame.empty:
        raise ValueError(f"{path}: no predictions")
    parts = frame["part"].unique()
    if len(parts) != 1 or parts[0] not in ("train", "val"):
        raise ValueError(f"{path}: part must be one of 'train'/'val' throughout, got {parts}")
    checks = {
        "y_true": ~frame["y_true"].isin((0, 1)),
        "y_pred": ~frame["y_pred"].isin((0, 1)),
        "p_earthquake": ~frame["p_earthquake"].between(0.0, 1.0),  # NaN fails too
        "index": frame["index"].duplicated(),
    }
    for col, bad in checks.items():
        if bad.any():
            line = int(np.flatnonzero(bad)[0]) + 2
            raise ValueError(f"{path}:{line}: bad {col} {frame[col][bad].iloc[0]!r}")
    return frame


def _aligned(frame: pd.DataFrame, rows: np.ndarray, y: np.ndarray, where: str) -> np.ndarray:
    """P(earthquake) in the split part's order; the rows and labels must be the part's."""
    by_index = frame.set_index("index")
    if set(by_index.index) != set(rows.tolist()) or len(by_index) != rows.size:
        raise ValueError(
            f"{where}: its {len(frame)} windows are not the {rows.size} of the split part"
        )
    ordered = by_index.loc[rows]
    wrong = ordered["y_true"].to_numpy(np.int64) != y
    if wrong.any():
        raise ValueError(f"{where}: y_true of index {rows[wrong][0]} differs from labels.csv")
    return ordered["p_earthquake"].to_numpy(float)


def score(
    y: np.ndarray,
    p: np.ndarray,
    blocks: np.ndarray | None,
    *,
    n_bootstrap: int,
    n_permutations: int,
    seed: int,
    metrics: tuple[str, ...] = DEFAULT_METRICS,
) -> dict[str, Any]:
    """:func:`classification_metrics`, a bootstrap CI and a permutation p per metric."""
    resample = {"blocks": blocks}
    return {
        **classification_metrics(y, p),
        "bootstrap_ci": {
            m: bootstrap_ci(y, p, m, n=n_bootstrap, seed=seed, **resample) for m in metrics
        },
        "permutation": {
            m: permutation_pvalue(y, p, m, n=n_permutations, seed=seed, **resample) for m in metrics
        },
    }


def evaluate_predictions(
    predictions_csv: str | Path,
    labels_csv: str | Path,
    split_csv: str | Path,
    metrics_json: str | Path,
    *,
    n_bootstrap: int,
    n_permutations: int,
    seed: int,
    block_gap_hours: float | None = 24.0,
    metrics: tuple[str, ...] = DEFAULT_METRICS,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score a predictions.csv on its split part and write metrics.json (no TensorFlow).

    The JSON holds :func:`classification_metrics`, a bootstrap CI and a permutation p-value
    per metric in ``metrics``, the split method, n and class counts (and ``context``).  CIs
    and p-values resample dependence blocks (:func:`~eqprecursors.core.splits.window_blocks`:
    windows closer than ``block_gap_hours``), not single windows; ``None`` resamples
    windows.  The file's windows and labels must be the split part's (stale: an error).
    """
    frame = read_predictions(predictions_csv)
    part = str(frame["part"].iloc[0])
    parts = load_split(labels_csv, split_csv)
    rows, y = parts[part]
    p = _aligned(frame, rows, y, f"{predictions_csv} ({split_csv}, part {part})")
    blocks = part_blocks(labels_csv, split_csv, part, block_gap_hours)
    result: dict[str, Any] = {
        "predictions": str(predictions_csv),
        **(context or {}),
        "split_method": parts["method"],
        "part": part,
        f"n_{part}": int(rows.size),
        "class_counts": {str(c): int((y == c).sum()) for c in (0, 1)},
        "seed": seed,
        "block_gap_hours": block_gap_hours,
        **score(
            y, p, blocks, n_bootstrap=n_bootstrap, n_permutations=n_permutations, seed=seed,
            metrics=metrics,
        ),
    }  # fmt: skip
    write_json(result, metrics_json)
    return result


def evaluate_model(
    model_path: str | Path,
    windows_npy: str | Path,
    labels_csv: str | Path,
    split_csv: str | Path,
    metrics_json: str | Path,
    *,
    predictions_csv: str | Path | None = None,
    part: str = "val",
    batch_size: int = PREDICT_BATCH_SIZE,
    threads: int = 1,
    **evaluation: Any,
) -> dict[str, Any]:
    """Predict ``part`` with a saved model (starts TensorFlow), then :func:`evaluate_predictions`.

    For a model whose training wrote no predictions.csv (``ground.training.train``'s
    ``predictions_csv`` is cheaper: no reload).  Without ``predictions_csv`` the predictions
    go to a temporary file; ``evaluation`` holds :func:`evaluate_predictions`' options.
    """
    import tempfile

    from eqprecursors.core.runtime import configure_threads

    configure_threads(threads)
    from eqprecursors.ground.model import load_cnn  # starts TensorFlow

    if part not in ("train", "val"):
        raise ValueError(f"part must be 'train' or 'val', got {part!r}")
    rows, y = load_split(labels_csv, split_csv)[part]
    model = load_cnn(model_path, compile=False)
    p = predict_rows(model, WindowReader(windows_npy), rows, batch_size=batch_size)
    context = {"model": str(model_path)}
    with tempfile.TemporaryDirectory(prefix="evaluate_model_") as tmp:
        if predictions_csv is None:
            predictions_csv, context["predictions"] = Path(tmp) / "predictions.csv", None
        write_predictions(predictions_csv, rows, y, p, part=part)
        return evaluate_predictions(
            predictions_csv, labels_csv, split_csv, metrics_json, context=context, **evaluation
        )


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
