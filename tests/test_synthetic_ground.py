"""Synthetic ground observatory data: format, physics, gaps, determinism.

Every physics check decodes the generated IAGA-2002 files with the same readers the real
files go through (eqprecursors.iaga), so the synthetic dataset is tested as data, not as
arrays. Periods are days, not years, to keep the suite fast.
"""

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eqprecursors.ground.decode import decode_ground, merge_records
from eqprecursors.io.iaga import read_iaga
from eqprecursors.synthetic import field
from eqprecursors.synthetic.ground import generate_ground, ground_file_name, simulate_ground
from eqprecursors.synthetic.ground_model import GapConfig, parse_gaps

ROOT = Path(__file__).resolve().parents[1]
STORM = ("2015-03-10", "2015-03-24")  # St Patrick's Day storm 2015-03-17 (Kp 7+, Dst -223)


def _decode(paths) -> pd.DataFrame:
    time, values, frame, _ = merge_records([r for p in paths for r in read_iaga(p)])
    assert "XYZ" in frame
    return pd.DataFrame({c: values[c] for c in "XYZF"}, index=pd.DatetimeIndex(time))


def _sha(paths) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.fixture(scope="module")
def storm_run(tmp_path_factory, synthetic_real_kp, synthetic_dur_site):
    out = tmp_path_factory.mktemp("dur_storm")
    paths = generate_ground(
        out,
        **synthetic_dur_site,
        start=STORM[0],
        end=STORM[1],
        kp=synthetic_real_kp,
        seed=7,
    )
    return paths, _decode(paths)


def _daily_max_kp(kp: pd.DataFrame, start, end) -> pd.Series:
    k = kp[(kp["time"] >= pd.Timestamp(start, tz="UTC"))]
    k = k[k["time"] < pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)]
    s = k.set_index("time")["kp"].resample("1D").max()
    s.index = s.index.tz_localize(None)
    return s


# --------------------------------------------------------------------------------------
# main field
# --------------------------------------------------------------------------------------


def test_igrf_baseline_agrees_with_real_bou_absolute_level():
    # BOU201601adj.min holds (near-)absolute X/Y/Z; IGRF degree 8 must be within the
    # crustal + truncation error (a few hundred nT), not thousands.
    rec = read_iaga(ROOT / "data/iaga/BOU201601adj.min")[0]
    x, y, z = field.main_field(40.137, 254.764, 1.682, 2016.04)
    assert abs(x - np.nanmean(rec.values["X"])) < 300
    assert abs(y - np.nanmean(rec.values["Y"])) < 300
    assert abs(z - np.nanmean(rec.values["Z"])) < 500


def test_main_field_at_dur_and_secular_drift():
    (x15, y15, z15), (x20, y20, z20) = field.main_field(41.39, 14.28, 0.9, [2015.0, 2020.0]).T
    assert 24_000 < x15 < 25_500 and 1_000 < y15 < 2_000 and 38_500 < z15 < 39_600
    d = np.degrees(np.arctan2(y15, x15))
    assert 2.5 < d < 3.5  # declination in central-southern Italy, 2015
    for a, b in ((x15, x20), (y15, y20), (z15, z20)):
        assert abs(b - a) / 5.0 < 100  # secular variation: tens of nT per year


def test_dipole_pole_and_dur_geomagnetic_latitude():
    plat, plon = field.dipole_pole(2015.0)
    assert 80.0 < plat < 80.6 and -73.0 < plon < -72.0
    mlat, _ = field.geomagnetic_coordinates(41.39, 14.28, 2015.0)
    assert 40.5 < mlat < 42.0


# --------------------------------------------------------------------------------------
# format
# --------------------------------------------------------------------------------------


def test_files_are_intermagnet_daily_iaga2002(storm_run, synthetic_dur_site):
    paths, _ = storm_run
    assert len(paths) == 15
    assert [p.name for p in paths][:2] == ["dur20150310vmin.min", "dur20150311vmin.min"]
    assert all(re.fullmatch(r"dur\d{8}vmin\.min", p.name) for p in paths)
    rec = read_iaga(paths[0])[0]
    assert rec.iaga_code == "DUR"
    assert rec.elements == "XYZF"
    assert rec.data_type.lower() == "variation"
    assert rec.latitude == pytest.approx(41.39) and rec.longitude == pytest.approx(14.28)
    assert rec.time.size == 1440
    lines = paths[0].read_text().splitlines()
    assert all(len(line) == 70 for line in lines)
    assert any("SYNTHETIC" in line for line in lines if line.startswith(" #"))


