"""Satellite file formats: DEMETER-like CDF and CSES-like HDF5 writers, and their readers.

Real DEMETER Level-1 data come from the CNES/CDPP archive as binary ``.DAT`` files named
``DMT_N1_<APID>_<orbit><half>_<start>_<end>.DAT``; the SeqNetQuake paper worked from CDF,
so the synthetic DEMETER-like product is a CDF (ISTP-style variable attributes ``FILLVAL``,
``UNITS``, ``VALIDMIN``, ``VALIDMAX``; ``Epoch`` as CDF_EPOCH) with the same name stem:
``DMT_N1_1144_<orbit5><half>_<yyyymmdd_hhmmss>_<yyyymmdd_hhmmss>.cdf``: APID 1144 is the
ISL Langmuir-probe survey product (1143 burst; see :mod:`.demeter`). No reader depends on
the APID. The generator writes the real binary layout too (:mod:`.demeter_writer`).

CSES-01 Level-2 LAP files are HDF5, one per half orbit, named
``CSES_01_LAP_1_L02_A3_<orbit5><half>_<yyyymmdd_hhmmss>_<yyyymmdd_hhmmss>_000.h5`` with
root datasets shaped (N, 1): ``UTC_TIME`` (int64 ``YYYYMMDDHHMMSSmmm``), ``VERSE_TIME``
(int64 ms since 2009-01-01), ``GEO_LAT``, ``GEO_LON``, ``ALTITUDE``, ``MAG_LAT``,
``MAG_LON``, ``A311`` (electron density) and ``A321`` (electron temperature), each with
attributes ``FillValue``, ``LongName``, ``Units``, ``ValidRange``. The synthetic writer
follows that layout exactly.

The readers of the real layouts live in :mod:`.cdf` (any CDF: EPOCH, EPOCH16, TT2000),
:mod:`.cses` (CSES Level-2 HDF5) and :mod:`.demeter` (DEMETER Level-1 ISL binary). Here
:func:`read_demeter_cdf` and :func:`read_cses_hdf5` call them with the default variable maps
below and return ``time`` (datetime64[ns], UTC-naive), ``lat``, ``lon``, ``alt``, ``ne``,
``te`` (+ any extra mapped variables), fill values as NaN; :func:`half_orbit_id` reads the
orbit field of both missions' file names.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_path
from eqprecursors.io.cdf import CDF_EPOCH_UNIX_OFFSET_MS, read_cdf
from eqprecursors.io.cses import (
    VERSE_EPOCH,
    attr_str,
    parse_utc_time_code,
    read_cses_l2,
    utc_time_code,
)
from eqprecursors.io.demeter_writer import APID_SURVEY

__all__ = ["CDF_EPOCH_UNIX_OFFSET_MS", "VERSE_EPOCH", "parse_utc_time_code", "utc_time_code"]

ISTP_FILL = -1.0e31
CSES_FILL = -9999.0

#: Reader variable maps: output column -> variable name in the file.
DEMETER_VARIABLES = {
    "time": "Epoch",
    "lat": "lat",
    "lon": "lon",
    "alt": "alt",
    "ne": "Ne",
    "te": "Te",
}
#: The DE-2 RPA file (tests/data/cdf): ion density/temperature as the nearest public stand-in.
DE2_VARIABLES = {
    "time": "Epoch",
    "lat": "glat",
    "lon": "glon",
    "alt": "alt",
    "ne": "ionDensity",
    "te": "ionTemperature",
}
CSES_VARIABLES = {
    "time": "UTC_TIME",
    "lat": "GEO_LAT",
    "lon": "GEO_LON",
    "alt": "ALTITUDE",
    "mlat": "MAG_LAT",
    "mlon": "MAG_LON",
    "ne": "A311",
    "te": "A321",
}
#: Columns checked against the valid range (coordinates are left alone: real files
#: such as DE-2 store longitudes outside their declared VALIDMIN/VALIDMAX).
PAYLOAD = ("ne", "te")


#: The 6-digit orbit field (5-digit orbit + half digit) before the start time in file names.
ORBIT_FIELD = re.compile(r"_(\d{5})([01])_\d{8}_\d{6}_")


def _half_digit_name(orbit: int, half: int) -> str:
    return f"{int(orbit):05d}{int(half)}"


def half_orbit_id(name: str) -> int | None:
    """orbit * 10 + half digit from a DEMETER or CSES file name, or None if it has none."""
    m = ORBIT_FIELD.search(Path(name).name)
    return None if m is None else int(m.group(1)) * 10 + int(m.group(2))


def demeter_file_name(orbit: int, half: int, start_ns: int, end_ns: int) -> str:
    t0, t1 = pd.Timestamp(start_ns, unit="ns"), pd.Timestamp(end_ns, unit="ns")
    stem = f"DMT_N1_{APID_SURVEY}_{_half_digit_name(orbit, half)}"
    return f"{stem}_{t0:%Y%m%d_%H%M%S}_{t1:%Y%m%d_%H%M%S}.cdf"


def cses_file_name(orbit: int, half: int, start_ns: int, end_ns: int, version: int = 0) -> str:
    t0, t1 = pd.Timestamp(start_ns, unit="ns"), pd.Timestamp(end_ns, unit="ns")
    return (
        f"CSES_01_LAP_1_L02_A3_{_half_digit_name(orbit, half)}_"
        f"{t0:%Y%m%d_%H%M%S}_{t1:%Y%m%d_%H%M%S}_{version:03d}.h5"
    )


# --------------------------------------------------------------------------------------
# DEMETER-like CDF
# --------------------------------------------------------------------------------------


#: DEMETER-like CDF variables: name, CATDESC, units, valid min, valid max, VAR_TYPE.
DEMETER_CDF_SPECS = [
    ("lat", "Geographic latitude", "deg", -90.0, 90.0, "support_data"),
    ("lon", "Geographic longitude", "deg", -180.0, 180.0, "support_data"),
    ("alt", "Geodetic altitude", "km", 0.0, 2000.0, "support_data"),
    ("lt", "Local solar time of the sub-satellite point", "h", 0.0, 24.0, "support_data"),
    ("mlat", "Geomagnetic (centred dipole) latitude", "deg", -90.0, 90.0, "support_data"),
    ("Ne", "Electron density (ISL Langmuir probe)", "cm^-3", 1.0, 1.0e8, "data"),
    ("Te", "Electron temperature (ISL Langmuir probe)", "K", 100.0, 2.0e4, "data"),
]


def write_demeter_cdf(path, data: dict[str, np.ndarray], *, global_attrs: dict[str, str]) -> Path:
    """Write one half-orbit: ``data`` has time_ns, lat, lon, alt, lt, mlat, ne, te (NaN = fill).

    Little-endian encoding, no compression and no checksum, so the bytes depend only on
    the data (same seed -> identical file).
    """
    import cdflib.cdfwrite

    path = Path(path)
    with atomic_path(path, suffix=".cdf") as tmp:
        tmp.unlink()  # cdflib creates the file itself and refuses an existing one
        epoch = data["time_ns"] // 1_000_000 + CDF_EPOCH_UNIX_OFFSET_MS
        cdf = cdflib.cdfwrite.CDF(
            tmp, cdf_spec={"Majority": "row_major", "Encoding": "IBMPC_ENCODING", "Checksum": False}
        )
        try:
            cdf.write_globalattrs({k: {0: v} for k, v in global_attrs.items()})
            n = epoch.size
            cdf.write_var(
                _spec("Epoch", "CDF_EPOCH"),
                var_attrs={
                    "FIELDNAM": "Epoch",
                    "CATDESC": "Time of the sample, UT",
                    "UNITS": "ms",
                    "FILLVAL": [ISTP_FILL, "CDF_EPOCH"],
                    "VALIDMIN": [float(CDF_EPOCH_UNIX_OFFSET_MS + 1_072_915_200_000), "CDF_EPOCH"],
                    "VALIDMAX": [float(CDF_EPOCH_UNIX_OFFSET_MS + 1_924_992_000_000), "CDF_EPOCH"],
                    "VAR_TYPE": "support_data",
                    "MONOTON": "INCREASE",
                },
                var_data=epoch.astype(np.float64),
            )
            for name, desc, units, vmin, vmax, vtype in DEMETER_CDF_SPECS:
                values = np.asarray(data[name.lower()], dtype=np.float32)
                if values.size != n:
                    raise ValueError(f"{name}: {values.size} values for {n} records")
                values = np.where(np.isfinite(values), values, np.float32(ISTP_FILL))
                attrs = {
                    "FIELDNAM": name,
                    "CATDESC": desc,
                    "UNITS": units,
                    "FILLVAL": [ISTP_FILL, "CDF_REAL4"],
                    "VALIDMIN": [vmin, "CDF_REAL4"],
                    "VALIDMAX": [vmax, "CDF_REAL4"],
                    "VAR_TYPE": vtype,
                    "DEPEND_0": "Epoch",
                    "FORMAT": "E12.4" if name in ("Ne", "Te") else "F9.3",
                }
                cdf.write_var(_spec(name, "CDF_REAL4"), var_attrs=attrs, var_data=values)
        finally:
            cdf.close()
    return path


def _spec(name: str, dtype: str) -> dict:
    return {
        "Variable": name,
        "Data_Type": {"CDF_EPOCH": 31, "CDF_REAL4": 21, "CDF_DOUBLE": 45}[dtype],
        "Num_Elements": 1,
        "Rec_Vary": True,
        "Dim_Sizes": [],
        "Compress": 0,
    }


def read_demeter_cdf(path, variables: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a DEMETER-layout (or any ISTP-like) CDF into time, lat, lon, alt, ne, te.

    ``variables`` maps output columns to variable names (default
    :data:`DEMETER_VARIABLES`; :data:`DE2_VARIABLES` for the DE-2 test file). Fill values
    (``FILLVAL`` and anything with ``|v| >= 1e30``) become NaN; payload values outside
    ``VALIDMIN``/``VALIDMAX`` too (:func:`eqprecursors.io.cdf.read_cdf`).
    """
    return read_cdf(path, dict(variables or DEMETER_VARIABLES), payload=PAYLOAD)


