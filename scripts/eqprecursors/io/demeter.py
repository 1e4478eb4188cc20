"""DEMETER Level-1 ISL (Langmuir probe) binary files from the CNES/CDPP archive.

**Not validated on a real file**: no DEMETER file is public (the CDPP archive needs
registration), so this reader is written from the layout that public readers document and
tested only on files written by hand from that same layout (tests/test_satellite_decode.py).

Files are named ``DMT_N1_<APID>_<orbit5><half>_<start>_<end>.DAT``; APID 1144 is the ISL
survey mode and 1143 the burst mode (from a CDPP order: "DMT_N1_1143 Burst",
"DMT_N1_1144 Survey"; dgolden1/vlf_software ``demeter/denys/ReadDataFile_1143.m`` reads
1143 as ISL, and pysat/pysatIncubator's ``demeter_iap.py`` numbers the neighbouring IAP
product the same way, burst 1139 / survey 1140). Both carry the same record. The half
digit is 0 for the downward (day-side) and 1 for the upward (night-side) half-orbit.

A file is a sequence of big-endian records of 289 bytes (the MATLAB reader's
``FileSize/(204+85)``):

====== ===== ==================================================================
offset bytes content
====== ===== ==================================================================
0      38    header (pysatIncubator ``methods/demeter.py``, load_general_header):
             P field (u1), days since 1950-01-01 (3-byte uint), ms of day (u4),
             UT year, month, day, hour, minute, second, ms (7 x int16) at 8,
             orbit number (uint16) at 22, orbit type (int16, 0 downward / 1 upward)
             at 24, telemetry station (8 chars) at 26, 4 version bytes at 34
38     90    geographic/magnetic block (load_location_parameters): 22 x float32
             -- geocentric latitude, longitude (deg), altitude (km), local time
             (h), geomagnetic latitude, longitude, MLT, invariant latitude,
             McIlwain L, ... -- then 2 version bytes
128    76    attitude block (load_attitude_parameters): 18 x float32 matrices,
             quality flag (u2), 2 version bytes
204    85    ISL block (ReadDataFile_1143.m): data type (10 chars), 32 status
             bytes, time resolution (float32, s) at 42, units of density,
             temperature and potential (3 x 5 chars) at 46, then float32
             electron density Ne (cm^-3) at 61, ion density (cm^-3) at 65,
             electron temperature Te (K) at 69, plasma potential, floating
             potential, satellite potential (V) at 73, 77, 81
====== ===== ==================================================================

The time of a record is the UT calendar field (both public readers use it); the CCSDS
day/ms field must agree with it to 1 s, else the record is misaligned and the file is
malformed. Non-finite values and the caller's ``fill_values``/``valid_range`` (config) become
NaN; the format documents no fill value of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.io.cdf import mask_invalid
from eqprecursors.io.parsing import FormatError

RECORD_BYTES = 289
ISL = 204  # offset of the ISL block
#: (field, big-endian type, byte offset in the record) of what the reader uses.
FIELDS = [
    ("ms_of_day", ">u4", 4),
    ("ut", (">i2", 7), 8),  # year, month, day, hour, minute, second, ms
    ("orbit", ">u2", 22),  # unsigned: pysatIncubator reads it so; orbits pass 32767 in 2010
    ("orbit_type", ">i2", 24),
    ("lat", ">f4", 38),
    ("lon", ">f4", 42),
    ("alt", ">f4", 46),
    ("lt", ">f4", 50),
    ("mlat", ">f4", 54),
    ("mlon", ">f4", 58),
    ("time_resolution", ">f4", ISL + 42),
    ("density_units", "S5", ISL + 46),
    ("temperature_units", "S5", ISL + 51),
    ("potential_units", "S5", ISL + 56),
    ("ne", ">f4", ISL + 61),
    ("ni", ">f4", ISL + 65),
    ("te", ">f4", ISL + 69),
    ("plasma_potential", ">f4", ISL + 73),
    ("floating_potential", ">f4", ISL + 77),
    ("satellite_potential", ">f4", ISL + 81),
]
RECORD = np.dtype(
    {
        "names": [f[0] for f in FIELDS],
        "formats": [f[1] for f in FIELDS],
        "offsets": [f[2] for f in FIELDS],
        "itemsize": RECORD_BYTES,
    }
)
DAY0 = np.datetime64("1950-01-01", "ns")
PAYLOAD = ("ne", "ni", "te")


class DemeterFormatError(FormatError):
    """A DEMETER ISL file that cannot be read; the message names the file (and record)."""


def read_demeter_l1(path, *, valid_range: dict | None = None, fill_values=()) -> pd.DataFrame:
    """Records of one ISL file -> time, latitude, longitude, altitude, ne, ni, te, orbit.

    ``orbit`` is the half-orbit id orbit * 10 + orbit type. ``df.attrs["units"]`` holds the
    density and temperature units written in the first record. DemeterFormatError (a
    ValueError) names ``path`` for an unreadable or empty file, a size that is not a whole
    number of records, an impossible date or a CCSDS time that disagrees with the UT field.
    """
    path = Path(path)
    valid_range = valid_range or {}
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DemeterFormatError(f"{path}: cannot read ({exc})") from exc
    if not data or len(data) % RECORD_BYTES:
        raise DemeterFormatError(
            f"{path}: {len(data)} bytes is not a whole number of {RECORD_BYTES}-byte DEMETER "
            "ISL records (is it an ISL 1143/1144 file?)"
        )
    rec = np.frombuffer(data, dtype=RECORD)
    ut = rec["ut"].astype(np.int64)
    year, month, day, hour, minute, second, ms = ut.T
    ok = (
        (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hour >= 0) & (hour <= 23)
        & (minute >= 0) & (minute <= 59) & (second >= 0) & (second <= 60) & (ms >= 0) & (ms <= 999)
    )  # fmt: skip
    dates = pd.DataFrame(
        {
            "year": np.where(ok, year, 1970),
            "month": np.where(ok, month, 1),
            "day": np.where(ok, day, 1),
        }
    )
    midnight = np.asarray(pd.to_datetime(dates, errors="coerce"), "datetime64[ns]")
    ok &= ~np.isnat(midnight)
    if not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        raise DemeterFormatError(
            f"{path}: record {k} has an impossible UT date/time {ut[k].tolist()}"
        )
    # a leap second (second 60) runs into the next day's 00:00:00, as datetime64 has none
    time = midnight + (((hour * 60 + minute) * 60 + second) * 1000 + ms) * np.timedelta64(1, "ms")
    octets = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD_BYTES)[:, 1:4]
    days = octets.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    ccsds = DAY0 + (days * 86_400_000 + rec["ms_of_day"].astype(np.int64)) * 1_000_000
    off = np.abs((ccsds - time).astype(np.int64))
    if (off > 1_000_000_000).any():
        k = int(np.argmax(off))
        raise DemeterFormatError(
            f"{path}: record {k}: CCSDS time {ccsds[k]} disagrees with UT {time[k]} "
            "(misaligned records?)"
        )
    out = {"time": time}
    for col, field in (("latitude", "lat"), ("longitude", "lon"), ("altitude", "alt")):
        out[col] = mask_invalid(
            rec[field],
            extra_range=valid_range[col] if col in valid_range else None,
            fill_values=fill_values,
        )
    for col in PAYLOAD:
        out[col] = mask_invalid(
            rec[col],
            extra_range=valid_range[col] if col in valid_range else None,
            fill_values=fill_values,
        )
    kind = rec["orbit_type"]
    if not np.isin(kind, (0, 1)).all():
        k = int(np.flatnonzero(~np.isin(kind, (0, 1)))[0])
        raise DemeterFormatError(f"{path}: record {k} has orbit type {kind[k]}, not 0 or 1")
    out["orbit"] = rec["orbit"].astype(np.int64) * 10 + rec["orbit_type"].astype(np.int64)
    df = pd.DataFrame(out)
    df.attrs["units"] = {
        "ne": rec["density_units"][0].decode("ascii", "replace").strip("\x00 "),
        "te": rec["temperature_units"][0].decode("ascii", "replace").strip("\x00 "),
    }
    return df
