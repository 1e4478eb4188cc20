"""Per-file samples parked on disk, then handed back in time order: the decoder's memory bound.

The decoder (:mod:`.decode`) reduces one half-orbit file at a time to its cadence grid and
appends it here (one raw file per column in a temporary directory beside the output), so a
mission of any length never sits in memory. :meth:`SampleSpool.merged` then yields the
samples in the order the in-memory decoder gave them: all parts stably sorted by time in
file order, a repeated time kept from the first file. Parts are grouped by overlapping time
spans; a group is loaded, merged and released before the next, so peak memory is the
largest group, which is one file unless files overlap in time (duplicates, re-deliveries).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True, slots=True)
class SpooledPart:
    """Where one file's samples lie in the spool, and their time span (int64 ns)."""

    seq: int  # position in file order (ties in time go to the lower)
    offset: int  # first sample's row in the column files
    n: int
    first_ns: int
    last_ns: int
    constants: tuple  # per-part values (e.g. the half-orbit id), returned as full columns


class SampleSpool:
    """Column files of appended parts; a context manager that removes them on exit.

    ``columns`` maps each spooled column to its dtype (``time`` must be one, int64 ns, each
    part strictly increasing); ``constants`` names per-part scalars (:meth:`append`).
    """

    def __init__(
        self, directory, columns: dict[str, str], constants: dict[str, str], *, prefix: str = "."
    ):
        if "time" not in columns:
            raise ValueError(f"a spool needs a `time` column, got {list(columns)}")
        self.columns = {k: np.dtype(v) for k, v in columns.items()}
        self.constants = {k: np.dtype(v) for k, v in constants.items()}
        Path(directory).mkdir(parents=True, exist_ok=True)
        self._dir = tempfile.TemporaryDirectory(prefix=f"{prefix}spool-", dir=directory)
        self.path = Path(self._dir.name)
        self._files = {k: open(self.path / f"{k}.bin", "wb") for k in self.columns}
        self.parts: list[SpooledPart] = []
        self._rows = 0

    def __enter__(self) -> SampleSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._dir.cleanup()

    def append(self, arrays: dict[str, np.ndarray], **constants) -> None:
        """One part: equal-length ``arrays`` for every column, one value per constant."""
        t = np.asarray(arrays["time"], dtype=np.int64)
        if t.size == 0:
            return
        if t.size > 1 and np.any(np.diff(t) <= 0):
            raise ValueError("a spooled part's times must be strictly increasing")
        for name, dtype in self.columns.items():
            values = np.asarray(arrays[name], dtype=dtype)
            if values.shape != t.shape:
                raise ValueError(f"column {name}: {values.shape} values for {t.size} times")
            values.tofile(self._files[name])
        consts = tuple(dtype.type(constants[k]) for k, dtype in self.constants.items())
        seq = len(self.parts)
        self.parts.append(SpooledPart(seq, self._rows, int(t.size), int(t[0]), int(t[-1]), consts))
        self._rows += int(t.size)

    def read(self, part: SpooledPart) -> dict[str, np.ndarray]:
        """The columns of one part (its constants as full columns)."""
        for fh in self._files.values():
            fh.flush()
        out = {
            name: np.fromfile(
                self.path / f"{name}.bin",
                dtype=dtype,
                count=part.n,
                offset=part.offset * dtype.itemsize,
            )
            for name, dtype in self.columns.items()
        }
        for (name, dtype), value in zip(self.constants.items(), part.constants, strict=True):
            out[name] = np.full(part.n, value, dtype=dtype)
        return out

    def groups(self) -> list[list[SpooledPart]]:
        """Parts in time order, those whose spans overlap (or touch) grouped, in file order."""
        groups: list[list[SpooledPart]] = []
        last = None
        for part in sorted(self.parts, key=lambda p: (p.first_ns, p.seq)):
            if last is None or part.first_ns > last:
                groups.append([part])
                last = part.last_ns
            else:
                groups[-1].append(part)
                last = max(last, part.last_ns)
        return [sorted(g, key=lambda p: p.seq) for g in groups]

    def merge(self, group: list[SpooledPart]) -> dict[str, np.ndarray]:
        """One group's samples stably sorted by time, a repeated time kept from its first part."""
        if len(group) == 1:
            return self.read(group[0])
        loaded = [self.read(p) for p in group]
        cat = {k: np.concatenate([d[k] for d in loaded]) for k in loaded[0]}
        del loaded
        order = np.argsort(cat["time"], kind="stable")
        t = cat["time"][order]
        order = order[np.r_[True, t[1:] != t[:-1]]]
        return {k: v[order] for k, v in cat.items()}

    def merged(self) -> Iterator[dict[str, np.ndarray]]:
        """Every sample in time order, one group at a time."""
        for group in self.groups():
            yield self.merge(group)

    def count(self) -> int:
        """How many samples :meth:`merged` yields (groups of one part are not read)."""
        return sum(g[0].n if len(g) == 1 else self.merge(g)["time"].size for g in self.groups())
