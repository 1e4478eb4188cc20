"""Injection-recovery summary: how strong must a precursor be before the pipeline finds it?

Input: one row per (injected amplitude, seed) point of a sweep, with the held-out ``mcc``,
``f1``, ``auc``, the number of evaluated windows ``n`` and ``p``, the permutation p-value of
that point's MCC.  Output: per-amplitude means with CIs across seeds, a logistic detection
curve in log-amplitude with A50 / A90, the minimum detectable amplitude (MDA), and the null
(amplitude 0) check.  The null is the point of the exercise: if amplitude 0 does not read
chance, the pipeline leaks, and that is a bug to fix, not a result to report.

Choices, and why:

* CIs are across seeds (independent data and training realisations), the spread that
  matters for "would another realisation also find it".  With fewer than ``T_BELOW`` seeds a
  Student t interval is used: the percentile bootstrap of a mean of 3-9 values is too narrow
  (plug-in variance, no t quantile, few distinct resamples) and would claim detections that
  the data do not support.  From ``T_BELOW`` seeds on: percentile bootstrap over seeds.
* "Detected" at a point means its permutation p < alpha; the detection curve is a logistic
  regression of that indicator on log(amplitude) (amplitude > 0), fitted with Firth's
  penalised likelihood: small sweeps are often completely separated (never detected below
  some amplitude, always above), where the ordinary MLE does not exist; Firth's estimate is
  finite, asymptotically the MLE, and its A50 then falls between the separating amplitudes
  (the note says so).  CIs: percentile bootstrap resampling seeds within each amplitude, so
  the design (amplitudes) stays fixed.
* MDA: the smallest amplitude > 0 whose MCC CI lies above 0 and above which every amplitude
  does too (a single lucky amplitude below a failing one does not count).
* Null: Fisher's method combines the per-seed p-values (independent seeds give independent
  tests); it is sensitive to a few very small p, which is what a leak produces.
* Several data amounts (``years``) and injection shapes (``shape``): one summary per
  combination, each with the null of its data amount (the null injects nothing, so it has no
  shape and serves every shape). The first combination is the main one (every amplitude runs
  there); its numbers are also the summary's top-level keys.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from eqprecursors.core.reports import markdown_table, write_json

REQUIRED = ("amplitude", "seed", "n", "mcc", "f1", "auc", "p")
T_BELOW = 10
"""Seeds per amplitude below which the MCC CI is a t interval rather than a bootstrap."""


def _mean_ci(values, rng, n_bootstrap: int, level: float) -> tuple[float, float, float, str]:
    """Mean and CI across seeds: t interval below ``T_BELOW`` seeds, else percentile bootstrap."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan, "none"
    mean = float(v.mean())
    if v.size == 1:
        return mean, math.nan, math.nan, "single seed: no spread"
    if v.size < T_BELOW:
        half = stats.t.ppf((1 + level) / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
        return mean, mean - float(half), mean + float(half), "t"
    boot = v[rng.integers(0, v.size, (n_bootstrap, v.size))].mean(axis=1)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return mean, float(lo), float(hi), "bootstrap"


def _firth_logistic(x: np.ndarray, y: np.ndarray, max_iter: int = 200) -> np.ndarray | None:
    """Firth-penalised logistic regression y ~ b0 + b1 x by Newton steps with step halving."""
    X = np.column_stack([np.ones_like(x), x])

    def penalised(b):
        p = special.expit(X @ b)
        info = X.T @ ((p * (1 - p))[:, None] * X)
        sign, logdet = np.linalg.slogdet(info)
        if sign <= 0:
            return -np.inf, p, info
        ll = np.sum(y * np.log(p + 1e-300) + (1 - y) * np.log(1 - p + 1e-300))
        return ll + 0.5 * logdet, p, info

    b = np.zeros(2)
    current, p, info = penalised(b)
    for _ in range(max_iter):
        try:
            inv = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            return None
        w = p * (1 - p)
        h = w * np.einsum("ij,jk,ik->i", X, inv, X)
        step = inv @ (X.T @ (y - p + h * (0.5 - p)))
        step *= min(1.0, 5.0 / max(np.abs(step).max(), 1e-300))
        for _ in range(30):
            value, p_new, info_new = penalised(b + step)
            if value >= current - 1e-12:
                break
            step /= 2
        b, current, p, info = b + step, value, p_new, info_new
        if np.abs(step).max() < 1e-9:
            return b
    return b if np.all(np.isfinite(b)) else None


def _amplitudes_at(b0: float, b1: float) -> tuple[float, float]:
    """(A50, A90) of the curve; inf where a near-flat bootstrap slope puts them off any scale."""
    if not (np.isfinite(b0) and np.isfinite(b1)) or b1 <= 0:
        return math.nan, math.nan

    def at(logit: float) -> float:
        exponent = (logit - b0) / b1
        return math.inf if exponent > 700 else math.exp(exponent)  # exp(709) overflows

    return at(0.0), at(math.log(9.0))


def _fit_detection(pos: pd.DataFrame, alpha, n_bootstrap, rng, level) -> dict[str, Any]:
    """Logistic detection curve on log(amplitude) with bootstrap CIs (seeds within amplitude)."""
    nan = {k: math.nan for k in ("b0", "b1", "A50", "A90")}
    out: dict[str, Any] = {
        **nan,
        **{f"{k}_low": math.nan for k in nan},
        **{f"{k}_high": math.nan for k in nan},
        "method": "Firth-penalised logistic regression of (p < alpha) on log(amplitude)",
        "n_points": len(pos),
        "curve": None,
        "fit_note": "",
    }
    amps = np.sort(pos["amplitude"].unique())
    y = (pos["p"].to_numpy() < alpha).astype(float)
    if amps.size < 2:
        out["fit_note"] = "cannot fit: needs at least two amplitudes > 0"
        return out
    if y.min() == y.max():
        state = "all detected" if y.min() == 1 else "none detected"
        out["fit_note"] = f"cannot fit: {state} (p < {alpha}) at every amplitude > 0"
        return out
    x = np.log(pos["amplitude"].to_numpy(dtype=float))
    b = _firth_logistic(x, y)
    if b is None:
        out["fit_note"] = "cannot fit: the Firth iteration failed"
        return out
    a50, a90 = _amplitudes_at(*b)
    out.update(b0=float(b[0]), b1=float(b[1]), A50=a50, A90=a90)
    notes = []
    if b[1] <= 0:
        notes.append("detection does not rise with amplitude: A50 and A90 undefined")
    undetected, detected = x[y == 0], x[y == 1]
    if undetected.max() < detected.min():
        notes.append(
            f"complete separation between amplitudes {math.exp(undetected.max()):g} and "
            f"{math.exp(detected.min()):g}: A50/A90 lie there, the slope is set by the Firth "
            "penalty, not resolved by the data"
        )
    groups = [np.flatnonzero(pos["amplitude"].to_numpy() == a) for a in amps]
    grid = np.linspace(np.log(amps[0]) - math.log(2), np.log(amps[-1]) + math.log(2), 101)
    boots, curves, undefined = [], [], 0
    for _ in range(n_bootstrap):
        idx = np.concatenate([g[rng.integers(0, g.size, g.size)] for g in groups])
        yb = y[idx]
        bb = _firth_logistic(x[idx], yb) if yb.min() != yb.max() else None
        if bb is None or bb[1] <= 0:
            undefined += 1
            continue
        boots.append([bb[0], bb[1], *_amplitudes_at(*bb)])
        curves.append(special.expit(bb[0] + bb[1] * grid))
    q = [(1 - level) / 2, (1 + level) / 2]
    if boots:
        lo, hi = np.quantile(np.array(boots), q, axis=0, method="inverted_cdf")
        for i, k in enumerate(("b0", "b1", "A50", "A90")):
            out[f"{k}_low"], out[f"{k}_high"] = float(lo[i]), float(hi[i])
    band = np.quantile(np.array(curves), q, axis=0) if curves else np.full((2, grid.size), np.nan)
    out["curve"] = {
        "amplitude": np.exp(grid).tolist(),
        "detection_probability": special.expit(b[0] + b[1] * grid).tolist(),
        "low": band[0].tolist(),
        "high": band[1].tolist(),
    }
    out["n_bootstrap"] = int(n_bootstrap)
    out["n_bootstrap_undefined"] = int(undefined)
    out["fit_note"] = "; ".join(notes)
    return out


def _validate(table: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"sensitivity table lacks columns {missing} (needs {list(REQUIRED)})")
    if table.empty:
        raise ValueError("sensitivity table has no rows")
    t = table.copy()
    t["amplitude"] = pd.to_numeric(t["amplitude"], errors="raise").astype(float)
    if (t["amplitude"] < 0).any() or t["amplitude"].isna().any():
        raise ValueError("sensitivity table: amplitudes must be finite and >= 0")
    dup = t.duplicated(["amplitude", "seed"])
    if dup.any():
        pairs = t.loc[dup, ["amplitude", "seed"]].to_records(index=False).tolist()
        raise ValueError(f"sensitivity table: repeated (amplitude, seed) points {pairs[:5]}")
    return t


def summarize_sensitivity(
    table: pd.DataFrame,
    *,
    alpha: float = 0.05,
    n_bootstrap: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    require_null: bool = True,
) -> dict[str, Any]:
    """Per-amplitude MCC with CIs, detection curve (A50, A90), MDA and the null check.

    ``require_null`` (default): a sweep without amplitude-0 rows is an error, because without
    the null nothing says the detections are not leaks.
    """
    t = _validate(table)
    rng = np.random.default_rng(seed)
    per_amplitude = []
    for amp, g in t.groupby("amplitude", sort=True):
        mean, lo, hi, method = _mean_ci(g["mcc"], rng, n_bootstrap, level)
        p = pd.to_numeric(g["p"], errors="coerce")
        per_amplitude.append(
            {
                "amplitude": float(amp),
                "n_seeds": int(len(g)),
                "n_mean": float(pd.to_numeric(g["n"], errors="coerce").mean()),
                "mcc_mean": mean,
                "mcc_low": lo,
                "mcc_high": hi,
                "ci_method": method,
                "f1_mean": float(pd.to_numeric(g["f1"], errors="coerce").mean()),
                "auc_mean": float(pd.to_numeric(g["auc"], errors="coerce").mean()),
                "detection_rate": float((p < alpha).sum() / p.notna().sum())
                if p.notna().any()
                else math.nan,
            }
        )
    positive = t[(t["amplitude"] > 0) & pd.to_numeric(t["p"], errors="coerce").notna()]
    fit = _fit_detection(positive.reset_index(drop=True), alpha, n_bootstrap, rng, level)

    mda = None
    for row in reversed([r for r in per_amplitude if r["amplitude"] > 0]):
        if not (math.isfinite(row["mcc_low"]) and row["mcc_low"] > 0):
            break
        mda = row["amplitude"]

    zero = t[t["amplitude"] == 0]
    notes: list[str] = []
    if zero.empty:
        if require_null:
            raise ValueError("sensitivity table has no amplitude-0 rows: the null was not run")
        null = None
        notes.append("no amplitude-0 rows: the null was not run")
    else:
        ps = pd.to_numeric(zero["p"], errors="coerce").dropna().to_numpy(dtype=float)
        mean, lo, hi, method = _mean_ci(zero["mcc"], rng, n_bootstrap, level)
        combined = (
            float(stats.combine_pvalues(np.clip(ps, 1e-300, 1), method="fisher").pvalue)
            if ps.size
            else math.nan
        )
        null = {
            "n_seeds": int(len(zero)),
            "mcc_mean": mean,
            "mcc_low": lo,
            "mcc_high": hi,
            "ci_method": method,
            "seeds": [int(s) if float(s).is_integer() else s for s in zero["seed"]],
            "p_values": ps.tolist(),
            "fisher_p": combined,
            "consistent_with_chance": bool(combined > alpha) if ps.size else None,
        }
        if ps.size and not combined > alpha:
            notes.append(
                f"NULL FAILS: amplitude 0 gives Fisher-combined p = {combined:.3g} <= {alpha}; "
                "the pipeline finds signal where none was injected (a leak to fix)"
            )
        if math.isfinite(lo) and lo > 0:
            notes.append("NULL FAILS: the amplitude-0 MCC CI lies above 0")
    return {
        "alpha": alpha,
        "level": level,
        "n_bootstrap": int(n_bootstrap),
        "seed": int(seed),
        "t_interval_below_seeds": T_BELOW,
        "per_amplitude": per_amplitude,
        "fit": fit,
        "minimum_detectable_amplitude": mda,
        "null": null,
        "notes": notes,
    }


def _fmt(x, spec: str = ".3g") -> str:
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:{spec}}"


