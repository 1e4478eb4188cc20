"""One point of the ground injection-recovery sweep: decode, label, split, train, score.

The generator has written a year (or ``years``) of one synthetic site with a precursor of
one amplitude before every selected event of a dense Gutenberg-Richter catalog; this runs
the ground CNN study's own steps on it, in one process so that TensorFlow starts once per
point. Only the truth table's row count is read from the generator's side (how many events
got a precursor): labels, split and model never see it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from eqprecursors.core import splits
from eqprecursors.core.progress import timed
from eqprecursors.evaluation.baselines import ground_baselines
from eqprecursors.evaluation.ground import evaluate_predictions
from eqprecursors.evaluation.sensitivity_points import baseline_columns, point_row, write_point
from eqprecursors.ground import labels
from eqprecursors.ground import training as ground_training
from eqprecursors.ground.decode import decode_ground


def check_scorable(split_report: dict, where: str) -> None:
    """Both classes on both sides of the split, or the point cannot be scored.

    A point without quiet (or earthquake) windows on one side says the catalog is too dense
    (or too sparse) for the labelling rules; the error says which keys to change.
    """
    counts = split_report["class_counts"]
    empty = [
        f"{part} {name}"
        for part in ("train", "val")
        for cls, name in (("0", "quiet"), ("1", "earthquake"))
        if counts[part][cls] == 0
    ]
    if empty:
        raise ValueError(
            f"{where}: no {', no '.join(empty)} windows (class counts {counts}); change "
            "sensitivity.ground.catalog.rate_per_year, .years or .labelling.exclusion_hours"
        )


def count_rows(csv: str | Path) -> int:
    return len(pd.read_csv(csv))


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
    iaga_code: str,
    window: str,
    filter: dict | None,
    labelling: dict,
    split: dict,
    training: dict,
    evaluation: dict,
    max_fill_gap_minutes: int,
    baselines: dict | None = None,
    exclusion_csv: str | Path | None = None,
    threads: int = 1,
    keep_decoded: bool = False,
    keep_model: bool = False,
) -> dict[str, Any]:
    """Score one (amplitude, seed) point; write its row to ``out_json`` and return it.

    ``work_dir`` receives the point's dataset (dataset/), split (split.csv, split.json),
    training record (history.csv, summary.json), metrics (metrics.json, predictions.csv)
    and baselines (baselines.json); the decoded netCDF and the model (tens of MB for day
    windows, per point) are removed unless ``keep_decoded`` / ``keep_model``.
    ``labelling``, ``split``, ``training``, ``evaluation`` and ``baselines`` are the keyword
    arguments of ground.labels.make_dataset, core.splits.make_split, ground.training.train,
    evaluation.ground.evaluate_predictions and evaluation.baselines.ground_baselines (seeds
    included); ``baselines=None`` skips the Kp-only and date-only baselines. ``years`` and
    ``shape`` label the row (its data amount and injection shape).
    """
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    decoded = work / "decoded.nc"
    with timed("decode"):
        decode_ground(
            [str(raw_dir)], decoded, iaga_code=iaga_code, max_fill_gap_minutes=max_fill_gap_minutes
        )
    data = work / "dataset"
    with timed("label"):
        label_report = labels.make_dataset(
            decoded,
            events_csv,
            kp_csv,
            data,
            window=window,
            filter=filter,
            all_events_csv=exclusion_csv,
            **labelling,
        )
    if not keep_decoded:
        decoded.unlink()
    with timed("split"):
        split_report = splits.make_split(
            data / "labels.csv", work / "split.csv", report_json=work / "split.json", **split
        )
    check_scorable(split_report, f"{out_json} (amplitude {amplitude:g}, seed {seed})")
    with timed("train"):
        summary = ground_training.train(
            data / "windows.npy",
            data / "labels.csv",
            work / "split.csv",
            work / "model.keras",
            work / "history.csv",
            summary_json=work / "summary.json",
            predictions_csv=work / "predictions.csv",
            threads=threads,
            **training,
        )
    with timed("evaluate"):
        metrics = evaluate_predictions(
            work / "predictions.csv",
            data / "labels.csv",
            work / "split.csv",
            work / "metrics.json",
            **evaluation,
        )
    if not keep_model:
        (work / "model.keras").unlink()
    scores = {}
    if baselines is not None:
        with timed("baselines"):
            report = ground_baselines(
                data / "labels.csv",
                work / "split.csv",
                kp_csv,
                work / "baselines.json",
                **baselines,
            )
        scores = baseline_columns(report)
    counts = label_report["counts_per_label"]
    row = point_row(
        amplitude=amplitude,
        seed=seed,
        metrics=metrics,
        n_train=summary["n_train"],
        n_events=count_rows(events_csv),
        years=years,
        shape=shape,
        n_windows_event=counts["1"],
        n_windows_quiet=counts["0"],
        n_injected=count_rows(truth_csv),
        baselines=scores,
    )
    write_point(row, out_json)
    return row
