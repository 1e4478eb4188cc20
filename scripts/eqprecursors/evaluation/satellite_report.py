"""Figures 3-8 and Tables 1-2 of the satellite study, prepared from each run's files.

A run (see :mod:`eqprecursors.satellite.plan`) names its ``metrics.json`` (written by
:func:`eqprecursors.evaluation.multiclass.evaluate_predictions`) and ``predictions.csv``.
:func:`load_run` gathers what the comparison figures draw: weighted F1, MCC and accuracy
with their bootstrap CIs and permutation p-values, the two chance baselines (majority class;
stratified random, mean and 95 % range), and per-class one-vs-rest ROC points with AUC and
CI. The ROC points are those of metrics.json; an older file without them gets them from
predictions.csv (:func:`eqprecursors.evaluation.multiclass.roc_points`).
:func:`ternary_data` adds the probabilities per true class and the confusion matrix
(Figure 7); :func:`write_table_performance` and :func:`write_table_classifiers` write
Tables 1 and 2, each beside the confound baselines of its datasets (the baselines JSON of
:func:`eqprecursors.evaluation.baselines.satellite_baselines`: Kp-, date- and
location-only trees, trained majority and stratified): Table 1 as columns, Table 2 as
rows of their own. Nothing is recomputed that metrics.json already holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_markdown
from eqprecursors.evaluation.baselines import (
    LABELS,
    SATELLITE_BASELINES,
    column,
    read_baselines,
)
from eqprecursors.evaluation.multiclass import (
    CLASS_NAMES,
    LABEL_METRICS,
    N_CLASSES,
    confusion,
    read_predictions,
    roc_points,
)

METRIC_NAMES = {"mcc": "MCC", "weighted_f1": "weighted F1", "accuracy": "accuracy"}
BAR_METRICS = ("mcc", "weighted_f1", "accuracy")
"""The metric bars of Figures 3-6 and 8, in panel order."""


def _num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _interval(d: Mapping | None, value: float) -> dict[str, float]:
    d = d or {}
    return {"value": value, "low": _num(d.get("low")), "high": _num(d.get("high"))}


def load_run(run: Mapping) -> dict[str, Any]:
    """What the comparison figures and the tables need of one run (see module doc)."""
    return summarise_metrics(read_json(run["metrics_json"]), run, run["metrics_json"])


def summarise_metrics(m: Mapping, run: Mapping, path) -> dict[str, Any]:
    """:func:`load_run` of metrics already read (a model's metrics.json or one baseline of a
    baselines JSON, which has the same keys); ``path`` names the file in errors."""
    missing = [k for k in (*LABEL_METRICS, "baselines", "bootstrap_ci", "auc") if k not in m]
    if missing:
        raise ValueError(f"{path}: metrics.json lacks {missing} (not a satellite evaluation)")
    base = m["baselines"]
    strat = base["stratified_random"]
    roc = m.get("roc")
    if roc is None:
        frame = read_predictions(run["predictions_csv"])
        y = frame["y_true"].to_numpy()
        proba = frame[["p0", "p1", "p2"]].to_numpy(float)
        roc = {str(c): roc_points((y == c).astype(int), proba[:, c]) for c in range(N_CLASSES)}
    auc_ci = m.get("auc_bootstrap_ci", {})
    perm = m.get("permutation", {})
    return {
        **{k: run.get(k) for k in ("key", "label", "dataset", "model", "mode", "test_part")},
        "satellite": run.get("satellite"),
        "n": int(m.get("n", 0)),
        "class_counts": {int(c): int(v) for c, v in m.get("class_counts", {}).items()},
        "metrics": {k: _interval(m["bootstrap_ci"].get(k), _num(m[k])) for k in LABEL_METRICS},
        "p_value": {k: _num((perm.get(k) or {}).get("p_value")) for k in LABEL_METRICS},
        "majority": {k: _num(base["majority_class"].get(k)) for k in LABEL_METRICS},
        "majority_class": base["majority_class"].get("class"),
        "stratified": {
            k: {
                "mean": _num(strat[k]["mean"]),
                "low": _num(strat[k]["low"]),
                "high": _num(strat[k]["high"]),
            }
            for k in LABEL_METRICS
        },
        "auc": {
            c: _interval(auc_ci.get(str(c)), _num(m["auc"].get(str(c)))) for c in range(N_CLASSES)
        },
        "auc_macro": _num(m.get("auc_macro")),
        "roc": {
            c: {
                "fpr": np.asarray(roc.get(str(c), {}).get("fpr", []), dtype=float),
                "tpr": np.asarray(roc.get(str(c), {}).get("tpr", []), dtype=float),
            }
            for c in range(N_CLASSES)
        },
        "metrics_json": str(path),
    }


def load_runs(runs: Sequence[Mapping]) -> list[dict[str, Any]]:
    """:func:`load_run` of each run, in order; an empty list is an error."""
    if not runs:
        raise ValueError("no runs to show (satellite_study.datasets / models / transfer)")
    return [load_run(r) for r in runs]


def ternary_data(run: Mapping) -> dict[str, Any]:
    """Figure 7: probabilities (n, 3) and true classes of a run, its confusion matrix in
    counts with row and column percentages, and its headline metrics."""
    frame = read_predictions(run["predictions_csv"])
    y = frame["y_true"].to_numpy(np.int64)
    proba = frame[["p0", "p1", "p2"]].to_numpy(float)
    loaded = load_run(run)
    cm_json = read_json(run["metrics_json"]).get("confusion_matrix", {})
    counts = np.asarray(cm_json.get("counts", confusion(y, frame["y_pred"])), dtype=int)
    if counts.sum() != len(frame):
        raise ValueError(
            f"{run['metrics_json']}: confusion counts sum to {counts.sum()}, "
            f"{run['predictions_csv']} has {len(frame)} predictions"
        )
    true, pred = counts.sum(axis=1, keepdims=True), counts.sum(axis=0, keepdims=True)
    row_pct = np.divide(100.0 * counts, true, out=np.full(counts.shape, np.nan), where=true > 0)
    col_pct = np.divide(100.0 * counts, pred, out=np.full(counts.shape, np.nan), where=pred > 0)
    return {
        **loaded,
        "y_true": y,
        "proba": proba,
        "confusion": counts,
        "row_percent": row_pct,
        "column_percent": col_pct,
    }


# --------------------------------------------------------------------------------------
# Tables 1 and 2
# --------------------------------------------------------------------------------------
def _metric_columns(r: Mapping) -> dict[str, Any]:
    out: dict[str, Any] = {"n_test": r["n"]}
    for k in LABEL_METRICS:
        v = r["metrics"][k]
        out[k], out[f"{k}_low"], out[f"{k}_high"] = v["value"], v["low"], v["high"]
    out["p_mcc"] = r["p_value"]["mcc"]
    out["auc_macro"] = r["auc_macro"]
    for c in range(N_CLASSES):
        out[f"auc_{c}"] = r["auc"][c]["value"]
    out["majority_accuracy"] = r["majority"]["accuracy"]
    out["majority_weighted_f1"] = r["majority"]["weighted_f1"]
    out["stratified_weighted_f1"] = r["stratified"]["weighted_f1"]["mean"]
    out["stratified_mcc_high"] = r["stratified"]["mcc"]["high"]
    return out


def _with_ci(table: pd.DataFrame, k: str) -> pd.Series:
    def cell(row) -> str:
        v, lo, hi = row[k], row[f"{k}_low"], row[f"{k}_high"]
        if not math.isfinite(v):
            return ""
        ci = f" [{lo:.2f}, {hi:.2f}]" if math.isfinite(lo) and math.isfinite(hi) else ""
        return f"{v:.3f}{ci}"

    return table.apply(cell, axis=1)


def _markdown_view(table: pd.DataFrame, lead: Sequence[str]) -> pd.DataFrame:
    view = table[list(lead)].copy()
    view["n test"] = table["n_test"]
    for k in LABEL_METRICS:
        view[f"{METRIC_NAMES[k]} [95 % CI]"] = _with_ci(table, k)
    view["p (MCC)"] = table["p_mcc"].map(lambda p: f"{p:.3g}" if math.isfinite(p) else "")
    view["AUC macro"] = table["auc_macro"]
    view["majority acc / wF1"] = [
        f"{a:.3f} / {f:.3f}"
        for a, f in zip(table["majority_accuracy"], table["majority_weighted_f1"], strict=True)
    ]
    view["stratified wF1"] = table["stratified_weighted_f1"]
    names = {
        "time_of_day": "time of day",
        "sequence_length": "T",
        "spatial_window": "spatial window",
        "test_part": "test part",
    }
    return view.rename(columns=names)


CONFOUND_BASELINES = ("kp_only", "date_only", "location_only")
"""The baselines that Table 1's Markdown shows beside each row (majority and stratified
chance of the test part have their own columns); the CSV holds all five."""


def load_baselines(paths: Sequence | None) -> dict[str, tuple[str, dict]]:
    """Dataset id -> (path, baselines JSON) of :func:`baselines.satellite_baselines` files."""
    out = {}
    for path in paths or ():
        data = read_baselines(path, "satellite")
        out[str(data["dataset"])] = (str(path), data)
    return out


def _baselines_for(r: Mapping, baselines: Mapping) -> tuple[str, dict]:
    """The baselines of a run's dataset, checked to score the run's test part."""
    dataset = str(r["dataset"])
    if dataset not in baselines:
        raise ValueError(f"{r['metrics_json']}: no baselines file for dataset {dataset}")
    path, data = baselines[dataset]
    if data["n_test"] != r["n"]:
        raise ValueError(
            f"{path} (n_test {data['n_test']}) and {r['metrics_json']} (n {r['n']}) score "
            "different test parts"
        )
    return path, data


def _baseline_columns(r: Mapping, baselines: Mapping) -> dict[str, Any]:
    """Per baseline of the run's dataset: MCC, weighted F1 and the pre-seismic AUC."""
    path, data = _baselines_for(r, baselines)
    out: dict[str, Any] = {}
    for name in SATELLITE_BASELINES:
        b = data["baselines"][name]
        out[column(name, "mcc")] = _num(b["mcc"])
        out[column(name, "weighted_f1")] = _num(b["weighted_f1"])
        out[column(name, "auc_1")] = _num(b["auc"].get("1"))
    return out


