"""The window store: ``windows.npy``, an (n, 3, N) float32 array on disk, and its reader.

Datasets are written through a memory map (never all in RAM) and read back in batches
through a short-lived memory map, so touched file pages do not pile up in the process RSS
over an epoch (a persistent map of a multi-GB week dataset would count fully towards peak
RSS).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def open_windows(path: Path, n: int, n_samples: int) -> np.ndarray:
    """A new (n, 3, n_samples) float32 ``.npy`` at ``path``, open for writing."""
    if n == 0:  # a zero-length memmap cannot be created; an empty .npy still loads fine
        np.save(path, np.zeros((0, 3, n_samples), dtype=np.float32))
        return np.load(path)
    return np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, 3, n_samples))


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
