"""What the data figures and the dataset table of the satellite study show, from its files.

* Figure 1: :func:`along_track_example` picks from ``sequences.csv`` the fewest half-orbits
  (at most ``max_passes``) that show every class of the dataset (:func:`pick_passes`) and
  cuts them from the decoded series, each sequence with the latitudes it spans.
* Figure 2: :func:`architecture_rows` builds SeqNetQuake with the tuned parameters
  (``best.json``) through :func:`eqprecursors.satellite.model.build_seqnetquake` and reads
  its layers off the built Keras model.
* Supplementary Table S1: :func:`dataset_matrix` / :func:`write_table_datasets`, the dataset
  matrix with its counts (per class, train / test, dropped at the split and for gaps).

The plot functions in :mod:`eqprecursors.plots.satellite` only draw what these return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_markdown

N_CLASSES = 3
CLASS_NAMES = ("non-seismic", "pre-seismic", "storm")


# --------------------------------------------------------------------------------------
# Figure 1: a labelled along-track example
# --------------------------------------------------------------------------------------
def read_sequences(sequences_csv) -> pd.DataFrame:
    """sequences.csv with times parsed (UTC, tz-naive) and its columns checked."""
    try:
        table = pd.read_csv(sequences_csv, dtype={"event_id": str})
    except (OSError, ValueError) as exc:
        raise ValueError(f"{sequences_csv}: cannot read sequences CSV ({exc})") from exc
    missing = [c for c in ("index", "start", "end", "orbit", "label") if c not in table]
    if missing:
        raise ValueError(f"{sequences_csv}: sequences CSV lacks column(s) {missing}")
    if table.empty:
        raise ValueError(f"{sequences_csv}: no sequences")
    for col in ("start", "end"):
        table[col] = pd.to_datetime(table[col], utc=True).dt.tz_localize(None)
    return table


def pick_passes(table: pd.DataFrame, max_passes: int = 3) -> list[int]:
    """The fewest half-orbits (at most ``max_passes``) that together show every class.

    Greedy: first the half-orbit with the most distinct classes (then the most sequences,
    then the lowest id); then, while a class is missing, the half-orbit with the most
    sequences of missing classes. Ties go to the lower orbit id, so the choice is fixed.
    """
    counts = table.groupby(["orbit", "label"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=range(N_CLASSES), fill_value=0).sort_index()
    wanted = {c for c in range(N_CLASSES) if counts[c].sum() > 0}
    order = sorted(
        counts.index, key=lambda o: (-(counts.loc[o] > 0).sum(), -counts.loc[o].sum(), o)
    )
    chosen = [order[0]]
    covered = {c for c in wanted if counts.loc[order[0], c] > 0}
    while covered != wanted and len(chosen) < max_passes:
        missing = sorted(wanted - covered)
        best = min(
            (o for o in counts.index if o not in chosen),
            key=lambda o: (-(counts.loc[o, missing] > 0).sum(), -counts.loc[o, missing].sum(), o),
        )
        chosen.append(best)
        covered |= {c for c in wanted if counts.loc[best, c] > 0}
    return [int(o) for o in chosen]


def along_track_example(
    decoded_nc, sequences_csv, *, max_passes: int = 3, orbits: Sequence[int] | None = None
) -> dict[str, Any]:
    """Figure 1: the chosen half-orbits of the decoded series with their labelled sequences.

    Returns ``satellite``, ``classes`` (per-class count of the whole dataset) and
    ``passes``: per half-orbit ``orbit``, ``time``, ``latitude``, ``local_time``, ``ne``,
    ``te`` and ``sequences`` (a frame: start, end, label, lat_start, lat_end, event_id,
    magnitude, distance_deg, max_kp).
    """
    import xarray as xr

    table = read_sequences(sequences_csv)
    chosen = list(orbits) if orbits is not None else pick_passes(table, max_passes)
    absent = sorted(set(chosen) - set(table["orbit"]))
    if absent:
        raise ValueError(f"{sequences_csv}: no sequence on half-orbit(s) {absent}")
    try:
        ds = xr.open_dataset(decoded_nc, cache=False)  # no whole-variable copies
    except (OSError, ValueError) as exc:
        raise ValueError(f"{decoded_nc}: cannot open decoded satellite netCDF ({exc})") from exc
    with ds:
        missing = [v for v in ("orbit", "latitude", "ne", "te", "local_time") if v not in ds]
        if missing:
            raise ValueError(f"{decoded_nc}: decoded netCDF lacks variable(s) {missing}")
        orbit = ds["orbit"].values
        satellite = str(ds.attrs.get("satellite", Path(decoded_nc).stem))
        passes = []
        for o in chosen:
            sel = np.flatnonzero(orbit == o)
            if sel.size == 0:
                raise ValueError(
                    f"{decoded_nc}: half-orbit {o} of {sequences_csv} is not in the series"
                )
            # read only this half-orbit's span (a mission's variables reach gigabytes)
            span = slice(int(sel[0]), int(sel[-1]) + 1)
            keep_rows = sel - sel[0]
            part = {
                v: ds[v][span].values[keep_rows] for v in ("latitude", "ne", "te", "local_time")
            }
            part["time"] = ds["time"][span].values[keep_rows].astype("datetime64[ns]")
            seqs = table[table["orbit"] == o].sort_values("start").copy()
            t_ns = part["time"].astype(np.int64)
            for col, src in (("lat_start", "start"), ("lat_end", "end")):
                at = seqs[src].to_numpy("datetime64[ns]").astype(np.int64)
                seqs[col] = np.interp(at, t_ns, part["latitude"])
            keep = [
                c
                for c in (
                    "start",
                    "end",
                    "label",
                    "lat_start",
                    "lat_end",
                    "event_id",
                    "magnitude",
                    "distance_deg",
                    "max_kp",
                )
                if c in seqs
            ]
            passes.append(dict(orbit=int(o), sequences=seqs[keep].reset_index(drop=True), **part))
    classes = {c: int((table["label"] == c).sum()) for c in range(N_CLASSES)}
    return dict(satellite=satellite, classes=classes, passes=passes)


# --------------------------------------------------------------------------------------
# Figure 2: the architecture, read off the built model
# --------------------------------------------------------------------------------------
def layer_details(layer) -> str:
    """A layer's configuration in words (wrapped layers of TimeDistributed/Bidirectional)."""
    kind = type(layer).__name__
    inner = getattr(layer, "layer", None) or getattr(layer, "forward_layer", None)
    target = inner if inner is not None else layer
    inner_kind = type(target).__name__
    act = getattr(getattr(target, "activation", None), "__name__", "")
    if inner_kind == "Conv1D":
        text = f"{target.filters} filters, kernel {target.kernel_size[0]}, {act}"
    elif inner_kind == "LSTM":
        seq = "sequences" if target.return_sequences else "last state"
        text = f"{target.units} units per direction, returns {seq}"
    elif inner_kind == "Dense":
        text = f"{target.units} units, {act}"
    elif inner_kind == "Dropout":
        text = f"rate {target.rate:g}"
    elif inner_kind.startswith("MaxPooling"):
        text = f"pool {target.pool_size[0]}"
    elif inner_kind == "Reshape":
        shape = tuple(target.target_shape)
        text = f"{shape[0]} sub-sequences of {shape[1]} samples"
    elif kind == "InputLayer":
        text = "T samples x (Ne, Te)"
    else:
        text = ""
    if kind == "TimeDistributed":
        text = ("per sub-sequence; " + text).rstrip("; ")
    return text