def baseline_runs(r: Mapping, baselines: Mapping) -> list[dict[str, Any]]:
    """Each baseline of a run's dataset as a loaded run (Table 2's extra rows)."""
    path, data = _baselines_for(r, baselines)
    out = []
    for name in SATELLITE_BASELINES:
        meta = {
            "key": f"baselines/{r['dataset']}/{name}",
            "label": f"{LABELS[name]} baseline",
            "dataset": r["dataset"],
            "model": name,
            "mode": "baseline",
            "satellite": r.get("satellite"),
            "test_part": r["test_part"],
        }
        out.append(summarise_metrics(data["baselines"][name], meta, f"{path} ({name})"))
    return out


def performance_table(
    runs: Sequence[Mapping], matrix: Sequence[Mapping], baselines: Sequence | None = None
) -> pd.DataFrame:
    """Table 1: one row per run: the dataset's configuration, mode, model and metrics, and
    (``baselines``: the baselines JSON of each dataset) the confound baselines beside it."""
    rows = {str(r["dataset"]): r for r in matrix}
    loaded = load_baselines(baselines)
    out = []
    for r in load_runs(runs):
        cfg = rows.get(str(r["dataset"]))
        if cfg is None:
            raise ValueError(f"{r['metrics_json']}: dataset {r['dataset']!r} not in the matrix")
        out.append(
            {
                "dataset": r["dataset"],
                "satellite": cfg["satellite"],
                "time_of_day": cfg["time_of_day"],
                "sequence_length": cfg["sequence_length"],
                "spatial_window": cfg["spatial_window"],
                "mode": r["mode"],
                "model": r["label"],
                "test_part": r["test_part"],
                **_metric_columns(r),
                **(_baseline_columns(r, loaded) if baselines is not None else {}),
            }
        )
    return pd.DataFrame(out)


