"""Evaluation of a trained model with honest baselines and uncertainty.

The paper reported accuracy only, and its accuracy equalled the class ratio of its
validation set -- a constant predictor scores the same.  So next to accuracy we report the
majority-class baseline, MCC, F1 and ROC AUC, 95 % bootstrap CIs and label-permutation
p-values (H0: predictions independent of labels, class counts kept).

Predicted class = 1 iff P(class 1) > ``threshold`` (0.5; for a 2-column softmax this equals
argmax with ties going to class 0).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import rankdata

from eqprecursors.core.reports import write_json

MetricFn = Callable[[np.ndarray, np.ndarray], float]


def positive_probability(y_prob) -> np.ndarray:
    """(n,) P(class 1) or (n, 2) softmax output -> (n,) P(class 1)."""
    p = np.asarray(y_prob, dtype=float)
    if p.ndim == 2:
        if p.shape[1] != 2:
            raise ValueError(f"expected 2 class columns, got {p.shape[1]}")
        p = p[:, 1]
    if p.ndim != 1:
        raise ValueError(f"y_prob must be (n,) or (n, 2), got shape {p.shape}")
    return p


def _counts(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> tuple[int, int, int, int]:
    yhat = p > threshold
    y = y.astype(bool)
    tp = int(np.sum(yhat & y))
    tn = int(np.sum(~yhat & ~y))
    fp = int(np.sum(yhat & ~y))
    fn = int(np.sum(~yhat & y))
    return tn, fp, fn, tp


def accuracy(y: np.ndarray, p: np.ndarray) -> float:
    tn, fp, fn, tp = _counts(y, p)
    return (tp + tn) / max(tn + fp + fn + tp, 1)


def balanced_accuracy(y: np.ndarray, p: np.ndarray) -> float:
    tn, fp, fn, tp = _counts(y, p)
    rates = [tp / (tp + fn)] if tp + fn else []
    rates += [tn / (tn + fp)] if tn + fp else []
    return float(np.mean(rates)) if rates else float("nan")


def mcc(y: np.ndarray, p: np.ndarray) -> float:
    """Matthews correlation; 0 when undefined (constant prediction or one class), as sklearn."""
    tn, fp, fn, tp = _counts(y, p)
    den = float(tp + fp) * float(tp + fn) * float(tn + fp) * float(tn + fn)
    return float((tp * tn - fp * fn) / np.sqrt(den)) if den > 0 else 0.0


def f1(y: np.ndarray, p: np.ndarray) -> float:
    """F1 of the earthquake class (label 1); 0 when there are no positives at all."""
    tn, fp, fn, tp = _counts(y, p)
    den = 2 * tp + fp + fn
    return 2 * tp / den if den else 0.0


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Mann-Whitney AUC with tied scores counted 1/2; NaN when only one class is present."""
    y = np.asarray(y).astype(bool)
    n1 = int(y.sum())
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(p)
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


METRICS: dict[str, MetricFn] = {
    "accuracy": accuracy,
    "balanced_accuracy": balanced_accuracy,
    "mcc": mcc,
    "f1": f1,
    "roc_auc": roc_auc,
}
"""Fast scalar metrics f(y_true, p_class1) used for bootstrap and permutation tests."""


def _metric(metric: str | MetricFn) -> MetricFn:
    if callable(metric):
        return metric
    try:
        return METRICS[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}; choose from {sorted(METRICS)}") from None


