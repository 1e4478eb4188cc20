"""Three-class metrics of the satellite study from ``predictions.csv``, without TensorFlow.

predictions.csv holds ``index, y_true, p0, p1, p2, y_pred`` (classes 0 non-seismic,
1 pre-seismic, 2 storm). Reported, as in the ground study, each beside what chance scores:

* weighted F1 (the paper's objective), MCC (multiclass, Gorodkin's R_K, scikit-learn's
  ``matthews_corrcoef``), accuracy, per-class precision / recall / F1;
* per-class one-vs-rest ROC curves (points) and AUC, and their macro mean;
* the confusion matrix (rows true, columns predicted) in counts, row percentages (of each
  true class: recall) and column percentages (of each predicted class: precision);
* chance baselines: the majority class of the set (always predicted) and stratified random
  predictions (classes drawn with the set's class shares, mean and 95 % range over draws);
* a percentile bootstrap CI and a one-sided label-permutation p-value per metric, through
  :mod:`eqprecursors.evaluation.metrics` (``bootstrap_ci``, ``permutation_pvalue``): the
  predicted class (or the class's probability, for AUC) is the score those helpers resample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import write_json
from eqprecursors.evaluation.metrics import bootstrap_ci, permutation_pvalue, roc_auc

N_CLASSES = 3
CLASS_NAMES = ("non-seismic", "pre-seismic", "storm")
PREDICTION_COLUMNS = ["index", "y_true", "p0", "p1", "p2", "y_pred"]
LABEL_METRICS = ("weighted_f1", "mcc", "accuracy")


def read_predictions(path: str | Path) -> pd.DataFrame:
    """A predictions.csv, checked: the columns, >= 1 row, classes 0-2, finite probabilities."""
    frame = pd.read_csv(path)
    missing = [c for c in PREDICTION_COLUMNS if c not in frame]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    if frame.empty:
        raise ValueError(f"{path}: no predictions")
    for col in ("y_true", "y_pred"):
        bad = ~frame[col].isin(range(N_CLASSES))
        if bad.any():
            line = int(np.flatnonzero(bad)[0]) + 2
            raise ValueError(f"{path}:{line}: {col} = {frame[col][bad].iloc[0]} not in 0-2")
    proba = frame[["p0", "p1", "p2"]].to_numpy(float)
    if not np.isfinite(proba).all():
        line = int(np.flatnonzero(~np.isfinite(proba).all(axis=1))[0]) + 2
        raise ValueError(f"{path}:{line}: non-finite probability")
    return frame


def confusion(y_true, y_pred, n_classes: int = N_CLASSES) -> np.ndarray:
    """Counts, rows = true class, columns = predicted class."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def _per_class(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, F1) per class; 0 where undefined (scikit-learn zero_division=0)."""
    tp = np.diag(cm).astype(float)
    pred, true = cm.sum(axis=0), cm.sum(axis=1)
    zeros = np.zeros(len(tp))
    precision = np.divide(tp, pred, out=zeros.copy(), where=pred > 0)
    recall = np.divide(tp, true, out=zeros.copy(), where=true > 0)
    f1 = np.divide(2 * tp, pred + true, out=zeros.copy(), where=(pred + true) > 0)
    return precision, recall, f1


def weighted_f1(y_true, y_pred) -> float:
    cm = confusion(y_true, y_pred)
    support = cm.sum(axis=1)
    return float((_per_class(cm)[2] * support).sum() / support.sum()) if support.sum() else np.nan


def mcc(y_true, y_pred) -> float:
    """Multiclass Matthews correlation (R_K); 0 when undefined, as scikit-learn."""
    cm = confusion(y_true, y_pred).astype(float)
    n, correct = cm.sum(), np.trace(cm)
    pred, true = cm.sum(axis=0), cm.sum(axis=1)
    den = np.sqrt((n**2 - (pred**2).sum()) * (n**2 - (true**2).sum()))
    return float((correct * n - (pred * true).sum()) / den) if den > 0 else 0.0


