"""Figures 5-8 of the ground-magnetometer study (Petrescu & Moldovan 2022), made honest.

The paper's figures show accuracy curves without a reference, so a curve that sits on the
class ratio of the validation set looks like learning.  Every accuracy axis here therefore
carries the majority-class baseline from ``metrics.json`` as a dashed line, and every figure
states whether its data are synthetic or real (``data_kind``) and which train/validation
split produced it (``split_method`` of ``metrics.json``; the paper's random split leaks
between overlapping windows, so figures built on it carry a red warning line, passed in as
``warning`` by the entry points below).  Each figure is written as PNG and PDF.

Run dicts carry ``label``, ``history_csv`` and ``metrics_json`` (see
:mod:`eqprecursors.ground.runs`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.splits import leakage_warning
from eqprecursors.ground.learning_curve import inverse_power_law, write_learning_curve
from eqprecursors.ground.runs import (
    accuracy_ci,
    final_scores,
    load_runs,
    num,
    split_note,
    val_accuracy,
)
from eqprecursors.ground.windows import WINDOW_SAMPLES
from eqprecursors.plots.style import (
    BASELINE_STYLE,
    TRAIN_COLOUR,
    VAL_COLOUR,
    accuracy_ylim,
    baseline_line,
    pyplot,
    save,
)


def _summary(metrics: Mapping, history: pd.DataFrame, sep: str = ", ") -> str:
    """Val accuracy [95 % CI] vs baseline, then (after ``sep``) MCC, permutation p, n_val."""
    if not metrics:
        return f"val acc {history['val_accuracy'].iloc[-1]:.3f}{sep}baseline unknown"
    lo, hi = accuracy_ci(metrics)
    ci = f" [{lo:.2f}, {hi:.2f}]" if math.isfinite(lo) and math.isfinite(hi) else ""
    text = (
        f"val acc {val_accuracy(metrics, history):.3f}{ci} vs baseline "
        f"{num(metrics.get('baseline_accuracy')):.3f}"
    )
    mcc = num(metrics.get("mcc"))
    if math.isfinite(mcc):
        p = num(((metrics.get("permutation") or {}).get("mcc") or {}).get("p_value"))
        text += f"{sep}MCC {mcc:.2f}" + (f" (p={p:.2g})" if math.isfinite(p) else "")
    n_val = metrics.get("n_val", metrics.get("n"))
    if n_val is not None:
        text += f"{', ' if math.isfinite(mcc) else sep}n_val={n_val}"
    return text


def _warning_line(fig, warning: str) -> None:
    """The split's leakage warning (if any) in red along the figure's foot: seen, not read."""
    if warning:  # about 11 bold 9-pt characters per inch: wrap to the figure's width
        text = textwrap.fill(f"WARNING - {warning}", width=int(11 * fig.get_figwidth()))
        fig.supxlabel(text, color="tab:red", fontsize=9, fontweight="bold")


def plot_histories(
    loaded: Sequence[tuple[Mapping, pd.DataFrame, Mapping]],
    out_png,
    out_pdf,
    *,
    data_kind: str,
    warning: str = "",
) -> tuple[Path, Path]:
    """Figure 5: accuracy and loss vs epoch, training and validation, per run.

    Grid: one row per ``run.get("row", label)`` (e.g. observatory) and an accuracy + loss
    column pair per ``run.get("column", "")`` (e.g. unfiltered / filtered); without those keys
    one row per run.  Each accuracy panel has its run's majority baseline (dashed) and a
    one-line verdict (val accuracy with CI vs baseline, MCC with permutation p).
    """
    plt = pyplot()
    rows = list(dict.fromkeys(str(r.get("row", r["label"])) for r, _, _ in loaded))
    cols = list(dict.fromkeys(str(r.get("column", "")) for r, _, _ in loaded))
    fig, axes = plt.subplots(
        len(rows),
        2 * len(cols),
        figsize=(4.0 * 2 * len(cols), 2.9 * len(rows) + 0.8),
        squeeze=False,
        layout="constrained",
    )
    used = np.zeros(axes.shape, dtype=bool)
    for r, h, m in loaded:
        i = rows.index(str(r.get("row", r["label"])))
        j = 2 * cols.index(str(r.get("column", "")))
        acc_ax, loss_ax = axes[i, j], axes[i, j + 1]
        used[i, j : j + 2] = True
        base = num(m.get("baseline_accuracy"))
        acc_ax.plot(h["epoch"], h["accuracy"], color=TRAIN_COLOUR, marker=".", label="training")
        acc_ax.plot(h["epoch"], h["val_accuracy"], color=VAL_COLOUR, marker=".", label="validation")
        baseline_line(acc_ax, base)
        accuracy_ylim(acc_ax, [*h["accuracy"], *h["val_accuracy"], base])
        loss_ax.plot(h["epoch"], h["loss"], color=TRAIN_COLOUR, marker=".")
        loss_ax.plot(h["epoch"], h["val_loss"], color=VAL_COLOUR, marker=".")
        summary = _summary(m, h, sep="\n")
        acc_ax.set_title(f"{r['label']}: accuracy\n{summary}", fontsize=8)
        loss_ax.set_title(f"{r['label']}: loss", fontsize=8)
        acc_ax.set_ylabel("accuracy")
        loss_ax.set_ylabel("categorical cross-entropy")
        for ax in (acc_ax, loss_ax):
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
            ax.xaxis.get_major_locator().set_params(integer=True)
    for ax in axes[~used]:
        ax.axis("off")
    handles = [
        plt.Line2D([], [], color=TRAIN_COLOUR, marker=".", label="training"),
        plt.Line2D([], [], color=VAL_COLOUR, marker=".", label="validation"),
        plt.Line2D([], [], **BASELINE_STYLE, label="majority baseline (val set)"),
    ]
    fig.legend(handles=handles, loc="outside upper right", ncols=3, fontsize=8)
    fig.suptitle(
        f"Figure 5: training histories - {data_kind} data, "
        f"{split_note([m for _, _, m in loaded])}; dashed: majority-class baseline",
        fontsize=10,
        x=0.01,
        ha="left",
    )
    _warning_line(fig, warning)
    return save(fig, out_png, out_pdf)


def plot_optimizers(
    loaded: Sequence[tuple[Mapping, pd.DataFrame, Mapping]],
    out_png,
    out_pdf,
    *,
    data_kind: str,
    warning: str = "",
) -> tuple[Path, Path]:
    """Figure 6: loss vs epoch per optimizer (training solid, validation dashed).

    There is no accuracy axis here, so each legend entry carries the final validation
    accuracy next to its majority baseline instead: a lower loss alone is no skill.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    for k, (r, h, m) in enumerate(loaded):
        colour = f"C{k % 10}"
        ax.plot(
            h["epoch"], h["loss"], color=colour, lw=1.4, label=f"{r['label']}: {_summary(m, h)}"
        )
        ax.plot(h["epoch"], h["val_loss"], color=colour, lw=1.4, ls="--")
    ax.plot([], [], color="grey", label="solid: training loss")
    ax.plot([], [], color="grey", ls="--", label="dashed: validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("categorical cross-entropy")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, loc="best")
    ax.set_title(
        f"Figure 6: loss per optimizer - {data_kind} data, {split_note([m for _, _, m in loaded])}",
        fontsize=10,
    )
    _warning_line(fig, warning)
    return save(fig, out_png, out_pdf)


def _window_key(label: str) -> tuple[int, float, str]:
    lab = str(label).lower()
    if lab in WINDOW_SAMPLES:
        return (0, WINDOW_SAMPLES[lab], lab)
    try:
        return (0, float(lab), lab)
    except ValueError:
        return (1, 0.0, lab)


def _final_accuracy_points(ax, x: np.ndarray, loaded) -> None:
    """One point per run at ``x``: training accuracy (last epoch, open), validation accuracy
    with its bootstrap 95 % CI (where present) and its own majority baseline as a short
    dashed segment: each run is scored on its own validation set (Figures 7 and S1)."""
    val_acc = np.array([val_accuracy(m, h) for _, h, m in loaded])
    tr_acc = np.array([float(h["accuracy"].iloc[-1]) for _, h, _ in loaded])
    base = np.array([num(m.get("baseline_accuracy")) for _, _, m in loaded])
    ci = np.array([accuracy_ci(m) for _, _, m in loaded]).reshape(-1, 2)
    has_ci = np.isfinite(ci).all(axis=1)
    err = np.vstack([val_acc - ci[:, 0], ci[:, 1] - val_acc])
    err[:, ~has_ci] = 0.0
    ax.plot(x, tr_acc, "o", mfc="none", color=TRAIN_COLOUR, label="training (last epoch)")
    ax.errorbar(
        x,
        val_acc,
        yerr=err,
        fmt="o",
        color=VAL_COLOUR,
        capsize=4,
        label="validation (95 % bootstrap CI)",
    )
    if np.isfinite(base).any():
        # one short segment per run: each is scored on its own validation set, so the
        # baselines are not a curve
        ax.hlines(base, x - 0.3, x + 0.3, **BASELINE_STYLE, zorder=5, label="majority baseline")
    accuracy_ylim(ax, [*tr_acc, *val_acc, *base, *ci[has_ci].ravel()])
    ax.set_ylabel("accuracy")


def plot_windows(
    loaded: Sequence[tuple[Mapping, pd.DataFrame, Mapping]],
    out_png,
    out_pdf,
    *,
    data_kind: str,
    warning: str = "",
) -> tuple[Path, Path]:
    """Figure 7: final validation accuracy and loss vs window length (hour ... month).

    Each window length is its own dataset with its own class ratio, so the baseline is drawn
    per window (dashed) and validation accuracy carries its bootstrap 95 % CI where present.
    """
    plt = pyplot()
    loaded = sorted(loaded, key=lambda x: _window_key(x[0]["label"]))
    x = np.arange(len(loaded))
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    _final_accuracy_points(a, x, loaded)
    b.plot(
        x,
        [h["loss"].iloc[-1] for _, h, _ in loaded],
        "o",
        mfc="none",
        color=TRAIN_COLOUR,
        label="training (last epoch)",
    )
    b.plot(
        x,
        [h["val_loss"].iloc[-1] for _, h, _ in loaded],
        "o",
        color=VAL_COLOUR,
        label="validation (last epoch)",
    )
    b.set_ylabel("categorical cross-entropy")
    ticks = []
    for r, _, m in loaded:
        lab = str(r["label"])
        n = WINDOW_SAMPLES.get(lab.lower())
        extra = f"\nN={n:,}" if n else ""
        n_val = m.get("n_val")
        extra += f"\nn_val={n_val}" if n_val is not None else ""
        ticks.append(lab + extra)
    _label_run_axes((a, b), x, ticks, "window length")
    fig.suptitle(
        f"Figure 7: final accuracy and loss vs window length - {data_kind} data, "
        f"{split_note([m for _, _, m in loaded])}",
        fontsize=10,
    )
    _warning_line(fig, warning)
    return save(fig, out_png, out_pdf)


SEED_LINE = {"lw": 0.9, "alpha": 0.35, "marker": ".", "ms": 4}
"""One seed's curve in Figure 8: faint, so the mean and its band carry the reading."""


def _seed_lines(ax, pts: pd.DataFrame, column: str, colour: str, label: str) -> None:
    """One faint line per seed (gid ``seed <s>``); one legend entry for all of them."""
    for k, (seed, group) in enumerate(pts.groupby("seed", sort=True)):
        ax.plot(
            group["n_train"],
            group[column],
            color=colour,
            gid=f"seed {seed}",
            label=label if k == 0 else None,
            **SEED_LINE,
        )


def plot_learning_curve(
    report: Mapping[str, Any], out_png, out_pdf, *, warning: str = ""
) -> tuple[Path, Path]:
    """Figure 8: accuracy and loss vs training-set size over seeds, with the power-law fit.

    ``report`` is ``ground.learning_curve.write_learning_curve``'s result (points of every
    seed, per-size summary, fit, spread, verdict, split).  Validation accuracy: each seed
    faint, the mean over seeds bold with its min-max band (gid ``band``); training
    accuracy and both losses as means.  The fit is drawn only when the verdict is
    meaningful; the verdict goes into the title.
    """
    plt = pyplot()
    pts = pd.DataFrame(list(report["points"]))
    size = pd.DataFrame(list(report["per_size"]))
    fit, verdict, split = report["fit"], report["verdict"], report["split"]
    target_accuracy, data_kind = report["target_accuracy"], report["data_kind"]
    n_seeds = len(report["seeds"])

    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
    n = size["n_train"].to_numpy(float)
    a.fill_between(
        n,
        size["val_accuracy_min"],
        size["val_accuracy_max"],
        color=VAL_COLOUR,
        alpha=0.2,
        lw=0,
        gid="band",
        label=f"validation: min-max over {n_seeds} seed{'s' if n_seeds != 1 else ''}",
    )
    _seed_lines(a, pts, "val_accuracy", VAL_COLOUR, "validation: each seed")
    a.plot(n, size["val_accuracy_mean"], "o-", color=VAL_COLOUR, lw=2, label="validation: mean")
    a.plot(
        n,
        size["train_accuracy_mean"],
        "s--",
        color=TRAIN_COLOUR,
        label="training: mean (last epoch)",
    )
    bases = pts["baseline_accuracy"].dropna().unique()
    for k, bv in enumerate(bases):
        baseline_line(a, float(bv), "majority baseline" if k == 0 else None)
    yvals = [*pts["train_accuracy"], *pts["val_accuracy"], *bases]
    if report["meaningful"]:
        p = fit["params"]
        n_hi = max(n.max(), min(report["n_for_target"], 1e3 * n.max())) * 1.2
        grid = np.geomspace(n.min(), n_hi, 200)
        a.plot(
            grid,
            inverse_power_law(grid, p["a"], p["b"], p["c"]),
            ":",
            color="tab:green",
            lw=1.8,
            label=f"fit to the mean: a - b n^-c (a={p['a']:.3f}, c={p['c']:.2f}, "
            f"R^2={fit['r2']:.2f})",
        )
        a.axhline(target_accuracy, color="tab:green", lw=0.8, ls="-.", label="target accuracy")
        if report["n_for_target"] <= n_hi:
            a.axvline(report["n_for_target"], color="tab:green", lw=0.8, ls="-.")
        yvals += [target_accuracy]
    accuracy_ylim(a, yvals)
    a.set_ylabel("accuracy")
    _seed_lines(b, pts, "val_loss", VAL_COLOUR, "validation: each seed")
    b.plot(n, size["val_loss_mean"], "o-", color=VAL_COLOUR, lw=2, label="validation: mean")
    b.plot(n, size["train_loss_mean"], "s--", color=TRAIN_COLOUR, label="training: mean")
    b.set_ylabel("categorical cross-entropy (last epoch)")
    for ax in (a, b):
        ax.set_xscale("log")
        ax.set_xlabel("number of training windows (nested subsets per seed)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(
        f"Figure 8: learning curve over {n_seeds} seed{'s' if n_seeds != 1 else ''} - "
        f"{data_kind} data, {split}\n{verdict}",
        fontsize=10,
    )
    _warning_line(fig, warning)
    return save(fig, out_png, out_pdf)


def figure_learning_curve(
    runs: Sequence[Mapping],
    out_png,
    out_pdf,
    out_json,
    *,
    target_accuracy: float,
    data_kind: str,
) -> dict[str, Any]:
    """Figure 8 entry point: fit and write the verdict JSON (ground), then draw it."""
    report = write_learning_curve(
        runs, out_json, target_accuracy=target_accuracy, data_kind=data_kind
    )
    plot_learning_curve(report, out_png, out_pdf, warning=_split_warning(report["points"]))
    return report


# --------------------------------------------------------------------------------------
# entry points of the figure rules: read the runs (ground), then draw
# --------------------------------------------------------------------------------------
def _split_warning(metrics: Sequence[Mapping]) -> str:
    """The random split's leakage warning when any run used that split, else ''."""
    return (
        leakage_warning("random") if any(m.get("split_method") == "random" for m in metrics) else ""
    )


def figure_histories(runs: Sequence[Mapping], out_png, out_pdf, *, data_kind: str):
    """Figure 5 from run dicts (label, row, column, history_csv, metrics_json)."""
    loaded = load_runs(runs)
    warning = _split_warning([m for _, _, m in loaded])
    return plot_histories(loaded, out_png, out_pdf, data_kind=data_kind, warning=warning)


def figure_optimizers(runs: Sequence[Mapping], out_png, out_pdf, *, data_kind: str):
    """Figure 6 from run dicts, one per optimizer."""
    loaded = load_runs(runs)
    warning = _split_warning([m for _, _, m in loaded])
    return plot_optimizers(loaded, out_png, out_pdf, data_kind=data_kind, warning=warning)


def _label_run_axes(axes, x, ticks, xlabel: str) -> None:
    """One tick per run (its label with p and n_val), as Figures 7 and S1 share them."""
    for ax in axes:
        ax.set_xticks(x, ticks, fontsize=8)
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")


def figure_windows(runs: Sequence[Mapping], out_png, out_pdf, *, data_kind: str):
    """Figure 7 from run dicts, one per window length."""
    loaded = load_runs(runs)
    warning = _split_warning([m for _, _, m in loaded])
    return plot_windows(loaded, out_png, out_pdf, data_kind=data_kind, warning=warning)


VARIANT_AXES = {
    "learning_rates": "learning rate of the training optimizer",
    "conv_blocks": "convolutional blocks (Table 2: 3)",
}
"""The x axis of each variant experiment in Figure S1."""


def plot_variants(
    loaded: Sequence[tuple[Mapping, pd.DataFrame, Mapping]],
    out_png,
    out_pdf,
    *,
    data_kind: str,
    warning: str = "",
) -> tuple[Path, Path]:
    """Figure S1: final accuracy and MCC vs learning rate and vs conv blocks.

    One column per variant experiment present (``run["experiment"]``), its runs in
    ascending ``run["value"]``. Accuracy as in Figure 7 (bootstrap CI, each run's majority
    baseline); MCC with its bootstrap CI against chance (0), the block permutation p and
    n_val under each tick. The sweep's own run (``sweep_run``) is marked in its tick.
    """
    plt = pyplot()
    experiments = [e for e in VARIANT_AXES if any(r["experiment"] == e for r, _, _ in loaded)]
    if not experiments:
        raise ValueError(f"no run of {list(VARIANT_AXES)} given")
    fig, axes = plt.subplots(
        2,
        len(experiments),
        figsize=(5.5 * len(experiments) + 0.5, 7.5),
        squeeze=False,
        layout="constrained",
    )
    for j, experiment in enumerate(experiments):
        part = sorted(
            (x for x in loaded if x[0]["experiment"] == experiment), key=lambda x: x[0]["value"]
        )
        scores = final_scores(part)
        x = np.arange(len(part))
        acc_ax, mcc_ax = axes[0, j], axes[1, j]
        _final_accuracy_points(acc_ax, x, part)
        mcc = scores["mcc"].to_numpy(float)
        lo, hi = scores["mcc_low"].to_numpy(float), scores["mcc_high"].to_numpy(float)
        has_ci = np.isfinite(lo) & np.isfinite(hi)
        err = np.vstack([np.where(has_ci, mcc - lo, 0.0), np.where(has_ci, hi - mcc, 0.0)])
        mcc_ax.errorbar(
            x, mcc, yerr=err, fmt="o", color=VAL_COLOUR, capsize=4, label="MCC (95 % bootstrap CI)"
        )
        mcc_ax.axhline(0.0, **BASELINE_STYLE, zorder=5, label="chance (MCC 0)")
        mcc_ax.set_ylim(-1.05, 1.05)
        mcc_ax.set_ylabel("Matthews correlation (validation)")
        ticks = []
        for (r, _, _), (_, row) in zip(part, scores.iterrows(), strict=True):
            value = f"{r['value']:g}" if experiment == "learning_rates" else f"{r['value']}"
            tick = value + (" (sweep run)" if r.get("sweep_run") else "")
            if math.isfinite(row["mcc_p_value"]):
                tick += f"\np={row['mcc_p_value']:.2g}"
            if row["n_val"] is not None:
                tick += f"\nn_val={row['n_val']}"
            ticks.append(tick)
        _label_run_axes((acc_ax, mcc_ax), x, ticks, VARIANT_AXES[experiment])
    fig.suptitle(
        f"Figure S1: final accuracy and MCC vs learning rate and conv blocks - {data_kind} "
        f"data, {split_note([m for _, _, m in loaded])}",
        fontsize=10,
    )
    _warning_line(fig, warning)
    return save(fig, out_png, out_pdf)


def figure_variants(runs: Sequence[Mapping], out_png, out_pdf, out_csv, *, data_kind: str):
    """Figure S1 from the variants' run dicts, and its numbers as a CSV table."""
    loaded = load_runs(runs)
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    final_scores(loaded).to_csv(out_csv, index=False)
    warning = _split_warning([m for _, _, m in loaded])
    return plot_variants(loaded, out_png, out_pdf, data_kind=data_kind, warning=warning)
