"""Classification metrics with honest baselines and uncertainty: pure functions of scores.

The paper reported accuracy only, and its accuracy equalled the class ratio of its
validation set -- a constant predictor scores the same.  So next to accuracy we report the
majority-class baseline, MCC, F1 and ROC AUC, 95 % bootstrap CIs and label-permutation
p-values (H0: predictions independent of labels, class counts kept).  Both resample
whole blocks (event clusters, time blocks) when given ``blocks``, because near-duplicate
windows would otherwise count as independent evidence.

Predicted class = 1 iff P(class 1) > ``threshold`` (0.5; for a 2-column softmax this equals
argmax with ties going to class 0).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import rankdata

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


def _block_layout(blocks, n: int, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples grouped by block: (order, starts, sizes), blocks ordered by first occurrence.

    ``order[starts[b]:starts[b] + sizes[b]]`` are the sample indices of block ``b`` in their
    original order.  Ordering blocks by first occurrence makes all-singleton blocks reproduce
    the sample-level test exactly, whatever the ids are.
    """
    b = np.asarray(blocks)
    if b.shape != (n,):
        raise ValueError(f"{where}: blocks has shape {b.shape}, expected ({n},) like y_true")
    if b.dtype.kind == "f" and not np.all(np.isfinite(b)):
        raise ValueError(f"{where}: blocks holds NaN or infinite ids")
    _, first, inverse = np.unique(b, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    block_of = rank[inverse.ravel()]
    order = np.argsort(block_of, kind="stable")
    sizes = np.bincount(block_of, minlength=first.size)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return order, starts, sizes


def _block_resample(rng, order, starts, sizes) -> np.ndarray:
    """Sample indices of ``len(sizes)`` blocks drawn with replacement (cluster bootstrap)."""
    draw = rng.integers(0, sizes.size, sizes.size)
    lengths = sizes[draw]
    offsets = np.repeat(starts[draw] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return order[offsets + np.arange(lengths.sum())]


def bootstrap_ci(
    y_true,
    y_prob,
    metric: str | MetricFn,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    blocks=None,
) -> dict[str, Any]:
    """Percentile bootstrap CI of ``metric`` (resample windows, or whole blocks, with replacement).

    Dependent windows (aftershock windows that nearly duplicate each other, overlapping
    windows) make the window-level bootstrap far too narrow.  With ``blocks`` (one id per
    window: an event cluster or a time block) whole blocks are drawn with replacement, as many
    as there are blocks (cluster / block bootstrap), so the CI reflects the number of
    independent blocks, not of windows.  Resamples on which the metric is undefined (e.g. AUC
    with one class) are skipped and counted; the CI is NaN when none is defined.
    """
    fn = _metric(metric)
    y = np.asarray(y_true).astype(int)
    p = positive_probability(y_prob)
    layout = None if blocks is None else _block_layout(blocks, y.size, "bootstrap_ci")
    rng = np.random.default_rng(seed)
    vals = np.empty(n)
    for i in range(n):
        if layout is None:
            idx = rng.integers(0, y.size, y.size)
        else:
            idx = _block_resample(rng, *layout)
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
        "resampling": "samples" if layout is None else "blocks",
        "n_blocks": int(y.size if layout is None else layout[2].size),
    }


def _block_permutation(rng, order, starts, sizes) -> np.ndarray:
    """Index map that moves each block's label vector onto another block of the same size."""
    perm = np.arange(order.size)
    for size in np.unique(sizes):
        same = np.flatnonzero(sizes == size)
        src = same[rng.permutation(same.size)]
        within = np.arange(size)
        dst_idx = order[(starts[same][:, None] + within).ravel()]
        src_idx = order[(starts[src][:, None] + within).ravel()]
        perm[dst_idx] = src_idx
    return perm


def permutation_pvalue(
    y_true, y_prob, metric: str | MetricFn, n: int = 1000, seed: int = 0, blocks=None
) -> dict[str, Any]:
    """One-sided permutation test: p = (1 + #{perm >= observed}) / (n + 1).

    Shuffling the labels keeps the class counts, so a predictor that merely reproduces the
    class ratio gets p ~ 1, and p is never 0.  With ``blocks`` (one id per window) the labels
    move as whole blocks: the label vector of a block goes to another block of the same size,
    so dependent windows stay together and the null keeps their clustering; all-singleton
    blocks give exactly the window-level test.
    """
    fn = _metric(metric)
    y = np.asarray(y_true).astype(int)
    p = positive_probability(y_prob)
    layout = None if blocks is None else _block_layout(blocks, y.size, "permutation_pvalue")
    extra = {
        "resampling": "samples" if layout is None else "blocks",
        "n_blocks": int(y.size if layout is None else layout[2].size),
    }
    observed = float(fn(y, p))
    if not np.isfinite(observed):
        return {"observed": observed, "p_value": float("nan"), "n_permutations": int(n), **extra}
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(n):
        shuffled = rng.permutation(y) if layout is None else y[_block_permutation(rng, *layout)]
        exceed += fn(shuffled, p) >= observed - 1e-12
    return {
        "observed": observed,
        "p_value": (1 + exceed) / (n + 1),
        "n_permutations": int(n),
        **extra,
    }
