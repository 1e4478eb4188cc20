"""Satellite decoding: the readers of the real layouts and the decoder to one series.

Real-layout CSES files are written here with h5py from the documented layout (independently
of the reader code); DEMETER Level-1 files with the package's writer, whose bytes are read
back with struct at the offsets of the two public readers; the one real file is the DE-2 CDF
in tests/data/cdf.
Every expected number is worked out in the comments.
"""

from __future__ import annotations

import struct
from pathlib import Path

import h5py
import jsonschema
import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from eqprecursors.ground import plan
from eqprecursors.io.cdf import CdfFormatError, read_cdf
from eqprecursors.io.cses import CsesFormatError, orbit_from_attrs, read_cses_l2
from eqprecursors.io.demeter import RECORD_BYTES, DemeterFormatError, read_demeter_l1
from eqprecursors.io.demeter_writer import demeter_l1_file_name
from eqprecursors.io.demeter_writer import write_demeter_l1 as write_demeter_l1_file
from eqprecursors.io.parsing import FormatError, MissingVariableError
from eqprecursors.io.satellite import read_cses_hdf5, read_demeter_cdf
from eqprecursors.satellite.decode import (
    SatelliteDecodeError,
    decode_satellite,
    local_time,
    to_cadence,
)
from eqprecursors.synthetic.satellite import generate_satellite

ROOT = Path(__file__).resolve().parents[1]
DE2 = ROOT / "tests/data/cdf/de2_ion2s_rpa_19830213_v01.cdf"
DE2_MAP = {"time": "Epoch", "latitude": "glat", "longitude": "glon", "altitude": "alt",
           "ne": "ionDensity", "te": "ionTemperature"}  # fmt: skip
CSES_NAME = "CSES_01_LAP_1_L02_A3_043761_20190920_010000_20190920_010015_000.h5"


def _ts(text: str) -> np.datetime64:
    return np.datetime64(text, "ns")


# ------------------------------------------------------------------ CSES, real layout
def write_cses_real_layout(path, *, utc=None, orbit_attrs=True):
    """Six LAP records the way real CSES L2 files store them (see eqprecursors.io.cses).

    (N, 1) datasets, int64 UTC_TIME with Units "YYYYMMDDHHMMSS.mmm", per-dataset fill values
    (-999999 on UTC_TIME, ALTITUDE and A311; -9999 on the rest), units spelled Units or
    units, a ValidRange array (A311) or text (A321), ORBITNUM/ORBITTYPE root attributes.
    """
    utc = utc if utc is not None else [
        20190920010000000, 20190920010003000, -999999,  # record 2: time missing
        20190920010009000, 20190920010012000, 20190920010015000,
    ]  # fmt: skip
    columns = {
        # name: (values, dtype, fill, units attribute name, units, valid range)
        "UTC_TIME": (utc, np.int64, -999999, "Units", "YYYYMMDDHHMMSS.mmm", None),
        "GEO_LAT": ([10.0, 10.2, 10.4, 10.6, 10.8, 11.0], np.float32, -9999, "units",
                    "degree", np.array([-90, 90], np.float32)),
        "GEO_LON": ([179.5, 179.9, -179.7, -179.3, -9999, -178.5], np.float32, -9999, "Units",
                    "degree", np.array([-180, 180], np.float32)),
        "ALTITUDE": ([507.0, 507.1, 507.2, -9999, 507.4, 507.5], np.float32, -999999, "units",
                     "km", None),
        "A311": ([2.0e4, -999999, 2.2e4, 2.3e4, 2.4e4, 3.0e7], np.float32, -999999, "Units",
                 "cm^-3", np.array([0.0, 1.0e7], np.float32)),
        "A321": ([1500, 1510, -9999, 1530, 1540, 1550], np.float32, -9999, "units", "K",
                 np.bytes_("0.0~50000.0")),
    }  # fmt: skip
    with h5py.File(path, "w") as h5:
        if orbit_attrs:
            h5.attrs["ORBITNUM"] = np.bytes_("04376")
            h5.attrs["ORBITTYPE"] = np.bytes_("1")
        for name, (values, dtype, fill, units_key, units, valid) in columns.items():
            ds = h5.create_dataset(name, data=np.asarray(values, dtype=dtype).reshape(-1, 1))
            ds.attrs["FillValue"] = np.asarray(fill, dtype=dtype)
            ds.attrs[units_key] = np.bytes_(units)
            ds.attrs["LongName"] = np.bytes_(name.lower())
            if valid is not None:
                ds.attrs["ValidRange"] = valid
    return Path(path)


CSES_MAP = {"time": "UTC_TIME", "latitude": "GEO_LAT", "longitude": "GEO_LON",
            "altitude": "ALTITUDE", "ne": "A311", "te": "A321"}  # fmt: skip