def test_ground_file_name():
    day = pd.Timestamp("2016-08-24").value // (86400 * 10**9)
    assert ground_file_name("IZN", day) == "izn20160824vmin.min"


def test_decode_ground_reads_synthetic_files(storm_run, tmp_path):
    import xarray as xr

    paths, df = storm_run
    nc = tmp_path / "dur.nc"
    decode_ground(paths, nc, iaga_code="DUR", max_fill_gap_minutes=3)
    with xr.open_dataset(nc) as ds:
        assert {"X", "Y", "Z", "F", "gap_mask"} <= set(ds.variables)
        assert ds.sizes["time"] == 15 * 1440
        # every remaining NaN is flagged as a long gap; short gaps are filled
        assert int(ds["gap_mask"].sum()) == int(np.isnan(ds["X"].values).sum())


# --------------------------------------------------------------------------------------
# physics
# --------------------------------------------------------------------------------------


def test_quiet_day_sq_range_realistic(storm_run, synthetic_real_kp):
    _, df = storm_run
    kp = _daily_max_kp(synthetic_real_kp, *STORM)
    rng = df["X"].resample("1D").max() - df["X"].resample("1D").min()
    quiet = rng[kp.reindex(rng.index) <= 3.0]
    assert len(quiet) >= 4
    assert ((quiet >= 10) & (quiet <= 80)).all(), quiet
    # Sq is a daytime depression of X at DUR (poleward of the Sq focus): minimum near noon
    day = df.loc[quiet.index[0] : quiet.index[0] + pd.Timedelta(hours=23, minutes=59), "X"]
    assert 8 <= day.idxmin().hour <= 14


def test_storm_depresses_x_more_than_quiet_days(storm_run, synthetic_real_kp):
    _, df = storm_run
    kp = _daily_max_kp(synthetic_real_kp, *STORM)
    assert kp.loc["2015-03-17"] >= 7  # the real Kp history drives the storm
    daily = df["X"].resample("1D")
    quiet = kp.reindex(daily.min().index) <= 3.0
    base = np.nanmedian(daily.median()[quiet])
    depression = daily.min() - base
    assert depression.loc["2015-03-17"] < -100
    assert depression.loc["2015-03-18"] < -80  # recovery phase (tau ~ 10 h)
    assert (depression[quiet] > -50).all()
    # and storm-time disturbance: minute-to-minute variability grows with Kp
    dx = df["X"].diff().abs().resample("1D").median()
    assert dx.loc["2015-03-17"] > 1.5 * np.nanmedian(dx[quiet])


def test_sq_is_larger_in_summer_than_winter(synthetic_real_kp):
    def median_quiet_range(start, end):
        t, v = simulate_ground(
            iaga_code="DUR", latitude=41.39, longitude=14.28, elevation=900.0,
            start=start, end=end, kp=synthetic_real_kp, seed=1, gaps={"enabled": False},
        )  # fmt: skip
        x = pd.Series(v[0], index=pd.DatetimeIndex(t))
        rng = x.resample("1D").max() - x.resample("1D").min()
        kp = _daily_max_kp(synthetic_real_kp, start, end).reindex(rng.index)
        return float(np.median(rng[kp <= 3]))

    summer = median_quiet_range("2016-06-10", "2016-06-30")
    winter = median_quiet_range("2016-12-05", "2016-12-25")
    assert summer > 1.3 * winter
    assert 10 < winter < 40 and 20 < summer < 80


def test_storm_days_from_real_kp_only():
    with pytest.raises(ValueError, match="Kp"):
        simulate_ground(
            iaga_code="DUR", latitude=41.39, longitude=14.28, elevation=900.0,
            start="2015-01-01", end="2015-01-02",
            kp=pd.DataFrame({"time": pd.to_datetime(["1990-01-01"], utc=True), "kp": [2.0]}),
        )  # fmt: skip


# --------------------------------------------------------------------------------------
# gaps
# --------------------------------------------------------------------------------------


def _runs(mask: np.ndarray) -> np.ndarray:
    m = np.concatenate([[False], mask, [False]]).astype(int)
    d = np.diff(m)
    return np.flatnonzero(d == -1) - np.flatnonzero(d == 1)


