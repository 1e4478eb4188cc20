"""Damaged copies of small valid files: every reader parses them or fails by name.

For each format a small valid file (a real bundled file cut down, or written by the
package's own writers) is damaged by hypothesis: cut short at a random byte, bytes
overwritten (any byte, or one of the characters these formats are built of), bytes
inserted or a run deleted. Reading the damaged file must end in one of two ways:

* a :class:`~eqprecursors.io.parsing.FormatError` (a ValueError) whose message names the
  file: never a KeyError, IndexError, UnicodeDecodeError, struct.error or an h5py/cdflib
  error from inside a library;
* a result of the reader's shape that is not silently empty (empty only where the damaged
  text really holds no event: a USGS header without rows), and, for a file cut short, whose
  events or times are among the original's (a cut that loses the end is either seen or
  falls between records).

The inputs are a few kB, so no case can run long; the deadline is hypothesis's.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_catalog import QUAKEML_1_0

from eqprecursors.io import catalogs, iaga, kp, satellite
from eqprecursors.io.demeter import read_demeter_l1
from eqprecursors.io.demeter_writer import demeter_l1_records
from eqprecursors.io.iaga_writer import write_iaga
from eqprecursors.io.parsing import FormatError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests/data"
EXAMPLES = 100


@dataclass(repr=False)
class Sample:
    """One valid file of a format: its bytes, its reader and what a result must look like."""

    name: str
    raw: bytes
    read: object  # path -> result
    kind: str  # catalog | kp | iaga | satellite
    keys: frozenset  # event ids or times of the undamaged file
    rows: int | None = None  # satellite formats whose record count is in the metadata

    def __repr__(self) -> str:  # hypothesis prints the fixtures of a failing case
        return f"Sample({self.name!r})"

    def legit_empty(self, damaged: bytes) -> bool:
        """The damaged text holds no event: blank (an FDSN "204"), or a USGS header alone."""
        lines = [ln for ln in damaged.splitlines() if ln.strip()]
        return not lines or (self.name == "usgs.csv" and len(lines) == 1)


def _lines(path: Path, n: int) -> bytes:
    return b"".join(path.read_bytes().splitlines(keepends=True)[:n])


def _keys(kind: str, result) -> frozenset:
    if kind == "catalog":
        return frozenset(result["event_id"])
    if kind == "iaga":
        return frozenset(t for rec in result for t in rec.time.tolist())
    return frozenset(pd.to_datetime(result["time"]).tolist())


def _satellite_data(n: int = 6) -> dict[str, np.ndarray]:
    t = pd.Timestamp("2006-03-01T10:00:00").value + np.arange(n, dtype=np.int64) * 2_000_000_000
    return {
        "time_ns": t,
        "lat": np.linspace(10.0, 10.5, n),
        "lon": np.linspace(20.0, 20.2, n),
        "alt": np.full(n, 710.0),
        "lt": np.full(n, 10.5),
        "mlat": np.linspace(5.0, 5.4, n),
        "mlon": np.linspace(93.0, 93.2, n),
        "ne": np.linspace(1.0e4, 1.2e4, n),
        "te": np.linspace(1800.0, 2100.0, n),
    }


def _build(d: Path) -> dict[str, Sample]:
    """The valid files, written to ``d`` once, read once to know their keys."""
    cat = ROOT / "data/catalog"
    texts = {
        "usgs.csv": (_lines(cat / "usgs_comcat_M5plus_global_2022-2024_seismostats.csv", 6),
                     catalogs.read_catalog, "catalog"),
        "isc_catcsv.html": ((DATA / "catalog/isc_catcsv_constructed.html").read_bytes(),
                            catalogs.read_catalog, "catalog"),
        "quakeml12.xml": ((DATA / "catalog/usgs_event_quakeml1.2_obspy.xml").read_bytes(),
                          catalogs.read_catalog, "catalog"),
        "quakeml10.xml": (QUAKEML_1_0.encode(), catalogs.read_catalog, "catalog"),
        "isc.isf": (_lines(DATA / "catalog/isc_isf_19670130012028_obspy.isf", 40)
                    + b"\n\nSTOP\n", catalogs.read_catalog, "catalog"),
        "csep.csv": (_lines(cat / "ingv_bsi_italy_2005-04_2021-06_floatcsep.csv", 6),
                     lambda p: catalogs.read_catalog(p, "csep_csv"), "catalog"),
        "celestrak.txt": (_lines(ROOT / "data/kp/celestrak_SW-All.txt", 21) + b"END OBSERVED\r\n",
                          kp.read_kp, "kp"),
        "gfz.txt": (_lines(DATA / "kp/Kp_ap_Ap_SN_F107_since_2024.txt", 44),
                    kp.read_kp, "kp"),
        "gfz.json": ((DATA / "kp/gfz_kp_2024-05-10_12.json").read_bytes(),
                     kp.read_kp, "kp"),
        "omni2.dat": (_lines(DATA / "kp/omni2t_2000.dat", 6), kp.read_kp, "kp"),
        "bou.hor": ((DATA / "iaga/BOU20200831vhor.hor").read_bytes(),
                    iaga.read_iaga, "iaga"),
    }  # fmt: skip
    for name, (raw, _, _) in texts.items():
        (d / name).write_bytes(raw)
    kp.write_kp(kp.read_kp(d / "gfz.json").head(8), d / "kp.csv")
    texts["kp.csv"] = ((d / "kp.csv").read_bytes(), kp.read_kp, "kp")

    minutes = np.datetime64("2020-01-01T00:00") + np.arange(8) * np.timedelta64(1, "m")
    site = dict(iaga_code="TST", station_name="Test", latitude=41.39, longitude=14.28,
                elevation=1000, time=minutes,
                values={e: 20000.0 + 10 * np.arange(8) for e in "XYZF"})  # fmt: skip
    write_iaga(d / "tst.min", **site)
    write_iaga(d / "tst.min.gz", **site)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tst20200101vmin.min", (d / "tst.min").read_bytes())
    for name in ("tst.min", "tst.min.gz"):
        texts[name] = ((d / name).read_bytes(), iaga.read_iaga, "iaga")
    texts["tst.zip"] = (buf.getvalue(), iaga.read_iaga, "iaga")

    data = _satellite_data()
    satellite.write_demeter_cdf(d / "dmt.cdf", data, global_attrs={"Project": "fuzz"})
    satellite.write_cses_hdf5(d / "cses.h5", data, file_attrs={"ORBITNUM": "04376"})
    dat = demeter_l1_records(data, orbit=9000, half=0, time_resolution_s=2.0)
    texts["dmt.cdf"] = ((d / "dmt.cdf").read_bytes(), satellite.read_demeter_cdf, "satellite")
    texts["cses.h5"] = ((d / "cses.h5").read_bytes(), satellite.read_cses_hdf5, "satellite")
    texts["dmt.DAT"] = (dat, read_demeter_l1, "satellite")

    samples = {}
    for name, (raw, read, kind) in texts.items():
        path = d / name
        path.write_bytes(raw)
        result = read(path)
        rows = len(result) if name in ("dmt.cdf", "cses.h5") else None
        samples[name] = Sample(name, raw, read, kind, _keys(kind, result), rows)
    return samples


SAMPLES = [
    "usgs.csv", "isc_catcsv.html", "quakeml12.xml", "quakeml10.xml", "isc.isf", "csep.csv",
    "celestrak.txt", "gfz.txt", "gfz.json", "omni2.dat", "kp.csv",
    "bou.hor", "tst.min", "tst.min.gz", "tst.zip",
    "dmt.cdf", "cses.h5", "dmt.DAT",
]  # fmt: skip


class _Samples(dict):
    def __repr__(self) -> str:
        return f"<{len(self)} samples>"


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return _Samples(_build(tmp_path_factory.mktemp("valid")))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("damaged")


def test_the_samples_are_valid_and_not_empty(samples):
    """The undamaged files read, and hold something for a cut to lose."""
    assert sorted(samples) == sorted(SAMPLES)
    for sample in samples.values():
        assert sample.keys, sample.name


# Characters these formats are built of: a change to one of them moves a field, not noise.
_STRUCTURE = list(b"0123456789 -+.,:/|\n\r\t#<>\"='eE")


@st.composite
def damage(draw, raw: bytes) -> tuple[str, bytes]:
    """(kind, damaged bytes): cut, overwrite, insert or delete."""
    n = len(raw)
    kind = draw(st.sampled_from(["cut", "overwrite", "insert", "delete"]))
    if kind == "cut":
        return kind, raw[: draw(st.integers(0, n - 1))]
    out = bytearray(raw)
    if kind == "overwrite":
        byte = st.one_of(st.integers(0, 255), st.sampled_from(_STRUCTURE))
        for at, value in draw(st.lists(st.tuples(st.integers(0, n - 1), byte), min_size=1,
                                       max_size=8)):  # fmt: skip
            out[at] = value
    elif kind == "insert":
        at = draw(st.integers(0, n))
        out[at:at] = draw(st.binary(min_size=1, max_size=16))
    else:
        at = draw(st.integers(0, n - 1))
        del out[at : at + draw(st.integers(1, 64))]
    return kind, bytes(out)


def check_shape(sample: Sample, result, damaged: bytes) -> None:
    """A successful read has the reader's shape and is not silently empty."""
    if sample.kind == "catalog":
        assert list(result.columns) in (catalogs.READ_COLUMNS, catalogs.CATALOG_COLUMNS)
        assert str(result["time"].dtype) == "datetime64[ns, UTC]"
        assert result["time"].is_monotonic_increasing
        for col in ("latitude", "longitude", "depth_km", "magnitude"):
            assert result[col].dtype == np.float64
        assert len(result) or sample.legit_empty(damaged), "silently empty catalog"
    elif sample.kind == "kp":
        assert list(result.columns) == ["time", "kp"] and len(result)
        assert str(result["time"].dtype) == "datetime64[ns, UTC]"
        assert result["time"].is_monotonic_increasing and result["time"].is_unique
        assert result["kp"].dtype == np.float64
    elif sample.kind == "iaga":
        assert result, "no record"
        for rec in result:
            assert rec.time.dtype == np.dtype("datetime64[ns]") and rec.time.size
            assert (np.diff(rec.time) > np.timedelta64(0, "ns")).all()
            assert all(v.shape == rec.time.shape for v in rec.values.values())
    else:
        assert len(result) and "time" in result
        assert result["time"].dtype == np.dtype("datetime64[ns]")
        if sample.rows is not None:  # CDF and HDF5 store their record counts
            assert len(result) == sample.rows


@pytest.mark.parametrize("name", SAMPLES)
@settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_damaged_file_parses_or_fails_by_name(samples, scratch, name, data):
    sample = samples[name]
    kind, damaged = data.draw(damage(sample.raw), label="damage")
    path = scratch / name
    path.write_bytes(damaged)
    try:
        result = sample.read(path)
    except FormatError as exc:
        assert str(path) in str(exc), f"the error does not name the file: {exc}"
        return
    check_shape(sample, result, damaged)
    if kind == "cut":
        assert _keys(sample.kind, result) <= sample.keys, "a cut file gave new events/times"