def architecture_rows(
    best_json, *, sequence_length: int, n_steps=None
) -> tuple[pd.DataFrame, int, dict[str, Any]]:
    """Figure 2: the built SeqNetQuake's layers (layer, type, details, output_shape,
    params), its parameter total and the tuning it came from.

    ``n_steps`` (config ``satellite_study.tuning.n_steps``) is used when ``best.json``
    does not record it.
    """
    from eqprecursors.satellite.model import build_seqnetquake, model_table
    from eqprecursors.satellite.tuning import n_steps_for

    best = read_json(best_json)
    if "params" not in best:
        raise ValueError(f"{best_json}: no `params` (not a tuning's best.json)")
    steps = best.get("n_steps") or n_steps_for(int(sequence_length), n_steps)
    net = build_seqnetquake(best["params"], int(sequence_length), 2, int(steps))
    table = model_table(net)
    table["details"] = [layer_details(layer) for layer in net.layers]
    table = table[["layer", "type", "details", "output_shape", "params"]]
    info = dict(
        params=best["params"],
        n_steps=int(steps),
        sequence_length=int(sequence_length),
        value=best.get("value"),
        n_trials=best.get("n_trials"),
        objective=best.get("objective", "weighted F1"),
    )
    return table, int(net.count_params()), info


# --------------------------------------------------------------------------------------
# Supplementary Table S1: the dataset matrix and its counts
# --------------------------------------------------------------------------------------
def _split_counts(sequences_csv, split_csv) -> dict[str, int]:
    from eqprecursors.satellite.split import read_split

    merged = read_split(sequences_csv, split_csv)
    out = {}
    for part in ("train", "test"):
        labels = merged.loc[merged["split"] == part, "label"]
        out[part] = int(labels.size)
        for c in range(N_CLASSES):
            out[f"{part}_{c}"] = int((labels == c).sum())
    out["dropped_split"] = int((merged["split"] == "dropped").sum())
    out["labels"] = {c: int((merged["label"] == c).sum()) for c in range(N_CLASSES)}
    return out