def test_gap_statistics_match_config(tmp_path, synthetic_real_kp, synthetic_dur_site):
    gaps = {
        "rate_per_day": 5.0,
        "short_fraction": 0.8,
        "short_max_minutes": 2,
        "long_min_minutes": 10,
        "long_max_minutes": 120,
    }
    paths = generate_ground(
        tmp_path, **synthetic_dur_site, start="2016-03-01", end="2016-04-29",
        kp=synthetic_real_kp, gaps=gaps, seed=3,
    )  # fmt: skip
    df = _decode(paths)
    raw = "".join(p.read_text() for p in paths)
    assert raw.count("99999.00") == 4 * int(df["X"].isna().sum())  # all elements, as 99999
    runs = _runs(df["X"].isna().to_numpy())
    n_days = 60
    assert runs.size / n_days == pytest.approx(5.0, rel=0.12)
    short = runs <= 2
    assert short.mean() == pytest.approx(0.8, abs=0.06)
    assert runs[~short].min() >= 10 and runs.max() <= 2 * 120  # merged neighbours at most


def test_default_gaps_are_rare_and_mostly_short(storm_run):
    _, df = storm_run
    assert 0 < df["X"].isna().mean() < 0.05
    assert df.isna().all(axis=1).sum() == df["X"].isna().sum()  # X, Y, Z, F together


def test_gap_config_validation():
    assert parse_gaps(None) == GapConfig()
    assert parse_gaps({"enabled": False}).enabled is False
    with pytest.raises(ValueError, match="unknown gaps key"):
        parse_gaps({"rate": 1.0})
    with pytest.raises(ValueError):
        parse_gaps({"short_max_minutes": 20, "long_min_minutes": 10})


def test_no_gaps_when_disabled(synthetic_real_kp):
    _, v = simulate_ground(
        iaga_code="DUR", latitude=41.39, longitude=14.28, elevation=900.0,
        start="2016-01-01", end="2016-01-10", kp=synthetic_real_kp, gaps={"enabled": False},
    )  # fmt: skip
    assert not np.isnan(v).any()


# --------------------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(tmp_path, synthetic_real_kp, synthetic_dur_site):
    kw = dict(**synthetic_dur_site, start="2016-01-19", end="2016-01-21", kp=synthetic_real_kp)
    a = generate_ground(tmp_path / "a", seed=11, **kw)
    b = generate_ground(tmp_path / "b", seed=11, **kw)
    c = generate_ground(tmp_path / "c", seed=12, **kw)
    assert _sha(a) == _sha(b)
    assert all(x != y for x, y in zip(_sha(a), _sha(c), strict=True))
    # one day regenerated on its own is the same day of the longer run
    one = generate_ground(tmp_path / "one", seed=11, **{**kw, "start": "2016-01-20"})
    assert one[0].name == a[1].name
    assert one[0].read_bytes() == a[1].read_bytes()


def test_gzip_output_is_deterministic_and_readable(tmp_path, synthetic_real_kp, synthetic_dur_site):
    kw = dict(**synthetic_dur_site, start="2016-01-20", end="2016-01-20", kp=synthetic_real_kp)
    a = generate_ground(tmp_path / "a", seed=1, gzip=True, **kw)
    b = generate_ground(tmp_path / "b", seed=1, gzip=True, **kw)
    assert a[0].name.endswith("vmin.min.gz")
    assert _sha(a) == _sha(b)
    assert read_iaga(a[0])[0].time.size == 1440


def test_other_observatories_have_their_own_baselines(synthetic_real_kp):
    sites = {"IZN": (40.5, 29.72, 250.0), "MLR": (45.491, 25.945, 1300.0)}
    for code, (lat, lon, elev) in sites.items():
        _, v = simulate_ground(
            iaga_code=code, latitude=lat, longitude=lon, elevation=elev,
            start="2019-09-20", end="2019-09-20", kp=synthetic_real_kp, gaps={"enabled": False},
        )  # fmt: skip
        x, y, z, f = np.nanmedian(v, axis=1)
        assert 21_000 < x < 26_000 and 1_500 < y < 3_000 and 38_000 < z < 44_000
        assert f == pytest.approx(np.sqrt(x * x + y * y + z * z), rel=1e-4)
