"""IAGA-2002 reader/writer/merger/gap policy/netCDF, on real observatory files."""

from __future__ import annotations

import gzip
import io
import math
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eqprecursors.ground import decode
from eqprecursors.io import iaga, iaga_writer
from eqprecursors.io.iaga import IagaFormatError
from eqprecursors.io.parsing import FormatError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "iaga"
TDATA = ROOT / "tests" / "data" / "iaga"
MONTH_HEZ = DATA / "BOU201601vmin.min"
MONTH_XYZ = DATA / "BOU201601adj.min"
DAILIES = sorted(DATA.glob("bou201411*vmin.min"))
SEC = TDATA / "BOU20200101vsec.sec"
HOR = TDATA / "BOU20200831vhor.hor"
DAY = TDATA / "BOU20200831vday.day"
WIC_ZIP = TDATA / "wic20230712vsec_magpy_example1.zip"
MONTH_FIRST_DATA_LINE = 23  # 21 header/comment lines, then the DATE line


def one(path) -> iaga.IagaRecord:
    recs = iaga.read_iaga(path)
    assert len(recs) == 1
    return recs[0]


def small_month(n_rows: int) -> bytes:
    """Header + the first ``n_rows`` data lines of the real HEZF month file."""
    lines = MONTH_HEZ.read_bytes().split(b"\n")
    return b"\n".join(lines[: MONTH_FIRST_DATA_LINE - 1 + n_rows]) + b"\n"


def replace_line(raw: bytes, lineno: int, new: bytes) -> bytes:
    lines = raw.split(b"\n")
    lines[lineno - 1] = new
    return b"\n".join(lines)


def assert_names(exc: IagaFormatError, path, line: int) -> None:
    assert exc.path == str(path)
    assert exc.line == line
    assert str(path) in str(exc) and f"line {line}" in str(exc)


def write_like(path, rec, time, values, **kw):
    """write_iaga with the metadata of a real record."""
    iaga_writer.write_iaga(
        path,
        iaga_code=rec.iaga_code,
        station_name=rec.header["station name"],
        latitude=rec.latitude,
        longitude=rec.longitude,
        elevation=rec.elevation,
        time=time,
        values=values,
        **kw,
    )


@pytest.fixture(scope="module")
def month_xyz():
    return one(MONTH_XYZ)


# --------------------------------------------------------------------------------------
# every real variant decodes
# --------------------------------------------------------------------------------------
def test_hezf_month_file():
    rec = one(MONTH_HEZ)
    assert rec.iaga_code == "BOU" and rec.elements == "HEZF"
    assert rec.data_type == "variation"
    assert rec.header["reported"] == "HEZF"
    assert rec.header["station name"] == "Boulder"
    assert rec.latitude == pytest.approx(40.137)
    assert rec.longitude == pytest.approx(-105.236, abs=1e-9)  # 254.764 E in the file
    assert rec.elevation == 1682
    assert rec.time.dtype == np.dtype("datetime64[ns]") and rec.time.size == 41_592
    assert rec.time[0] == np.datetime64("2016-01-01T00:00")
    assert rec.time[-1] == np.datetime64("2016-01-29T21:11")
    assert np.all(np.diff(rec.time) == np.timedelta64(60, "s"))
    assert [rec.values[c][0] for c in "HEZF"] == [20735.93, -99.77, 47370.21, 52248.63]
    assert all(v.dtype == np.float64 for v in rec.values.values())
    assert rec.first_data_line == MONTH_FIRST_DATA_LINE
    comps, frame = iaga.to_geographic(rec)
    assert frame == iaga.FRAME_SENSOR_HEZ
    np.testing.assert_array_equal(comps["X"], rec.values["H"])
    np.testing.assert_array_equal(comps["Y"], rec.values["E"])


def test_xyzf_month_file(month_xyz):
    rec = month_xyz
    assert rec.elements == "XYZF" and rec.time.size == 41_592
    assert [rec.values[c][0] for c in "XYZF"] == [20428.79, 3123.15, 47956.69, 52226.63]
    comps, frame = iaga.to_geographic(rec)
    assert frame == iaga.FRAME_GEOGRAPHIC and set(comps) == {"X", "Y", "Z", "F"}
    np.testing.assert_array_equal(comps["Y"], rec.values["Y"])


