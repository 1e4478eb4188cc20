"""Kp readers (CelesTrak, GFZ text/JSON, OMNI2) and window maxima on real files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eqprecursors.io import kp
from eqprecursors.io.parsing import FormatError

ROOT = Path(__file__).resolve().parents[1]
CELESTRAK = ROOT / "data/kp/celestrak_SW-All.txt"
GFZ = ROOT / "tests/data/kp/Kp_ap_Ap_SN_F107_since_2024.txt"
NOWCAST = ROOT / "tests/data/kp/Kp_ap_Ap_SN_F107_nowcast.txt"
GFZ_JSON = ROOT / "tests/data/kp/gfz_kp_2024-05-10_12.json"
OMNI = ROOT / "tests/data/kp/omni2t_2000.dat"


@pytest.fixture(scope="module")
def celestrak():
    return kp.read_kp(CELESTRAK)


def _day(df, day):
    start = pd.Timestamp(day, tz="UTC")
    return df[(df["time"] >= start) & (df["time"] < start + pd.Timedelta(days=1))]


def _assert_tidy(df):
    assert list(df.columns) == kp.KP_COLUMNS
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    assert df["kp"].dtype == np.float64
    assert df["time"].is_monotonic_increasing and df["time"].is_unique
    steps = df["time"].diff().dropna().unique()
    assert list(steps) == [pd.Timedelta(hours=3)]


def test_tenths_to_thirds():
    got = kp.kp_from_tenths([0, 3, 7, 10, 33, 37, 40, 77, 90, -1, np.nan, 22])
    want = [0, 0.333, 0.667, 1, 3.333, 3.667, 4, 7.667, 9, np.nan, np.nan, 2.2]
    np.testing.assert_array_equal(got, want)


def test_celestrak_observed_rows(celestrak):
    _assert_tidy(celestrak)
    assert kp.sniff_kp_format(CELESTRAK.read_text()[:5000]) == "celestrak"
    assert celestrak["time"].iloc[0] == pd.Timestamp("1957-10-01T00:00Z")
    # 24765 observed days x 8, ending 2025-07-20 21:00 (predicted rows excluded)
    assert len(celestrak) == 24765 * 8
    assert celestrak["time"].iloc[-1] == pd.Timestamp("2025-07-20T21:00Z")
    first = celestrak["kp"].iloc[:8].tolist()  # 43 40 30 20 37 23 43 37
    assert first == [4.333, 4.0, 3.0, 2.0, 3.667, 2.333, 4.333, 3.667]
    assert celestrak["kp"].notna().all()
    thirds = np.round(celestrak["kp"] * 3) / 3
    np.testing.assert_allclose(celestrak["kp"], thirds, atol=5e-4)


def test_celestrak_st_patricks_day_storm(celestrak):
    """2015-03-17: 20 47 57 53 77 77 73 77 in the file, i.e. up to Kp 8- (7.667)."""
    day = _day(celestrak, "2015-03-17")
    assert day["kp"].tolist() == [2.0, 4.667, 5.667, 5.333, 7.667, 7.667, 7.333, 7.667]
    assert day["time"].iloc[4] == pd.Timestamp("2015-03-17T12:00Z")  # interval start
    assert kp.max_kp_in(celestrak, "2015-03-17", "2015-03-18") == 7.667


def test_celestrak_predicted_rows_only_on_request(celestrak):
    with_pred = kp.read_kp(CELESTRAK, "celestrak", include_predicted=True)
    assert len(with_pred) == len(celestrak) + 39 * 8
    first_pred = _day(with_pred, "2025-07-21")["kp"].tolist()  # 13 13 7 3 07 13 10 17
    assert first_pred == [1.333, 1.333, 0.667, 0.333, 0.667, 1.333, 1.0, 1.667]
    assert _day(celestrak, "2025-07-21").empty
    # predicted values need not be thirds: 22 -> 2.2
    assert _day(with_pred, "2025-07-25")["kp"].tolist() == [2.2] * 8


def test_celestrak_blank_field_is_nan(tmp_path):
    lines = CELESTRAK.read_text().splitlines(keepends=True)
    begin = lines.index("BEGIN OBSERVED\n")
    row = lines[begin + 1]  # 1957-10-01 ... Kp fields in columns 19-42
    blanked = row[:21] + "   " + row[24:]  # second 3-hour value left blank
    small = tmp_path / "sw.txt"
    small.write_text("".join([*lines[:begin], "BEGIN OBSERVED\n", blanked, "END OBSERVED\n"]))
    df = kp.read_kp(small)
    assert np.isnan(df["kp"].iloc[1])
    assert df["kp"].iloc[2] == 3.0  # the next value did not shift left
    assert df["kp"].notna().sum() == 7


def test_gfz_text():
    df = kp.read_kp(GFZ)
    _assert_tidy(df)
    assert kp.sniff_kp_format(GFZ.read_text()) == "gfz"
    assert len(df) == 31 * 8
    assert df["kp"].iloc[:8].tolist() == [0.667, 0.333, 0.667, 1.333, 2.0, 3.0, 3.333, 4.0]


def test_gfz_nowcast_missing_is_nan_not_zero():
    df = kp.read_kp(NOWCAST)
    _assert_tidy(df)
    last = _day(df, "2024-02-13")
    assert last["kp"].iloc[:6].tolist() == [1.333, 2.333, 1.333, 2.333, 1.667, 2.667]
    assert last["kp"].iloc[6:].isna().all()
    assert df["kp"].isna().sum() == 2
    assert (df["kp"].dropna() >= 0).all()
    assert np.isnan(kp.max_kp_in(df, "2024-02-13T18:00Z", "2024-02-14T00:00Z"))


def test_gfz_json():
    df = kp.read_kp(GFZ_JSON)
    _assert_tidy(df)
    assert kp.sniff_kp_format(GFZ_JSON.read_text()) == "gfz_json"
    assert len(df) == 24
    assert df["time"].iloc[0] == pd.Timestamp("2024-05-10T00:00Z")
    assert df["kp"].max() == 9.0  # the May 2024 "Gannon" storm


def test_gfz_json_agrees_with_celestrak(celestrak):
    json_df = kp.read_kp(GFZ_JSON).set_index("time")["kp"]
    cel = celestrak.set_index("time")["kp"].reindex(json_df.index)
    pd.testing.assert_series_equal(cel, json_df)


def test_gfz_json_null_is_nan(tmp_path):
    obj = json.loads(GFZ_JSON.read_text())
    obj["Kp"][-1] = None
    path = tmp_path / "kp.json"
    path.write_text(json.dumps(obj))
    df = kp.read_kp(path)
    assert np.isnan(df["kp"].iloc[-1]) and df["kp"].iloc[-2] == 4.0
    obj["Kp"] = obj["Kp"][:-1]
    path.write_text(json.dumps(obj))
    with pytest.raises(kp.KpFormatError, match="kp.json"):
        kp.read_kp(path)


def test_omni2_hourly_to_3_hourly():
    df = kp.read_kp(OMNI)
    _assert_tidy(df)
    assert df["kp"].iloc[:8].tolist() == [5.333, 4.667, 4.0, 3.333, 4.333, 3.0, 4.333, 3.667]
    assert df["time"].iloc[-1] == pd.Timestamp("2000-01-02T00:00Z")
    assert np.isnan(df["kp"].iloc[-1])  # 99 is OMNI's fill value


def test_bad_file_error_names_file(tmp_path):
    bad = tmp_path / "error_page.txt"
    bad.write_text("<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(kp.KpFormatError, match="error_page.txt"):
        kp.read_kp(bad)
    with pytest.raises(kp.KpFormatError, match="missing.txt"):
        kp.read_kp(tmp_path / "missing.txt")


def test_write_and_tidy_round_trip(tmp_path):
    out = tmp_path / "results" / "kp.csv"
    df = kp.tidy_kp_file(NOWCAST, out)
    text = out.read_text().splitlines()
    assert text[0] == "time,kp"
    assert text[1] == "2024-01-21T00:00:00Z,0.000"  # a real 0 stays 0
    assert text[-1] == "2024-02-13T21:00:00Z,"  # missing stays blank, never 0
    assert [p.name for p in out.parent.iterdir()] == ["kp.csv"]
    back = kp.read_kp(out)
    pd.testing.assert_frame_equal(back, df)


# ---------------------------------------------------------------- window maxima


@pytest.fixture
def handmade():
    times = pd.date_range("2020-01-01", periods=8, freq="3h", tz="UTC")
    return pd.DataFrame({"time": times, "kp": [1.0, 2.0, np.nan, 5.333, 3.0, 0.333, 9.0, 4.0]})


def test_max_kp_over_windows(handmade):
    starts = pd.to_datetime(
        [
            "2020-01-01T00:00",  # 00-03 only
            "2020-01-01T01:00",  # inside 00-03: that interval overlaps
            "2020-01-01T02:59",  # touches 00-03 and 03-06
            "2020-01-01T06:00",  # 06-12: NaN and 5.333
            "2020-01-01T06:00",  # 06-09 only: all missing
            "2020-01-01T12:00",  # through the end
            "2019-12-31T00:00",  # before the series
            "2020-01-02T00:00",  # after it
            "2020-01-01T05:00",  # empty window
        ],
        utc=True,
    )
    ends = pd.to_datetime(
        [
            "2020-01-01T03:00",
            "2020-01-01T02:00",
            "2020-01-01T03:01",
            "2020-01-01T12:00",
            "2020-01-01T09:00",
            "2020-01-03T00:00",
            "2020-01-01T00:00",
            "2020-01-03T00:00",
            "2020-01-01T05:00",
        ],
        utc=True,
    )
    got = kp.max_kp_over_windows(handmade, starts, ends)
    want = [1.0, 1.0, 2.0, 5.333, np.nan, 9.0, np.nan, np.nan, np.nan]
    np.testing.assert_array_equal(got, want)
    # the scalar helper agrees window by window
    for s, e, w in zip(starts, ends, want, strict=True):
        assert np.array_equal(kp.max_kp_in(handmade, s, e), w, equal_nan=True)


def test_max_kp_skipna_false_flags_unknown(handmade):
    got = kp.max_kp_over_windows(
        handmade,
        ["2020-01-01T00:00Z", "2020-01-01T09:00Z"],
        ["2020-01-01T12:00Z", "2020-01-01T12:00Z"],
        skipna=False,
    )
    np.testing.assert_array_equal(got, [np.nan, 5.333])


def test_max_kp_matches_brute_force(celestrak):
    rng = np.random.default_rng(7)
    base = pd.Timestamp("2005-01-01", tz="UTC")
    starts = base + pd.to_timedelta(rng.integers(0, 17 * 365 * 24 * 60, 300), unit="min")
    ends = starts + pd.to_timedelta(rng.integers(0, 20 * 24 * 60, 300), unit="min")
    got = kp.max_kp_over_windows(celestrak, starts, ends)
    t = celestrak["time"]
    for s, e, g in zip(starts, ends, got, strict=True):
        sel = celestrak.loc[(t < e) & (t + pd.Timedelta(hours=3) > s), "kp"]
        want = sel.max() if len(sel) else np.nan
        assert np.array_equal(g, want, equal_nan=True)


def test_max_kp_naive_bounds_are_utc(handmade):
    assert kp.max_kp_in(handmade, "2020-01-01 18:00", "2020-01-01 21:00") == 9.0


def test_strict_max_kp_matches_a_minute_by_minute_loop(handmade):
    """skipna=False (what labelling uses): NaN unless every minute of the window has a known
    Kp; checked against a naive loop over minutes on a table with a NaN value, a missing
    row and edges, for windows from before to after the table."""
    table = handmade.drop(index=5).reset_index(drop=True)  # no row for 15-18 h
    rng = np.random.default_rng(3)
    t0 = pd.Timestamp("2019-12-31T22:00Z").value
    minute = 60 * 10**9
    starts = t0 + rng.integers(0, 28 * 60, 400) * minute
    ends = starts + rng.integers(0, 12 * 60, 400) * minute
    got = kp.max_kp_over_windows(table, starts, ends, skipna=False)
    t = kp._as_utc_ns(table["time"].to_numpy())
    step = 3 * 3600 * 10**9
    for s, e, g in zip(starts, ends, got, strict=True):
        values = []
        for m in range(s, e, minute):
            hit = np.flatnonzero((t <= m) & (m < t + step))
            values.append(table["kp"].iloc[hit[0]] if hit.size else np.nan)
        want = np.nan if not values or np.isnan(values).any() else max(values)
        assert np.array_equal(g, want, equal_nan=True), (s, e)
    assert np.isfinite(got).any() and np.isnan(got).any()  # both cases occur
    # int64 ns, datetime64 and Timestamps are the same bounds
    as_dt = pd.to_datetime(starts, unit="ns", utc=True), pd.to_datetime(ends, unit="ns", utc=True)
    np.testing.assert_array_equal(kp.max_kp_over_windows(table, *as_dt, skipna=False), got)
    as_m8 = starts.astype("datetime64[ns]"), ends.astype("datetime64[ns]")
    np.testing.assert_array_equal(kp.max_kp_over_windows(table, *as_m8, skipna=False), got)


def test_download_checks_are_the_sniffers():
    celestrak = (ROOT / "data/kp/celestrak_SW-All.txt").read_bytes()
    assert kp.looks_like_kp(celestrak) and kp.looks_like_celestrak(celestrak)
    with pytest.raises(kp.KpFormatError, match="expected gfz"):
        kp.looks_like_gfz_kp(celestrak)
    with pytest.raises(ValueError):
        kp.looks_like_gfz_json(b'{"meta": {}}')  # JSON, but no datetime/Kp arrays


# ---------------------------------------------------------------- a file cut short or damaged


def _celestrak_head(n_rows):
    lines = CELESTRAK.read_text().splitlines(keepends=True)
    begin = lines.index("BEGIN OBSERVED\n")
    return lines[: begin + 1 + n_rows], begin


def test_celestrak_cut_short_is_an_error_naming_the_line(tmp_path):
    head, begin = _celestrak_head(3)
    path = tmp_path / "sw.txt"
    path.write_text("".join(head))  # no END OBSERVED: the download stopped inside the block
    with pytest.raises(kp.KpFormatError, match=r"sw\.txt: the OBSERVED block has no 'END"):
        kp.read_kp(path)
    path.write_text("".join([*head[:-1], head[-1][:30] + "\n", "END OBSERVED\n"]))
    with pytest.raises(kp.KpFormatError, match=rf"sw\.txt: line {begin + 4}: 30 characters"):
        kp.read_kp(path)  # the third day cut inside its Kp fields
    path.write_text("".join([*head[:-1], "19x7" + head[-1][4:], "END OBSERVED\n"]))
    with pytest.raises(kp.KpFormatError, match=rf"sw\.txt: line {begin + 4}: invalid literal"):
        kp.read_kp(path)


def test_gfz_and_omni2_rows_cut_short_name_their_line(tmp_path):
    lines = GFZ.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    path = tmp_path / "gfz.txt"
    path.write_text("\n".join([*lines[: first + 2], lines[first + 2][:40]]) + "\n")
    with pytest.raises(kp.KpFormatError, match=rf"gfz\.txt: line {first + 3}: \d+ fields, the"):
        kp.read_kp(path)  # pandas would have filled the missing Kp with NaN
    rows = OMNI.read_text().splitlines()
    path = tmp_path / "omni.dat"
    path.write_text("\n".join([*rows[:3], rows[3][:120]]) + "\n")
    with pytest.raises(kp.KpFormatError, match=r"omni\.dat: line 4: \d+ fields, the first"):
        kp.read_kp(path)
    path.write_text("\n".join([*rows[:3], rows[3].replace("2000   1  3", "2000 367  3", 1)]))
    with pytest.raises(kp.KpFormatError, match=r"omni\.dat: line 4: year, day of year, hour"):
        kp.read_kp(path, "omni2")


def test_kp_csv_and_json_errors_name_the_place(tmp_path):
    path = tmp_path / "kp.csv"
    path.write_text("time,kp\n2024-05-10T00:00:00Z,2.333\n2024-05-10T03:00:00Z\n")
    with pytest.raises(kp.KpFormatError, match=r"kp\.csv: line 3: 1 fields"):
        kp.read_kp(path)  # a row cut short
    path.write_text("time,kp\n2024-05-10T00:00:00Z,2.333\n2024-05-1xT03:00:00Z,3.0\n")
    with pytest.raises(kp.KpFormatError, match=r"kp\.csv: line 3: bad time '2024-05-1xT"):
        kp.read_kp(path)
    path.write_text("time,kp\n2024-05-10T00:00:00Z,2.3x3\n")
    with pytest.raises(kp.KpFormatError, match=r"kp\.csv: line 2: Kp '2\.3x3' is not a number"):
        kp.read_kp(path)
    obj = json.loads(GFZ_JSON.read_text())
    obj["datetime"][5] = "2024-05-10T1x:00:00Z"
    path = tmp_path / "kp.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(kp.KpFormatError, match=r"kp\.json: datetime\[5\]: bad time"):
        kp.read_kp(path)
    obj = json.loads(GFZ_JSON.read_text())
    obj["Kp"][2] = "high"
    path.write_text(json.dumps(obj))
    with pytest.raises(kp.KpFormatError, match=r"kp\.json: Kp\[2\]: 'high' is not a number"):
        kp.read_kp(path)
    assert issubclass(kp.KpFormatError, FormatError)
