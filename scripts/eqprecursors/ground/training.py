"""Train the seed-000 CNN on a labelled window dataset, and fit learning curves.

Windows are streamed from the memory-mapped ``windows.npy``: a ``tf.data`` pipeline of
row indices is shuffled (seeded), batched, and each batch is gathered from the file by a
``tf.numpy_function``.  The file is re-mapped per batch, so touched file pages do not pile
up in the process RSS over an epoch (a persistent map of a multi-GB week dataset would
count fully towards peak RSS); only the model, optimizer state, activations and a couple of
prefetched batches stay resident.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.runtime import configure_threads
from eqprecursors.core.splits import read_split


class WindowReader:
    """Gather rows of a (n, 3, N) float32 ``.npy`` by index through a short-lived memmap."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        m = np.load(self.path, mmap_mode="r")
        if m.ndim != 3 or m.shape[1] != 3:
            raise ValueError(f"{path}: expected (n, 3, N) windows, got shape {m.shape}")
        self.shape, self.dtype = m.shape, m.dtype
        self.offset = m.offset if isinstance(m, np.memmap) else None
        del m

    @property
    def n_samples(self) -> int:
        return int(self.shape[2])

    def read(self, rows: np.ndarray) -> np.ndarray:
        """Rows in the given order as float32 (n, 3, N); read sorted for sequential I/O."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((rows.size, 3, self.shape[2]), dtype=np.float32)
        if rows.size == 0:
            return out
        order = np.argsort(rows, kind="stable")
        if self.offset is None:  # empty file: np.load returned an in-memory array
            m = np.load(self.path)
        else:
            m = np.memmap(self.path, self.dtype, "r", offset=self.offset, shape=self.shape)
        out[order] = m[rows[order]]
        del m
        return out


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


def _stratified_subset(
    rows: np.ndarray, labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Random subset keeping the class ratio (per-class rounding, >= 1 per present class)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"subset_fraction must be in (0, 1], got {fraction}")
    if fraction == 1:
        return rows, labels
    rng = np.random.default_rng(seed)
    keep = []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        k = max(1, int(round(fraction * idx.size)))
        keep.append(rng.choice(idx, size=k, replace=False))
    keep = np.sort(np.concatenate(keep))
    return rows[keep], labels[keep]


def load_split(labels_csv: str | Path, split_csv: str | Path) -> dict[str, Any]:
    """Rows/labels of the train and val parts plus the split method."""
    m = read_split(labels_csv, split_csv)
    out: dict[str, Any] = {"method": str(m["method"].iloc[0]) if len(m) else "unknown"}
    for part in ("train", "val"):
        sel = m[m["split"] == part]
        out[part] = (sel["index"].to_numpy(np.int64), sel["label"].to_numpy(np.int64))
    return out


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
    jit_compile: bool | str = "auto",
    verbose: int = 2,
    summary_json: str | Path | None = None,
) -> dict[str, Any]:
    """Train the Table 2 CNN with categorical cross-entropy; write ``.keras`` + history CSV.

    ``subset_fraction`` < 1 trains on a stratified random subset of the training part
    (``subset_seed``, default ``seed``) for learning curves; validation is always the full
    validation part.  Returns a summary dict.
    """
    configure_threads(threads)
    import keras

    from eqprecursors.ground.model import build_cnn, make_optimizer

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

    model = build_cnn(reader.n_samples, dense_activation=dense_activation)
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
        callbacks=[keras.callbacks.CSVLogger(str(history_csv))],
        shuffle=False,  # the tf.data pipeline already shuffles, seeded
        verbose=verbose,
    )
    seconds = time.perf_counter() - t0
    model.save(out_model)
    last = {k: float(v[-1]) for k, v in hist.history.items()}
    summary = {
        "split_method": parts["method"],
        "n_train": int(tr_rows.size),
        "n_train_available": n_train_full,
        "n_val": int(va_rows.size),
        "train_class_counts": {str(c): int((tr_lab == c).sum()) for c in (0, 1)},
        "val_class_counts": {str(c): int((va_lab == c).sum()) for c in (0, 1)},
        "subset_fraction": subset_fraction,
        "epochs": epochs,
        "batch_size": batch_size,
        "optimizer": optimizer,
        "learning_rate": learning_rate,
        "dense_activation": dense_activation,
        "seed": seed,
        "threads": threads,
        "n_params": int(model.count_params()),
        "window_samples": reader.n_samples,
        "train_seconds": seconds,
        "final": last,
    }
    if summary_json is not None:
        Path(summary_json).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


# --------------------------------------------------------------------------------------
# learning curve
# --------------------------------------------------------------------------------------
def inverse_power_law(n: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    """acc(n) = a - b * n**(-c): a = asymptotic accuracy, c > 0 = learning rate of the curve."""
    return a - b * np.power(n, -c)


def fit_learning_curve(
    sample_sizes,
    accuracies,
    target_accuracy: float,
    *,
    min_points: int = 4,
    min_r2: float = 0.8,
    max_accuracy: float = 1.0,
) -> dict[str, Any]:
    """Fit acc(n) = a - b n^-c and extrapolate the n that reaches ``target_accuracy``.

    The extrapolation is only called meaningful when the fit converges with b > 0 and c > 0
    (accuracy rises and saturates), R^2 >= ``min_r2``, there are >= ``min_points`` sizes and
    the target is below the asymptote a.  Otherwise ``meaningful`` is False and ``reasons``
    says why -- the paper's flat curve (accuracy == class ratio) ends up here.
    """
    from scipy.optimize import curve_fit

    n = np.asarray(sample_sizes, dtype=float)
    acc = np.asarray(accuracies, dtype=float)
    res: dict[str, Any] = {
        "meaningful": False,
        "verdict": "not meaningful",
        "reasons": [],
        "params": None,
        "param_std": None,
        "r2": float("nan"),
        "n_for_target": None,
        "target_accuracy": float(target_accuracy),
        "n_points": int(n.size),
    }
    if n.shape != acc.shape or np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise ValueError("sample_sizes must be positive and match accuracies in shape")
    ok = np.isfinite(acc)
    n, acc = n[ok], acc[ok]
    if np.unique(n).size < min_points:
        res["reasons"].append(f"too few points ({np.unique(n).size} < {min_points})")
        return res
    scale = float(n.max())  # fit in n / n_max for conditioning, convert b back after
    x = n / scale
    a0 = min(max_accuracy, float(acc.max()) + 0.01)
    b0 = max(a0 - float(acc[np.argmin(x)]), 1e-3) * float(x.min()) ** 0.5
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            popt, pcov = curve_fit(
                inverse_power_law,
                x,
                acc,
                p0=[a0, b0, 0.5],
                bounds=([0.0, -np.inf, -5.0], [max_accuracy, np.inf, 5.0]),
                maxfev=20000,
            )
    except (RuntimeError, ValueError) as exc:
        res["reasons"].append(f"fit failed: {exc}")
        return res
    a, b_s, c = (float(v) for v in popt)
    b = b_s * scale**c
    pred = inverse_power_law(x, a, b_s, c)
    ss_res = float(np.sum((acc - pred) ** 2))
    ss_tot = float(np.sum((acc - acc.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    std = np.sqrt(np.diag(pcov)) if np.all(np.isfinite(pcov)) else np.full(3, np.nan)
    res.update(
        params={"a": a, "b": b, "c": c},
        param_std={"a": float(std[0]), "b": float(std[1] * scale**c), "c": float(std[2])},
        r2=r2,
    )
    if not np.isfinite(r2):
        res["reasons"].append("accuracies are constant (R^2 undefined)")
    elif r2 < min_r2:
        res["reasons"].append(f"poor fit (R^2 = {r2:.3f} < {min_r2})")
    if c <= 1e-6:
        res["reasons"].append(f"c = {c:.3g} <= 0: no power-law saturation")
    if b <= 0:
        res["reasons"].append(f"b = {b:.3g} <= 0: accuracy does not increase with n")
    if target_accuracy >= a:
        res["reasons"].append(f"target {target_accuracy} is not below the asymptote a = {a:.4f}")
    if not res["reasons"]:
        n_t = (b / (a - target_accuracy)) ** (1.0 / c)
        res.update(meaningful=True, verdict="meaningful", n_for_target=float(n_t))
    return res


def learning_curve_table(histories: dict[float, str | Path], metric: str = "val_accuracy"):
    """{subset n or fraction: history_csv} -> DataFrame (n, final metric) for the fit/plot."""
    rows = [{"n": k, metric: float(pd.read_csv(p)[metric].iloc[-1])} for k, p in histories.items()]
    return pd.DataFrame(rows).sort_values("n").reset_index(drop=True)