def test_hdzf_dailies_convert_d_in_minutes_of_arc():
    rec = one(DAILIES[0])  # CRLF line endings
    assert rec.elements == "HDZF" and rec.time.size == 1440
    assert rec.values["H"][0] == 20873.75 and rec.values["D"][0] == -9.99
    comps, frame = iaga.to_geographic(rec)
    h, d = 20873.75, math.radians(-9.99 / 60.0)
    assert comps["X"][0] == pytest.approx(h * math.cos(d), rel=1e-12)
    assert comps["Y"][0] == pytest.approx(h * math.sin(d), rel=1e-12)
    assert comps["Y"][0] == pytest.approx(-60.66, abs=0.01)
    np.testing.assert_allclose(np.hypot(comps["X"], comps["Y"]), rec.values["H"], rtol=1e-12)
    # USGS variation D is relative to the DECBAS baseline: sensor frame, not geographic.
    assert "DECBAS" in rec.header["comments"]
    assert frame == iaga.FRAME_SENSOR_HEZ


def test_hdz_without_decbas_is_geographic(tmp_path):
    raw = DAILIES[0].read_bytes().replace(b"DECBAS", b"BASE  ")
    path = tmp_path / "bou20141101vmin.min"
    path.write_bytes(raw)
    comps, frame = iaga.to_geographic(one(path))
    assert frame == iaga.FRAME_GEOGRAPHIC
    assert comps["X"][0] == pytest.approx(20873.75 * math.cos(math.radians(-9.99 / 60)))


def test_one_second_file():
    rec = one(SEC)
    assert rec.time.size == 901
    assert rec.time[-1] == np.datetime64("2020-01-01T00:15:00")
    assert np.all(np.diff(rec.time) == np.timedelta64(1, "s"))
    assert rec.values["E"][1] == -86.74


@pytest.mark.parametrize(
    ("path", "step", "first"),
    [(HOR, "h", "2020-08-31T00:29:30"), (DAY, "D", "2020-08-27T11:59:30")],
)
def test_hourly_and_daily_files(path, step, first):
    rec = one(path)
    assert rec.time.size == 4 and rec.time[0] == np.datetime64(first)
    assert np.all(np.diff(rec.time) == np.timedelta64(1, step))
    time, values, frame, _ = decode.merge_records([rec])
    assert time.size == 4 and frame == iaga.FRAME_SENSOR_HEZ
    np.testing.assert_array_equal(values["X"], rec.values["H"])


def test_zip_member_ehzf_mapped_by_letter_and_f_not_recorded():
    rec = one(WIC_ZIP)
    assert rec.path == f"{WIC_ZIP}!example1.sec"
    assert rec.iaga_code == "WIC"  # header label spelled 'IAGA Code'
    assert "iaga code" in rec.header
    assert rec.elements == "EHZF"
    assert rec.values["E"][0] == 444.85 and rec.values["H"][0] == 21064.24
    assert rec.values["Z"][0] == 44140.96
    assert np.isnan(rec.values["F"]).all()  # 88888.00 on every row
    assert rec.time.size == 86_400
    assert rec.latitude == pytest.approx(47.928422, abs=1e-6)
    assert rec.longitude == pytest.approx(15.866025, abs=1e-6)
    comps, frame = iaga.to_geographic(rec)
    assert frame == iaga.FRAME_SENSOR_HEZ
    np.testing.assert_array_equal(comps["X"], rec.values["H"])


def test_zip_with_several_members_and_junk(tmp_path):
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("README.md", "not data")
        zf.writestr("b/bou20141102vmin.min", DAILIES[1].read_bytes())
        zf.writestr("a/bou20141101vmin.min.gz", gzip.compress(DAILIES[0].read_bytes()))
    recs = iaga.read_iaga(bundle)
    assert [r.path for r in recs] == [
        f"{bundle}!a/bou20141101vmin.min.gz",
        f"{bundle}!b/bou20141102vmin.min",
    ]
    assert recs[0].values["H"][0] == 20873.75


def test_gzip_copy_decodes_identically(tmp_path):
    plain = one(MONTH_HEZ)
    gz = tmp_path / "BOU201601vmin.min.gz"
    gz.write_bytes(gzip.compress(MONTH_HEZ.read_bytes()))
    disguised = tmp_path / "gzipped_but_named.min"  # recognised by magic bytes
    shutil.copy(gz, disguised)
    for path in (gz, disguised):
        rec = one(path)
        assert rec.path == str(path)
        np.testing.assert_array_equal(rec.time, plain.time)
        for c in "HEZF":
            np.testing.assert_array_equal(rec.values[c], plain.values[c])


