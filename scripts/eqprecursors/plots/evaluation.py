"""Figures of the evaluation suite: Molchan error diagrams and injection-recovery sensitivity.

Both draw only what they are given (curves from :mod:`eqprecursors.evaluation.molchan`, the
summary of :mod:`eqprecursors.evaluation.sensitivity`) and always carry their chance
reference: the Molchan diagonal with its binomial 95 % bound, MCC = 0 and the amplitude-0
null.  Each figure is written as PNG and, if given, PDF (``plots.style.save``).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eqprecursors.evaluation.molchan import molchan_null_bound
from eqprecursors.plots.style import BASELINE_STYLE, pyplot, save

CHANCE_STYLE = {**BASELINE_STYLE, "color": "0.25"}
BOUND_STYLE = {"color": "0.45", "ls": ":", "lw": 1.2}
MDA_COLOUR = "tab:red"
FIT_COLOUR = "tab:purple"


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _bounds_from_counts(curves: Sequence[Mapping], alpha: float) -> list[dict[str, Any]]:
    """The binomial bound for each distinct N among the curves (nothing for N = 0)."""
    tau = np.linspace(0.0, 1.0, 1001)
    counts = sorted({int(c["n_events"]) for c in curves if int(c.get("n_events") or 0) > 0})
    pct = round(100 * (1 - alpha))
    return [
        {"tau": tau, "nu": molchan_null_bound(n, tau, alpha), "label": f"{pct} % bound, N = {n}"}
        for n in counts
    ]


def figure_molchan(
    curves: Sequence[Mapping],
    out_png,
    *,
    null_bounds: Sequence[Mapping] | None = None,
    title: str = "Molchan error diagram",
    out_pdf=None,
    xlabel: str = "alarm fraction τ (share of the reference measure)",
    alpha: float = 0.05,
) -> tuple[Path, ...]:
    """Miss rate against alarm fraction for each curve, over the diagonal and the null bound.

    ``curves``: dicts with ``label``, ``tau``, ``nu``, ``ass``, ``n_events`` and optionally
    ``ass_p`` and ``gain_point`` (``tau``, ``nu``, ``gain``: the declared operating point).
    ``null_bounds``: dicts with ``tau``, ``nu``, ``label``; ``None`` draws the Binomial(N, tau)
    bound at ``alpha`` for each curve's N, ``[]`` draws none.  Points below a bound beat chance.
    """
    if not curves:
        raise ValueError(f"figure_molchan ({out_png}): no curves to draw")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 5.6), layout="constrained")
    ax.plot([0, 1], [1, 0], **CHANCE_STYLE, label="random guess (ν = 1 − τ)", gid="diagonal")
    bounds = _bounds_from_counts(curves, alpha) if null_bounds is None else null_bounds
    for i, b in enumerate(bounds):
        style = {**BOUND_STYLE, "ls": [":", "-.", (0, (1, 3))][i % 3]}
        ax.plot(b["tau"], b["nu"], **style, label=b.get("label", "null bound"), gid="null_bound")
    for c in curves:
        text = f"{c['label']}: ASS {c['ass']:.2f}" if _finite(c.get("ass")) else str(c["label"])
        if _finite(c.get("ass_p")):
            text += f" (p={c['ass_p']:.2g})"
        text += f", N={c['n_events']}"
        (line,) = ax.plot(c["tau"], c["nu"], lw=1.8, label=text, gid="curve")
        gp = c.get("gain_point")
        if gp:
            ax.plot(
                [gp["tau"]],
                [gp["nu"]],
                marker="o",
                ms=7,
                mfc="none",
                mew=1.6,
                color=line.get_color(),
                ls="none",
                gid="gain_point",
            )
            gain = f"G = {gp['gain']:.2g}" if _finite(gp.get("gain")) else "G undefined"
            ax.annotate(
                gain,
                (gp["tau"], gp["nu"]),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=8,
                color=line.get_color(),
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("miss rate ν")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(title, fontsize=9)
    return save(fig, out_png, out_pdf)


def _amp_label(x: Any, unit: str) -> str:
    return f"{x:.3g} {unit}".strip() if _finite(x) else "n/a"


def _clip_mcc(values) -> np.ndarray:
    """MCC lies in [-1, 1]; a t interval across few seeds can reach past it."""
    return np.clip(np.asarray(values, dtype=float), -1.0, 1.0)


COMBINATION_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:brown", "tab:pink", "tab:olive")


def _draw_null_panel(ax0, combos: Sequence[Mapping]) -> None:
    """The amplitude-0 null of each data amount (shared by its shapes), CI clipped to [-1, 1]."""
    nulls: dict = {}
    for c in combos:
        nulls.setdefault(c.get("years"), c.get("null"))
    titles, ok = [], True
    for x, (years, null) in enumerate(nulls.items()):
        if not null:
            ax0.text(x, 0, "null\nnot run", ha="center", va="center", color=MDA_COLOUR, fontsize=8)
            ok = False
            continue
        mean = null["mcc_mean"]
        lo, hi = _clip_mcc([null["mcc_low"], null["mcc_high"]])
        err = [[mean - lo], [hi - mean]] if _finite(null["mcc_low"]) else None
        ax0.errorbar([x], [mean], yerr=err, fmt="s", color="k", capsize=4, gid="null_point")
        fisher = null.get("fisher_p")
        where = f"{years:.3g} y: " if len(nulls) > 1 else ""
        titles.append(f"{where}Fisher p={fisher:.2g}" if _finite(fisher) else where.rstrip(": "))
        ok = ok and bool(null.get("consistent_with_chance"))
    if titles:
        verdict = "chance" if ok else "NOT chance"
        ax0.set_title(
            "\n".join(["null", *titles, verdict]), fontsize=8, color="k" if ok else MDA_COLOUR
        )
    ax0.set_xlim(-1, len(nulls))
    labels = ["0"] if len(nulls) == 1 else [f"0\n{y:.3g} y" for y in nulls]
    ax0.set_xticks(range(len(nulls)), labels)


def figure_sensitivity(
    summary: Mapping,
    out_png,
    *,
    unit: str,
    title: str,
    out_pdf=None,
) -> tuple[Path, ...]:
    """MCC against injected amplitude (CI band across seeds) and the detection curve, one
    curve per (years, shape) combination of ``summary["combinations"]`` (else the summary
    is the one curve).

    Left panel: the amplitude-0 null of each data amount with its CI and Fisher-combined p
    (the log axis cannot hold 0).  Right panel, log amplitude: MCC mean with its CI band
    (clipped to [-1, 1], the range of MCC), the chance line MCC = 0, and on a second axis the
    share of seeds detected (p < alpha), the logistic fit with its bootstrap band, A50 / A90
    and the minimum detectable amplitude as vertical lines.  With several combinations each
    has its colour and its gids end in ``:<label>``.
    """
    plt = pyplot()
    combos = list(summary.get("combinations") or [summary])
    multi = len(combos) > 1
    pct = round(100 * summary.get("level", 0.95))
    alpha = summary.get("alpha", 0.05)
    fig, (ax0, ax) = plt.subplots(
        1,
        2,
        figsize=(8.4, 4.6),
        sharey=True,
        layout="constrained",
        gridspec_kw={"width_ratios": [1 + 0.5 * multi, 7], "wspace": 0.02},
    )
    for a in (ax0, ax):
        a.axhline(0, **CHANCE_STYLE, label="chance (MCC = 0)", gid="chance")
        a.grid(alpha=0.3)
    _draw_null_panel(ax0, combos)
    ax0.set_ylabel(f"MCC (mean over seeds, {pct} % CI)")
    ax0.spines["right"].set_visible(False)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", left=False)

    ax2 = ax.twinx()
    ticks: set = set()
    for i, combo in enumerate(combos):
        tag = f":{combo['label']}" if multi else ""
        name = f", {combo['label']}" if multi else ""
        colour = COMBINATION_COLOURS[i % len(COMBINATION_COLOURS)]
        fit_colour = colour if multi else FIT_COLOUR
        pos = [r for r in combo["per_amplitude"] if r["amplitude"] > 0]
        fit = combo.get("fit") or {}
        if pos:
            amp = np.array([r["amplitude"] for r in pos])
            ticks.update(amp.tolist())
            ax.fill_between(
                amp,
                _clip_mcc([r["mcc_low"] for r in pos]),
                _clip_mcc([r["mcc_high"] for r in pos]),
                color=colour,
                alpha=0.25 if not multi else 0.15,
                label=f"{pct} % CI across seeds{name}",
                gid=f"mcc_band{tag}",
            )
            ax.plot(
                amp,
                [r["mcc_mean"] for r in pos],
                "o-",
                color=colour,
                label=f"MCC mean{name}",
                gid=f"mcc_mean{tag}",
            )
            ax2.plot(
                amp,
                [r["detection_rate"] for r in pos],
                "x",
                color=fit_colour,
                ms=7,
                label=f"share detected (p < {alpha}){name}",
                gid=f"detected{tag}",
            )
        curve = fit.get("curve")
        if curve:
            ax2.plot(
                curve["amplitude"],
                curve["detection_probability"],
                color=fit_colour,
                label=f"logistic fit{name}",
                gid=f"fit{tag}",
            )
            ax2.fill_between(
                curve["amplitude"],
                curve["low"],
                curve["high"],
                color=fit_colour,
                alpha=0.12,
                gid=f"fit_band{tag}",
            )
        for key, ls in (("A50", "--"), ("A90", ":")):
            if _finite(fit.get(key)):
                lo, hi = fit.get(f"{key}_low"), fit.get(f"{key}_high")
                ci = f" [{lo:.3g}, {hi:.3g}]" if _finite(lo) and _finite(hi) else ""
                ax2.axvline(
                    fit[key],
                    color=fit_colour,
                    ls=ls,
                    lw=1.2,
                    gid=f"{key}{tag}",
                    label=f"{key} = {_amp_label(fit[key], unit)}{ci}{name}",
                )
        mda = combo.get("minimum_detectable_amplitude")
        if _finite(mda):
            ax.axvline(
                mda,
                color=MDA_COLOUR if not multi else colour,
                ls="-.",
                lw=1.6,
                gid=f"MDA{tag}",
                label=f"minimum detectable amplitude = {_amp_label(mda, unit)}{name}",
            )
        else:
            ax.plot([], [], " ", label=f"no amplitude detectable (MCC CI above 0){name}")
    if ticks:
        ax.set_xscale("log")
        ax.set_xticks(sorted(ticks), [f"{a:g}" for a in sorted(ticks)])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
    else:
        ax.text(0.5, 0.5, "no amplitude > 0", transform=ax.transAxes, ha="center")
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_ylabel(f"detection probability (p < {alpha})")
    ax.set_xlabel(f"injected precursor amplitude ({unit})" if unit else "injected amplitude")
    handles = [h for a in (ax, ax2) for h in a.get_legend_handles_labels()[0]]
    ax.legend(handles=handles, fontsize=7 if not multi else 6, loc="upper left")
    notes = []
    for combo in combos:
        prefix = f"{combo['label']}: " if multi else ""
        notes += [f"{prefix}{n}" for n in combo.get("notes", []) if n]
        if (combo.get("fit") or {}).get("fit_note"):
            notes.append(f"{prefix}fit: {combo['fit']['fit_note']}")
    wrapped = [line for n in notes for line in textwrap.wrap(n, 110)]
    fig.suptitle("\n".join([title, *wrapped]), fontsize=9)
    return save(fig, out_png, out_pdf)
