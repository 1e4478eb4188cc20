"""Learning curves: the inverse power-law fit, its verdict and the Figure 8 report.

Petrescu & Moldovan (2022) extrapolate the training-set size that would reach a target
accuracy from a learning curve.  The extrapolation is only reported when the fit says
accuracy rises and saturates and the rise is larger than the spread across seeds (nested
subsets and weight initialisations per seed); a flat curve at the class ratio, or a rise
that one lucky seed could make, gets the verdict "not meaningful" and the reasons why.
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
    """One-line verdict of a :func:`fit_learning_curve` (or :func:`assess`) result."""
    if fit.get("meaningful"):
        return (
            f"extrapolated n for target accuracy {fit['target_accuracy']:g}: "
            f"{fit['n_for_target']:,.0f}"
        )
    reasons = "; ".join(fit.get("reasons") or ["unknown"])
    return f"fit not meaningful: {reasons}"


def _point_seed(r: Mapping):
    """The run's seed: the run dict's, else its summary's ``subset_seed`` (train())."""
    seed = r.get("seed")
    if seed is None and r.get("summary_json"):
        seed = read_json(r["summary_json"]).get("subset_seed")
    if seed is None:
        raise ValueError(f"run {r.get('history_csv')}: seed missing in run and summary")
    return int(seed)


def learning_curve_points(runs: Sequence[Mapping]) -> tuple[pd.DataFrame, str]:
    """One row per (seed, training-set size), sorted by n_train then seed, and the split note.

    ``runs``: dicts with ``n_train`` (training windows actually used; falls back to
    ``n_train`` in metrics.json, then ``summary_json``), ``seed`` (else the summary's
    ``subset_seed``), optional ``fraction``, ``history_csv`` and ``metrics_json``.
    Validation accuracy is the evaluated one (metrics.json, else last val_accuracy);
    training accuracy/loss are the last epoch.
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
                "seed": _point_seed(r),
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
    pts = pd.DataFrame(points).sort_values(["n_train", "fraction", "seed"], kind="stable")
    key = ["seed", _point_key(pts)]
    duplicated = pts.duplicated(key)
    if duplicated.any():
        twice = pts.loc[duplicated, key].to_dict(orient="records")
        raise ValueError(f"learning-curve runs repeat {tuple(key)}: {twice}")
    return pts.reset_index(drop=True), split_note([m for _, _, m in loaded])


def _point_key(points: pd.DataFrame) -> str:
    """What makes a point of one seed: its fraction where every run has one, else its size.

    A tiny training part can round two fractions to one size; they stay two points.
    """
    return "fraction" if points["fraction"].notna().all() else "n_train"


SUMMARY_COLUMNS = ("val_accuracy", "train_accuracy", "val_loss", "train_loss")


def per_size_summary(points: pd.DataFrame) -> pd.DataFrame:
    """Mean, sd, min and max over seeds of each quantity, one row per point (fraction or
    training-set size, :func:`_point_key`), in order of size."""
    g = points.groupby(_point_key(points), sort=False)  # points come sorted by size
    out = pd.DataFrame({"n_train": g["n_train"].max().to_numpy()})
    out["fraction"] = g["fraction"].mean().to_numpy()
    out["n_seeds"] = g["val_accuracy"].count().to_numpy()
    for col in SUMMARY_COLUMNS:
        out[f"{col}_mean"] = g[col].mean().to_numpy()
        out[f"{col}_sd"] = g[col].std(ddof=1).to_numpy()  # NaN for one seed
        out[f"{col}_min"] = g[col].min().to_numpy()
        out[f"{col}_max"] = g[col].max().to_numpy()
    return out


def seed_spread(summary: pd.DataFrame) -> dict[str, Any]:
    """Does the mean rise clear the seeds' spread?  The min-max band at both ends decides.

    The rise (mean val accuracy at the largest size minus that at the smallest) only counts
    when every seed at the largest size beats every seed at the smallest one, i.e. the two
    ends of the drawn min-max band do not overlap; with fewer than two seeds there is no
    spread to compare with, and the rise cannot be told from a lucky initialisation.
    """
    lo, hi = summary.iloc[0], summary.iloc[-1]
    res: dict[str, Any] = {
        "band": "min-max over seeds",
        "n_seeds": int(summary["n_seeds"].min()) if len(summary) else 0,
        "rise": float(hi["val_accuracy_mean"] - lo["val_accuracy_mean"]),
        "smallest_n_max": float(lo["val_accuracy_max"]),
        "largest_n_min": float(hi["val_accuracy_min"]),
        "reasons": [],
    }
    res["margin"] = res["largest_n_min"] - res["smallest_n_max"]
    if len(summary) < 2:
        res["reasons"].append("one training-set size: no rise to compare with the seed spread")
    elif res["n_seeds"] < 2:
        res["reasons"].append(f"{res['n_seeds']} seed per size: no seed spread to compare with")
    elif not res["margin"] > 0:
        res["reasons"].append(
            f"rise {res['rise']:+.3f} within the seed spread (lowest seed at n = "
            f"{int(hi['n_train'])}: {res['largest_n_min']:.3f} <= highest seed at n = "
            f"{int(lo['n_train'])}: {res['smallest_n_max']:.3f})"
        )
    return res


def assess(fit: Mapping, spread: Mapping) -> dict[str, Any]:
    """The verdict: meaningful only when the fit is and the rise clears the seed spread."""
    reasons = [*fit["reasons"], *spread["reasons"]]
    meaningful = bool(fit["meaningful"]) and not reasons
    return {
        "meaningful": meaningful,
        "reasons": reasons,
        "n_for_target": fit["n_for_target"] if meaningful else None,
        "target_accuracy": fit["target_accuracy"],
    }


def write_learning_curve(
    runs: Sequence[Mapping], out_json: str | Path, *, target_accuracy: float, data_kind: str
) -> dict[str, Any]:
    """Fit the seeds' mean validation accuracy vs training-set size; write the report.

    The fit is to the per-size mean over seeds: every seed is trained at the same sizes,
    so a least-squares fit to all points has the same parameters, but its R^2 would mix
    the seeds' scatter into the shape test; the scatter is judged on its own instead
    (:func:`seed_spread`).  The report holds the verdict, the fit, every seed's points,
    the per-size mean/sd/min/max, each seed's curve and the split note (Figure 8's data).
    """
    pts, split = learning_curve_points(runs)
    summary = per_size_summary(pts)
    fit = fit_learning_curve(summary["n_train"], summary["val_accuracy_mean"], target_accuracy)
    spread = seed_spread(summary)
    verdict = assess(fit, spread)
    per_seed = {
        str(seed): {
            "n_train": group["n_train"].tolist(),
            "fraction": group["fraction"].tolist(),
            "val_accuracy": group["val_accuracy"].tolist(),
            "train_accuracy": group["train_accuracy"].tolist(),
        }
        for seed, group in pts.groupby("seed", sort=True)
    }
    result = {
        "verdict": learning_curve_verdict(verdict),
        **verdict,
        "fit": fit,
        "spread": spread,
        "fitted_quantity": "mean validation accuracy over seeds vs number of training windows",
        "seeds": sorted(int(s) for s in pts["seed"].unique()),
        "points": pts.to_dict(orient="records"),
        "per_size": summary.to_dict(orient="records"),
        "per_seed": per_seed,
        "data_kind": data_kind,
        "split": split,
    }
    write_json(result, out_json)
    return result