def test_case_insensitive_labels_and_missing_final_newline(tmp_path):
    raw = small_month(10).replace(b"IAGA CODE", b"iaga code").replace(b"Data Type", b"DATA TYPE")
    path = tmp_path / "x.min"
    path.write_bytes(raw.rstrip(b"\n"))
    rec = one(path)
    assert rec.iaga_code == "BOU" and rec.data_type == "variation"
    assert rec.time.size == 10 and rec.values["F"][9] == 52254.08


def test_nonstandard_spacing_uses_fallback_with_same_result(tmp_path):
    raw = small_month(200)
    head, _, body = raw.partition(b"DATE")
    lines = body.split(b"\n")
    squeezed = [b" ".join(x.split()) for x in lines[1:]]
    path = tmp_path / "squeezed.min"
    path.write_bytes(head + b"DATE" + lines[0] + b"\n" + b"\n".join(squeezed))
    fast, slow = one(MONTH_HEZ), one(path)
    np.testing.assert_array_equal(slow.time, fast.time[:200])
    for c in "HEZF":
        np.testing.assert_array_equal(slow.values[c], fast.values[c][:200])


def test_missing_values_become_nan(tmp_path):
    raw = replace_line(
        small_month(5),
        MONTH_FIRST_DATA_LINE + 2,
        b"2016-01-01 00:02:00.000 001     99999.00    -91.25  88888.00  52249.49",
    )
    path = tmp_path / "m.min"
    path.write_bytes(raw)
    rec = one(path)
    assert np.isnan(rec.values["H"][2]) and np.isnan(rec.values["Z"][2])
    assert rec.values["E"][2] == -91.25


# --------------------------------------------------------------------------------------
# malformed input: IagaFormatError naming file and line, never a traceback
# --------------------------------------------------------------------------------------
L0 = MONTH_FIRST_DATA_LINE


def _truncated(raw):
    return raw[:-12], L0 + 29


def _no_date_line(raw):
    return replace_line(raw, L0 - 1, b" # the DATE line went missing" + b" " * 39 + b"|"), L0


def _no_date_line_at_all(raw):
    return raw.split(b"DATE")[0], L0 - 1


def _wrong_field_count(raw):
    return replace_line(
        raw, L0 + 7, b"2016-01-01 00:07:00.000 001     20744.85    -84.23  47372.22"
    ), L0 + 7


def _unparsable_number(raw):
    return replace_line(
        raw, L0 + 9, b"2016-01-01 00:09:00.000 001     207x5.93    -99.77  47370.21  52248.63"
    ), L0 + 9


def _empty(raw):
    return b"", 1


def _blank(raw):
    return b"  \n\n", 1


def _non_monotonic(raw):
    lines = raw.split(b"\n")
    lines[L0 + 4], lines[L0 + 5] = lines[L0 + 5], lines[L0 + 4]  # lines L0+5 and L0+6 swap
    return b"\n".join(lines), L0 + 6


def _duplicate_time(raw):
    lines = raw.split(b"\n")
    lines[L0 + 3] = lines[L0 + 2]  # line L0 + 4 repeats line L0 + 3
    return b"\n".join(lines), L0 + 4


def _bad_month(raw):
    return replace_line(
        raw, L0 + 1, b"2016-13-01 00:01:00.000 001     20735.48    -95.30  47370.53  52248.72"
    ), L0 + 1


def _bad_latitude(raw):
    return raw.replace(b"40.137    ", b"4O.137    "), 5


def _header_only(raw):
    return raw.split(b"\n2016")[0] + b"\n", L0


def _garbage_column_line(raw):
    return raw.replace(b"TIME         DOY", b"TIME         DAY"), L0 - 1


MALFORMED = [
    _truncated,
    _no_date_line,
    _no_date_line_at_all,
    _wrong_field_count,
    _unparsable_number,
    _empty,
    _blank,
    _non_monotonic,
    _duplicate_time,
    _bad_month,
    _bad_latitude,
    _header_only,
    _garbage_column_line,
]


@pytest.mark.parametrize("mutate", MALFORMED, ids=lambda f: f.__name__.strip("_"))
def test_malformed_input_names_file_and_line(tmp_path, mutate):
    raw, line = mutate(small_month(30))
    path = tmp_path / "bad.min"
    path.write_bytes(raw)
    with pytest.raises(IagaFormatError) as info:
        iaga.read_iaga(path)
    assert_names(info.value, path, line)


def test_malformed_crlf_file_names_line(tmp_path):
    raw = DAILIES[0].read_bytes()
    path = tmp_path / "bou.min"
    path.write_bytes(raw[:-20])  # cut inside the last line
    with pytest.raises(IagaFormatError) as info:
        iaga.read_iaga(path)
    assert_names(info.value, path, 25 + 1440)