def test_cses_reader_on_the_real_layout(tmp_path):
    path = write_cses_real_layout(tmp_path / CSES_NAME)
    df = read_cses_l2(path, CSES_MAP)
    assert len(df) == 6
    t = df["time"].to_numpy()
    assert t[0] == _ts("2019-09-20T01:00:00") and t[5] == _ts("2019-09-20T01:00:15")
    assert np.isnat(t[2])  # UTC_TIME FillValue -999999
    # A311: its own fill -999999 and 3e7 > ValidRange max 1e7 are missing
    np.testing.assert_array_equal(df["ne"].isna(), [0, 1, 0, 0, 0, 1])
    # A321: fill -9999; ValidRange written as text "0.0~50000.0"
    np.testing.assert_array_equal(df["te"].isna(), [0, 0, 1, 0, 0, 0])
    # ALTITUDE's fill is -999999, so -9999 there is a value (fills are per dataset)
    assert df["altitude"].iloc[3] == -9999.0 and df["altitude"].isna().sum() == 0
    assert np.isnan(df["longitude"].iloc[4])  # GEO_LON fill -9999
    assert df.attrs["units"] == {"time": "YYYYMMDDHHMMSS.mmm", "latitude": "degree",
                                 "longitude": "degree", "altitude": "km", "ne": "cm^-3",
                                 "te": "K"}  # fmt: skip
    assert orbit_from_attrs(df.attrs["root"]) == 43761
    # config limits on top of the file's own
    strict = read_cses_l2(path, CSES_MAP, valid_range={"te": [0, 1520]}, fill_values=[2.2e4])
    np.testing.assert_array_equal(strict["te"].isna(), [0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(strict["ne"].isna(), [0, 1, 1, 0, 0, 1])


def test_cses_reader_takes_column_0_of_n_by_k_and_other_time_codes(tmp_path):
    path = tmp_path / "cses.h5"
    with h5py.File(path, "w") as h5:
        # float YYYYMMDDHHMMSS.mmm, as the Units attribute describes it
        h5["UTC_TIME"] = np.array([[20190920010000.5], [20190920010001.75]])
        h5["VERSE_TIME"] = np.array([[338_000_000_000], [338_000_001_500]], dtype=np.int64)
        h5["A311"] = np.array([[1.0, 9.0, 9.0], [2.0, 9.0, 9.0]], dtype=np.float32)
    df = read_cses_l2(path, {"time": "UTC_TIME", "ne": "A311"})
    assert list(df["time"]) == [pd.Timestamp("2019-09-20T01:00:00.5"),
                                pd.Timestamp("2019-09-20T01:00:01.75")]  # fmt: skip
    assert list(df["ne"]) == [1.0, 2.0]
    # VERSE_TIME: 338,000,000 s = 3912 days + 3200 s after 2009-01-01; 2009..2018 are 3652
    # days (2012, 2016 leap), then 260 days into 2019 = Sep 18: 2019-09-18T00:53:20
    verse = read_cses_l2(path, {"time": "VERSE_TIME", "ne": "A311"})
    assert verse["time"].iloc[0] == pd.Timestamp("2019-09-18T00:53:20")
    assert verse["time"].iloc[1] == pd.Timestamp("2019-09-18T00:53:21.5")


def test_cses_reader_errors_name_the_file(tmp_path):
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not an HDF5 file")
    with pytest.raises(ValueError, match="broken.h5"):
        read_cses_l2(bad, CSES_MAP)
    path = write_cses_real_layout(tmp_path / "ok.h5")
    with pytest.raises(KeyError, match="ok.h5.*NE_MISSING"):
        read_cses_l2(path, {**CSES_MAP, "ne": "NE_MISSING"})


def test_cses_reader_wraps_what_h5py_raises_inside(tmp_path):
    """A damaged local heap makes h5py raise a RuntimeError from its link lookup."""
    path = write_cses_real_layout(tmp_path / "ok.h5")
    raw = bytearray(path.read_bytes())
    heap = raw.find(b"HEAP")  # the root group's local heap; its version byte follows
    raw[heap + 4] ^= 0xFF
    bad = tmp_path / "bad_heap.h5"
    bad.write_bytes(bytes(raw))
    with pytest.raises(CsesFormatError, match=r"bad_heap\.h5: cannot read .*RuntimeError"):
        read_cses_l2(bad, CSES_MAP)
    with pytest.raises(MissingVariableError) as info:  # a KeyError and a ValueError
        read_cses_l2(path, {**CSES_MAP, "ne": "NE_MISSING"})
    assert isinstance(info.value, KeyError) and isinstance(info.value, FormatError)
    assert str(info.value).startswith(str(path))  # not KeyError's quoted repr


def test_orbit_from_attrs_conventions():
    assert orbit_from_attrs({"ORBITNUM": "04376", "ORBITTYPE": "0"}) == 43760
    assert orbit_from_attrs({"ORBITNUM": "04376", "ORBITTYPE": "A"}) == 43761
    assert orbit_from_attrs({"ORBITNUM": "043761"}) == 43761
    assert orbit_from_attrs({"ORBITNUM": "4376"}) is None  # no half digit anywhere
    assert orbit_from_attrs({}) is None


def test_decode_cses_real_layout(tmp_path):
    path = write_cses_real_layout(tmp_path / CSES_NAME)
    out = tmp_path / "CSES.nc"
    decode_satellite([path], out, satellite="CSES", mission="cses", cadence_s=1.5, max_gap_s=10)
    ds = xr.open_dataset(out)
    # samples at 0, 3, 9, 15 s have a position (record 2 no time, record 4 no longitude);
    # 3 -> 9 s and 9 -> 15 s are 6 s apart (< 10 s): grid 0, 1.5, ..., 15 s = 11 points
    assert ds.sizes["time"] == 11
    assert ds["time"].values[1] - ds["time"].values[0] == np.timedelta64(1500, "ms")
    assert set(ds["orbit"].values) == {43761}
    assert ds["ne"].dtype == np.float64 and ds["orbit"].dtype == np.int64
    ne = ds["ne"].values
    assert ne[0] == 2.0e4  # a sample
    assert np.isnan(ne[1]) and np.isnan(ne[2])  # next to the missing value at 3 s
    # 4.5 s lies between 3 s (missing) and 9 s -> missing; 10.5 s between 9 s (2.3e4) and
    # 15 s (3e7, outside ValidRange) -> missing; 9 s is the sample itself
    assert ne[6] == 2.3e4 and np.isnan(ne[7])
    # longitude across the date line: 179.9 at 3 s, -179.3 at 9 s; at 6 s half way = 180.3
    # degrees east = -179.7
    assert ds["longitude"].values[4] == pytest.approx(-179.7, abs=1e-4)
    # at 4.5 s a quarter of the way: 179.9 + 0.2 = 180.1 E = -179.9
    assert ds["longitude"].values[3] == pytest.approx(-179.9, abs=1e-4)
    # local time at 01:00:00 UT, 179.5 E: 1 + 179.5 / 15 = 12.9667 h
    assert ds["local_time"].values[0] == pytest.approx(1 + 179.5 / 15, abs=1e-6)
    assert ds.attrs["satellite"] == "CSES" and ds.attrs["files"] == 1
    assert ds.attrs["cadence_s"] == 1.5


# ------------------------------------------------------------------------------- CDF
def test_de2_cdf_fill_declared_wrong():
    df = read_cdf(DE2, DE2_MAP)
    assert len(df) == 2716
    # FILLVAL says -1e-31, the data use -1e+31: one ionDensity fill, no temperature fill
    assert df["ne"].isna().sum() == 1 and df["ne"].notna().sum() == 2715
    assert df["ne"].isna().to_numpy().nonzero()[0].tolist() == [458]
    assert df["te"].isna().sum() == 0
    assert df["time"].iloc[458] == pd.Timestamp("1983-02-13T02:04:15.218")
    assert df["time"].iloc[0] == pd.Timestamp("1983-02-13T01:48:52.207")
    assert df["time"].iloc[-1] == pd.Timestamp("1983-02-13T18:54:19.063")
    # values read off the file (cdflib varget, record 0 and the last record)
    assert df.iloc[0][["ne", "te"]].tolist() == [264145.0, 1215.0]
    assert df.iloc[0]["latitude"] == pytest.approx(59.42, abs=1e-4)
    assert df.iloc[0]["longitude"] == pytest.approx(168.15, abs=1e-4)
    assert df.iloc[-1][["ne", "te"]].tolist() == [11315.0, 2662.0]
    # longitudes outside the declared VALIDMIN 0 are kept (coordinates are not range-checked)
    assert df["longitude"].min() == pytest.approx(-121.87, abs=1e-3)


def test_de2_cdf_decoded(tmp_path):
    out = tmp_path / "DE2.nc"
    decode_satellite([DE2], out, satellite="DE2", mission="de2", format="cdf",
                     variables=DE2_MAP)  # fmt: skip
    ds = xr.open_dataset(out)
    t = ds["time"].values
    assert str(t[0])[:10] == str(t[-1])[:10] == "1983-02-13"
    assert (np.diff(t) > np.timedelta64(0)).all()
    assert (t.astype(np.int64) % 1_500_000_000 == 0).all()  # on the 1.5-s grid
    # first grid time 01:48:52.5, between records 0 (52.207, 264145) and 1 (02.207, 279024)
    # 10 s apart: 264145 + 0.293 / 10 * (279024 - 264145) = 264580.95
    assert t[0] == _ts("1983-02-13T01:48:52.5")
    assert ds["ne"].values[0] == pytest.approx(264145 + 0.0293 * 14879, rel=1e-9)
    # no grid time falls strictly inside a gap of more than 10 s between records
    raw = read_cdf(DE2, DE2_MAP)["time"].to_numpy()
    gaps = np.flatnonzero(np.diff(raw) > np.timedelta64(10, "s"))
    assert len(gaps) == 4  # one 23-s step and three gaps of 1.4 to 12.3 h
    for k in gaps:
        assert not ((t > raw[k]) & (t < raw[k + 1])).any()
    # the one fill record (02:04:15.218, between 14.218 and 18.218) makes exactly the grid
    # times 15.0, 16.5 and 18.0 missing; 12.0 is 0.782 / 3 of the way from 11.218 (452398)
    # to 14.218 (1243757): 452398 + 0.26067 * 791359 = 658679
    missing = t[np.isnan(ds["ne"].values)]
    assert [str(x)[11:23] for x in missing] == ["02:04:15.000", "02:04:16.500", "02:04:18.000"]
    at12 = ds["ne"].sel(time=_ts("1983-02-13T02:04:12")).item()
    assert at12 == pytest.approx(452398 + 0.782 / 3 * 791359, rel=1e-9)
    assert ds.sizes["time"] == 3630
    assert ds["orbit"].values.tolist() == [-1] * t.size  # no orbit field in a DE-2 name


def _write_tiny_cdf(path, time_type: int, times, ne):
    import cdflib.cdfwrite

    cdf = cdflib.cdfwrite.CDF(str(path), cdf_spec={"Majority": "row_major"})
    spec = {"Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": [], "Compress": 0}
    cdf.write_var({**spec, "Variable": "Epoch", "Data_Type": time_type}, var_data=times)
    cdf.write_var(
        {**spec, "Variable": "Ne", "Data_Type": 21},
        var_attrs={"FILLVAL": [-1.0e31, "CDF_REAL4"]},
        var_data=np.asarray(ne, dtype=np.float32),
    )
    cdf.close()


def _fix_cdflib_epoch16_writer(monkeypatch):
    """cdflib 1.3.16's writer splits each EPOCH16 value into (real, imag) doubles, then turns
    each double back into a complex record: 2N wrong records. Write the N pairs instead."""
    import cdflib.cdfwrite

    original = cdflib.cdfwrite.CDF._numpy_to_bytes

    def pairs(self, data_type, num_values, num_elems, indata):
        if data_type != 32:
            return original(self, data_type, num_values, num_elems, indata)
        doubles = np.asarray(indata, dtype=np.float64)
        return doubles.size // 2, doubles.astype(self._convert_option() + "f8").tobytes()

    monkeypatch.setattr(cdflib.cdfwrite.CDF, "_numpy_to_bytes", pairs)


@pytest.mark.parametrize("kind", ["epoch16", "tt2000"])
def test_cdf_epoch16_and_tt2000_times(tmp_path, kind, monkeypatch):
    import cdflib
    from cdflib import cdfepoch

    _fix_cdflib_epoch16_writer(monkeypatch)

    stamps = [[2008, 3, 10, 1, 2, 3, 456], [2008, 3, 10, 1, 2, 4, 956]]
    if kind == "epoch16":
        times = np.array([*cdfepoch.compute_epoch16([s + [0, 0, 0] for s in stamps]),
                          complex(-1e31, -1e31)])  # fmt: skip
        dtype = 32
    else:
        times = np.array([*cdfepoch.compute_tt2000([s + [0, 0] for s in stamps]),
                          np.iinfo(np.int64).min], dtype=np.int64)  # fmt: skip
        dtype = 33
    path = tmp_path / f"{kind}.cdf"
    _write_tiny_cdf(path, dtype, times, [1.0e4, -1.0e31, 3.0e4])
    assert cdflib.CDF(str(path)).varinq("Epoch").Last_Rec == 2  # three records
    df = read_cdf(path, {"time": "Epoch", "ne": "Ne"})
    assert df["time"].iloc[0] == pd.Timestamp("2008-03-10T01:02:03.456")
    assert df["time"].iloc[1] == pd.Timestamp("2008-03-10T01:02:04.956")
    assert pd.isna(df["time"].iloc[2])  # the type's fill value
    np.testing.assert_array_equal(df["ne"].to_numpy(), [1.0e4, np.nan, 3.0e4])


def _gdr_and_vdr(raw: bytes, name: bytes) -> tuple[int, int]:
    """Byte offsets of a CDF 3 file's GDR (from the CDR at byte 8) and of variable ``name``'s
    zVDR (its name field sits 84 bytes into the record)."""
    gdr = int.from_bytes(raw[20:28], "big")
    return gdr, raw.index(name.ljust(256, b"\x00")) - 84


def test_damaged_cdf_counts_are_refused_before_cdflib_walks_them(tmp_path):
    """cdflib follows the counts a file states: 2**31 - 1 variables would loop for minutes,
    2**28 records would be a 2 GB zero-filled buffer, a pointer into a record would read a
    "size" from its data; all are refused at once."""
    good = tmp_path / "ok.cdf"
    _write_tiny_cdf(good, 31, 1000.0 * np.arange(1, 4) + 6.3e13, [1.0, 2.0, 3.0])
    raw = good.read_bytes()
    gdr, epoch = _gdr_and_vdr(raw, b"Epoch")
    mapping = {"time": "Epoch", "ne": "Ne"}
    assert len(read_cdf(good, mapping)) == 3
    many = tmp_path / "many_variables.cdf"
    many.write_bytes(raw[: gdr + 60] + (2**31 - 1).to_bytes(4, "big") + raw[gdr + 64 :])
    with pytest.raises(CdfFormatError, match=r"many_variables\.cdf: .*2147483647 zVariables"):
        read_cdf(many, mapping)
    huge = tmp_path / "huge_range.cdf"
    huge.write_bytes(raw[: epoch + 24] + (2**28).to_bytes(4, "big") + raw[epoch + 28 :])
    with pytest.raises(CdfFormatError, match=r"huge_range\.cdf: variable Epoch claims 268435457"):
        read_cdf(huge, mapping)
    astray = tmp_path / "astray.cdf"  # the zVDR list head 4 bytes into the first zVDR
    astray.write_bytes(raw[: gdr + 20] + (epoch + 4).to_bytes(8, "big") + raw[gdr + 28 :])
    with pytest.raises(CdfFormatError, match=rf"astray\.cdf: .* points to byte {epoch + 4}"):
        read_cdf(astray, mapping)
    cut = tmp_path / "cut.cdf"
    cut.write_bytes(raw[: len(raw) - 7])
    with pytest.raises(CdfFormatError, match=r"cut\.cdf: .*(cut short|claims)"):
        read_cdf(cut, mapping)
    with pytest.raises(MissingVariableError, match=r"ok\.cdf: CDF lacks variable\(s\) \['Te'\]"):
        read_cdf(good, {**mapping, "te": "Te"})


def test_the_cdf_checks_pass_compressed_and_cdf2_files(tmp_path):
    """GZIP-compressed files and variables (checked once cdflib has unpacked them) and the
    CDF 2.7 DE-2 file pass the internal-record checks unchanged."""
    import cdflib.cdfwrite

    path = tmp_path / "gzip.cdf"
    cdf = cdflib.cdfwrite.CDF(str(path), cdf_spec={"Majority": "row_major", "Compressed": 6})
    spec = {"Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": [], "Compress": 0}
    cdf.write_var({**spec, "Variable": "Epoch", "Data_Type": 31},
                  var_data=1000.0 * np.arange(1, 4) + 6.3e13)  # fmt: skip
    cdf.write_var({**spec, "Variable": "Ne", "Data_Type": 21, "Compress": 6},
                  var_data=np.arange(3, dtype=np.float32))  # fmt: skip
    cdf.close()
    assert path.read_bytes()[4:8] == bytes.fromhex("cccc0001")
    df = read_cdf(path, {"time": "Epoch", "ne": "Ne"})
    assert df["ne"].tolist() == [0.0, 1.0, 2.0]
    assert len(read_cdf(DE2, DE2_MAP)) == 2716


def test_compatibility_readers_unchanged(tmp_path):
    df = read_demeter_cdf(DE2, {"time": "Epoch", "lat": "glat", "ne": "ionDensity"})
    assert list(df.columns) == ["time", "lat", "ne"] and df["ne"].isna().sum() == 1
    path = write_cses_real_layout(tmp_path / "c.h5")
    with pytest.raises(KeyError, match="MAG_LAT"):  # the default map asks for MAG_LAT
        read_cses_hdf5(path)


# ------------------------------------------------------------------ DEMETER Level 1
def write_demeter_l1(path, n=5, orbit=19876):
    """Five ISL records through the package's writer; the bytes are checked at the public
    readers' offsets in test_demeter_l1_layout_as_the_public_readers_read_it."""
    t = pd.Timestamp("2008-03-10T22:10:00.250").value + np.arange(n) * 2 * 10**9
    lat, lon = -5.0 + 0.1 * np.arange(n), 30.0 + 0.05 * np.arange(n)
    data = {"time_ns": t, "lat": lat, "lon": lon, "alt": np.full(n, 660.0),
            "lt": np.full(n, 22.5), "mlat": lat - 5, "mlon": lon + 70,
            "ne": [1.0e4, 1.1e4, np.nan, -999.0, 1.4e4][:n], "ni": np.full(n, 9.0e3),
            "te": 900.0 + 10 * np.arange(n), "plasma_potential": np.full(n, 0.5),
            "floating_potential": np.full(n, -1.2),
            "satellite_potential": np.full(n, -0.8)}  # fmt: skip
    return write_demeter_l1_file(path, data, orbit=orbit, half=1, time_resolution_s=1.0,
                                 station="TOULOUSE")  # fmt: skip


L1_NAME = "DMT_N1_1144_198761_20080310_221002_20080310_221010.DAT"


def test_demeter_l1_reader(tmp_path):
    path = write_demeter_l1(tmp_path / L1_NAME)
    assert path.stat().st_size == 5 * RECORD_BYTES == 1445
    df = read_demeter_l1(path, fill_values=[-999.0])
    assert df["time"].iloc[0] == pd.Timestamp("2008-03-10T22:10:00.250")
    assert df["time"].iloc[4] == pd.Timestamp("2008-03-10T22:10:08.250")
    np.testing.assert_array_equal(df["ne"].to_numpy(), [1.0e4, 1.1e4, np.nan, np.nan, 1.4e4])
    np.testing.assert_allclose(df["te"], [900, 910, 920, 930, 940])
    np.testing.assert_allclose(df["latitude"], [-5.0, -4.9, -4.8, -4.7, -4.6], atol=1e-5)
    assert (df["ni"] == 9.0e3).all() and (df["altitude"] == 660.0).all()
    assert (df["orbit"] == 198761).all()
    assert df.attrs["units"] == {"ne": "cm-3", "te": "K"}


def test_demeter_l1_layout_as_the_public_readers_read_it(tmp_path):
    """Re-read a written record with the steps of the two public readers."""
    path = write_demeter_l1(tmp_path / L1_NAME)
    with open(path, "rb") as f:  # dgolden1/vlf_software demeter/denys/ReadDataFile_1143.m
        f.seek(8, 1)  # fseek(fid,8,'cof'); TimeMatrix = fread(fid,7,'int16')
        ut = struct.unpack(">7h", f.read(14))
        f.seek(16, 1)
        lat, lon, alt = struct.unpack(">3f", f.read(12))
        f.seek(20, 1)
        (mcilwain,) = struct.unpack(">f", f.read(4))
        f.seek(54 + 76, 1)
        f.seek(42, 1)  # data specific to each file type
        (resolution,) = struct.unpack(">f", f.read(4))
        units = [f.read(5) for _ in range(3)]
        ne, ni, te = struct.unpack(">3f", f.read(12))
        assert f.tell() == 204 + 61 + 12
    assert ut == (2008, 3, 10, 22, 10, 0, 250)
    # centred dipole: L = (1 + 660 / 6371.2) / cos^2(-10 deg) = 1.10359 / 0.96985 = 1.1379
    assert (lat, lon, alt, mcilwain) == pytest.approx((-5.0, 30.0, 660.0, 1.1379), abs=1e-4)
    assert resolution == 1.0 and units == [b"cm-3 ", b"K    ", b"V    "]
    assert (ne, ni, te) == (1.0e4, 9.0e3, 900.0)
    head = path.read_bytes()[:38]  # pysatIncubator methods/demeter.py load_general_header
    # P field 0x4C: CCSDS CDS code (100), agency epoch (1), 24-bit day (1), no sub-ms (00)
    assert head[0] == 0b0_100_1_1_00 and head[26:34] == b"TOULOUSE"
    days = int.from_bytes(head[1:4], "big")
    ms = int.from_bytes(head[4:8], "big")
    assert pd.Timestamp("1950-01-01") + pd.Timedelta(days=days, milliseconds=ms) == pd.Timestamp(
        "2008-03-10T22:10:00.250"
    )
    assert int.from_bytes(head[22:24], "big") == 19876 and int.from_bytes(head[24:26], "big") == 1
    late = write_demeter_l1(tmp_path / "late.DAT", orbit=34848)  # December 2010: > int16
    assert int.from_bytes(late.read_bytes()[22:24], "big") == 34848
    first, last = (pd.Timestamp(t).value for t in ("2008-03-10T22:10:02.25", "2008-03-10T22:10:10"))
    assert demeter_l1_file_name(19876, 1, first, last) == L1_NAME
    df = read_demeter_l1(path)
    assert df.iloc[0][["latitude", "longitude", "altitude", "ne", "te"]].tolist() == pytest.approx(
        [-5.0, 30.0, 660.0, 1.0e4, 900.0]
    )


def test_demeter_l1_malformed_files_name_the_file(tmp_path):
    good = write_demeter_l1(tmp_path / L1_NAME).read_bytes()
    cut = tmp_path / "DMT_N1_1144_198761_cut.DAT"
    cut.write_bytes(good[:-10])
    with pytest.raises(ValueError, match="DMT_N1_1144_198761_cut.DAT.*289-byte"):
        read_demeter_l1(cut)
    shifted = tmp_path / "shifted.DAT"  # the CCSDS day 3 days off the UT field
    records = np.frombuffer(good, np.uint8).reshape(-1, RECORD_BYTES).copy()
    days = records[:, 1:4].astype(np.int64) @ [1 << 16, 1 << 8, 1] + 3
    records[:, 1:4] = np.stack([(days >> s) & 0xFF for s in (16, 8, 0)], axis=-1)
    shifted.write_bytes(records.tobytes())
    with pytest.raises(DemeterFormatError, match="shifted.DAT.*CCSDS"):
        read_demeter_l1(shifted)
    empty = tmp_path / "empty.DAT"
    empty.write_bytes(b"")
    with pytest.raises(DemeterFormatError, match=r"empty\.DAT: 0 bytes"):
        read_demeter_l1(empty)
    with pytest.raises(DemeterFormatError, match=r"absent\.DAT: cannot read"):
        read_demeter_l1(tmp_path / "absent.DAT")
    out = tmp_path / "x.nc"
    with pytest.raises(SatelliteDecodeError, match="cut.DAT"):
        decode_satellite([cut], out, satellite="DEMETER", mission="demeter", format="demeter_l1")
    assert not out.exists()


def test_decode_demeter_l1(tmp_path):
    path = write_demeter_l1(tmp_path / L1_NAME)
    out = tmp_path / "DEMETER.nc"
    decode_satellite([tmp_path], out, satellite="DEMETER", mission="demeter",
                     format="demeter_l1", fill_values=[-999.0], cadence_s=1.5)  # fmt: skip
    ds = xr.open_dataset(out)
    assert path.exists() and ds.attrs["format"] == "demeter_l1"
    # samples at .25, 2.25, ..., 8.25 s -> grid 1.5, 3.0, 4.5, 6.0, 7.5 s
    assert [str(t)[17:23] for t in ds["time"].values] == ["01.500", "03.000", "04.500",
                                                          "06.000", "07.500"]  # fmt: skip
    # te is linear, 900 K at .25 s and 10 K per 2 s: 900 + 5 * (t - 0.25)
    np.testing.assert_allclose(ds["te"].values, [906.25, 913.75, 921.25, 928.75, 936.25])
    # ne: 1e4 at .25 s, 1.1e4 at 2.25 s, missing at 4.25 s (NaN) and 6.25 s (-999, a fill by
    # config): 1.5 s -> 1e4 + 1.25 / 2 * 1e3 = 10625; every later grid time touches a gap
    np.testing.assert_array_equal(ds["ne"].values, [10625.0, np.nan, np.nan, np.nan, np.nan])
    assert set(ds["orbit"].values) == {198761}


# --------------------------------------------------------------- interpolation rules
def test_to_cadence_gaps_nan_and_exact_samples():
    t = pd.to_datetime(["2020-01-01T00:00:00", "2020-01-01T00:00:03", "2020-01-01T00:00:06",
                        "2020-01-01T00:00:30", "2020-01-01T00:00:33"])  # fmt: skip
    df = pd.DataFrame({"time": t, "latitude": [0.0, 3.0, 6.0, 30.0, 33.0],
                       "longitude": [10.0] * 5, "altitude": [500.0] * 5,
                       "ne": [100.0, 130.0, np.nan, 400.0, 430.0], "te": [1.0] * 5})  # fmt: skip
    out = to_cadence(df, 1.5, 10.0)
    seconds = ((out["time"] - t[0]) / pd.Timedelta(seconds=1)).tolist()
    # 0..6 s and 30..33 s; nothing in the 24-s gap
    assert seconds == [0.0, 1.5, 3.0, 4.5, 6.0, 30.0, 31.5, 33.0]
    np.testing.assert_allclose(out["latitude"], seconds)
    np.testing.assert_array_equal(out["ne"], [100, 115, 130, np.nan, np.nan, 400, 415, 430])
    wide = to_cadence(df, 1.5, 30.0)  # with a 30-s limit the gap is bridged
    assert len(wide) == 23 and wide["ne"].iloc[-2] == 415


def test_local_time():
    t = np.array(["2020-01-01T00:00", "2020-01-01T23:00", "2020-01-01T12:30"], "datetime64[ns]")
    np.testing.assert_allclose(local_time(t, [-15.0, 30.0, 0.0]), [23.0, 1.0, 12.5])


def test_decode_removes_duplicates_and_keeps_start_end(tmp_path):
    a = write_cses_real_layout(tmp_path / CSES_NAME)
    b = write_cses_real_layout(tmp_path / "copy.h5")  # same samples, no orbit in the name
    out = tmp_path / "CSES.nc"
    decode_satellite([a, b], out, satellite="CSES", mission="cses")
    ds = xr.open_dataset(out)
    assert ds.sizes["time"] == 11 and (np.diff(ds["time"].values) > np.timedelta64(0)).all()
    with pytest.raises(SatelliteDecodeError, match="satellites.CSES: no samples"):
        decode_satellite([a], out, satellite="CSES", mission="cses", start="2019-09-21")


def test_decode_errors_name_the_file_or_key(tmp_path):
    empty = write_cses_real_layout(tmp_path / "empty.h5", utc=[])
    with h5py.File(empty, "a") as h5:  # shrink every dataset to zero rows
        for name in list(h5):
            del h5[name]
            h5.create_dataset(name, data=np.zeros((0, 1), np.float32))
    with pytest.raises(SatelliteDecodeError, match="empty.h5: the file holds no records"):
        decode_satellite([empty], tmp_path / "o.nc", satellite="CSES", mission="cses")
    no_time = write_cses_real_layout(tmp_path / "no_time.h5", utc=[-999999] * 6)
    with pytest.raises(SatelliteDecodeError, match="no_time.h5: no record has a valid time"):
        decode_satellite([no_time], tmp_path / "o.nc", satellite="CSES", mission="cses")
    bad = tmp_path / "garbage.h5"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(SatelliteDecodeError, match="garbage.h5"):
        decode_satellite([bad], tmp_path / "o.nc", satellite="CSES", mission="cses")
    with pytest.raises(SatelliteDecodeError, match=r"satellites.X.variables.*\['latitude'"):
        decode_satellite([DE2], tmp_path / "o.nc", satellite="X", mission="de2", format="cdf",
                         variables={"time": "Epoch"})  # fmt: skip
    with (
        pytest.warns(UserWarning, match="skipped.*empty.h5.*garbage.h5"),
        pytest.raises(SatelliteDecodeError, match="satellites.X: no cdf file"),
    ):
        decode_satellite([tmp_path], tmp_path / "o.nc", satellite="X", mission="demeter",
                         format="cdf", variables=DE2_MAP)  # fmt: skip
    assert not (tmp_path / "o.nc").exists()


# ----------------------------------------------------------------- generator files
@pytest.fixture(scope="module")
def generated(tmp_path_factory, synthetic_real_kp):
    out = {}
    for mission, day in (("cses", "2019-09-20"), ("demeter", "2008-03-10")):
        d = tmp_path_factory.mktemp(mission)
        paths = generate_satellite(d, mission=mission, start=day, end=day,
                                   kp=synthetic_real_kp, seed=4, orbits_per_day=2)  # fmt: skip
        nc = d.parent / f"{mission}.nc"
        decode_satellite(d, nc, satellite=mission.upper(), mission=mission,
                         start=day, end=day)  # fmt: skip
        out[mission] = (paths, xr.open_dataset(nc))
    return out


@pytest.mark.parametrize(
    ("mission", "day_lt", "night_lt"), [("cses", 14.0, 2.0), ("demeter", 10.5, 22.5)]
)
def test_decode_generator_files(generated, mission, day_lt, night_lt):
    paths, ds = generated[mission]
    reader = read_cses_hdf5 if mission == "cses" else read_demeter_cdf
    assert set(ds.data_vars) == {"latitude", "longitude", "altitude", "ne", "te",
                                 "local_time", "orbit"}  # fmt: skip
    assert ds["time"].dtype == np.dtype("datetime64[ns]")
    assert all(ds[v].dtype == np.float64 for v in ds.data_vars if v != "orbit")
    t = ds["time"].values.astype(np.int64)
    assert (np.diff(t) > 0).all() and (t % 1_500_000_000 == 0).all()
    assert ds["longitude"].min() >= -180 and ds["longitude"].max() < 180
    assert ds.attrs["files"] == len(paths)
    for p in paths:
        raw = reader(p)
        orbit = int(p.name.split("_")[-6 if mission == "cses" else -5])
        part = ds.isel(time=ds["orbit"].values == orbit)
        r = raw["time"].to_numpy().astype(np.int64)
        # every 1.5-s grid time from the first to the last 3-s sample, nothing else
        assert part.sizes["time"] == r[-1] // 1_500_000_000 - (-(-r[0] // 1_500_000_000)) + 1
        assert (np.diff(part["time"].values.astype(np.int64)) == 1_500_000_000).all()
        # a grid time on a sample carries the sample's value (NaN stays NaN)
        on = pd.Series(raw["ne"].to_numpy(), index=raw["time"]).reindex(part["time"].values)
        hit = on.index.isin(raw["time"])
        assert hit.sum() == len(raw)  # the 3-s samples lie on the 1.5-s grid
        np.testing.assert_array_equal(part["ne"].values[hit], on.to_numpy()[hit])
        assert np.isnan(part["ne"].values).sum() >= np.isnan(raw["ne"]).sum()
        eq = int(np.argmin(np.abs(part["latitude"].values)))
        lt = float(part["local_time"].values[eq])
        expected = day_lt if orbit % 10 == 0 else night_lt
        assert abs((lt - expected + 12) % 24 - 12) < 0.1


def test_generator_l1_files_decode_as_the_cdf_files(generated, tmp_path, synthetic_real_kp):
    """The same seed written as DEMETER L1 .DAT decodes to the CDF path's series."""
    paths, ds = generated["demeter"]
    dat = generate_satellite(tmp_path / "dat", mission="demeter", start="2008-03-10",
                             end="2008-03-10", kp=synthetic_real_kp, seed=4, orbits_per_day=2,
                             file_format="demeter_l1")  # fmt: skip
    assert [p.name for p in dat] == [p.with_suffix(".DAT").name for p in paths]
    assert all(p.stat().st_size % RECORD_BYTES == 0 for p in dat)
    out = tmp_path / "DEMETER.nc"
    decode_satellite(tmp_path / "dat", out, satellite="DEMETER", mission="demeter",
                     format="demeter_l1", start="2008-03-10", end="2008-03-10")  # fmt: skip
    l1 = xr.open_dataset(out)
    assert l1.attrs["format"] == "demeter_l1" and l1.attrs["files"] == len(paths)
    np.testing.assert_array_equal(l1["time"].values, ds["time"].values)
    np.testing.assert_array_equal(l1["orbit"].values, ds["orbit"].values)
    for v in ("latitude", "longitude", "altitude", "ne", "te", "local_time"):
        np.testing.assert_allclose(l1[v].values, ds[v].values, rtol=1e-7, err_msg=v)
    assert np.isnan(l1["ne"].values).sum() == np.isnan(ds["ne"].values).sum() > 0


# ------------------------------------------------------------------ config and plan
def test_config_keys_reach_the_decoder_and_not_the_generator():
    config = {
        "satellites": {"CSES": {"source": "local", "mission": "cses", "path": "/data/cses",
                                "format": "auto", "variables": {"ne": "A311"},
                                "valid_range": {}, "fill_values": [], "start": "2019-01-01",
                                "end": "2019-01-02", "orbits_per_day": 4}},
        "synthetic": {"seed": 1, "injection": {"satellite": {"enabled": False}}},
    }  # fmt: skip
    gen = plan.synthetic_satellite_options(config, "CSES")
    assert set(gen) == {"mission", "start", "end", "orbits_per_day", "seed", "injection"}
    dec = plan.satellite_decode_options(config, "CSES")
    assert dec["variables"] == {"ne": "A311"} and "cadence_s" not in dec and "path" not in dec
    config["satellite_study"] = {"cadence_s": 3.0, "max_interpolation_gap_s": 20}
    dec = plan.satellite_decode_options(config, "CSES")
    assert (dec["cadence_s"], dec["max_gap_s"], dec["satellite"]) == (3.0, 20, "CSES")


def test_schema_local_satellite_needs_a_path():
    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    entry = {"source": "local", "mission": "cses", "start": "2019-01-01", "end": "2019-01-02"}
    config["satellites"] = {"CSES": entry}
    with pytest.raises(jsonschema.ValidationError, match="path"):
        validator.validate(config)
    config["satellites"]["CSES"] = {**entry, "path": "/data/cses/*.h5", "format": "cses_hdf5",
                                    "valid_range": {"ne": [0, 1e7]}}  # fmt: skip
    validator.validate(config)
    config["satellites"]["CSES"]["variables"] = {"density": "A311"}
    with pytest.raises(jsonschema.ValidationError, match="density"):
        validator.validate(config)