def summary_markdown(summary: dict[str, Any], *, unit: str = "") -> str:
    """The summary as a Markdown section: table per amplitude, fit, MDA, null verdict."""
    u = f" {unit}" if unit else ""
    pct = round(100 * summary["level"])
    rows = pd.DataFrame(summary["per_amplitude"])[
        ["amplitude", "n_seeds", "mcc_mean", "mcc_low", "mcc_high", "ci_method"]
        + ["f1_mean", "auc_mean", "detection_rate"]
    ]
    fit = summary["fit"]
    null = summary["null"]
    lines = [
        markdown_table(rows),
        "",
        f"MCC CI: {pct} % across seeds (t interval below {summary['t_interval_below_seeds']} "
        "seeds, else percentile bootstrap); detected: permutation p < "
        f"{summary['alpha']}.",
        "",
        f"- Minimum detectable amplitude: {_fmt(summary['minimum_detectable_amplitude'])}{u}",
        f"- A50: {_fmt(fit['A50'])}{u} [{_fmt(fit['A50_low'])}, {_fmt(fit['A50_high'])}]; "
        f"A90: {_fmt(fit['A90'])}{u} [{_fmt(fit['A90_low'])}, {_fmt(fit['A90_high'])}]"
        + (f" ({fit['fit_note']})" if fit["fit_note"] else ""),
    ]
    if null is None:
        lines.append("- Null (amplitude 0): not run")
    else:
        verdict = "consistent with chance" if null["consistent_with_chance"] else "NOT chance"
        lines.append(
            f"- Null (amplitude 0): MCC {_fmt(null['mcc_mean'])} "
            f"[{_fmt(null['mcc_low'])}, {_fmt(null['mcc_high'])}], per-seed p "
            f"{', '.join(_fmt(p, '.2g') for p in null['p_values'])}, Fisher p "
            f"{_fmt(null['fisher_p'])}: {verdict}"
        )
    lines += [f"- {n}" for n in summary["notes"]]
    return "\n".join(lines) + "\n"