def dataset_matrix(
    rows: Sequence[Mapping],
    sequences_csvs: Sequence,
    report_jsons: Sequence,
    split_csvs: Sequence,
) -> pd.DataFrame:
    """One row per dataset: its configuration (``rows``, from the plan) and its counts.

    Per-class counts come from report.json and must equal the labels of sequences.csv;
    train / test / dropped come from split.csv; ``dropped_gap`` and ``dropped_nan`` are the
    windows the labelling dropped for a time gap or a missing value.
    """
    n = len(rows)
    if not (len(sequences_csvs) == len(report_jsons) == len(split_csvs) == n):
        raise ValueError(
            f"{n} datasets but {len(sequences_csvs)} sequences.csv, {len(report_jsons)} "
            f"report.json, {len(split_csvs)} split.csv"
        )
    out = []
    for row, seq_csv, rep_json, split_csv in zip(
        rows, sequences_csvs, report_jsons, split_csvs, strict=True
    ):
        report = read_json(rep_json)
        try:
            counts = {c: int(report["counts"][str(c)]) for c in range(N_CLASSES)}
            dropped = report["sequences_dropped"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{rep_json}: no per-class `counts` / `sequences_dropped`") from exc
        split = _split_counts(seq_csv, split_csv)
        if split.pop("labels") != counts:
            raise ValueError(f"{rep_json}: counts {counts} disagree with the labels of {seq_csv}")
        out.append(
            {
                **row,
                **{f"n_{c}": counts[c] for c in range(N_CLASSES)},
                "n": sum(counts.values()),
                **split,
                "dropped_gap": int(dropped.get("dropped_gap", 0)),
                "dropped_nan": int(dropped.get("dropped_nan", 0)),
            }
        )
    return pd.DataFrame(out)


def write_table_datasets(
    rows: Sequence[Mapping],
    sequences_csvs,
    report_jsons,
    split_csvs,
    out_csv,
    out_md,
    *,
    data_kind: str,
    split_note: str,
) -> pd.DataFrame:
    """Supplementary Table S1 as CSV (every count its own column) and Markdown."""
    table = dataset_matrix(rows, list(sequences_csvs), list(report_jsons), list(split_csvs))
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False)

    def per_class(prefix: str) -> pd.Series:
        cols = [f"{prefix}_{c}" for c in range(N_CLASSES)]
        return table[cols].astype(int).astype(str).agg(" / ".join, axis=1)

    md = pd.DataFrame(
        {
            "dataset": table["dataset"],
            "satellite": table["satellite"],
            "time of day": table["time_of_day"],
            "T": table["sequence_length"],
            "spatial window": table["spatial_window"],
            "sequences 0 / 1 / 2": per_class("n"),
            "train 0 / 1 / 2": per_class("train"),
            "test 0 / 1 / 2": per_class("test"),
            "test part": table["test_part"],
            "dropped at split": table["dropped_split"],
            "dropped for gaps": table["dropped_gap"],
            "dropped for NaN": table["dropped_nan"],
        }
    )
    title = (
        "Supplementary Table S1: the dataset matrix - classes 0 non-seismic, 1 pre-seismic, "
        f"2 storm (Kp); {data_kind} data; {split_note}\n\n"
    )
    write_markdown(md, out_md, title=title)
    return table
