"""Figures 1-2 of the satellite study (Xiong et al. 2021, SeqNetQuake), made honest.

Figure 1 is a labelled along-track example (Ne and Te against latitude on the half-orbits
that show every class, each sequence shaded by its class); Figure 2 is the network, drawn
from the built Keras model. Every figure states its data kind and is written as PNG and PDF.
Figures 3-8 are :mod:`eqprecursors.plots.satellite_results`; the data come from
:mod:`eqprecursors.satellite.figure_data`, the plot functions only draw.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.plots.style import layer_stack, pyplot, save
from eqprecursors.satellite import figure_data

CLASS_NAMES = figure_data.CLASS_NAMES
CLASS_COLOURS = ("tab:green", "tab:red", "tab:purple")
"""0 non-seismic, 1 pre-seismic, 2 storm: one colour per class in every satellite figure."""


def class_label(c: int) -> str:
    return f"{c} {CLASS_NAMES[c]}"


def dataset_note(dataset: str, row: Mapping) -> str:
    """ "dataset 01: CSES night, T = 10, 3 deg"."""
    window = row["spatial_window"]
    window = "Dobrovolsky" if window == "dobrovolsky" else f"{float(window):g} deg"
    return (
        f"dataset {dataset}: {row['satellite']} {row['time_of_day']}, "
        f"T = {row['sequence_length']}, {window}"
    )


# --------------------------------------------------------------------------------------
# Figure 1: a labelled along-track example
# --------------------------------------------------------------------------------------
def _pass_title(p: Mapping) -> str:
    t0, t1 = pd.Timestamp(p["time"][0]), pd.Timestamp(p["time"][-1])
    lt = float(np.nanmedian(p["local_time"]))
    counts = p["sequences"]["label"].value_counts().sort_index()
    seqs = ", ".join(f"{int(c)}: {n}" for c, n in counts.items())
    text = (
        f"half-orbit {p['orbit']}\n{t0:%Y-%m-%d %H:%M}-{t1:%H:%M} UTC, LT {lt:.1f} h\n"
        f"sequences per class {seqs}"
    )
    s = p["sequences"]
    why = []
    if {"event_id", "magnitude", "distance_deg"} <= set(s):
        pre = s[s["label"] == 1].drop_duplicates("event_id")
        for e in pre.head(2).itertuples(index=False):
            why.append(f"before {e.event_id} (M{e.magnitude:.1f}, {e.distance_deg:.1f} deg)")
    if "max_kp" in s and (s["label"] == 2).any():
        why.append(f"Kp up to {s.loc[s['label'] == 2, 'max_kp'].max():.1f}")
    return text + ("\n" + "; ".join(why) if why else "")


def plot_example(
    example: Mapping, out_png, out_pdf, *, dataset: str, row: Mapping, data_kind: str
) -> tuple[Path, Path]:
    """Figure 1: Ne (log) and Te against latitude on each chosen half-orbit, every
    labelled sequence shaded in its class colour; ``example``:
    ``satellite.figure_data.along_track_example``."""
    plt = pyplot()
    passes = example["passes"]
    k = len(passes)
    fig, axes = plt.subplots(
        2,
        k,
        figsize=(max(11.0, 4.6 * k + 0.8), 6.6),
        squeeze=False,
        sharey="row",
        layout="constrained",
    )
    shown = set()
    for j, p in enumerate(passes):
        ne_ax, te_ax = axes[0, j], axes[1, j]
        ne_ax.plot(p["latitude"], p["ne"], lw=0.8, color="k")
        te_ax.plot(p["latitude"], p["te"], lw=0.8, color="k")
        for s in p["sequences"].itertuples(index=False):
            lo, hi = sorted((s.lat_start, s.lat_end))
            for ax in (ne_ax, te_ax):
                ax.axvspan(lo, hi, color=CLASS_COLOURS[int(s.label)], alpha=0.35, lw=0)
            shown.add(int(s.label))
        ne_ax.set_yscale("log")
        ne_ax.set_title(_pass_title(p), fontsize=8.5)
        te_ax.set_xlabel("geographic latitude (deg)")
        for ax in (ne_ax, te_ax):
            ax.grid(alpha=0.3)
            # the track runs in time order: keep the first sample on the left
            if p["latitude"][0] > p["latitude"][-1] and not ax.xaxis_inverted():
                ax.invert_xaxis()
    axes[0, 0].set_ylabel("Ne (cm$^{-3}$)")
    axes[1, 0].set_ylabel("Te (K)")
    counts = example["classes"]
    from matplotlib.patches import Patch

    handles = [
        Patch(
            color=CLASS_COLOURS[c],
            alpha=0.5,
            label=f"class {class_label(c)} ({counts[c]} in dataset)",
        )
        for c in range(3)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8.5)
    absent = [class_label(c) for c in range(3) if counts[c] == 0]
    unshown = [class_label(c) for c in range(3) if counts[c] and c not in shown]
    notes = []
    if absent:
        notes.append(f"absent from the dataset: {', '.join(absent)}")
    if unshown:
        notes.append(f"not on the passes shown: {', '.join(unshown)}")
    note = ("; " + "; ".join(notes)) if notes else "; every class shown"
    fig.suptitle(
        f"Figure 1: labelled along-track example - {dataset_note(dataset, row)}; "
        f"{data_kind} data\n"
        f"shaded: the sequences of the dataset, by class{note}",
        fontsize=10,
    )
    return save(fig, out_png, out_pdf)


# --------------------------------------------------------------------------------------
# Figure 2: the network
# --------------------------------------------------------------------------------------
LAYER_COLOURS = {
    "InputLayer": "#e8e8e8",
    "Reshape": "#eeeeee",
    "Conv1D": "#cfe2f3",
    "Dropout": "#f3f3f3",
    "MaxPooling1D": "#d9ead3",
    "Flatten": "#fff2cc",
    "LSTM": "#fce5cd",
    "Dense": "#f4cccc",
}


def _colour(kind: str) -> str:
    inner = kind.split("(")[-1].rstrip(")")
    return LAYER_COLOURS.get(inner, "white")


def _tuning_note(info: Mapping) -> str:
    p = info["params"]
    keys = (("batch_size", "batch"), ("nb_epochs", "epochs"), ("dropout", "dropout"))
    text = ", ".join(f"{name} {p[k]}" for k, name in keys if k in p)
    for k, name in (("normalize", "L2 normalisation"), ("scale", "standardisation")):
        if k in p:
            text += f", {name} {'on' if p[k] else 'off'}"
    value = info.get("value")
    if value is not None:
        text += f"; inner-validation weighted F1 {float(value):.3f}"
    if info.get("n_trials") is not None:
        text += f" (best of {info['n_trials']} trials)"
    return text


def plot_architecture(
    table: pd.DataFrame,
    total: int,
    info: Mapping,
    out_png,
    out_pdf,
    *,
    dataset: str,
    data_kind: str,
) -> tuple[Path, Path]:
    """Figure 2: SeqNetQuake as boxes and arrows, one per row of
    ``satellite.figure_data.architecture_rows`` (Keras' own shapes and counts)."""
    plt = pyplot()
    n = len(table)
    fig, ax = plt.subplots(figsize=(8.6, 0.72 * n + 1.9))
    layer_stack(
        ax,
        table,
        colour=_colour,
        head=lambda row: f"{row.layer}: {row.type}",
        sub=lambda row: (
            (f"{row.details}   |   " if row.details else "")
            + f"output {row.output_shape}   |   params {row.params:,}"
        ),
        left=0.05,
        height=0.74,
        head_dy=0.14,
        sub_dy=0.15,
        head_size=8.5,
        sub_size=7.8,
        arrow_lw=0.9,
    )
    ax.set_ylim(-0.6, n - 0.3)
    ax.set_title(
        f"Figure 2: SeqNetQuake as tuned on dataset {dataset} ({data_kind} data): "
        f"T = {info['sequence_length']} cut into {info['n_steps']} sub-sequences\n"
        f"{textwrap.fill(_tuning_note(info), 90, break_on_hyphens=False)}\n"
        f"total parameters {total:,} (read off the built Keras model)",
        fontsize=9.5,
    )
    fig.tight_layout()
    return save(fig, out_png, out_pdf)


# --------------------------------------------------------------------------------------
# entry points of the figure rules: prepare the data (satellite), then draw
# --------------------------------------------------------------------------------------
def figure_example(
    decoded_nc,
    sequences_csv,
    out_png,
    out_pdf,
    *,
    dataset: str,
    row: Mapping,
    data_kind: str,
    max_passes: int = 3,
):
    """Figure 1 from the decoded series and the dataset's sequences.csv."""
    example = figure_data.along_track_example(decoded_nc, sequences_csv, max_passes=max_passes)
    return plot_example(example, out_png, out_pdf, dataset=dataset, row=row, data_kind=data_kind)


def figure_architecture(
    best_json,
    out_png,
    out_pdf,
    *,
    dataset: str,
    sequence_length: int,
    data_kind: str,
    n_steps=None,
):
    """Figure 2 from the tuned parameters (best.json) of SeqNetQuake on ``dataset``."""
    table, total, info = figure_data.architecture_rows(
        best_json, sequence_length=sequence_length, n_steps=n_steps
    )
    return plot_architecture(
        table, total, info, out_png, out_pdf, dataset=dataset, data_kind=data_kind
    )