def accuracy(y_true, y_pred) -> float:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float((y_true == y_pred).mean()) if y_true.size else np.nan


LABEL_FUNCTIONS = {"weighted_f1": weighted_f1, "mcc": mcc, "accuracy": accuracy}


def _on_labels(fn):
    """A metric of (y, y_pred) as the f(y, score) that the ground helpers resample."""
    return lambda y, score: fn(y, np.rint(score).astype(np.int64))


def roc_points(y_binary: np.ndarray, score: np.ndarray) -> dict[str, list[float]]:
    """One-vs-rest ROC curve: false/true positive rates at every distinct threshold."""
    from sklearn.metrics import roc_curve

    if y_binary.all() or not y_binary.any():
        return {"fpr": [], "tpr": [], "thresholds": []}
    fpr, tpr, thr = roc_curve(y_binary, score, drop_intermediate=True)
    thr = np.where(np.isfinite(thr), thr, 1.0 + 1e-9)  # first threshold is +inf
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()}


def _scores(y, y_pred) -> dict[str, float]:
    return {name: fn(y, y_pred) for name, fn in LABEL_FUNCTIONS.items()}


def chance_baselines(y: np.ndarray, *, n_draws: int, seed: int) -> dict[str, Any]:
    """Majority class always predicted; stratified random predictions (mean, 95 % range)."""
    counts = np.bincount(y, minlength=N_CLASSES)
    majority = int(np.argmax(counts))
    shares = counts / counts.sum()
    rng = np.random.default_rng(seed)
    draws = [_scores(y, rng.choice(N_CLASSES, size=y.size, p=shares)) for _ in range(n_draws)]
    stratified = {}
    for name in LABEL_FUNCTIONS:
        values = np.array([d[name] for d in draws])
        lo, hi = np.quantile(values, [0.025, 0.975])
        stratified[name] = {"mean": float(values.mean()), "low": float(lo), "high": float(hi)}
    return {
        "majority_class": {
            "class": majority,
            **_scores(y, np.full(y.size, majority)),
            "auc": 0.5,
        },
        "stratified_random": {
            "class_shares": shares.tolist(),
            "n_draws": int(n_draws),
            **stratified,
            "auc": 0.5,
        },
    }


