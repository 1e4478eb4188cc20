"""Streaming satellite decode and labelling (issue 11): same outputs, memory bounded per file.

The references are the in-memory implementations the streaming ones replaced: the decoder
that joined every file before writing (:func:`decode_in_memory`, kept here verbatim in
substance) and labelling of the whole series loaded at once (``label_sequences`` on
``read_decoded``). Memory is compared as tracemalloc peaks of a 10-day and a 30-day
mission (a ratio, so the machine's speed or load plays no part); each test also runs its
reference to show that the measurement tells the two behaviours apart.
"""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import h5py
import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from eqprecursors.core.times import format_iso
from eqprecursors.io.demeter import RECORD_BYTES
from eqprecursors.io.kp import read_kp, write_kp
from eqprecursors.satellite import decode as dec
from eqprecursors.satellite import events as ev
from eqprecursors.satellite import sequences as sq
from eqprecursors.satellite.spool import SampleSpool
from eqprecursors.synthetic.satellite import generate_satellite

CSES_DAYS = ("2019-09-19", "2019-09-21")
DEMETER_DAYS = ("2008-03-09", "2008-03-11")


# ------------------------------------------------------------------ the old decoder
def decode_in_memory(
    inputs,
    out_nc,
    *,
    satellite,
    mission,
    format="auto",
    start=None,
    end=None,
    cadence_s=1.5,
    max_gap_s=10.0,
    source="synthetic",
):
    """The decoder before issue 11: every file's samples joined in memory, then xarray."""
    fmt = dec.resolve_format(mission, format)
    mapping = dec.variable_map(fmt, None)
    files = dec.input_files(inputs, fmt)
    parts = []
    for path in files:
        df, orbit = dec.read_half_orbit(path, fmt, mapping)
        part = dec.to_cadence(df, cadence_s, max_gap_s)
        parts.append(part.assign(orbit=np.int64(orbit)))
    data = pd.concat(parts, ignore_index=True)
    t = data["time"].to_numpy("datetime64[ns]")
    keep = np.ones(t.size, dtype=bool)
    if start is not None:
        keep &= t >= np.datetime64(str(start), "ns")
    if end is not None:
        keep &= t < np.datetime64(str(end), "D") + np.timedelta64(1, "D")
    data = data[keep].sort_values("time", kind="stable").drop_duplicates("time")
    time = data["time"].to_numpy("datetime64[ns]")
    values = {c: data[c].to_numpy(np.float64) for c in dec.COLUMNS}
    values["local_time"] = dec.local_time(time, values["longitude"])
    ds = xr.Dataset(
        {c: ("time", v) for c, v in values.items()}
        | {"orbit": ("time", data["orbit"].to_numpy(np.int64))},
        coords={"time": time},
        attrs={
            "satellite": satellite,
            "mission": mission,
            "source": source,
            "format": fmt,
            "cadence_s": float(cadence_s),
            "max_interpolation_gap_s": float(max_gap_s),
            "files": len(files),
        },
    )
    for name, (units, long_name) in dec.ATTRS.items():
        ds[name].attrs.update(units=units, long_name=long_name)
    ds["time"].attrs["long_name"] = "UTC"
    encoding = {
        "time": {"units": "nanoseconds since 1970-01-01", "dtype": "int64"},
        **{c: {"_FillValue": np.nan} for c in values},
        "orbit": {"_FillValue": None},
    }
    ds.to_netcdf(out_nc, engine="netcdf4", encoding=encoding)
    return Path(out_nc)


def file_layout(path) -> tuple:
    """Everything of a netCDF file but its data: model, attributes (order, type), dims,
    variables (order, dtype, storage, filters, attributes)."""
    with netCDF4.Dataset(path) as nc:
        return (
            nc.data_model,
            [(k, repr(nc.getncattr(k)), type(nc.getncattr(k))) for k in nc.ncattrs()],
            {d: (len(v), v.isunlimited()) for d, v in nc.dimensions.items()},
            [
                (
                    name,
                    v.dtype,
                    v.dimensions,
                    v.chunking(),
                    v.filters(),
                    v.endian(),
                    [(k, repr(v.getncattr(k))) for k in v.ncattrs()],
                )
                for name, v in nc.variables.items()
            ],
        )


