"""Benchmark: labelling the week windows of one decoded observatory-year.

Why: ``label_ground`` runs once per observatory and window length, so its cost scales the
ground pipeline. Times ``ground.labels.make_dataset`` (read the netCDF, Kp rule, filter and
normalise every window, write windows.npy and labels.csv) on a synthetic decoded year at
1-min cadence with twelve events, the default's labelling options and its high-pass
filter. The in-run baseline is the I/O floor: read the same netCDF into numpy and copy the
same windows (same starts, same shape) into a .npy with plain numpy. Best of three rounds,
interleaved.

Last line printed: ``label: <s> s for <n> windows of a decoded year (<ratio>x the numpy
read+copy floor <s> s)``. Run from the repository root: ``.venv/bin/python
benchmarks/label.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from eqprecursors.ground import labels

ROUNDS = 3
T0 = np.datetime64("2019-01-01T00:00", "ns")
N_MIN = 365 * 1440
N_WEEK = 10080
OPTIONS = {  # config/config.yaml ground_cnn.labelling and filters.filtered
    "window": "week",
    "lead_time_minutes": 0,
    "exclusion_hours": 168,
    "kp_threshold": 4,
    "screen_storms": True,
    "quiet_per_event": 1.0,
    "seed": 1,
    "filter": {"type": "highpass", "order": 4, "corners_cpd": [1.5]},
}


def write_inputs(d: Path) -> tuple[Path, Path, Path]:
    """Decoded year (X/Y/Z nT, gap_mask), a catalog of twelve events and a quiet Kp."""
    import xarray as xr

    rng = np.random.default_rng(0)
    t = np.arange(N_MIN)
    day = 2 * np.pi * t / 1440
    x = 20000 + 10 * np.sin(day) + rng.normal(0, 1, N_MIN)
    y = 500 + 5 * np.cos(day) + rng.normal(0, 1, N_MIN)
    z = 40000 + 20 * np.sin(2 * day) + rng.normal(0, 1, N_MIN)
    gap = np.zeros(N_MIN, dtype=np.int8)
    ds = xr.Dataset(
        {"X": ("time", x), "Y": ("time", y), "Z": ("time", z), "gap_mask": ("time", gap)},
        coords={"time": T0 + t.astype("timedelta64[m]")},
        attrs={"iaga_code": "BEN", "latitude": 41.4, "longitude": 14.3},
    )
    nc = d / "BEN.nc"
    ds.to_netcdf(nc)
    times = pd.Timestamp("2019-01-20", tz="UTC") + pd.to_timedelta(30 * np.arange(12), unit="D")
    catalog = d / "catalog.csv"
    pd.DataFrame(
        {
            "time": times.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "latitude": 41.5,
            "longitude": 14.2,
            "depth_km": 10.0,
            "magnitude": 5.0,
            "mag_type": "mw",
            "distance_km": 20.0,
            "event_id": [f"ev{i:02d}" for i in range(12)],
        }
    ).to_csv(catalog, index=False)
    kp_t = pd.date_range("2018-12-01", "2020-02-01", freq="3h", tz="UTC")
    kp = d / "kp.csv"
    kp_df = pd.DataFrame({"time": kp_t.strftime("%Y-%m-%dT%H:%M:%SZ"), "kp": 1.0})
    kp_df.to_csv(kp, index=False)
    return nc, catalog, kp


def numpy_floor(nc: Path, starts: np.ndarray, out: Path) -> float:
    """Seconds to read the netCDF's X/Y/Z into numpy and copy the windows to a .npy."""
    import xarray as xr

    t0 = time.perf_counter()
    with xr.open_dataset(nc) as ds:
        data = np.stack([ds[c].to_numpy() for c in ("X", "Y", "Z")])
    shape = (len(starts), 3, N_WEEK)
    arr = np.lib.format.open_memmap(out, mode="w+", dtype=np.float32, shape=shape)
    for i, s in enumerate(starts.tolist()):
        arr[i] = data[:, s : s + N_WEEK]
    arr.flush()
    del arr
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="label_") as tmp:
        d = Path(tmp)
        nc, catalog, kp = write_inputs(d)
        ours, floor = [], []
        for k in range(ROUNDS):
            out = d / f"ds{k}"
            t0 = time.perf_counter()
            labels.make_dataset(nc, catalog, kp, out, **OPTIONS)
            ours.append(time.perf_counter() - t0)
            table = pd.read_csv(out / "labels.csv")
            start_ns = pd.to_datetime(table["start"], utc=True).astype("datetime64[ns, UTC]")
            starts = ((start_ns - pd.Timestamp(T0, tz="UTC")) // pd.Timedelta(minutes=1)).to_numpy()
            floor.append(numpy_floor(nc, starts.astype(np.int64), d / f"floor{k}.npy"))
        counts = table["label"].value_counts().to_dict()
    n = int(sum(counts.values()))
    if n == 0:
        raise SystemExit("label benchmark: make_dataset kept no window")
    ours_s, floor_s = min(ours), min(floor)
    print(f"windows: {n} ({counts.get(1, 0)} earthquake, {counts.get(0, 0)} quiet), N={N_WEEK}")
    print(f"make_dataset: {ours_s:.3f} s (rounds {', '.join(f'{x:.3f}' for x in ours)})")
    print(f"numpy floor:  {floor_s:.3f} s (rounds {', '.join(f'{x:.3f}' for x in floor)})")
    print(
        f"label: {ours_s:.2f} s for {n} windows of a decoded year "
        f"({ours_s / floor_s:.2f}x the numpy read+copy floor {floor_s:.3f} s)"
    )


if __name__ == "__main__":
    main()