def multiclass_metrics(
    y_true,
    proba,
    y_pred=None,
    *,
    n_bootstrap: int = 1000,
    n_permutations: int = 1000,
    n_chance_draws: int = 200,
    seed: int = 0,
    blocks=None,
) -> dict[str, Any]:
    """Every number of metrics.json for true classes and (n, 3) probabilities.

    ``blocks`` (a dependence block id per sequence, e.g. ``satellite.split.sequence_blocks``)
    makes the bootstrap and permutation tests resample blocks instead of sequences.
    """
    y = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(proba, dtype=float)
    if p.shape != (y.size, N_CLASSES):
        raise ValueError(f"probabilities of shape {p.shape} for {y.size} labels")
    yhat = p.argmax(axis=1) if y_pred is None else np.asarray(y_pred, dtype=np.int64)
    if y.size == 0:
        raise ValueError("no predictions to score")
    cm = confusion(y, yhat)
    precision, recall, f1 = _per_class(cm)
    true, pred = cm.sum(axis=1, keepdims=True), cm.sum(axis=0, keepdims=True)
    row_pct = np.divide(100.0 * cm, true, out=np.full(cm.shape, np.nan), where=true > 0)
    col_pct = np.divide(100.0 * cm, pred, out=np.full(cm.shape, np.nan), where=pred > 0)
    score = yhat.astype(float)
    result: dict[str, Any] = {
        "n": int(y.size),
        "class_names": list(CLASS_NAMES),
        "class_counts": {str(c): int(v) for c, v in enumerate(true[:, 0])},
        "predicted_counts": {str(c): int(v) for c, v in enumerate(pred[0])},
        **_scores(y, yhat),
        "per_class": {
            str(c): {
                "precision": float(precision[c]),
                "recall": float(recall[c]),
                "f1": float(f1[c]),
            }
            for c in range(N_CLASSES)
        },
        "confusion_matrix": {
            "layout": "rows true class 0-2, columns predicted class 0-2",
            "counts": cm.tolist(),
            "row_percent": row_pct.tolist(),
            "column_percent": col_pct.tolist(),
        },
        "baselines": chance_baselines(y, n_draws=n_chance_draws, seed=seed),
        "bootstrap_ci": {
            m: bootstrap_ci(
                y, score, _on_labels(LABEL_FUNCTIONS[m]), n=n_bootstrap, seed=seed, blocks=blocks
            )
            for m in LABEL_METRICS
        },
        "permutation": {
            m: permutation_pvalue(
                y,
                score,
                _on_labels(LABEL_FUNCTIONS[m]),
                n=n_permutations,
                seed=seed,
                blocks=blocks,
            )
            for m in LABEL_METRICS
        },
    }
    auc, roc, auc_ci, auc_perm = {}, {}, {}, {}
    for c in range(N_CLASSES):
        yc = (y == c).astype(int)
        auc[str(c)] = roc_auc(yc, p[:, c])
        roc[str(c)] = roc_points(yc, p[:, c])
        resample = {"n": n_bootstrap, "seed": seed, "blocks": blocks}
        auc_ci[str(c)] = bootstrap_ci(yc, p[:, c], "roc_auc", **resample)
        resample["n"] = n_permutations
        auc_perm[str(c)] = permutation_pvalue(yc, p[:, c], "roc_auc", **resample)
    defined = [v for v in auc.values() if np.isfinite(v)]
    result.update(
        {
            "auc": auc,
            "auc_macro": float(np.mean(defined)) if defined else float("nan"),
            "roc": roc,
            "auc_bootstrap_ci": auc_ci,
            "auc_permutation": auc_perm,
        }
    )
    return result


def evaluate_predictions(
    predictions_csv: str | Path,
    metrics_json: str | Path,
    *,
    n_bootstrap: int,
    n_permutations: int,
    seed: int,
    n_chance_draws: int = 200,
    sequences_csv: str | Path | None = None,
    **context: Any,
) -> dict[str, Any]:
    """metrics.json of one predictions.csv; ``context`` (model, dataset, mode) is echoed.

    With the dataset's ``sequences_csv`` the tests resample dependence blocks (a sequence's
    event, else its orbit: :func:`eqprecursors.satellite.split.sequence_blocks`).
    """
    frame = read_predictions(predictions_csv)
    blocks = None
    if sequences_csv is not None:
        from eqprecursors.satellite.split import sequence_blocks

        sequences = pd.read_csv(sequences_csv, dtype={"event_id": str}).set_index("index")
        unknown = ~frame["index"].isin(sequences.index)
        if unknown.any():
            line = int(np.flatnonzero(unknown)[0]) + 2
            raise ValueError(f"{predictions_csv}:{line}: index not in {sequences_csv}")
        blocks = sequence_blocks(sequences.loc[frame["index"]].reset_index())
    result = {
        **context,
        "predictions": str(predictions_csv),
        "seed": seed,
        **multiclass_metrics(
            frame["y_true"].to_numpy(),
            frame[["p0", "p1", "p2"]].to_numpy(float),
            frame["y_pred"].to_numpy(),
            n_bootstrap=n_bootstrap,
            n_permutations=n_permutations,
            n_chance_draws=n_chance_draws,
            seed=seed,
            blocks=blocks,
        ),
        "resampling": "blocks (event, else orbit)" if blocks is not None else "sequences",
    }
    write_json(result, metrics_json)
    return result