NO_SHAPE = "none"
"""The null's shape (= evaluation.sensitivity_plan.NO_SHAPE)."""


def combination_label(years, shape) -> str:
    return f"{years:.3g} y, {shape}"


def summarize_combinations(table: pd.DataFrame, combinations=None, **kw) -> dict[str, Any]:
    """One :func:`summarize_sensitivity` per (years, shape), each with its years' null.

    ``combinations``: [years, shape] pairs in the order to report them, the main one first
    (default: the table's own, in row order). A table without ``years``/``shape`` columns is
    one combination. The result is the main combination's summary plus ``combinations`` (each
    with ``years``, ``shape``, ``label``) and ``main`` (its years and shape).
    """
    if not {"years", "shape"} <= set(table.columns):
        return {**summarize_sensitivity(table, **kw), "combinations": None, "main": None}
    years = pd.to_numeric(table["years"], errors="raise").astype(float)
    if combinations is None:
        signal = table[table["shape"] != NO_SHAPE]
        combinations = list(dict.fromkeys(zip(signal["years"], signal["shape"], strict=True)))
    out = []
    for y, shape in combinations:
        same = np.isclose(years, float(y))
        rows = table[same & ((table["shape"] == shape) | (table["shape"] == NO_SHAPE))]
        if not (rows["shape"] == shape).any():
            raise ValueError(f"sensitivity table has no point at {y:g} year(s), shape {shape!r}")
        try:
            summary = summarize_sensitivity(rows.reset_index(drop=True), **kw)
        except ValueError as exc:
            raise ValueError(f"{combination_label(float(y), shape)}: {exc}") from exc
        label = combination_label(float(y), shape)
        out.append({"years": float(y), "shape": shape, "label": label, **summary})
    if not out:
        raise ValueError("sensitivity table has no point with an injected signal")
    main = {k: v for k, v in out[0].items() if k not in ("years", "shape", "label")}
    return {
        **main,
        "combinations": out,
        "main": {"years": out[0]["years"], "shape": out[0]["shape"]},
    }