def classification_metrics(y_true, y_prob, threshold: float = 0.5) -> dict[str, Any]:
    """Accuracy, majority-class baseline, MCC, F1, ROC AUC and confusion matrix.

    Uses scikit-learn as the reference implementation.  ``baseline_accuracy`` is the share of
    the majority class in *this* set: what always predicting that class scores.
    """
    from sklearn import metrics as skm

    y = np.asarray(y_true).astype(int)
    p = positive_probability(y_prob)
    if y.shape != p.shape:
        raise ValueError(f"y_true {y.shape} and y_prob {p.shape} differ in length")
    yhat = (p > threshold).astype(int)
    n = int(y.size)
    n_pos = int(y.sum())
    frac_pos = n_pos / n if n else float("nan")
    cm = skm.confusion_matrix(y, yhat, labels=[0, 1])
    both = 0 < n_pos < n
    with warnings.catch_warnings():  # sklearn warns on one-label sets; MCC is then 0 anyway
        warnings.simplefilter("ignore", UserWarning)
        mcc_value = float(skm.matthews_corrcoef(y, yhat)) if n else float("nan")
    return {
        "n": n,
        "n_pos": n_pos,
        "n_neg": n - n_pos,
        "class_ratio_pos": frac_pos,
        "majority_class": int(frac_pos > 0.5) if n else None,
        "baseline_accuracy": max(frac_pos, 1 - frac_pos) if n else float("nan"),
        "accuracy": float(skm.accuracy_score(y, yhat)) if n else float("nan"),
        "balanced_accuracy": balanced_accuracy(y, p),
        "mcc": mcc_value,
        "f1": float(skm.f1_score(y, yhat, labels=[0, 1], pos_label=1, zero_division=0.0)),
        "roc_auc": float(skm.roc_auc_score(y, p)) if both else float("nan"),
        "confusion_matrix": cm.tolist(),
        "confusion_matrix_layout": "[[TN, FP], [FN, TP]] (rows true 0/1, cols predicted 0/1)",
        "threshold": threshold,
    }


def bootstrap_ci(
    y_true,
    y_prob,
    metric: str | MetricFn,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Percentile bootstrap CI of ``metric`` (resample windows with replacement).

    Resamples on which the metric is undefined (e.g. AUC with one class) are skipped and
    counted; the CI is NaN when none is defined.
    """
    fn = _metric(metric)
    y = np.asarray(y_true).astype(int)
    p = positive_probability(y_prob)
    rng = np.random.default_rng(seed)
    vals = np.empty(n)
    for i in range(n):
        idx = rng.integers(0, y.size, y.size)
        vals[i] = fn(y[idx], p[idx])
    ok = vals[np.isfinite(vals)]
    alpha = (1 - level) / 2
    lo, hi = np.quantile(ok, [alpha, 1 - alpha]) if ok.size else (float("nan"), float("nan"))
    return {
        "estimate": float(fn(y, p)),
        "low": float(lo),
        "high": float(hi),
        "level": level,
        "n_bootstrap": int(n),
        "n_undefined": int(n - ok.size),
    }


def permutation_pvalue(
    y_true, y_prob, metric: str | MetricFn, n: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """One-sided permutation test: p = (1 + #{perm >= observed}) / (n + 1).

    Shuffling the labels keeps the class counts, so a predictor that merely reproduces the
    class ratio gets p ~ 1, and p is never 0.
    """
    fn = _metric(metric)
    y = np.asarray(y_true).astype(int)
    p = positive_probability(y_prob)
    observed = float(fn(y, p))
    if not np.isfinite(observed):
        return {"observed": observed, "p_value": float("nan"), "n_permutations": int(n)}
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(n):
        exceed += fn(rng.permutation(y), p) >= observed - 1e-12
    return {"observed": observed, "p_value": (1 + exceed) / (n + 1), "n_permutations": int(n)}


def predict_windows(
    model_path: str | Path,
    windows_npy: str | Path,
    rows: np.ndarray,
    *,
    batch_size: int = 64,
) -> np.ndarray:
    """P(class 1) for the given rows of windows.npy, streamed batch-wise from the memmap."""
    import keras

    from eqprecursors.ground.training import WindowReader

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
    import pandas as pd

    from eqprecursors.ground.training import configure_threads, load_split

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
    import json

    import pandas as pd

    rows = []
    for run, metrics_path, summary_path in zip(runs, metrics_jsons, summary_jsons, strict=True):
        m = json.loads(Path(metrics_path).read_text())
        s = json.loads(Path(summary_path).read_text())
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
    Path(out_md).write_text(_markdown(table) + "\n")
    return table


def _markdown(table) -> str:
    """A pipe table without the optional tabulate dependency."""

    def cell(v):
        if isinstance(v, float):
            return "" if np.isnan(v) else f"{v:.3g}"
        return "" if v is None else str(v)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)