def classifier_table(runs: Sequence[Mapping], baselines: Sequence | None = None) -> pd.DataFrame:
    """Table 2: one row per classifier on the reference's test part (TS1), then (with
    ``baselines``) one row per baseline of that test part, trained on the same training part."""
    loaded_runs = load_runs(runs)
    if baselines is not None:
        loaded = load_baselines(baselines)
        first = {}
        for r in loaded_runs:
            first.setdefault(str(r["dataset"]), r)
        loaded_runs += [b for r in first.values() for b in baseline_runs(r, loaded)]
    out = []
    for r in loaded_runs:
        out.append(
            {
                "model": r["label"],
                "mode": r["mode"],
                "dataset": r["dataset"],
                "test_part": r["test_part"],
                **_metric_columns(r),
            }
        )
    return pd.DataFrame(out)


def _write(table: pd.DataFrame, view: pd.DataFrame, out_csv, out_md, title: str) -> None:
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False)
    write_markdown(view, out_md, title=title)


def _baseline_cells(table: pd.DataFrame, view: pd.DataFrame) -> None:
    """Table 1's Markdown: one "MCC / pre-seismic AUC" cell per confound baseline."""

    def cell(v) -> str:
        return "" if not math.isfinite(v) else f"{v:.3f}"

    for name in CONFOUND_BASELINES:
        mcc, auc = column(name, "mcc"), column(name, "auc_1")
        if mcc in table:
            view[f"{LABELS[name]} MCC / AUC 1"] = [
                f"{cell(m)} / {cell(a)}" for m, a in zip(table[mcc], table[auc], strict=True)
            ]