def combinations_markdown(summary: dict[str, Any], *, unit: str = "") -> str:
    """An overview (MDA, A50, A90, null per combination), then each combination's section."""
    combos = summary.get("combinations")
    if not combos:
        return summary_markdown(summary, unit=unit)
    u = f" ({unit})" if unit else ""

    def ci(fit, key):
        return f"{_fmt(fit[key])} [{_fmt(fit[f'{key}_low'])}, {_fmt(fit[f'{key}_high'])}]"

    rows = pd.DataFrame(
        [
            {
                "years": c["years"],
                "shape": c["shape"],
                "amplitudes": ", ".join(
                    f"{r['amplitude']:g}" for r in c["per_amplitude"] if r["amplitude"] > 0
                ),
                f"MDA{u}": _fmt(c["minimum_detectable_amplitude"]),
                f"A50{u}": ci(c["fit"], "A50"),
                f"A90{u}": ci(c["fit"], "A90"),
                "null Fisher p": _fmt((c["null"] or {}).get("fisher_p")),
            }
            for c in combos
        ]
    )
    parts = [
        "Per data amount (years) and injection shape; the first row is the main combination "
        "(every amplitude), the null (amplitude 0) is shared by the shapes of its years.",
        "",
        markdown_table(rows),
    ]
    for c in combos:
        parts += ["", f"### {c['label']}", "", summary_markdown(c, unit=unit).rstrip("\n")]
    return "\n".join(parts) + "\n"


def write_sensitivity_summary(
    table_csv, out_json, out_md=None, *, unit: str = "", combinations=None, **kw
) -> dict:
    """Read the sweep CSV, summarise each (years, shape) combination, write JSON (and
    Markdown); errors name the file."""
    path = Path(table_csv)
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: cannot read the sensitivity table: {exc}") from exc
    try:
        summary = summarize_combinations(table, combinations, **kw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    summary["table"] = str(path)
    summary["unit"] = unit
    write_json(summary, out_json)
    if out_md is not None:
        Path(out_md).parent.mkdir(parents=True, exist_ok=True)
        Path(out_md).write_text(combinations_markdown(summary, unit=unit))
    return summary