def test_corrupt_containers(tmp_path):
    gz = tmp_path / "x.min.gz"
    gz.write_bytes(gzip.compress(small_month(5))[:-9])
    bad_zip = tmp_path / "x.zip"
    bad_zip.write_bytes(b"PK\x03\x04garbage")
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("README", "nothing")
    for path in (gz, bad_zip, empty_zip):
        with pytest.raises(IagaFormatError) as info:
            iaga.read_iaga(path)
        assert_names(info.value, path, 1)


def test_zip_whose_directory_points_before_the_file_names_it(tmp_path):
    """zipfile raises a bare ValueError ("negative seek value") for this one."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("tst20200101vmin.min", small_month(5))
    raw = bytearray(buf.getvalue())
    eocd = raw.rfind(b"PK\x05\x06")  # end of central directory; its offset at +16
    raw[eocd + 16 : eocd + 20] = (len(raw) + 1000).to_bytes(4, "little")
    path = tmp_path / "bad_offset.zip"
    path.write_bytes(bytes(raw))
    with pytest.raises(IagaFormatError, match="corrupt zip archive") as info:
        iaga.read_iaga(path)
    assert_names(info.value, path, 1)
    assert issubclass(IagaFormatError, FormatError)


def test_error_inside_zip_names_member(tmp_path):
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("bad.min", small_month(10)[:-15])
    with pytest.raises(IagaFormatError) as info:
        iaga.read_iaga(bundle)
    assert_names(info.value, f"{bundle}!bad.min", L0 + 9)


FUZZ_SEED = small_month(40)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
            st.integers(0, len(FUZZ_SEED) - 1),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=4,
    ),
    crlf=st.booleans(),
)
def test_fuzz_mutations_parse_or_raise_format_error(tmp_path, ops, crlf):
    data = bytearray(FUZZ_SEED.replace(b"\n", b"\r\n") if crlf else FUZZ_SEED)
    for op, pos, byte in ops:
        pos = min(pos, max(len(data) - 1, 0))
        if op == "flip" and data:
            data[pos] ^= 1 << (byte % 8)
        elif op == "set" and data:
            data[pos] = byte
        elif op == "insert":
            data.insert(pos, byte)
        elif op == "delete" and data:
            del data[pos]
        elif op == "truncate":
            del data[pos:]
    path = tmp_path / "fuzz.min"
    path.write_bytes(bytes(data))
    try:
        recs = iaga.read_iaga(path)
    except IagaFormatError as exc:
        assert exc.path == str(path) and exc.line >= 1
        return
    rec = recs[0]
    assert rec.time.size >= 1 and np.all(np.diff(rec.time) > np.timedelta64(0))
    assert all(v.shape == rec.time.shape for v in rec.values.values())


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(-99_999.99, 999_999.99, allow_nan=False),
            st.just(float("nan")),
            st.integers(-99, 99).map(lambda x: x / 100),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_fast_path_matches_python_float_parsing(values):
    """Every F10.2 field the writer can produce decodes exactly as float(text) would."""
    v = np.array(values)
    buf = np.full((v.size, 10), 32, np.uint8)
    iaga_writer._format_values(buf, 0, v)
    texts = [bytes(row).decode() for row in buf]
    expected = np.array([float(t) for t in texts])
    expected[(expected >= iaga.MISSING) | (expected == iaga.NOT_RECORDED)] = np.nan
    time = np.datetime64("2020-01-01", "ns") + np.arange(v.size) * np.timedelta64(1, "m")
    out = io.BytesIO()
    for t, text in zip(time, texts, strict=True):
        stamp = str(t.astype("datetime64[ms]")).replace("T", " ")
        out.write(f"{stamp} 001   {text}{text}{text}{text}\n".encode())
    raw = out.getvalue()
    fast = iaga._fast_block("f", raw, 0, 4, 1)
    assert fast is not None
    slow = iaga._slow_block("f", raw, 4, 1)
    np.testing.assert_array_equal(fast[0], time)
    np.testing.assert_array_equal(fast[1][:, 0], expected)
    np.testing.assert_array_equal(slow[1], fast[1])


# --------------------------------------------------------------------------------------
# merging
# --------------------------------------------------------------------------------------
def test_merge_seven_daily_files_into_continuous_minutes():
    recs = [r for p in reversed(DAILIES) for r in iaga.read_iaga(p)]
    time, values, frame, sources = decode.merge_records(recs)
    assert time.size == 10_080
    assert time[0] == np.datetime64("2014-11-01T00:00")
    assert time[-1] == np.datetime64("2014-11-07T23:59")
    assert np.all(np.diff(time) == np.timedelta64(1, "m"))
    assert sources == [str(p) for p in DAILIES]
    assert frame == iaga.FRAME_SENSOR_HEZ and set(values) == {"X", "Y", "Z", "F"}
    day3 = one(DAILIES[2])
    comps, _ = iaga.to_geographic(day3)
    np.testing.assert_array_equal(values["X"][2880:4320], comps["X"])


def test_duplicate_overlap_later_file_wins_but_nan_never_erases(tmp_path, month_xyz):
    rec = month_xyz
    sl_a, sl_b = slice(0, 100), slice(50, 150)
    a_vals = {c: rec.values[c][sl_a] for c in "XYZF"}
    b_vals = {c: rec.values[c][sl_b] + 1000.0 for c in "XYZF"}
    b_vals["X"][10] = np.nan  # row 60: B has a gap there, A's value survives
    write_like(tmp_path / "bou_a.min", rec, rec.time[sl_a], a_vals)
    write_like(tmp_path / "bou_b.min", rec, rec.time[sl_b], b_vals)
    ra, rb = one(tmp_path / "bou_a.min"), one(tmp_path / "bou_b.min")
    for order in ([ra, rb], [rb, ra]):  # input order does not matter
        time, values, _, sources = decode.merge_records(order)
        assert time.size == 150 and sources == [ra.path, rb.path]
        x = rec.values["X"]
        np.testing.assert_array_equal(values["X"][:50], x[:50])
        np.testing.assert_array_equal(values["X"][61:150], x[61:150] + 1000.0)
        np.testing.assert_array_equal(values["X"][50:60], x[50:60] + 1000.0)
        assert values["X"][60] == x[60]
        assert values["Y"][60] == pytest.approx(rec.values["Y"][60] + 1000.0)


def test_merge_rejects_other_observatory(tmp_path):
    other = tmp_path / "xxx20141102vmin.min"
    code = b"IAGA CODE              "
    other.write_bytes(DAILIES[1].read_bytes().replace(code + b"BOU", code + b"XXX"))
    recs = [one(DAILIES[0]), one(other), one(DAILIES[2])]
    with pytest.raises(IagaFormatError) as info:
        decode.merge_records(recs)
    assert_names(info.value, other, 4)
    assert "'XXX'" in str(info.value)


def test_merge_rejects_mixed_frames_and_cadences():
    with pytest.raises(IagaFormatError) as info:
        decode.merge_records([one(MONTH_XYZ), one(MONTH_HEZ)])
    assert info.value.path == str(MONTH_HEZ) and "frame" in str(info.value)
    with pytest.raises(IagaFormatError) as info:
        decode.merge_records([one(SEC), one(MONTH_HEZ)])
    assert "cadence" in str(info.value)


def test_merge_rejects_non_monotonic_record():
    rec = one(DAILIES[0])
    rec.time = rec.time.copy()
    rec.time[100] = rec.time[99]
    with pytest.raises(IagaFormatError) as info:
        decode.merge_records([rec])
    assert_names(info.value, DAILIES[0], rec.first_data_line + 100)


# --------------------------------------------------------------------------------------
# gap policy
# --------------------------------------------------------------------------------------
def test_fill_short_gaps_policy():
    n = 60
    time = np.datetime64("2020-01-01", "ns") + np.arange(n) * np.timedelta64(1, "m")
    x = np.arange(n, dtype=float)
    x[10:12] = np.nan  # 2-minute gap: filled
    x[20:25] = np.nan  # 5-minute gap: kept and masked
    x[40:43] = np.nan  # 3 minutes is not "shorter than 3 min": kept
    y = np.ones(n)
    f = np.full(n, np.nan)  # not recorded: ignored
    filled, mask = decode.fill_short_gaps(time, {"X": x, "Y": y, "F": f})
    np.testing.assert_allclose(filled["X"][10:12], [10.0, 11.0])  # the line 9 -> 12
    assert np.isnan(filled["X"][20:25]).all() and np.isnan(filled["X"][40:43]).all()
    expected = np.zeros(n, bool)
    expected[20:25] = expected[40:43] = True
    np.testing.assert_array_equal(mask, expected)
    assert np.isnan(filled["F"]).all()
    assert np.isnan(x[10])  # input untouched
    _, mask4 = decode.fill_short_gaps(time, {"X": x}, max_gap=np.timedelta64(4, "m"))
    assert mask4[40:43].sum() == 0 and mask4[20:25].all()


def test_fill_short_gaps_needs_regular_axis_and_regularize_inserts():
    time = np.array(["2020-01-01T00:00", "2020-01-01T00:01", "2020-01-01T00:04"], "M8[ns]")
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="regular"):
        decode.fill_short_gaps(time, {"X": x})
    t2, v2 = decode.regularize(time, {"X": x})
    assert t2.size == 5 and np.isnan(v2["X"][2:4]).all() and v2["X"][4] == 3.0
    filled, mask = decode.fill_short_gaps(t2, v2)
    np.testing.assert_allclose(filled["X"][2:4], [2 + 1 / 3, 2 + 2 / 3])  # 2 at 00:01, 3 at 00:04
    assert not mask.any()


def test_fill_short_gaps_uses_local_level_not_series_mean():
    # 40,000 nT plus a slow trend (10 nT/day) and a diurnal wave over 30 days: the series
    # mean lies ~150 nT from the local level, so a mean fill would put a step into the record
    n = 30 * 1440
    i = np.arange(n, dtype=float)
    time = np.datetime64("2020-01-01", "ns") + np.arange(n) * np.timedelta64(1, "m")
    x = 40_000 + 10 * i / 1440 + 20 * np.sin(2 * np.pi * i / 1440)
    truth = x.copy()
    gaps = [(0, 2), (5_000, 5_001), (20_000, 20_002), (n - 2, n)]  # short, two at the edges
    longs = [(10_000, 10_003), (30_000, 30_600)]  # 3 min and 10 h: stay NaN
    for a, b in gaps + longs:
        x[a:b] = np.nan
    filled, mask = decode.fill_short_gaps(time, {"X": x})
    fx = filled["X"]
    assert abs(np.nanmean(x) - truth[5_000]) > 100  # the old policy's step would be big
    for a, b in gaps:
        # between the valid neighbours (inside: the two sides; at an edge: the 3 next ones)
        near = x[a - 1 : b + 1] if 0 < a and b < n else x[max(a - 3, 0) : b + 3]
        assert np.nanmin(near) <= fx[a:b].min() and fx[a:b].max() <= np.nanmax(near)
        np.testing.assert_allclose(fx[a:b], truth[a:b], atol=0.5)  # no step
    for a, b in longs:
        assert np.isnan(fx[a:b]).all() and mask[a:b].all()
    assert mask.sum() == sum(b - a for a, b in longs)
    assert not np.isnan(np.delete(fx, np.r_[10_000:10_003, 30_000:30_600])).any()


# --------------------------------------------------------------------------------------
# netCDF output
# --------------------------------------------------------------------------------------
def test_decode_ground_netcdf_round_trip(tmp_path):
    xr = pytest.importorskip("xarray")
    out = tmp_path / "out" / "BOU.nc"
    decode.decode_ground([str(p) for p in DAILIES], out, iaga_code="bou")
    time, values, frame, _ = decode.merge_records([one(p) for p in DAILIES])
    with xr.open_dataset(out) as ds:
        assert set(ds.data_vars) == {"X", "Y", "Z", "F", "gap_mask"}
        assert ds["gap_mask"].dtype == np.int8
        np.testing.assert_array_equal(ds["time"].values, time)
        for c in "XYZF":
            np.testing.assert_array_equal(ds[c].values, values[c])
            assert ds[c].attrs["units"] == "nT"
        assert ds["Z"].attrs["positive"] == "down"
        assert ds["time"].encoding["units"] == "minutes since 2014-11-01 00:00:00"
        assert ds["time"].encoding["calendar"] == "standard"
        a = ds.attrs
        assert a["Conventions"] == "CF-1.8" and a["iaga_code"] == "BOU"
        assert a["latitude"] == pytest.approx(40.137)
        assert a["longitude"] == pytest.approx(-105.236)
        assert a["elevation"] == 1682 and a["data_type"] == "variation"
        assert a["component_frame"] == frame == iaga.FRAME_SENSOR_HEZ
        assert a["source_files"].split("\n") == [p.name for p in DAILIES]
        assert a["cadence_seconds"] == 60
        assert a["n_filled_short_gaps"] == 0 and a["n_long_gap_samples"] == 0
    assert [p.name for p in out.parent.iterdir()] == ["BOU.nc"]


def test_decode_ground_gap_policy_and_missing_f(tmp_path, month_xyz):
    xr = pytest.importorskip("xarray")
    rec = month_xyz
    day1, day3 = slice(0, 1440), slice(2880, 4320)  # day 2 missing: 1440 long-gap samples
    v1 = {c: rec.values[c][day1].copy() for c in "XYZ"}  # F not recorded -> 88888
    v1["X"][100:102] = np.nan  # short gap, filled
    v1["Z"][500:505] = np.nan  # long gap, masked
    v3 = {c: rec.values[c][day3] for c in "XYZ"}
    write_like(tmp_path / "bou20160101.min", rec, rec.time[day1], v1)
    write_like(tmp_path / "bou20160103.min.gz", rec, rec.time[day3], v3)
    out = tmp_path / "BOU.nc"
    decode.decode_ground(
        sorted(tmp_path.glob("bou*")), out, iaga_code="BOU", max_fill_gap_minutes=3
    )
    with xr.open_dataset(out) as ds:
        assert "F" not in ds  # not recorded anywhere
        assert ds.sizes["time"] == 4320
        x = ds["X"].values
        # filled from the local level: on the line between samples 99 and 102
        line = np.interp([100, 101], [99, 102], v1["X"][[99, 102]])
        np.testing.assert_allclose(x[100:102], line)
        assert ds.attrs["gap_policy"].startswith("gaps shorter than 3 min filled from the local")
        gm = ds["gap_mask"].values.astype(bool)
        assert gm[500:505].all() and gm[1440:2880].all() and gm.sum() == 5 + 1440
        assert ds.attrs["n_filled_short_gaps"] == 1
        assert ds.attrs["n_long_gap_samples"] == 5 + 1440
        assert ds.attrs["component_frame"] == iaga.FRAME_GEOGRAPHIC


def test_decode_ground_one_second_uses_seconds(tmp_path):
    xr = pytest.importorskip("xarray")
    out = tmp_path / "BOU.nc"
    decode.decode_ground(SEC, out, iaga_code="BOU")
    with xr.open_dataset(out) as ds:
        assert ds["time"].encoding["units"].startswith("seconds since 2020-01-01")
        assert ds.attrs["cadence_seconds"] == 1 and ds.sizes["time"] == 901


def test_decode_ground_wrong_observatory_names_file_and_writes_nothing(tmp_path):
    out = tmp_path / "WIC.nc"
    with pytest.raises(IagaFormatError) as info:
        decode.decode_ground([DAILIES[0]], out, iaga_code="WIC")
    assert_names(info.value, DAILIES[0], 4)
    assert list(tmp_path.iterdir()) == []


def test_decode_ground_is_atomic(tmp_path, monkeypatch):
    bad = tmp_path / "in" / "bad.min"
    bad.parent.mkdir()
    bad.write_bytes(DAILIES[1].read_bytes()[:-30])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "BOU.nc"
    with pytest.raises(IagaFormatError):
        decode.decode_ground([DAILIES[0], bad], out, iaga_code="BOU")
    assert list(out_dir.iterdir()) == []
    # a failure at the very last step (rename) leaves the previous output untouched
    out.write_bytes(b"previous")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        decode.decode_ground(DAILIES[:2], out, iaga_code="BOU")
    assert out.read_bytes() == b"previous"
    assert [p.name for p in out_dir.iterdir()] == ["BOU.nc"]


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------
def test_write_reproduces_usgs_data_lines_byte_for_byte(tmp_path):
    rec = one(MONTH_HEZ)
    path = tmp_path / "w.min"
    write_like(path, rec, rec.time, rec.values, elements="HEZF")
    ours = path.read_bytes().split(b"\nDATE", 1)[1]
    theirs = MONTH_HEZ.read_bytes().split(b"\nDATE", 1)[1]
    assert ours == theirs  # column-header line and all 41,592 data lines


def test_write_read_round_trip(tmp_path):
    n = 3 * 1440
    time = np.datetime64("2021-02-27", "ns") + np.arange(n) * np.timedelta64(1, "m")
    rng = np.random.default_rng(1)
    values = {"X": rng.normal(21000, 300, n), "Y": rng.normal(-500, 800, n)}
    values["Z"] = rng.normal(45000, 100, n)
    values["X"][[5, 6, 2000]] = np.nan
    values["Y"][7] = -0.004  # rounds to -0.00 -> written as 0.00
    path = tmp_path / "syn20210227vmin.min"
    kw = dict(
        iaga_code="syn",
        station_name="Synthetic",
        latitude=41.39,
        longitude=-14.28,
        elevation=1020.5,
        time=time,
        values=values,
        comments=("SYNTHETIC DATA - not a real observatory record. " * 3,),
    )
    iaga_writer.write_iaga(path, **kw)
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    assert lines[-1] == b"" and all(len(x) == 70 for x in lines[:-1])
    assert all(x.startswith(b" ") and x.endswith(b"|") for x in lines[:15] if not x[:1] == b"D")
    date_line = next(x for x in lines if x.startswith(b"DATE"))
    assert date_line == (b"DATE       TIME         DOY     SYNX      SYNY      SYNZ      SYNF   |")
    assert b"  99999.00" in lines[lines.index(date_line) + 6]
    assert lines[lines.index(date_line) + 1].endswith(b"88888.00")
    rec = one(path)
    assert rec.iaga_code == "SYN" and rec.elements == "XYZF"
    assert rec.header["station name"] == "Synthetic"
    assert rec.header["geodetic longitude"] == "345.720"
    assert rec.longitude == pytest.approx(-14.28) and rec.latitude == pytest.approx(41.39)
    assert rec.elevation == 1020.5 and rec.data_type == "variation"
    assert "SYNTHETIC DATA" in rec.header["comments"]
    np.testing.assert_array_equal(rec.time, time)
    for c in "XYZ":
        np.testing.assert_allclose(rec.values[c], values[c], atol=0.005 + 1e-9)
        np.testing.assert_array_equal(np.isnan(rec.values[c]), np.isnan(values[c]))
    assert np.isnan(rec.values["F"]).all()
    assert rec.time[-1] == np.datetime64("2021-03-01T23:59")
    assert lines[lines.index(date_line) + 1441][24:27] == b"059"  # DOY of 28 Feb
    # deterministic, also compressed; and idempotent through a second round trip
    gz1, gz2 = tmp_path / "a.min.gz", tmp_path / "b.min.gz"
    iaga_writer.write_iaga(gz1, **kw)
    iaga_writer.write_iaga(gz2, **kw)
    assert gz1.read_bytes() == gz2.read_bytes()
    assert gzip.decompress(gz1.read_bytes()) == raw
    again = tmp_path / "again.min"
    kw2 = dict(kw, values={c: rec.values[c] for c in "XYZ"}, time=rec.time)
    iaga_writer.write_iaga(again, **kw2)
    assert again.read_bytes().split(b"\nDATE")[1] == raw.split(b"\nDATE")[1]


def test_write_rejects_bad_input(tmp_path):
    base = dict(
        iaga_code="SYN",
        station_name="S",
        latitude=0,
        longitude=0,
        elevation=0,
        time=np.array(["2020-01-01T00:01", "2020-01-01T00:00"], "M8[ns]"),
        values={"X": np.zeros(2)},
    )
    with pytest.raises(ValueError, match="increasing"):
        iaga_writer.write_iaga(tmp_path / "a.min", **base)
    base["time"] = base["time"][::-1]
    for big in (1e6, -1e5, np.inf):
        with pytest.raises(ValueError, match="F10.2|infinities"):
            iaga_writer.write_iaga(
                tmp_path / "a.min", **dict(base, values={"X": np.array([big, 0])})
            )
    with pytest.raises(ValueError, match="3 characters"):
        iaga_writer.write_iaga(tmp_path / "a.min", **dict(base, iaga_code="LONG"))
    assert list(tmp_path.iterdir()) == []


def test_trailing_blank_lines_are_ignored(tmp_path):
    path = tmp_path / "blank_tail.min"
    path.write_bytes(small_month(20) + b"\n   \n")
    rec = one(path)
    assert rec.time.size == 20 and rec.values["H"][19] == one(MONTH_HEZ).values["H"][19]


def test_outputs_get_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        decode.decode_ground(DAILIES[0], tmp_path / "BOU.nc", iaga_code="BOU")
        rec = one(DAILIES[0])
        write_like(tmp_path / "w.min", rec, rec.time, rec.values, elements="HDZF")
    finally:
        os.umask(umask)
    for name in ("BOU.nc", "w.min"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644


def test_decode_ground_lists_a_directory_of_daily_files(tmp_path):
    import xarray as xr

    daily = tmp_path / "BOU"
    daily.mkdir()
    for src in sorted((Path(__file__).resolve().parents[1] / "data/iaga").glob("bou2014110*")):
        shutil.copy(src, daily / src.name)
    out = tmp_path / "BOU.nc"
    decode.decode_ground([daily], out, iaga_code="BOU")
    with xr.open_dataset(out) as ds:
        assert ds.sizes["time"] == 7 * 1440
        assert len(ds.attrs["source_files"].splitlines()) == 7
