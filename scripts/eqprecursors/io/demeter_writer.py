"""DEMETER Level-1 ISL binary writer: the generator's ``.DAT`` files, read by :mod:`.demeter`.

Writes the 289-byte big-endian records that :func:`eqprecursors.io.demeter.read_demeter_l1`
documents, one record per sample, so the workflow can be rehearsed on the layout users get
from CNES/CDPP. Every field of the record is written, not only those the reader uses:

* header: CCSDS P field ``0x4C`` (CDS code, agency epoch 1950-01-01, 24-bit day, no sub-ms:
  CCSDS 301.0-B), days since 1950 (3 bytes), ms of day (u4), UT year..ms (7 x int16),
  orbit number (u2: pysatIncubator reads it unsigned, and DEMETER passed orbit 32767 in
  2010), orbit type (0 downward / 1 upward), telemetry station (8 chars), 4 version bytes;
* geographic block: latitude, longitude, altitude, local time, geomagnetic latitude and
  longitude as given; MLT NaN; invariant latitude and McIlwain L of a centred dipole
  (``L = (1 + alt / R_E) / cos^2 mlat``); the other 13 floats (conjugate points, field,
  gyrofrequency, sun position) NaN, since the generator does not model them; 2 version bytes;
* attitude block: 18 NaN matrix elements, quality flag 0, 2 version bytes;
* ISL block: data type, 32 zero status bytes, the time resolution (s), units
  ``cm-3``/``K``/``V``, Ne, Ni (= Ne unless given: the O+ topside is quasi-neutral), Te and
  the three potentials (NaN unless given).

Missing values are written as NaN (the format documents no fill value; the reader maps
non-finite values to NaN). Times are truncated to whole ms, as the CDF writer does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_write_bytes
from eqprecursors.io.demeter import ISL, RECORD_BYTES

__all__ = ["APID_BURST", "APID_SURVEY", "demeter_l1_file_name", "demeter_l1_records",
           "write_demeter_l1"]  # fmt: skip

APID_SURVEY = 1144
APID_BURST = 1143
P_FIELD = 0x4C
EARTH_RADIUS_KM = 6371.2
#: The whole record, field by field (name, big-endian type, byte offset).
LAYOUT = [
    ("p_field", "u1", 0),
    ("days", ("u1", 3), 1),
    ("ms_of_day", ">u4", 4),
    ("ut", (">i2", 7), 8),
    ("orbit", ">u2", 22),
    ("orbit_type", ">i2", 24),
    ("station", "S8", 26),
    ("header_version", ("u1", 4), 34),
    ("geo", (">f4", 22), 38),
    ("geo_version", ("u1", 2), 126),
    ("attitude", (">f4", 18), 128),
    ("attitude_quality", ">u2", 200),
    ("attitude_version", ("u1", 2), 202),
    ("data_type", "S10", ISL),
    ("status", ("u1", 32), ISL + 10),
    ("time_resolution", ">f4", ISL + 42),
    ("density_units", "S5", ISL + 46),
    ("temperature_units", "S5", ISL + 51),
    ("potential_units", "S5", ISL + 56),
    ("isl", (">f4", 6), ISL + 61),  # Ne, Ni, Te, plasma, floating, satellite potential
]
FULL_RECORD = np.dtype(
    {
        "names": [f[0] for f in LAYOUT],
        "formats": [f[1] for f in LAYOUT],
        "offsets": [f[2] for f in LAYOUT],
        "itemsize": RECORD_BYTES,
    }
)
DAY0_NS = pd.Timestamp("1950-01-01").value


def demeter_l1_file_name(
    orbit: int, half: int, start_ns: int, end_ns: int, apid: int = APID_SURVEY
) -> str:
    """``DMT_N1_<APID>_<orbit5><half>_<start>_<end>.DAT`` (times of the first/last record)."""
    t0, t1 = pd.Timestamp(start_ns, unit="ns"), pd.Timestamp(end_ns, unit="ns")
    return f"DMT_N1_{apid}_{int(orbit):05d}{int(half)}_{t0:%Y%m%d_%H%M%S}_{t1:%Y%m%d_%H%M%S}.DAT"


def _column(data: dict, key: str, n: int, default=np.nan) -> np.ndarray:
    values = np.asarray(data[key] if key in data else np.full(n, default), dtype=np.float64)
    if values.shape != (n,):
        raise ValueError(f"{key}: {values.size} values for {n} records")
    return values


def demeter_l1_records(
    data: dict[str, np.ndarray],
    *,
    orbit: int,
    half: int,
    time_resolution_s: float,
    station: str = "SYNTHETC",
    data_type: str = "ISL N1 SUR",
) -> bytes:
    """The bytes of one half-orbit file: ``data`` has time_ns, lat, lon, alt, lt, mlat, mlon,
    ne, te and optionally ni, plasma_potential, floating_potential, satellite_potential."""
    t = np.asarray(data["time_ns"], dtype=np.int64)
    n = t.size
    if not 0 <= int(orbit) <= 0xFFFF or half not in (0, 1):
        raise ValueError(f"orbit {orbit} / half {half}: orbit must fit 16 bits, half be 0 or 1")
    ms = (t - DAY0_NS) // 1_000_000
    if n and ms.min() < 0:
        raise ValueError("DEMETER L1 times must be after 1950-01-01")
    rec = np.zeros(n, dtype=FULL_RECORD)
    rec["p_field"] = P_FIELD
    days, ms_of_day = np.divmod(ms, 86_400_000)
    rec["days"] = np.stack([(days >> s) & 0xFF for s in (16, 8, 0)], axis=-1)
    rec["ms_of_day"] = ms_of_day
    when = pd.DatetimeIndex((DAY0_NS + ms * 1_000_000).astype("datetime64[ns]"))
    rec["ut"] = np.stack(
        [when.year, when.month, when.day, when.hour, when.minute, when.second,
         when.microsecond // 1000],
        axis=-1,
    )  # fmt: skip
    rec["orbit"], rec["orbit_type"] = int(orbit), int(half)
    rec["station"] = station.encode("ascii")[:8].ljust(8)
    geo = np.full((n, 22), np.nan)
    for k, key in enumerate(("lat", "lon", "alt", "lt", "mlat", "mlon")):
        geo[:, k] = _column(data, key, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        shell = (1.0 + geo[:, 2] / EARTH_RADIUS_KM) / np.cos(np.radians(geo[:, 4])) ** 2
        geo[:, 7] = np.sign(geo[:, 4]) * np.degrees(np.arccos(np.sqrt(1.0 / shell)))
    geo[:, 8] = shell
    rec["geo"] = geo
    rec["attitude"] = np.nan
    rec["data_type"] = data_type.encode("ascii")[:10].ljust(10)
    rec["time_resolution"] = time_resolution_s
    rec["density_units"], rec["temperature_units"], rec["potential_units"] = (
        b"cm-3 ",
        b"K    ",
        b"V    ",
    )
    ne = _column(data, "ne", n)
    isl = [ne, _column(data, "ni", n) if "ni" in data else ne, _column(data, "te", n)]
    isl += [_column(data, k, n) for k in
            ("plasma_potential", "floating_potential", "satellite_potential")]  # fmt: skip
    rec["isl"] = np.stack(isl, axis=-1)
    return rec.tobytes()


def write_demeter_l1(
    path, data: dict[str, np.ndarray], *, orbit: int, half: int, time_resolution_s: float, **kw
) -> Path:
    """Write one half-orbit as a DEMETER L1 ISL ``.DAT`` file, atomically; returns the path.

    ``kw``: ``station`` (8 chars) and ``data_type`` (10 chars) of
    :func:`demeter_l1_records`. The bytes depend only on the arguments (same seed -> same
    file).
    """
    raw = demeter_l1_records(
        data, orbit=orbit, half=half, time_resolution_s=time_resolution_s, **kw
    )
    return atomic_write_bytes(path, raw)
