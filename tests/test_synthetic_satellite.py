"""Synthetic DEMETER (CDF, L1 .DAT) and CSES-like HDF5 half-orbit files: layout, orbits, physics.

Files are opened with cdflib/h5py directly (layout) and with the project readers (values);
the readers are also checked on the one real satellite CDF we ship (DE-2).
"""

import hashlib
import re
from pathlib import Path

import cdflib
import h5py
import numpy as np
import pandas as pd
import pytest

from eqprecursors.io.demeter import RECORD_BYTES, read_demeter_l1
from eqprecursors.io.satellite import (
    DE2_VARIABLES,
    dataset_attrs,
    parse_utc_time_code,
    read_cses_hdf5,
    read_demeter_cdf,
    utc_time_code,
)
from eqprecursors.synthetic.orbits import MISSIONS, track
from eqprecursors.synthetic.satellite import generate_satellite

ROOT = Path(__file__).resolve().parents[1]
DMT_NAME = re.compile(r"DMT_N1_1144_(\d{5})([01])_(\d{8}_\d{6})_(\d{8}_\d{6})\.cdf")
DAT_NAME = re.compile(r"DMT_N1_1144_(\d{5})([01])_(\d{8}_\d{6})_(\d{8}_\d{6})\.DAT")
CSES_NAME = re.compile(r"CSES_01_LAP_1_L02_A3_(\d{5})([01])_(\d{8}_\d{6})_(\d{8}_\d{6})_000\.h5")


@pytest.fixture(scope="module")
def demeter(tmp_path_factory, synthetic_real_kp):
    out = tmp_path_factory.mktemp("demeter")
    return generate_satellite(
        out, mission="demeter", start="2008-03-10", end="2008-03-10", kp=synthetic_real_kp, seed=3
    )


@pytest.fixture(scope="module")
def cses(tmp_path_factory, synthetic_real_kp):
    out = tmp_path_factory.mktemp("cses")
    return generate_satellite(
        out, mission="cses", start="2019-03-10", end="2019-03-10", kp=synthetic_real_kp, seed=3
    )


def _by_half(paths, pattern, reader):
    day, night = [], []
    for p in paths:
        half = pattern.fullmatch(p.name).group(2)
        (day if half == "0" else night).append(reader(p))
    return pd.concat(day, ignore_index=True), pd.concat(night, ignore_index=True)


# --------------------------------------------------------------------------------------
# layout and naming
# --------------------------------------------------------------------------------------


def test_demeter_cdf_layout(demeter):
    assert 28 <= len(demeter) <= 31  # ~14.6 orbits a day, two half-orbits each
    p = demeter[0]
    m = DMT_NAME.fullmatch(p.name)
    assert m, p.name
    cdf = cdflib.CDF(str(p))
    names = set(cdf.cdf_info().zVariables)
    assert {"Epoch", "lat", "lon", "alt", "Ne", "Te"} <= names
    assert cdf.varinq("Epoch").Data_Type_Description == "CDF_EPOCH"
    n = cdf.varget("Epoch").size
    for var in ("lat", "lon", "alt", "Ne", "Te"):
        attrs = cdf.varattsget(var)
        assert {"FILLVAL", "UNITS", "VALIDMIN", "VALIDMAX"} <= set(attrs)
        assert cdf.varget(var).shape == (n,)
    assert cdf.varattsget("Ne")["UNITS"] == "cm^-3" and cdf.varattsget("Te")["UNITS"] == "K"
    # file name times are the first and last samples
    t = cdflib.cdfepoch.to_datetime(cdf.varget("Epoch"))
    assert pd.Timestamp(t[0]).strftime("%Y%m%d_%H%M%S") == m.group(3)
    assert pd.Timestamp(t[-1]).strftime("%Y%m%d_%H%M%S") == m.group(4)
    assert np.all(np.diff(cdf.varget("Epoch")) == 3000.0)  # 3-s sampling


