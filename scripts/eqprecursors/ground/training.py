"""Train the Table 2 CNN of Petrescu & Moldovan (2022) on a labelled window dataset.

Windows are streamed from the memory-mapped ``windows.npy``: a ``tf.data`` pipeline of
row indices is shuffled (seeded), batched, and each batch is gathered from the file by a
``tf.numpy_function``.  The file is re-mapped per batch, so touched file pages do not pile
up in the process RSS over an epoch (a persistent map of a multi-GB week dataset would
count fully towards peak RSS); only the model, optimizer state, activations and a couple of
prefetched batches stay resident.

The job that trains also predicts the validation part with the model still in memory and
writes ``predictions.csv`` (:func:`write_predictions`), so evaluation reads a CSV and
never starts TensorFlow (:func:`eqprecursors.evaluation.ground.evaluate_predictions`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.progress import Progress
from eqprecursors.core.reports import write_json
from eqprecursors.core.runtime import configure_threads
from eqprecursors.core.splits import read_split
from eqprecursors.ground.store import WindowReader

PREDICTION_COLUMNS = ("index", "part", "y_true", "p_earthquake", "y_pred")
"""predictions.csv: row of windows.npy (= labels.csv ``index``), split part, label, the
model's P(class 1, earthquake) and its class at the 0.5 threshold, in split order."""
PREDICT_BATCH_SIZE = 64
"""Windows per ``predict_on_batch`` call (memory-bounded; the batch size evaluation used)."""
THRESHOLD = 0.5
"""y_pred = P(earthquake) > THRESHOLD, as ``evaluation.metrics.classification_metrics``."""


