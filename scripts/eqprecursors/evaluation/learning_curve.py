"""One learning-curve seed in one process: train every fraction, evaluate each on val.

Figure 8 needs a model per (seed, fraction).  Starting TensorFlow once per seed instead of
once per point is most of the saving on a small dataset, so one job trains the fractions
in a loop: for one seed the training subsets are nested
(:func:`eqprecursors.ground.training.nested_subset_positions`) and the seed also sets the
weight initialisation and the batch order, so the seeds' spread is the spread of a run
repeated with other data and another start.  Every model is scored on the same
validation part by :func:`eqprecursors.evaluation.ground.evaluate_predictions` (block
resampling included) from the predictions its training wrote, and then deleted: the
curve needs its metrics, not the weights.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eqprecursors.core.runtime import configure_threads
from eqprecursors.evaluation.ground import evaluate_predictions
from eqprecursors.ground import training as ground_training


def train_learning_curve(
    windows_npy: str | Path,
    labels_csv: str | Path,
    split_csv: str | Path,
    *,
    fractions: Sequence[float],
    history_csvs: Sequence[str | Path],
    summary_jsons: Sequence[str | Path],
    metrics_jsons: Sequence[str | Path],
    seed: int,
    training: Mapping[str, Any],
    evaluation: Mapping[str, Any],
    threads: int = 1,
) -> list[dict[str, Any]]:
    """Train and evaluate one model per fraction with one seed; return the summaries.

    ``history_csvs``, ``summary_jsons`` and ``metrics_jsons`` are aligned with
    ``fractions`` (one history, summary and metrics file per point).  ``training`` holds
    the keyword arguments of ``ground.training.train`` (its ``seed`` is replaced by
    ``seed``, which also draws the subsets); ``evaluation`` those of ``evaluate_predictions``.
    """
    fractions = [float(f) for f in fractions]
    outputs = (history_csvs, summary_jsons, metrics_jsons)
    if not fractions or any(len(o) != len(fractions) for o in outputs):
        raise ValueError(
            f"{len(fractions)} fractions but {[len(o) for o in outputs]} history, summary and "
            "metrics paths: one of each per fraction"
        )
    if len(set(fractions)) != len(fractions):
        raise ValueError(f"learning-curve fractions repeat: {fractions}")
    configure_threads(threads)
    import keras

    options = dict(training, seed=int(seed))
    summaries = []
    with tempfile.TemporaryDirectory(prefix="learning_curve_") as tmp:
        for k, (fraction, history, summary_json, metrics_json) in enumerate(
            zip(fractions, *outputs, strict=True)
        ):
            keras.backend.clear_session()  # each point starts like a fresh process would
            model = Path(tmp) / f"model_{k}.keras"
            predictions = Path(tmp) / f"predictions_{k}.csv"
            summary = ground_training.train(
                windows_npy,
                labels_csv,
                split_csv,
                model,
                history,
                summary_json=summary_json,
                subset_fraction=fraction,
                subset_seed=int(seed),
                threads=threads,
                predictions_csv=predictions,
                **options,
            )
            evaluate_predictions(predictions, labels_csv, split_csv, metrics_json, **evaluation)
            model.unlink()
            summaries.append(summary)
    return summaries