def test_demeter_fill_values_become_nan(demeter):
    raw_fill, nan = 0, 0
    for p in demeter:
        raw = cdflib.CDF(str(p)).varget("Ne")
        raw_fill += int((raw == np.float32(-1e31)).sum())
        nan += int(read_demeter_cdf(p)["ne"].isna().sum())
    assert raw_fill > 0 and nan == raw_fill


def test_cses_hdf5_layout(cses):
    p = cses[0]
    m = CSES_NAME.fullmatch(p.name)
    assert m, p.name
    with h5py.File(p, "r") as h5:
        expected = {"UTC_TIME", "VERSE_TIME", "GEO_LAT", "GEO_LON", "ALTITUDE", "MAG_LAT",
                    "MAG_LON", "A311", "A321"}  # fmt: skip
        assert expected <= set(h5)
        n = h5["UTC_TIME"].shape[0]
        for name in expected:
            assert h5[name].shape == (n, 1)
            assert {"FillValue", "LongName", "Units", "ValidRange"} <= set(h5[name].attrs)
        assert h5["UTC_TIME"].dtype == np.int64 and h5["VERSE_TIME"].dtype == np.int64
        utc = h5["UTC_TIME"][:, 0]
        verse = h5["VERSE_TIME"][:, 0]
    # UTC_TIME is YYYYMMDDHHMMSSmmm and agrees with VERSE_TIME (ms since 2009-01-01)
    t = parse_utc_time_code(utc)
    expected_ms = (t - np.datetime64("2009-01-01")).astype("timedelta64[ms]").astype(np.int64)
    np.testing.assert_array_equal(expected_ms, verse)
    assert str(utc[0])[:8] == m.group(3)[:8]
    assert dataset_attrs(p, "A311")["Units"] == "cm^-3"
    assert dataset_attrs(p, "A321")["LongName"] == "Electron temperature"


def test_utc_time_code_round_trip():
    t = np.array(["2021-03-24T07:02:16.123", "2019-12-31T23:59:59.999"], dtype="datetime64[ns]")
    code = utc_time_code(t.astype(np.int64))
    assert code[0] == 20210324070216123
    np.testing.assert_array_equal(parse_utc_time_code(code), t)


def test_demeter_l1_files(tmp_path, synthetic_real_kp, demeter):
    """``file_format="demeter_l1"``: the CDPP binary, same half-orbits and samples as the CDF."""
    kw = dict(mission="demeter", start="2008-03-10", end="2008-03-10", kp=synthetic_real_kp,
              seed=3, file_format="demeter_l1")  # fmt: skip
    dat = generate_satellite(tmp_path / "a", **kw)
    assert [p.name for p in dat] == [p.with_suffix(".DAT").name for p in demeter]
    assert all(DAT_NAME.fullmatch(p.name) for p in dat)
    for p, cdf in zip(dat[:3], demeter[:3], strict=True):
        l1, ref = read_demeter_l1(p), read_demeter_cdf(cdf)
        assert p.stat().st_size == len(ref) * RECORD_BYTES
        np.testing.assert_array_equal(l1["time"].to_numpy(), ref["time"].to_numpy())
        for a, b in (("latitude", "lat"), ("longitude", "lon"), ("altitude", "alt"),
                     ("ne", "ne"), ("te", "te")):  # fmt: skip
            np.testing.assert_array_equal(l1[a].to_numpy(), ref[b].to_numpy(), err_msg=a)
        half = int(DAT_NAME.fullmatch(p.name).group(2))
        assert (l1["orbit"] == int(DAT_NAME.fullmatch(p.name).group(1)) * 10 + half).all()
    again = generate_satellite(tmp_path / "b", **kw)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in dat]
    with pytest.raises(ValueError, match="file_format 'demeter_l1': mission cses writes one of"):
        generate_satellite(tmp_path / "c", **{**kw, "mission": "cses", "start": "2019-03-10",
                                              "end": "2019-03-10"})  # fmt: skip


