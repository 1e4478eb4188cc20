"""One point of the satellite injection-recovery sweep: decode, label, split, fit, score.

The generator has written the dataset's satellite with a step of one amplitude (percent of
Ne, Te in proportion) before every independent event of the study's catalog; this runs the
satellite study's own steps on it in one process (one TensorFlow start): decode, sequences of
the dataset's settings, the chronological split, SeqNetQuake with fixed hyperparameters (no
tuning: the sweep measures the pipeline, not the search) and the study's three-class metrics.

The row scores what an injected precursor can change: **pre-seismic against non-seismic**.
The storm class is defined by Kp and learnt from storm-time data whatever the injection, so
three-class scores are far from chance at amplitude 0 by construction; the row therefore
keeps the test sequences of true class 0 or 1 and scores P(pre-seismic) / (P(pre-seismic) +
P(non-seismic)) with the ground study's binary metrics (MCC, F1 of class 1, AUC, bootstrap CI
and permutation p resampling the study's dependence blocks). The full three-class metrics stay
in the point's metrics.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.progress import timed
from eqprecursors.core.reports import write_json
from eqprecursors.evaluation.metrics import bootstrap_ci, classification_metrics, permutation_pvalue
from eqprecursors.evaluation.multiclass import evaluate_predictions
from eqprecursors.evaluation.sensitivity_points import point_row, write_point
from eqprecursors.satellite.decode import decode_satellite
from eqprecursors.satellite.parts import load_part
from eqprecursors.satellite.sequences import make_dataset
from eqprecursors.satellite.split import make_split, sequence_blocks
from eqprecursors.satellite.training import fit_predict, write_predictions

NON_SEISMIC, PRE_SEISMIC = 0, 1
BINARY_METRICS = ("accuracy", "mcc", "f1", "roc_auc")


def pre_seismic_scores(y_true, proba) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keep mask, binary labels, scores) of the sequences of true class 0 or 1.

    The score is P(pre-seismic) / (P(pre-seismic) + P(non-seismic)), so the binary
    prediction (score > 0.5) is "pre-seismic rather than non-seismic"; 0.5 when the model
    puts all its mass on the storm class.
    """
    y = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(proba, dtype=float)
    keep = (y == NON_SEISMIC) | (y == PRE_SEISMIC)
    pair = p[keep, NON_SEISMIC] + p[keep, PRE_SEISMIC]
    score = np.divide(p[keep, PRE_SEISMIC], pair, out=np.full(pair.shape, 0.5), where=pair > 0)
    return keep, (y[keep] == PRE_SEISMIC).astype(np.int64), score


def score_pre_seismic(
    predictions_csv, sequences_csv, out_json, *, n_bootstrap: int, n_permutations: int, seed: int
) -> dict[str, Any]:
    """Binary pre-seismic vs non-seismic metrics of a predictions.csv (evaluation.ground's
    layout: classification metrics, bootstrap CIs, permutation p), resampling blocks."""
    frame = pd.read_csv(predictions_csv)
    keep, y, score = pre_seismic_scores(frame["y_true"], frame[["p0", "p1", "p2"]].to_numpy())
    if y.size == 0:
        raise ValueError(f"{predictions_csv}: no non-seismic or pre-seismic test sequence")
    table = pd.read_csv(sequences_csv, dtype={"event_id": str}).set_index("index")
    blocks = sequence_blocks(table.loc[frame.loc[keep, "index"]].reset_index())
    resample = {"seed": seed, "blocks": blocks}
    result = {
        "predictions": str(predictions_csv),
        "part": "test",
        "n_test": int(y.size),
        "task": "pre-seismic (1) vs non-seismic (0) test sequences; storm sequences left out",
        "split_method": "chronological",
        "class_counts": {str(c): int((y == c).sum()) for c in (0, 1)},
        **classification_metrics(y, score),
        "bootstrap_ci": {
            m: bootstrap_ci(y, score, m, n=n_bootstrap, **resample) for m in BINARY_METRICS
        },
        "permutation": {
            m: permutation_pvalue(y, score, m, n=n_permutations, **resample) for m in BINARY_METRICS
        },
        "resampling": "blocks (event, else orbit)",
    }
    write_json(result, out_json)
    return result