def make_pipeline(
    reader: WindowReader,
    rows: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool,
    seed: int | None = None,
    n_classes: int = 2,
    prefetch: int = 2,
):
    """tf.data of (x (b, 3, N, 1), one-hot y (b, n_classes)) batches streamed from disk."""
    import tensorflow as tf

    rows = np.asarray(rows, dtype=np.int64)
    onehot = np.eye(n_classes, dtype=np.float32)[np.asarray(labels, dtype=np.int64)]
    n = reader.n_samples

    def load(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return reader.read(rows[pos])[..., None], onehot[pos]

    ds = tf.data.Dataset.range(rows.size)
    if shuffle:
        ds = ds.shuffle(max(rows.size, 1), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def tf_load(pos):
        x, y = tf.numpy_function(load, [pos], [tf.float32, tf.float32], stateful=False)
        x.set_shape((None, 3, n, 1))
        y.set_shape((None, n_classes))
        return x, y

    return ds.map(tf_load, num_parallel_calls=1, deterministic=True).prefetch(prefetch)


def nested_subset_positions(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted positions of a stratified subset that is nested across fractions.

    One seeded permutation per class (classes in sorted order, so it depends on ``seed``
    and the labels only, never on ``fraction``), then each class's first
    ``max(1, round(fraction * n_class))`` positions: for one seed the subset at a smaller
    fraction lies inside the subset at every larger one, so a learning curve adds data
    instead of drawing a new sample per point, and each class keeps its share.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"subset_fraction must be in (0, 1], got {fraction}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    keep = []
    for cls in np.unique(labels):
        order = rng.permutation(np.flatnonzero(labels == cls))
        keep.append(order[: max(1, int(round(fraction * order.size)))])
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)


def _stratified_subset(
    rows: np.ndarray, labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and labels of :func:`nested_subset_positions` (the whole part at fraction 1)."""
    keep = nested_subset_positions(labels, fraction, seed)
    return rows[keep], labels[keep]


def load_split(labels_csv: str | Path, split_csv: str | Path) -> dict[str, Any]:
    """Rows/labels of the train and val parts plus the split method."""
    m = read_split(labels_csv, split_csv)
    out: dict[str, Any] = {"method": str(m["method"].iloc[0]) if len(m) else "unknown"}
    for part in ("train", "val"):
        sel = m[m["split"] == part]
        out[part] = (sel["index"].to_numpy(np.int64), sel["label"].to_numpy(np.int64))
    return out


def predict_rows(model, reader: WindowReader, rows, *, batch_size: int = PREDICT_BATCH_SIZE):
    """P(class 1) of the given rows of windows.npy, streamed batch-wise from the memmap."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty(rows.size)
    for a in range(0, rows.size, batch_size):
        x = reader.read(rows[a : a + batch_size])[..., None]
        out[a : a + x.shape[0]] = np.asarray(model.predict_on_batch(x))[:, 1]
    return out


def write_predictions(path: str | Path, rows, y_true, p_earthquake, *, part: str) -> Path:
    """predictions.csv (:data:`PREDICTION_COLUMNS`); float64 written to round-trip exactly."""
    p = np.asarray(p_earthquake, dtype=float)
    if not np.isfinite(p).all():
        raise ValueError(f"{path}: {int((~np.isfinite(p)).sum())} non-finite predictions")
    frame = pd.DataFrame(
        {
            "index": np.asarray(rows, dtype=np.int64),
            "part": part,
            "y_true": np.asarray(y_true, dtype=np.int64),
            "p_earthquake": p,
            "y_pred": (p > THRESHOLD).astype(np.int64),
        },
        columns=list(PREDICTION_COLUMNS),
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format="%.17g")
    return path


# --------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------
def train(
    windows_npy: str | Path,
    labels_csv: str | Path,
    split_csv: str | Path,
    out_model: str | Path,
    history_csv: str | Path,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str = "adam",
    learning_rate: float | None = None,
    seed: int,
    threads: int = 1,
    subset_fraction: float = 1.0,
    subset_seed: int | None = None,
    dense_activation: str = "relu",
    conv_blocks: int | None = None,
    jit_compile: bool | str = "auto",
    verbose: int = 2,
    summary_json: str | Path | None = None,
    predictions_csv: str | Path | None = None,
) -> dict[str, Any]:
    """Train the Table 2 CNN with categorical cross-entropy; write ``.keras`` + history CSV.

    ``predictions_csv`` receives the trained model's P(earthquake) of every validation
    window (:func:`write_predictions`), which the evaluation reads instead of the model.

    ``subset_fraction`` < 1 trains on a stratified subset of the training part, nested
    across fractions for one ``subset_seed`` (default ``seed``;
    :func:`nested_subset_positions`) for learning curves; validation is always the full
    validation part.  ``conv_blocks`` (None = Table 2's three) sets the network's
    convolutional blocks (:func:`~eqprecursors.ground.model.build_cnn`) for the
    conv-block experiment.  Returns a summary dict.
    """
    configure_threads(threads)
    import keras

    from eqprecursors.ground.model import TABLE2_CONV_BLOCKS, build_cnn, make_optimizer

    if not str(out_model).endswith(".keras"):
        raise ValueError(f"out_model must end in .keras, got {out_model}")
    keras.utils.set_random_seed(seed)
    reader = WindowReader(windows_npy)
    parts = load_split(labels_csv, split_csv)
    tr_rows, tr_lab = parts["train"]
    va_rows, va_lab = parts["val"]
    if tr_rows.size == 0 or va_rows.size == 0:
        raise ValueError(f"split has {tr_rows.size} train and {va_rows.size} val windows")
    n_train_full = int(tr_rows.size)
    tr_rows, tr_lab = _stratified_subset(
        tr_rows, tr_lab, subset_fraction, seed if subset_seed is None else subset_seed
    )

    train_ds = make_pipeline(reader, tr_rows, tr_lab, batch_size, shuffle=True, seed=seed)
    val_ds = make_pipeline(reader, va_rows, va_lab, batch_size, shuffle=False)

    conv_blocks = TABLE2_CONV_BLOCKS if conv_blocks is None else int(conv_blocks)
    model = build_cnn(reader.n_samples, dense_activation=dense_activation, conv_blocks=conv_blocks)
    model.compile(
        optimizer=make_optimizer(optimizer, learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    for p in (out_model, history_csv):
        Path(p).parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    hist = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=epochs,
        callbacks=[
            keras.callbacks.CSVLogger(str(history_csv)),
            keras.callbacks.LambdaCallback(on_epoch_end=Progress(epochs, "epoch").epoch_end),
        ],
        shuffle=False,  # the tf.data pipeline already shuffles, seeded
        verbose=verbose,
    )
    seconds = time.perf_counter() - t0
    model.save(out_model)
    if predictions_csv is not None:
        write_predictions(
            predictions_csv, va_rows, va_lab, predict_rows(model, reader, va_rows), part="val"
        )
    last = {k: float(v[-1]) for k, v in hist.history.items()}
    summary = {
        "split_method": parts["method"],
        "n_train": int(tr_rows.size),
        "n_train_available": n_train_full,
        "n_val": int(va_rows.size),
        "train_class_counts": {str(c): int((tr_lab == c).sum()) for c in (0, 1)},
        "val_class_counts": {str(c): int((va_lab == c).sum()) for c in (0, 1)},
        "subset_fraction": subset_fraction,
        "subset_seed": seed if subset_seed is None else subset_seed,
        "epochs": epochs,
        "batch_size": batch_size,
        "optimizer": optimizer,
        "learning_rate": learning_rate,
        "dense_activation": dense_activation,
        "conv_blocks": conv_blocks,
        "seed": seed,
        "threads": threads,
        "n_params": int(model.count_params()),
        "window_samples": reader.n_samples,
        "train_seconds": seconds,
        "final": last,
    }
    if summary_json is not None:
        write_json(summary, summary_json)
    return summary