def test_same_seed_identical_bytes(tmp_path, synthetic_real_kp):
    for mission, day in (("demeter", "2006-05-01"), ("cses", "2019-05-01")):
        kw = dict(mission=mission, start=day, end=day, kp=synthetic_real_kp, orbits_per_day=3)
        a = generate_satellite(tmp_path / mission / "a", seed=2, **kw)
        b = generate_satellite(tmp_path / mission / "b", seed=2, **kw)
        assert [p.name for p in a] == [p.name for p in b]
        sha = [hashlib.sha256(p.read_bytes()).hexdigest() for p in a]
        assert sha == [hashlib.sha256(p.read_bytes()).hexdigest() for p in b]
        assert 4 <= len(a) <= 8  # thinned to ~3 orbits a day


# --------------------------------------------------------------------------------------
# orbits
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mission", "day", "alt", "day_lt", "night_lt"),
    [("demeter", "2008-03-10", 660, 10.5, 22.5), ("cses", "2019-03-10", 507, 14.0, 2.0)],
)
def test_sun_synchronous_tracks(mission, day, alt, day_lt, night_lt, request):
    paths = request.getfixturevalue(mission)
    pattern = DMT_NAME if mission == "demeter" else CSES_NAME
    reader = read_demeter_cdf if mission == "demeter" else read_cses_hdf5
    for p in paths[:4]:
        df = reader(p)
        half = pattern.fullmatch(p.name).group(2)
        assert df["lat"].abs().max() == pytest.approx(65.0, abs=0.2)
        descending = df["lat"].iloc[-1] < df["lat"].iloc[0]
        assert descending == (half == "0")
        eq = int(np.argmin(np.abs(df["lat"].to_numpy())))
        t = pd.Timestamp(df["time"].iloc[eq])
        lt = (t.hour + t.minute / 60 + df["lon"].iloc[eq] / 15.0) % 24
        assert lt == pytest.approx(day_lt if descending else night_lt, abs=0.1)
        assert df["alt"].min() == pytest.approx(alt, abs=1.0)
        assert df["alt"].max() < alt + 25


def test_demeter_altitude_change_and_orbit_period():
    mis = MISSIONS["demeter"]
    t = np.array([pd.Timestamp("2005-06-01").value, pd.Timestamp("2007-06-01").value])
    np.testing.assert_allclose(mis.altitude_km(t), [710.0, 660.0])
    per_day = 86400 * mis.segments()[-1][1] / (2 * np.pi)
    assert 14.5 < per_day < 15.0
    assert 15.0 < 86400 * MISSIONS["cses"].segments()[-1][1] / (2 * np.pi) < 15.4
    pos = track(mis, t)
    assert np.all(np.abs(pos["lat"]) <= 90)


def test_before_launch_is_an_error(synthetic_real_kp, tmp_path):
    with pytest.raises(ValueError, match="launch"):
        generate_satellite(tmp_path, mission="cses", start="2016-01-01", end="2016-01-01",
                           kp=synthetic_real_kp)  # fmt: skip


# --------------------------------------------------------------------------------------
# ionosphere physics
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mission", ["demeter", "cses"])
def test_day_night_contrast(mission, request):
    paths = request.getfixturevalue(mission)
    pattern = DMT_NAME if mission == "demeter" else CSES_NAME
    reader = read_demeter_cdf if mission == "demeter" else read_cses_hdf5
    day, night = _by_half(paths, pattern, reader)
    low_d = day[day["lat"].abs() < 30]
    low_n = night[night["lat"].abs() < 30]
    assert low_d["ne"].median() > 2.5 * low_n["ne"].median()
    assert low_d["te"].median() > 1.3 * low_n["te"].median()
    # plausible topside magnitudes at solar minimum (2008, 2019)
    assert 1e4 < low_d["ne"].median() < 5e5 and 1e3 < low_n["ne"].median() < 1e5
    assert 1000 < low_d["te"].median() < 4000 and 500 < low_n["te"].median() < 2000


def test_equatorial_ionisation_anomaly_crests(cses):
    day, _ = _by_half(cses, CSES_NAME, read_cses_hdf5)
    mlat = day["mlat"].abs()
    crest = day.loc[(mlat > 11) & (mlat < 18), "ne"].median()
    trough = day.loc[mlat < 4, "ne"].median()
    mid = day.loc[(mlat > 35) & (mlat < 45), "ne"].median()
    assert crest > 1.4 * trough
    assert crest > 2.0 * mid