BASELINES_NOTE = (
    "confound baselines (decision trees on the sequence's Kp, date or place alone, trained on "
    "the same training part)"
)


def write_table_performance(
    runs: Sequence[Mapping],
    out_csv,
    out_md,
    *,
    matrix: Sequence[Mapping],
    data_kind: str,
    split_note: str,
    baselines: Sequence | None = None,
) -> pd.DataFrame:
    """Table 1 as CSV (every number its own column) and Markdown (CIs in brackets).

    ``baselines``: the baselines JSON of every dataset in the table (the rule passes them);
    None leaves the confound columns out.
    """
    table = performance_table(runs, matrix, baselines)
    lead = ("dataset", "satellite", "time_of_day", "sequence_length", "spatial_window")
    view = _markdown_view(table, [*lead, "mode", "model", "test_part"])
    _baseline_cells(table, view)
    beside = f" and the {BASELINES_NOTE}" if baselines is not None else ""
    title = (
        "Table 1: performance per dataset and training mode (DT direct training, IT initial "
        "model on the target, TL fine-tuned on the target) - "
        f"{data_kind} data; {split_note}; beside each: the majority-class and stratified-"
        f"random chance baselines of the same test part{beside}\n\n"
    )
    _write(table, view, out_csv, out_md, title)
    return table


def write_table_classifiers(
    runs: Sequence[Mapping],
    out_csv,
    out_md,
    *,
    data_kind: str,
    split_note: str,
    baselines: Sequence | None = None,
) -> pd.DataFrame:
    """Table 2 as CSV and Markdown: every classifier on the same test part, then (with
    ``baselines``, which the rule passes) the Kp-, date-, location-only, majority and
    stratified baselines of that test part as rows of their own."""
    table = classifier_table(runs, baselines)
    view = _markdown_view(table, ["model", "mode", "dataset", "test_part"])
    for c in range(N_CLASSES):
        view[f"AUC {c} {CLASS_NAMES[c]}"] = table[f"auc_{c}"]
    beside = (
        f"; last rows: the {BASELINES_NOTE}, and trained chance" if baselines is not None else ""
    )
    title = (
        f"Table 2: every classifier on {', '.join(dict.fromkeys(table['test_part']))} - "
        f"{data_kind} data; {split_note}; chance baselines of the same test part{beside}\n\n"
    )
    _write(table, view, out_csv, out_md, title)
    return table
