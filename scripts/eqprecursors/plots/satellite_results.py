"""Figures 3-8 of the satellite study (Xiong et al. 2021, SeqNetQuake), made honest.

* Figures 3-6 and 8 (:func:`plot_comparison`): per-class one-vs-rest ROC curves with AUC
  and its bootstrap CI beside the chance diagonal, and MCC / weighted F1 / accuracy bars
  with their bootstrap 95 % CIs. Every bar has the chance baselines of its own test part
  beside it: the majority class always predicted (dashed black) and stratified random
  predictions (grey band: 95 % range, dotted: mean). A comparison with one member is
  drawn all the same; its title says there is nothing to compare.
* Figure 7 and its supplementary version (:func:`plot_ternary`): the predicted class
  probabilities of each true class on a ternary diagram (``mpltern``), the argmax regions
  outlined, and the confusion matrix with counts, row and column percentages.

Runs are loaded by :mod:`eqprecursors.evaluation.satellite_report`; these functions only
draw. Every figure states its data kind, split and test part and is written as PNG and PDF.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from eqprecursors.evaluation import satellite_report
from eqprecursors.evaluation.satellite_report import BAR_METRICS, METRIC_NAMES
from eqprecursors.plots.satellite import CLASS_COLOURS, CLASS_NAMES, class_label
from eqprecursors.plots.style import BASELINE_STYLE, pyplot, save

STRATIFIED_COLOUR = "0.6"


def _test_parts(loaded: Sequence[Mapping]) -> str:
    return ", ".join(dict.fromkeys(str(r["test_part"]) for r in loaded))


def _roc_panel(ax, loaded: Sequence[Mapping], c: int) -> None:
    ax.plot([0, 1], [0, 1], **BASELINE_STYLE, label="chance (AUC 0.5)")
    for i, r in enumerate(loaded):
        roc, auc = r["roc"][c], r["auc"][c]
        colour = f"C{i % 10}"
        if roc["fpr"].size == 0 or not math.isfinite(auc["value"]):
            ax.plot([], [], color=colour, label=f"{r['label']}: class absent from test part")
            continue
        ci = (
            f" [{auc['low']:.2f}, {auc['high']:.2f}]"
            if math.isfinite(auc["low"]) and math.isfinite(auc["high"])
            else ""
        )
        ax.plot(
            roc["fpr"],
            roc["tpr"],
            color=colour,
            lw=1.5,
            label=f"{r['label']}: {auc['value']:.2f}{ci}",
        )
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(f"class {class_label(c)} vs rest", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6.5, loc="lower right", title="AUC [95 % CI]", title_fontsize=6.5)


def _bar_panel(ax, loaded: Sequence[Mapping], metric: str) -> None:
    x = np.arange(len(loaded))
    values = np.array([r["metrics"][metric]["value"] for r in loaded])
    lo = np.array([r["metrics"][metric]["low"] for r in loaded])
    hi = np.array([r["metrics"][metric]["high"] for r in loaded])
    has_ci = np.isfinite(lo) & np.isfinite(hi)
    err = np.vstack([values - np.where(has_ci, lo, values), np.where(has_ci, hi, values) - values])
    colours = [f"C{i % 10}" for i in range(len(loaded))]
    ax.bar(x, values, width=0.6, color=colours, alpha=0.85, zorder=2)
    ax.errorbar(x, values, yerr=err, fmt="none", ecolor="k", capsize=4, lw=1.1, zorder=4)
    w = 0.4
    ys = [*values, *lo[has_ci], *hi[has_ci], 0.0]
    for xi, r in zip(x, loaded, strict=True):
        s = r["stratified"][metric]
        if math.isfinite(s["low"]) and math.isfinite(s["high"]):
            ax.fill_between(
                [xi - w, xi + w],
                s["low"],
                s["high"],
                color=STRATIFIED_COLOUR,
                alpha=0.45,
                lw=0,
                zorder=3,
            )
            ax.hlines(s["mean"], xi - w, xi + w, color="0.25", ls=":", lw=1.3, zorder=3)
            ys += [s["low"], s["high"]]
        maj = r["majority"][metric]
        if math.isfinite(maj):
            ax.hlines(maj, xi - w, xi + w, **BASELINE_STYLE, zorder=5)
            ys.append(maj)
    for xi, v, top in zip(x, values, np.where(has_ci, hi, values), strict=True):
        if math.isfinite(v):
            ax.text(xi, top + 0.015, f"{v:.2f}", ha="center", va="bottom", fontsize=7.5)
    ys = [y for y in ys if math.isfinite(y)]
    ax.set_ylim(min(ys) - 0.05 if min(ys) < 0 else 0.0, min(1.0, max(ys)) + 0.1)
    ax.axhline(0, color="k", lw=0.6)
    sizes = {r["n"] for r in loaded}
    ticks = [r["label"] + ("" if len(sizes) == 1 else f"\nn={r['n']}") for r in loaded]
    long = len(loaded) > 4 and max(len(t) for t in ticks) > 16
    ax.set_xticks(
        x, ticks, fontsize=7, rotation=25 if long else 0, ha="right" if long else "center"
    )
    pad = 0.6 if len(loaded) >= 3 else 1.1
    ax.set_xlim(-pad, len(loaded) - 1 + pad)
    if len(sizes) == 1:
        each = " each" if len(loaded) > 1 else ""
        ax.set_xlabel(f"n = {sizes.pop()} test sequences{each}", fontsize=8)
    ax.set_ylabel(METRIC_NAMES[metric])
    p = [r["p_value"][metric] for r in loaded]
    if metric == "mcc" and any(math.isfinite(v) for v in p):
        ps = ", ".join(f"{v:.2g}" if math.isfinite(v) else "-" for v in p)
        if len(p) > 1 and len(set(p)) == 1:
            ps = f"{p[0]:.2g} each"
        ax.set_title(f"MCC (permutation p: {ps})", fontsize=9)
    else:
        ax.set_title(METRIC_NAMES[metric], fontsize=9)
    ax.grid(alpha=0.3, axis="y")


def plot_comparison(
    loaded: Sequence[Mapping],
    out_png,
    out_pdf,
    *,
    title: str,
    note: str,
    data_kind: str,
    split_note: str,
    roc: bool = True,
) -> tuple[Path, Path]:
    """Figures 3-6 and 8: ROC per class (when ``roc``) and the three metric bars.

    ``loaded``: ``evaluation.satellite_report.load_runs``; ``note`` says what is compared
    (``satellite.plan.comparison_note``).
    """
    plt = pyplot()
    k = len(loaded)
    width = max(13.0, 3 * (1.6 + 0.75 * k))
    n_rows = 2 if roc else 1
    fig, axes = plt.subplots(
        n_rows, 3, figsize=(width, 4.6 * n_rows + 1.0), squeeze=False, layout="constrained"
    )
    if roc:
        for c in range(3):
            _roc_panel(axes[0, c], loaded, c)
    for j, metric in enumerate(BAR_METRICS):
        _bar_panel(axes[-1, j], loaded, metric)
    handles = [
        plt.Line2D([], [], **BASELINE_STYLE, label="majority-class baseline (per test part)"),
        plt.Rectangle(
            (0, 0), 1, 1, color=STRATIFIED_COLOUR, alpha=0.45, label="stratified random: 95 % range"
        ),
        plt.Line2D([], [], color="0.25", ls=":", lw=1.3, label="stratified random: mean"),
        plt.Line2D(
            [], [], color="k", marker="|", ls="none", ms=10, label="bar whisker: bootstrap 95 % CI"
        ),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8)
    fig.suptitle(
        f"{title} - {note}\n{data_kind} data; {split_note}; scored on {_test_parts(loaded)}",
        fontsize=10,
    )
    return save(fig, out_png, out_pdf)


# --------------------------------------------------------------------------------------
# Figure 7: ternary diagrams and the confusion matrix
# --------------------------------------------------------------------------------------
def _argmax_regions(ax) -> None:
    """The three argmax regions: segments from the centroid to each edge's midpoint."""
    third = 1.0 / 3.0
    for t, l, r in ((0.5, 0.5, 0.0), (0.5, 0.0, 0.5), (0.0, 0.5, 0.5)):
        ax.plot([third, t], [third, l], [third, r], color="k", lw=0.8, ls="--")


