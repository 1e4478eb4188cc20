"""House style shared by the figures of every study: Agg backend, colours, axes, saving.

Every accuracy axis carries the majority-class baseline (dashed black) so that a curve on
the class ratio is not mistaken for learning.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BASELINE_STYLE = {"color": "black", "ls": "--", "lw": 1.3}
"""Majority-class baseline: dashed black, drawn on top (it often coincides with val acc)."""
TRAIN_COLOUR = "tab:blue"
VAL_COLOUR = "tab:orange"


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (jobs have no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, out_png, out_pdf=None, *, dpi: int = 150, tight: bool = False) -> tuple[Path, ...]:
    """Write the figure as PNG (at ``dpi``) and, if given, PDF; close it; return the paths.

    ``tight`` crops to the drawn artists: needed where a fixed aspect (the map) defeats the
    constrained layout and would otherwise clip the title.
    """
    paths = tuple(Path(p) for p in (out_png, out_pdf) if p is not None)
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
    extra = {"bbox_inches": "tight", "pad_inches": 0.15} if tight else {}
    fig.savefig(paths[0], dpi=dpi, **extra)
    if fig.get_layout_engine() is not None:
        # the first save placed every axis: keep those places for the other formats
        # (constrained layout over ternary axes costs seconds a pass)
        fig.set_layout_engine("none")
    for p in paths[1:]:
        fig.savefig(p, **extra)
    pyplot().close(fig)
    return paths


def baseline_line(ax, baseline: float, label: str | None = "majority baseline") -> None:
    """The majority-class baseline as a horizontal line (nothing when unknown)."""
    if math.isfinite(baseline):
        ax.axhline(baseline, **BASELINE_STYLE, label=label, zorder=5)


def accuracy_ylim(ax, values: Sequence[float]) -> None:
    """Accuracy axis that always shows the baseline, clipped to [0, 1]."""
    v = np.asarray([x for x in values if math.isfinite(x)], dtype=float)
    if v.size == 0:
        return
    lo, hi = float(v.min()), float(v.max())
    pad = max(0.03, 0.1 * (hi - lo))
    ax.set_ylim(max(0.0, lo - pad), min(1.02, hi + pad))


def date_axis(ax) -> None:
    """Concise automatic date ticks on the x axis."""
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def layer_stack(
    ax,
    table,
    *,
    colour,
    head,
    sub,
    left: float,
    height: float,
    head_dy: float,
    sub_dy: float,
    head_size: float,
    sub_size: float,
    arrow_lw: float,
) -> None:
    """A network drawn as one rounded box per layer row, top to bottom, joined by arrows.

    ``colour``, ``head`` and ``sub`` map a row of the layer table (layer, type, details,
    output_shape, params) to its fill colour, bold first line and second line; the figures
    of both studies share this drawing and differ only in text and geometry.
    """
    from matplotlib.patches import FancyBboxPatch

    n = len(table)
    ax.set_xlim(0, 1)
    ax.axis("off")
    for i, row in enumerate(table.itertuples(index=False)):
        y = n - 1 - i
        ax.add_patch(
            FancyBboxPatch(
                (left, y - height / 2),
                1.0 - 2 * left,
                height,
                boxstyle="round,pad=0.01,rounding_size=0.03",
                fc=colour(row.type),
                ec="k",
                lw=0.8,
            )
        )
        kwargs = {"ha": "center", "va": "center"}
        ax.text(0.5, y + head_dy, head(row), fontsize=head_size, fontweight="bold", **kwargs)
        ax.text(0.5, y - sub_dy, sub(row), fontsize=sub_size, **kwargs)
        if i < n - 1:
            ax.annotate(
                "",
                xy=(0.5, y - 1 + height / 2),
                xytext=(0.5, y - height / 2),
                arrowprops={"arrowstyle": "-|>", "color": "k", "lw": arrow_lw},
            )