def assert_same_file(expected, actual):
    assert file_layout(actual) == file_layout(expected)
    with netCDF4.Dataset(expected) as a, netCDF4.Dataset(actual) as b:
        a.set_auto_maskandscale(False)
        b.set_auto_maskandscale(False)
        for name in a.variables:
            x, y = a.variables[name][:], b.variables[name][:]
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name  # NaN bits too
    with xr.open_dataset(expected) as x, xr.open_dataset(actual) as y:
        assert x.identical(y)
        for name in x.variables:
            ex = {k: v for k, v in x[name].encoding.items() if k != "source"}
            ey = {k: v for k, v in y[name].encoding.items() if k != "source"}
            assert repr(ey) == repr(ex), name  # repr: a NaN _FillValue equals itself


# ---------------------------------------------------------------- generated missions
def cses_with_overlaps(d: Path, kp) -> Path:
    """Generated CSES files (names out of time order: half 1 flies before half 0) plus
    re-deliveries of one half-orbit: a copy sorting before it with Ne doubled (it wins the
    shared times), one sorting after with Te doubled (it loses), and its second half alone
    (a file overlapping part of another)."""
    paths = generate_satellite(
        d, mission="cses", start=CSES_DAYS[0], end=CSES_DAYS[1], kp=kp, seed=4, orbits_per_day=4
    )
    src = paths[len(paths) // 2]
    first = d / src.name.replace("_A3_", "_A2_")
    last = d / src.name.replace("_000.h5", "_001.h5")
    tail = d / src.name.replace("_000.h5", "_002.h5")
    for copy, name in ((first, "A311"), (last, "A321")):
        shutil.copy(src, copy)
        with h5py.File(copy, "a") as h5:
            v = h5[name][()]
            h5[name][...] = np.where(v > 0, 2 * v, v)
    shutil.copy(src, tail)
    with h5py.File(tail, "a") as h5:
        for name in list(h5):
            v, attrs = h5[name][()], dict(h5[name].attrs)
            del h5[name]
            h5.create_dataset(name, data=v[v.shape[0] // 2 :])
            h5[name].attrs.update(attrs)
    return d


def demeter_with_overlaps(d: Path, kp, file_format: str) -> Path:
    """Generated DEMETER files (decoder format ``demeter_l1`` or ``demeter_cdf``) plus a
    re-delivery of one half-orbit under an APID that sorts first (the L1 one cut short)."""
    written = "demeter_l1" if file_format == "demeter_l1" else "cdf"
    paths = generate_satellite(
        d,
        mission="demeter",
        start=DEMETER_DAYS[0],
        end=DEMETER_DAYS[1],
        kp=kp,
        seed=4,
        orbits_per_day=4,
        file_format=written,
    )
    src = paths[len(paths) // 3]
    if file_format == "demeter_l1":  # the last two thirds of one file's records, re-delivered
        raw = src.read_bytes()
        n = len(raw) // RECORD_BYTES
        copy = d / src.name.replace("DMT_N1_1144", "DMT_N1_1143")
        copy.write_bytes(raw[n // 3 * RECORD_BYTES :])
    else:
        shutil.copy(src, d / src.name.replace("DMT_N1_1144", "DMT_N1_1143"))
    return d


@pytest.mark.parametrize(
    ("mission", "file_format"),
    [("cses", "cses_hdf5"), ("demeter", "demeter_l1"), ("demeter", "demeter_cdf")],
)
def test_streaming_decode_writes_the_in_memory_decoders_file(
    tmp_path, synthetic_real_kp, mission, file_format
):
    raw = tmp_path / "raw"
    if mission == "cses":
        cses_with_overlaps(raw, synthetic_real_kp)
        day = CSES_DAYS[0][:-2] + "20"
    else:
        demeter_with_overlaps(raw, synthetic_real_kp, file_format)
        day = DEMETER_DAYS[0][:-2] + "10"
    kw = dict(satellite=mission.upper(), mission=mission, format=file_format)
    for start, end in ((None, None), (day, day)):  # whole, and cut at both ends mid-orbit
        expected = decode_in_memory(raw, tmp_path / "expected.nc", start=start, end=end, **kw)
        for block in (1, 1000, dec.WRITE_BLOCK):
            out = tmp_path / f"streamed_{block}.nc"
            got = dec.decode_satellite(raw, out, start=start, end=end, write_block=block, **kw)
            assert got == out
            assert_same_file(expected, out)
    with xr.open_dataset(out) as ds:  # the re-deliveries made repeated times: all gone
        assert ds.sizes["time"] > 1000 and (np.diff(ds["time"].values.astype(np.int64)) > 0).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["raw", "expected.nc", *(f"streamed_{b}.nc" for b in (1, 1000, dec.WRITE_BLOCK))]
    )  # the spool is gone


def test_repeated_times_keep_the_first_file_in_name_order(tmp_path, synthetic_real_kp):
    """The A2 copy (Ne doubled) sorts first and wins; the 001 copy (Te doubled) loses."""
    raw = cses_with_overlaps(tmp_path / "raw", synthetic_real_kp)
    out = dec.decode_satellite(raw, tmp_path / "CSES.nc", satellite="CSES", mission="cses")
    winner = next(raw.glob("*_A2_*"))
    orbit = dec.half_orbit_id(winner.name)
    with xr.open_dataset(out) as ds:
        part = ds.isel(time=ds["orbit"].values == orbit)
        df, _ = dec.read_half_orbit(winner, "cses_hdf5", dec.variable_map("cses_hdf5", None))
        on = pd.Series(df["ne"].to_numpy(), index=df["time"]).reindex(part["time"].values)
        hit = on.notna().to_numpy()
        assert hit.sum() > 100
        np.testing.assert_array_equal(part["ne"].values[hit], on.to_numpy()[hit])
        te = pd.Series(df["te"].to_numpy(), index=df["time"]).reindex(part["time"].values)
        np.testing.assert_array_equal(part["te"].values[hit], te.to_numpy()[hit])  # not doubled


def test_spool_groups_overlapping_parts_and_keeps_the_first(tmp_path):
    with SampleSpool(tmp_path, {"time": "i8", "v": "f8"}, {"orbit": "i8"}) as spool:
        spool.append({"time": [50, 60, 70], "v": [1.0, 2.0, 3.0]}, orbit=2)
        spool.append({"time": [10, 20], "v": [4.0, 5.0]}, orbit=1)
        spool.append({"time": [60, 65], "v": [6.0, 7.0]}, orbit=3)  # overlaps the first
        spool.append({"time": [], "v": []}, orbit=4)  # nothing: not a part
        assert [[p.seq for p in g] for g in spool.groups()] == [[1], [0, 2]]
        merged = list(spool.merged())
        assert spool.count() == sum(m["time"].size for m in merged) == 6
        cat = {k: np.concatenate([m[k] for m in merged]) for k in merged[0]}
        assert cat["time"].tolist() == [10, 20, 50, 60, 65, 70]
        assert cat["v"].tolist() == [4.0, 5.0, 1.0, 2.0, 7.0, 3.0]  # 60: the first part's
        assert cat["orbit"].tolist() == [1, 1, 2, 2, 3, 2]
        with pytest.raises(ValueError, match="strictly increasing"):
            spool.append({"time": [5, 5], "v": [0.0, 0.0]}, orbit=9)
        directory = spool.path
    assert not directory.exists()


# ----------------------------------------------------------------------- memory
def traced_peak(fn, *args, **kwargs) -> int:
    """Peak bytes that Python and numpy allocated during ``fn``."""
    tracemalloc.start()
    try:
        fn(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def missions(tmp_path_factory, synthetic_real_kp) -> dict[int, Path]:  # 1 and 3 units long
    """DEMETER L1 files of 10 and 30 days: 2 orbits a day sampled every second (files three
    times the real ones, so one file's arrays outweigh the per-file bookkeeping)."""
    out = {}
    for length, end in ((1, "2008-01-10"), (3, "2008-01-30")):
        d = tmp_path_factory.mktemp(f"demeter{length}")
        generate_satellite(
            d / "raw",
            mission="demeter",
            start="2008-01-01",
            end=end,
            kp=synthetic_real_kp,
            seed=4,
            orbits_per_day=2,
            sample_s=1.0,
            file_format="demeter_l1",
        )
        out[length] = d
    return out


def test_decode_peak_memory_does_not_grow_with_the_mission(missions, tmp_path):
    kw = dict(satellite="DEMETER", mission="demeter", format="demeter_l1")
    peak = {
        m: traced_peak(dec.decode_satellite, d / "raw", tmp_path / f"{m}.nc", write_block=1, **kw)
        for m, d in missions.items()
    }
    old = {
        m: traced_peak(decode_in_memory, d / "raw", tmp_path / f"old{m}.nc", **kw)
        for m, d in missions.items()
    }
    assert old[3] / old[1] > 2.5  # the measurement sees a mission held whole
    assert peak[3] / peak[1] < 1.5, (peak, old)
    assert peak[3] < old[1]


# -------------------------------------------------------------------- labelling
def events_along(nc, n: int, seed: int) -> pd.DataFrame:
    """Independent and artificial events a day after night samples, at their sub-points."""
    with xr.open_dataset(nc) as ds:
        night = np.flatnonzero(sq.is_night(ds["local_time"].values) & np.isfinite(ds["ne"].values))
        pick = np.random.default_rng(seed).choice(night, 2 * n, replace=False)
        t = ds["time"].values[pick].astype(np.int64) + 86_400 * 10**9
        lat, lon = ds["latitude"].values[pick], ds["longitude"].values[pick]
    order = np.argsort(t)
    return pd.DataFrame(
        {
            "time": format_iso(t[order]),
            "latitude": lat[order].round(4),
            "longitude": lon[order].round(4),
            "depth_km": 10.0,
            "magnitude": np.linspace(4.8, 6.5, 2 * n)[order].round(2),
            "event_id": [f"ev{k}" for k in range(2 * n)],
            "kind": np.where(np.arange(2 * n) % 2 == 0, "independent", "artificial")[order],
        }
    )


@pytest.fixture(scope="module")
def labelling_inputs(missions, synthetic_real_kp, tmp_path_factory) -> dict[int, tuple]:
    d = tmp_path_factory.mktemp("labelling")
    kp = synthetic_real_kp
    near = (kp["time"] >= "2007-12-01") & (kp["time"] < "2008-03-01")  # small beside the data
    write_kp(kp[near], d / "kp.csv")
    decoded = {
        length: dec.decode_satellite(
            m / "raw",
            d / f"DEMETER{length}.nc",
            satellite="DEMETER",
            mission="demeter",
            format="demeter_l1",
        )
        for length, m in missions.items()
    }
    ev.write_events(events_along(decoded[1], 6, seed=1), d / "events.csv")
    return {length: (nc, d / "events.csv", d / "kp.csv") for length, nc in decoded.items()}


OPTIONS = [
    dict(sequence_length=10, spatial_window=5.0, time_of_day="night"),
    dict(sequence_length=20, spatial_window="dobrovolsky", time_of_day="night", storm_scope="all"),
    dict(sequence_length=10, spatial_window=12.0, time_of_day="day"),
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: f"T{o['sequence_length']}")
def test_labelling_in_blocks_writes_the_whole_series_dataset(labelling_inputs, tmp_path, options):
    nc, events_csv, kp_csv = labelling_inputs[3]
    data, events, kp = sq.read_decoded(nc), ev.read_events(events_csv), read_kp(kp_csv, fmt="csv")
    x, table, report = sq.label_sequences(data, events, kp, satellite="DEMETER", **options)
    assert len(table) > 20 and table["label"].nunique() >= 2
    expected_csv = table.to_csv(index=False, lineterminator="\n").encode()
    for chunk in (997, 10**6):  # blocks shorter than a half-orbit, and the whole series
        out = tmp_path / str(chunk)
        got = sq.make_dataset(nc, events_csv, kp_csv, out, chunk_samples=chunk, **options)
        assert (out / "sequences.csv").read_bytes() == expected_csv
        y = np.load(out / "sequences.npy")
        assert y.dtype == x.dtype and y.shape == x.shape and y.tobytes() == x.tobytes()
        written = json.loads((out / "report.json").read_text())
        assert written.pop("inputs") == got.pop("inputs")
        assert written == json.loads(json.dumps(report)) == json.loads(json.dumps(got))


def test_labelling_peak_memory_does_not_grow_with_the_mission(labelling_inputs, tmp_path):
    """The same six event pairs (all in the first 10 days): the dataset is the same size."""
    options = dict(sequence_length=10, spatial_window=5.0, time_of_day="night")

    def in_memory(nc, events_csv, kp_csv):
        sq.label_sequences(
            sq.read_decoded(nc), ev.read_events(events_csv), read_kp(kp_csv, fmt="csv"), **options
        )

    peak, old = {}, {}
    for m, (nc, events_csv, kp_csv) in labelling_inputs.items():
        peak[m] = traced_peak(
            sq.make_dataset,
            nc,
            events_csv,
            kp_csv,
            tmp_path / str(m),
            chunk_samples=20_000,
            **options,
        )
        old[m] = traced_peak(in_memory, nc, events_csv, kp_csv)
    assert old[3] / old[1] > 2.5
    assert peak[3] / peak[1] < 1.5, (peak, old)
