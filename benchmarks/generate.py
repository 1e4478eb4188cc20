"""Benchmark: one observatory-year of synthetic 1-minute IAGA-2002 data, written to disk.

Run from the repository root: ``.venv/bin/python benchmarks/generate.py``. The last line
is ``generate: <observatory-years of minute data per second> years/s (<ratio>x the raw
write of the same <n> files, <s> s)``; the goal is one year in under 10 s (i.e. > 0.1
years/s), including writing the 365 daily files. The in-run baseline is the floor for the
same output: writing the generated files' bytes, already in memory, to fresh files.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from eqprecursors.io.kp import read_kp  # noqa: E402
from eqprecursors.synthetic.ground import generate_ground  # noqa: E402

EVENTS_NEAR_DUR = {
    "time": ["2016-08-24T01:36:32Z", "2016-10-30T06:40:18Z"],  # Accumoli M6.2, Norcia M6.6
    "latitude": [42.7225, 42.8303],
    "longitude": [13.1883, 13.1092],
    "depth_km": [4.4, 10.0],
    "magnitude": [6.2, 6.6],
    "event_id": ["us10006g7d", "us1000731j"],
}


def raw_write_seconds(paths: list[Path]) -> float:
    """Seconds to write the bytes of ``paths`` (read beforehand) to fresh files."""
    blobs = [(p.name, p.read_bytes()) for p in paths]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        for name, blob in blobs:
            (Path(tmp) / name).write_bytes(blob)
        return time.perf_counter() - t0


def main(repeats: int = 3) -> None:
    import pandas as pd

    kp = read_kp(ROOT / "data" / "kp" / "celestrak_SW-All.txt")
    events = pd.DataFrame(EVENTS_NEAR_DUR)
    injection = {"enabled": True, "amplitude_nT": 5.0, "detectability_radius_km": 250.0}
    best, years, floor = float("inf"), 1.0, float("inf")
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            paths = generate_ground(
                tmp,
                iaga_code="DUR",
                station_name="Duronia",
                latitude=41.39,
                longitude=14.28,
                elevation=900.0,
                start="2016-01-01",
                end="2016-12-31",
                kp=kp,
                events=events,
                injection=injection,
                seed=0,
                truth_csv=Path(tmp) / "truth.csv",
            )
            elapsed = time.perf_counter() - t0
            size = sum(p.stat().st_size for p in paths)
            floor = min(floor, raw_write_seconds(paths))
        best = min(best, elapsed)
        years = len(paths) / 365.25
        print(f"one observatory-year: {len(paths)} files, {size / 1e6:.1f} MB, {elapsed:.2f} s")
    print(
        f"generate: {years / best:.3g} years/s ({best / floor:.1f}x the raw write of the same "
        f"{len(paths)} files, {floor:.3f} s)"
    )


if __name__ == "__main__":
    main()
