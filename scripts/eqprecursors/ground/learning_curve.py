"""Learning curves: the inverse power-law fit, its verdict and the Figure 8 report.

Petrescu & Moldovan (2022) extrapolate the training-set size that would reach a target
accuracy from a learning curve.  The extrapolation is only reported when the fit says
accuracy rises and saturates; a flat curve at the class ratio gets the verdict "not
meaningful" and the reasons why.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json
from eqprecursors.ground.runs import accuracy_ci, load_runs, num, split_note, val_accuracy


def inverse_power_law(n: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    """acc(n) = a - b * n**(-c): a = asymptotic accuracy, c > 0 = learning rate of the curve."""
    return a - b * np.power(n, -c)


def fit_learning_curve(
    sample_sizes,
    accuracies,
    target_accuracy: float,
    *,
    min_points: int = 4,
    min_r2: float = 0.8,
    max_accuracy: float = 1.0,
) -> dict[str, Any]:
    """Fit acc(n) = a - b n^-c and extrapolate the n that reaches ``target_accuracy``.

    The extrapolation is only called meaningful when the fit converges with b > 0 and c > 0
    (accuracy rises and saturates), R^2 >= ``min_r2``, there are >= ``min_points`` sizes and
    the target is below the asymptote a.  Otherwise ``meaningful`` is False and ``reasons``
    says why -- the paper's flat curve (accuracy == class ratio) ends up here.
    """
    from scipy.optimize import curve_fit

    n = np.asarray(sample_sizes, dtype=float)
    acc = np.asarray(accuracies, dtype=float)
    res: dict[str, Any] = {
        "meaningful": False,
        "verdict": "not meaningful",
        "reasons": [],
        "params": None,
        "param_std": None,
        "r2": float("nan"),
        "n_for_target": None,
        "target_accuracy": float(target_accuracy),
        "n_points": int(n.size),
    }
    if n.shape != acc.shape or np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise ValueError("sample_sizes must be positive and match accuracies in shape")
    ok = np.isfinite(acc)
    n, acc = n[ok], acc[ok]
    if np.unique(n).size < min_points:
        res["reasons"].append(f"too few points ({np.unique(n).size} < {min_points})")
        return res
    scale = float(n.max())  # fit in n / n_max for conditioning, convert b back after
    x = n / scale
    a0 = min(max_accuracy, float(acc.max()) + 0.01)
    b0 = max(a0 - float(acc[np.argmin(x)]), 1e-3) * float(x.min()) ** 0.5
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            popt, pcov = curve_fit(
                inverse_power_law,
                x,
                acc,
                p0=[a0, b0, 0.5],
                bounds=([0.0, -np.inf, -5.0], [max_accuracy, np.inf, 5.0]),
                maxfev=20000,
            )
    except (RuntimeError, ValueError) as exc:
        res["reasons"].append(f"fit failed: {exc}")
        return res
    a, b_s, c = (float(v) for v in popt)
    b = b_s * scale**c
    pred = inverse_power_law(x, a, b_s, c)
    ss_res = float(np.sum((acc - pred) ** 2))
    ss_tot = float(np.sum((acc - acc.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    std = np.sqrt(np.diag(pcov)) if np.all(np.isfinite(pcov)) else np.full(3, np.nan)
    res.update(
        params={"a": a, "b": b, "c": c},
        param_std={"a": float(std[0]), "b": float(std[1] * scale**c), "c": float(std[2])},
        r2=r2,
    )
    if not np.isfinite(r2):
        res["reasons"].append("accuracies are constant (R^2 undefined)")
    elif r2 < min_r2:
        res["reasons"].append(f"poor fit (R^2 = {r2:.3f} < {min_r2})")
    if c <= 1e-6:
        res["reasons"].append(f"c = {c:.3g} <= 0: no power-law saturation")
    if b <= 0:
        res["reasons"].append(f"b = {b:.3g} <= 0: accuracy does not increase with n")
    if target_accuracy >= a:
        res["reasons"].append(f"target {target_accuracy} is not below the asymptote a = {a:.4f}")
    if not res["reasons"]:
        n_t = (b / (a - target_accuracy)) ** (1.0 / c)
        res.update(meaningful=True, verdict="meaningful", n_for_target=float(n_t))
    return res


def learning_curve_table(histories: dict[float, str | Path], metric: str = "val_accuracy"):
    """{subset n or fraction: history_csv} -> DataFrame (n, final metric) for the fit/plot."""
    rows = [{"n": k, metric: float(pd.read_csv(p)[metric].iloc[-1])} for k, p in histories.items()]
    return pd.DataFrame(rows).sort_values("n").reset_index(drop=True)


def learning_curve_verdict(fit: Mapping) -> str:
    """One-line verdict of a :func:`fit_learning_curve` result."""
    if fit.get("meaningful"):
        return (
            f"extrapolated n for target accuracy {fit['target_accuracy']:g}: "
            f"{fit['n_for_target']:,.0f}"
        )
    reasons = "; ".join(fit.get("reasons") or ["unknown"])
    return f"fit not meaningful: {reasons}"


def learning_curve_points(runs: Sequence[Mapping]) -> tuple[pd.DataFrame, str]:
    """One row per run (sorted by n_train) and the split note of the runs.

    ``runs``: dicts with ``n_train`` (training windows actually used; falls back to
    ``n_train`` in metrics.json, then ``summary_json``), optional ``fraction``,
    ``history_csv`` and ``metrics_json``.  Validation accuracy is the evaluated one
    (metrics.json, else last val_accuracy); training accuracy/loss are the last epoch.
    """
    loaded = load_runs(runs)
    points = []
    for r, h, m in loaded:
        n_train = r.get("n_train", m.get("n_train"))
        if n_train is None and r.get("summary_json"):  # train()'s summary of the run
            n_train = read_json(r["summary_json"])["n_train"]
        if n_train is None:
            raise ValueError(f"run {r.get('history_csv')}: n_train missing in run and metrics")
        lo, hi = accuracy_ci(m)
        points.append(
            {
                "n_train": int(n_train),
                "fraction": num(r.get("fraction")),
                "train_accuracy": float(h["accuracy"].iloc[-1]),
                "val_accuracy": val_accuracy(m, h),
                "val_accuracy_ci": [lo, hi],
                "train_loss": float(h["loss"].iloc[-1]),
                "val_loss": float(h["val_loss"].iloc[-1]),
                "baseline_accuracy": num(m.get("baseline_accuracy")),
                "split_method": m.get("split_method"),
            }
        )
    pts = pd.DataFrame(points).sort_values("n_train", kind="stable").reset_index(drop=True)
    return pts, split_note([m for _, _, m in loaded])


def write_learning_curve(
    runs: Sequence[Mapping], out_json: str | Path, *, target_accuracy: float, data_kind: str
) -> dict[str, Any]:
    """Fit validation accuracy vs training-set size; write and return the Figure 8 report.

    The report holds the verdict, the fit, the points and the split note (what Figure 8
    draws).
    """
    pts, split = learning_curve_points(runs)
    fit = fit_learning_curve(pts["n_train"], pts["val_accuracy"], target_accuracy)
    result = {
        "verdict": learning_curve_verdict(fit),
        "fit": fit,
        "target_accuracy": float(target_accuracy),
        "fitted_quantity": "validation accuracy vs number of training windows",
        "points": pts.to_dict(orient="records"),
        "data_kind": data_kind,
        "split": split,
    }
    write_json(result, out_json)
    return result
