"""One part (train or test) of a labelled satellite dataset, read without touching the rest.

A dataset directory holds ``sequences.npy`` (float32 (n, T, 2), channels [ne, te]),
``sequences.csv`` (one row per sequence: index, start, label, ...) and ``split.csv`` (index,
split in train | test | dropped). :func:`load_part` returns the sequences of one part only:
the metadata of the other parts is dropped as soon as ``split.csv`` is joined, and the
sequence array is read through a memory map that ends at the last requested row, so rows
after it are never mapped (the tuning test truncates the file after the training part and
deletes the test rows from ``sequences.csv`` to prove it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.times import to_epoch_ns

PARTS = ("train", "test")
N_CLASSES = 3
CLASS_NAMES = ("non-seismic", "pre-seismic", "storm")


@dataclass(frozen=True)
class Part:
    """Sequences of one part, in chronological order (by sequence start)."""

    index: np.ndarray  # (n,) int64 dataset row numbers
    x: np.ndarray  # (n, T, C) float32
    y: np.ndarray  # (n,) int64 in {0, 1, 2}
    start_ns: np.ndarray  # (n,) int64

    def __len__(self) -> int:
        return int(self.index.size)

    def take(self, pos: np.ndarray) -> Part:
        return Part(self.index[pos], self.x[pos], self.y[pos], self.start_ns[pos])


def npy_header(path: str | Path) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, data offset) of a C-ordered ``.npy`` file, from its header alone."""
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read(fh)
            offset = fh.tell()
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable .npy file: {exc}") from exc
    if fortran:
        raise ValueError(f"{path}: Fortran-ordered arrays are not supported")
    return tuple(shape), dtype, offset


def read_rows(path: str | Path, rows: np.ndarray) -> np.ndarray:
    """float32 rows of an (n, T, C) ``.npy``, mapping the file only up to the last row read."""
    shape, dtype, offset = npy_header(path)
    if len(shape) != 3:
        raise ValueError(f"{path}: expected sequences of shape (n, T, C), got {shape}")
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        return np.empty((0, *shape[1:]), dtype=np.float32)
    if rows.min() < 0 or rows.max() >= shape[0]:
        raise ValueError(f"{path}: rows {rows.min()}..{rows.max()} outside 0..{shape[0] - 1}")
    stop = int(rows.max()) + 1
    try:
        mm = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(stop, *shape[1:]))
    except ValueError as exc:  # the file ends before row ``stop``
        raise ValueError(f"{path}: cannot map rows 0..{stop - 1}: {exc}") from exc
    out = np.asarray(mm[rows], dtype=np.float32)
    del mm
    return out


def load_part(dataset_dir: str | Path, part: str) -> Part:
    """The ``part`` (train | test) sequences of a dataset directory, sorted by start time."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    d = Path(dataset_dir)
    split_csv, meta_csv, npy = d / "split.csv", d / "sequences.csv", d / "sequences.npy"
    split = pd.read_csv(split_csv)
    for col in ("index", "split"):
        if col not in split:
            raise ValueError(f"{split_csv}: missing column {col!r}")
    wanted = split.loc[split["split"] == part, "index"].to_numpy(np.int64)
    if wanted.size == 0:
        raise ValueError(f"{split_csv}: no sequences in the {part!r} part")
    try:
        meta = pd.read_csv(meta_csv, usecols=["index", "start", "label"])
    except ValueError as exc:  # a missing column
        raise ValueError(f"{meta_csv}: {exc}") from exc
    meta = meta[meta["index"].isin(wanted)]  # the other parts go before anything is parsed
    if len(meta) != wanted.size or meta["index"].duplicated().any():
        raise ValueError(
            f"{meta_csv}: {len(meta)} rows for the {wanted.size} {part!r} sequences of "
            f"{split_csv} (missing or duplicated index)"
        )
    labels = meta["label"].to_numpy()
    bad = ~np.isin(labels, np.arange(N_CLASSES))
    if bad.any():
        row = meta.loc[bad].iloc[0]
        raise ValueError(f"{meta_csv}: index {row['index']}: label {row['label']!r} not in 0-2")
    start = to_epoch_ns(meta["start"])
    order = np.lexsort((meta["index"].to_numpy(), start))
    index = meta["index"].to_numpy(np.int64)[order]
    return Part(
        index=index,
        x=read_rows(npy, index),
        y=labels.astype(np.int64)[order],
        start_ns=np.asarray(start, dtype=np.int64)[order],
    )


def chronological_holdout(part: Part, fraction: float) -> tuple[Part, Part]:
    """(fit, validation): the last ``fraction`` of ``part`` by start time validates."""
    if not 0 < fraction < 1:
        raise ValueError(
            f"satellite_study.tuning.inner_validation_fraction must be in (0, 1), got {fraction}"
        )
    n = len(part)
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise ValueError(f"{n} training sequences cannot be split {1 - fraction:.2f}/{fraction}")
    pos = np.arange(n)  # part is already sorted by start
    return part.take(pos[: n - n_val]), part.take(pos[n - n_val :])