# --------------------------------------------------------------------------------------
# CSES-like HDF5
# --------------------------------------------------------------------------------------


def write_cses_hdf5(path, data: dict[str, np.ndarray], *, file_attrs: dict[str, str]) -> Path:
    """Write one half-orbit in the CSES L2 LAP layout (datasets shaped (N, 1))."""
    import h5py

    path = Path(path)
    t = np.asarray(data["time_ns"], dtype=np.int64)
    verse = (t - VERSE_EPOCH.value) // 1_000_000
    specs = [
        ("UTC_TIME", utc_time_code(t), np.int64, "UTC time YYYYMMDDHHMMSSmmm", "ms", None, None),
        ("VERSE_TIME", verse, np.int64, "Time since 2009-01-01 00:00:00", "ms", None, None),
        ("GEO_LAT", data["lat"], np.float32, "Geographic latitude", "degree", -90.0, 90.0),
        ("GEO_LON", data["lon"], np.float32, "Geographic longitude", "degree", -180.0, 180.0),
        ("ALTITUDE", data["alt"], np.float32, "Altitude", "km", 0.0, 2000.0),
        ("MAG_LAT", data["mlat"], np.float32, "Geomagnetic latitude", "degree", -90.0, 90.0),
        ("MAG_LON", data["mlon"], np.float32, "Geomagnetic longitude", "degree", -180.0, 180.0),
        ("A311", data["ne"], np.float32, "Electron density", "cm^-3", 1.0, 1.0e8),
        ("A321", data["te"], np.float32, "Electron temperature", "K", 100.0, 2.0e4),
    ]
    with (
        atomic_path(path, suffix=".h5") as tmp,
        h5py.File(tmp, "w", libver="earliest", track_order=False) as h5,
    ):
        for k, v in file_attrs.items():
            h5.attrs[k] = np.bytes_(v)
        for name, values, dtype, long_name, units, vmin, vmax in specs:
            arr = np.asarray(values, dtype=np.float64 if dtype is np.float32 else np.int64)
            if dtype is np.float32:
                arr = np.where(np.isfinite(arr), arr, CSES_FILL)
                fill = np.float32(CSES_FILL)
                valid = np.array([vmin, vmax], dtype=np.float32)
            else:
                fill = np.int64(-1)
                valid = np.array([arr.min(), arr.max()] if arr.size else [0, 0], dtype=np.int64)
            ds = h5.create_dataset(name, data=arr.astype(dtype).reshape(-1, 1), track_times=False)
            ds.attrs["FillValue"] = fill
            ds.attrs["LongName"] = np.bytes_(long_name)
            ds.attrs["Units"] = np.bytes_(units)
            ds.attrs["ValidRange"] = valid
    return path


def read_cses_hdf5(path, variables: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a CSES L2 (LAP-layout) HDF5 file into time, lat, lon, alt, mlat, mlon, ne, te.

    Datasets may be (N, 1) or (N,); ``FillValue`` and payload values outside
    ``ValidRange`` become NaN (:func:`eqprecursors.io.cses.read_cses_l2`).
    """
    return read_cses_l2(path, dict(variables or CSES_VARIABLES), payload=PAYLOAD)


def dataset_attrs(path, name: str) -> dict[str, object]:
    """Attributes of one HDF5 dataset with byte strings decoded (for tests and checks)."""
    import h5py

    with h5py.File(path, "r") as h5:
        return {
            k: (attr_str(v) if isinstance(v, bytes | np.bytes_ | str) else v)
            for k, v in h5[name].attrs.items()
        }