# --------------------------------------------------------------------------------------
# injection
# --------------------------------------------------------------------------------------


def test_satellite_injection_percent_change_and_truth(tmp_path, synthetic_real_kp, cses):
    ref = read_cses_hdf5(cses[5])
    k = len(ref) // 2
    event = pd.DataFrame(
        {
            "time": [pd.Timestamp(ref["time"].iloc[k], tz="UTC") + pd.Timedelta(hours=24)],
            "latitude": [ref["lat"].iloc[k]],
            "longitude": [ref["lon"].iloc[k]],
            "depth_km": [10.0],
            "magnitude": [6.0],
            "event_id": ["ev1"],
        }
    )
    inj = {"enabled": True, "ne_percent": 30.0, "te_percent": -10.0, "lead_hours": 48,
           "duration_hours": 48, "detectability_radius_km": 300.0}  # fmt: skip
    kw = dict(mission="cses", start="2019-03-10", end="2019-03-10", kp=synthetic_real_kp, seed=3)
    on = generate_satellite(
        tmp_path / "on", events=event, injection=inj, truth_csv=tmp_path / "t.csv", **kw
    )
    assert [p.name for p in on] == [p.name for p in cses]
    truth = pd.read_csv(tmp_path / "t.csv")
    assert cses[5].name in set(truth["file"])
    row = truth[truth["file"] == cses[5].name].iloc[0]
    assert row["distance_km"] < 15 and row["event_id"] == "ev1"
    assert row["amplitude"] == pytest.approx(30.0 * (1 - row["distance_km"] / 300.0), rel=1e-4)
    a, b = read_cses_hdf5(on[5]), ref
    ratio = (a["ne"] / b["ne"]).to_numpy()
    from eqprecursors.core.geodesy import haversine_km

    d = haversine_km(event["latitude"][0], event["longitude"][0], b["lat"], b["lon"])
    near = (d < 300) & np.isfinite(ratio)
    np.testing.assert_allclose(ratio[near], 1 + 0.30 * (1 - d[near] / 300), rtol=2e-6)
    np.testing.assert_allclose(ratio[(d > 300) & np.isfinite(ratio)], 1.0, rtol=1e-6)
    te_ratio = (a["te"] / b["te"]).to_numpy()
    ok = near & np.isfinite(te_ratio)
    np.testing.assert_allclose(te_ratio[ok], 1 - 0.10 * (1 - d[ok] / 300), rtol=2e-6)
    # files of passes nowhere near the epicentre are byte-identical to the reference run
    untouched = [i for i, p in enumerate(on) if p.name not in set(truth["file"])]
    assert untouched and all(on[i].read_bytes() == cses[i].read_bytes() for i in untouched)


# --------------------------------------------------------------------------------------
# the real DE-2 CDF through the same reader
# --------------------------------------------------------------------------------------


def test_reader_on_real_de2_cdf():
    path = ROOT / "tests/data/cdf/de2_ion2s_rpa_19830213_v01.cdf"
    raw = cdflib.CDF(path).varget("ionDensity")
    # the file's FILLVAL attribute says -1e-31 but the data use -1e+31
    assert (raw <= -1e30).sum() == 1
    df = read_demeter_cdf(path, variables=DE2_VARIABLES)
    assert len(df) == 2716
    assert list(df.columns) == ["time", "lat", "lon", "alt", "ne", "te"]
    assert df["ne"].isna().sum() == 1
    assert (df["ne"].dropna() > 0).all() and df["ne"].max() < 1e8
    assert df["te"].between(500, 1e6).all() and 800 < df["te"].median() < 2000
    assert pd.Timestamp(df["time"].iloc[0]).strftime("%Y-%m-%d") == "1983-02-13"
    assert df["alt"].between(200, 300).all()


def test_reader_reports_missing_variables():
    with pytest.raises(KeyError, match="Ne"):
        read_demeter_cdf(ROOT / "tests/data/cdf/de2_ion2s_rpa_19830213_v01.cdf")
