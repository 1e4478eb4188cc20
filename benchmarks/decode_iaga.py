"""Benchmark: eqprecursors.io.iaga.read_iaga against pandas.read_csv(sep=r"\\s+").

Why: decoding runs on every observatory and every workflow run, and a year of 1-second data
is gigabytes of text, so the reader must stay fast.  The input is real data: the USGS
Boulder month file data/iaga/BOU201601vmin.min repeated with shifted dates into consecutive
monthly files (>= 1 year of minutes, >= 40 MB of IAGA-2002 text), written to a temp dir.

Both readers parse the same files in the same run (best of several interleaved rounds, to
damp noise on a shared machine).  Last line printed:
``decode_iaga: <MB/s> MB/s, <ratio>x pandas read_csv(sep=r"\\s+")``.

Run from the repository root: ``.venv/bin/python benchmarks/decode_iaga.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from eqprecursors.io.iaga import read_iaga  # noqa: E402

SOURCE = ROOT / "data" / "iaga" / "BOU201601vmin.min"
MIN_BYTES = 40_000_000
MIN_MINUTES = 366 * 1440
ROUNDS = 3


def _datetime_columns(t: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DD HH:MM:SS.mmm DOY' (27 bytes per row) for datetime64 stamps, vectorised."""
    text = np.char.replace(np.datetime_as_string(t, unit="ms"), "T", " ")
    days = t.astype("datetime64[D]")
    doy = (days - days.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) + 1
    stamp = np.frombuffer(text.astype("S23").tobytes(), np.uint8).reshape(-1, 23)
    out = np.empty((t.size, 27), np.uint8)
    out[:, :23] = stamp
    out[:, 23] = 32
    for j, power in enumerate((100, 10, 1)):
        out[:, 24 + j] = 48 + (doy // power) % 10
    return out


def synthesize(out_dir: Path) -> list[Path]:
    """Consecutive 'monthly' copies of the real file, each shifted to follow the previous."""
    raw = SOURCE.read_bytes()
    start = raw.index(b"\nDATE") + 1
    data_at = raw.index(b"\n", start) + 1
    header, block = raw[:data_at], raw[data_at:]
    rows = np.frombuffer(block, np.uint8).reshape(-1, 71)
    n = rows.shape[0]
    t0 = np.datetime64("2016-01-01T00:00", "ns")
    step = np.timedelta64(60, "s")
    paths, total, minutes, k = [], 0, 0, 0
    while total < MIN_BYTES or minutes < MIN_MINUTES:
        t = t0 + (np.arange(n) + k * n) * step
        shifted = rows.copy()
        shifted[:, :27] = _datetime_columns(t)
        path = out_dir / f"bou{str(t[0].astype('datetime64[D]')).replace('-', '')}vmin.min"
        path.write_bytes(header + shifted.tobytes())
        paths.append(path)
        total += len(header) + shifted.size
        minutes += n
        k += 1
    return paths


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="decode_iaga_") as tmp:
        paths = synthesize(Path(tmp))
        nbytes = sum(p.stat().st_size for p in paths)
        skip = {p: p.read_bytes().split(b"\nDATE", 1)[0].count(b"\n") + 1 for p in paths}
        ours, theirs = [], []
        for _ in range(ROUNDS):
            t = time.perf_counter()
            recs = [r for p in paths for r in read_iaga(p)]
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            frames = [pd.read_csv(p, sep=r"\s+", skiprows=skip[p]) for p in paths]
            theirs.append(time.perf_counter() - t)
        rows = sum(r.time.size for r in recs)
        assert rows == sum(len(f) for f in frames), "readers disagree on row count"
        ours_s, theirs_s = min(ours), min(theirs)
        print(f"files: {len(paths)}, rows: {rows}, bytes: {nbytes / 1e6:.1f} MB")
        print(f"read_iaga: {ours_s:.3f} s (rounds {', '.join(f'{x:.3f}' for x in ours)})")
        print(f"pandas:    {theirs_s:.3f} s (rounds {', '.join(f'{x:.3f}' for x in theirs)})")
        print(
            f"decode_iaga: {nbytes / 1e6 / ours_s:.1f} MB/s, "
            f'{theirs_s / ours_s:.2f}x pandas read_csv(sep=r"\\s+")'
        )


if __name__ == "__main__":
    main()