def injected_in_period(truth: pd.DataFrame, decode: dict) -> pd.DataFrame:
    """The truth rows (one per precursor-bearing half-orbit) whose closest approach lies in
    the decoded period (``decode``'s start and end days, inclusive): a shorter data amount
    reads the first part of a longer generated mission, whose truth table also lists the
    half-orbits after it."""
    if truth.empty or not {"start", "end"} <= set(decode):
        return truth
    first = pd.Timestamp(decode["start"], tz="UTC")
    after = pd.Timestamp(decode["end"], tz="UTC") + pd.Timedelta(days=1)
    closest = pd.to_datetime(truth["closest_time"], utc=True, format="ISO8601")
    return truth[(closest >= first) & (closest < after)]


def check_scorable(parts: dict, where: str) -> None:
    """Non-seismic and pre-seismic sequences in both parts, or the point cannot be scored."""
    empty = [
        f"{part} {name}"
        for part, y in parts.items()
        for cls, name in ((NON_SEISMIC, "non-seismic"), (PRE_SEISMIC, "pre-seismic"))
        if not np.any(np.asarray(y) == cls)
    ]
    if empty:
        raise ValueError(
            f"{where}: no {', no '.join(empty)} sequences; lengthen the period "
            "(sensitivity.satellite.mission start/end) or widen the dataset's spatial window"
        )


def run_point(
    raw_dir: str | Path,
    events_csv: str | Path,
    kp_csv: str | Path,
    truth_csv: str | Path,
    out_json: str | Path,
    *,
    work_dir: str | Path,
    amplitude: float,
    seed: int,
    years: float,
    shape: str,
    dataset: str,
    decode: dict,
    labelling: dict,
    split: dict,
    model: str,
    params: dict,
    n_steps: int,
    evaluation: dict,
    threads: int = 1,
    keep_decoded: bool = False,
) -> dict[str, Any]:
    """Score one (amplitude, seed) point; write its row to ``out_json`` and return it.

    ``work_dir`` receives the dataset (dataset/: sequences, split), predictions.csv, the
    three-class metrics.json and the binary pre_seismic.json the row is made from; the
    decoded netCDF is removed unless ``keep_decoded``. ``decode``, ``labelling`` and
    ``split`` are the keyword arguments of satellite.decode.decode_satellite,
    satellite.sequences.make_dataset and satellite.split.make_split.
    """
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    decoded, data = work / "decoded.nc", work / "dataset"
    with timed("decode"):
        decode_satellite([str(raw_dir)], decoded, **decode)
    with timed("label"):
        report = make_dataset(decoded, events_csv, kp_csv, data, **labelling)
    if not keep_decoded:
        decoded.unlink()
    with timed("split"):
        make_split(data / "sequences.csv", data / "split.csv", data / "split.json", **split)
    train, test = load_part(data, "train"), load_part(data, "test")
    check_scorable(
        {"train": train.y, "test": test.y}, f"{out_json} (amplitude {amplitude:g}, seed {seed})"
    )
    with timed("train"):
        proba, _, _ = fit_predict(
            model, params, train, test.x, n_steps=n_steps, seed=seed, threads=threads
        )
    predictions = work / "predictions.csv"
    write_predictions(predictions, test, proba)
    resampling = {k: evaluation[k] for k in ("n_bootstrap", "n_permutations", "seed")}
    with timed("evaluate"):
        evaluate_predictions(
            predictions,
            work / "metrics.json",
            sequences_csv=data / "sequences.csv",
            dataset=dataset,
            model=model,
            **evaluation,
        )
        binary = score_pre_seismic(
            predictions, data / "sequences.csv", work / "pre_seismic.json", **resampling
        )
    counts = report["counts"]
    truth = injected_in_period(pd.read_csv(truth_csv, dtype={"event_id": str}), decode)
    row = point_row(
        amplitude=amplitude,
        seed=seed,
        metrics=binary,
        n_train=len(train),
        n_events=int(report["events"]["independent_with_sequences"]),
        years=years,
        shape=shape,
        n_windows_event=int(counts[str(PRE_SEISMIC)]),
        n_windows_quiet=int(counts[str(NON_SEISMIC)]),
        n_injected=int(truth["event_id"].nunique()) if len(truth) else 0,
    )
    write_point(row, out_json)
    return row