def _confusion_panel(ax, data: Mapping) -> None:
    counts, row, col = data["confusion"], data["row_percent"], data["column_percent"]
    ax.imshow(np.nan_to_num(row), cmap="Blues", vmin=0, vmax=100)
    for i in range(3):
        for j in range(3):
            rp = f"{row[i, j]:.0f} %" if math.isfinite(row[i, j]) else "-"
            cp = f"{col[i, j]:.0f} %" if math.isfinite(col[i, j]) else "-"
            dark = math.isfinite(row[i, j]) and row[i, j] > 60
            ax.text(
                j,
                i,
                f"{counts[i, j]}\nrow {rp}\ncol {cp}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
    names = [class_label(c) for c in range(3)]
    ax.set_xticks(range(3), names, fontsize=7.5)
    ax.set_yticks(range(3), names, fontsize=7.5, rotation=90, va="center")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(
        "confusion matrix: count, row % (of the true class: recall),\n"
        "col % (of the predicted class: precision); shade = row %",
        fontsize=8,
    )


def _headline(data: Mapping) -> str:
    parts = []
    for k in BAR_METRICS:
        m = data["metrics"][k]
        ci = f" [{m['low']:.2f}, {m['high']:.2f}]" if math.isfinite(m["low"]) else ""
        parts.append(f"{METRIC_NAMES[k]} {m['value']:.3f}{ci}")
    maj, strat = data["majority"], data["stratified"]
    p = data["p_value"]["mcc"]
    ptxt = f" (permutation p {p:.2g})" if math.isfinite(p) else ""
    return (
        ", ".join(parts)
        + ptxt
        + f"\nchance: majority class (always {data['majority_class']}) accuracy "
        f"{maj['accuracy']:.3f}, weighted F1 {maj['weighted_f1']:.3f}; stratified random "
        f"weighted F1 {strat['weighted_f1']['mean']:.3f}, MCC 95 % range "
        f"[{strat['mcc']['low']:.2f}, {strat['mcc']['high']:.2f}]"
    )


def plot_ternary(
    data: Mapping, out_png, out_pdf, *, title: str, data_kind: str, split_note: str
) -> tuple[Path, Path]:
    """Figure 7 / 7s: one ternary diagram of (p0, p1, p2) per true class and the confusion
    matrix; ``data``: ``evaluation.satellite_report.ternary_data``."""
    plt = pyplot()
    import mpltern  # noqa: F401  (registers the "ternary" projection)

    fig = plt.figure(figsize=(18, 5.8), layout="constrained")
    grid = fig.add_gridspec(1, 4, width_ratios=[1, 1, 1, 1.05])
    y, proba = data["y_true"], data["proba"]
    for c in range(3):
        ax = fig.add_subplot(grid[0, c], projection="ternary")
        sel = y == c
        _argmax_regions(ax)
        if sel.any():
            # top = pre-seismic, left = non-seismic, right = storm
            ax.scatter(
                proba[sel, 1], proba[sel, 0], proba[sel, 2],
                s=12, color=CLASS_COLOURS[c], alpha=0.55, lw=0,
            )  # fmt: skip
            recall = data["row_percent"][c, c]
            sub = f"n = {int(sel.sum())}, predicted {c}: {recall:.0f} %"
        else:
            sub = "no test sequence of this class"
        ax.set_tlabel(f"p({CLASS_NAMES[1]})", fontsize=8)
        ax.set_llabel(f"p({CLASS_NAMES[0]})", fontsize=8)
        ax.set_rlabel(f"p({CLASS_NAMES[2]})", fontsize=8)
        ax.tick_params(labelsize=6.5)
        ax.grid(alpha=0.3)
        ax.set_title(f"true class {class_label(c)}\n{sub}", fontsize=9, pad=18)
    _confusion_panel(fig.add_subplot(grid[0, 3]), data)
    fig.suptitle(
        f"{title} on {data['test_part']} ({data['n']} sequences) - predicted probabilities "
        f"per true class, dashed: argmax regions\n{_headline(data)}\n"
        f"{data_kind} data; {split_note}",
        fontsize=9.5,
    )
    return save(fig, out_png, out_pdf)


# --------------------------------------------------------------------------------------
# entry points of the figure rules: load the runs (evaluation), then draw
# --------------------------------------------------------------------------------------
def figure_comparison(runs: Sequence[Mapping], out_png, out_pdf, *, roc: bool = True, **text):
    """Figures 3-6 and 8 from run dicts (``satellite.plan.figure_runs``)."""
    loaded = satellite_report.load_runs(runs)
    return plot_comparison(loaded, out_png, out_pdf, roc=roc, **text)


def figure_ternary(runs: Sequence[Mapping], out_png, out_pdf, **text):
    """Figure 7 / 7s from a one-run list (``satellite.plan.figure_runs``)."""
    if len(runs) != 1:
        raise ValueError(f"Figure 7 shows one run, got {len(runs)}")
    return plot_ternary(satellite_report.ternary_data(runs[0]), out_png, out_pdf, **text)
