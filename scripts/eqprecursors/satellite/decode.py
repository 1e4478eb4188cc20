"""One satellite's half-orbit files -> one along-track series at the study cadence (netCDF).

Output (``results/decoded/satellite/{sat}.nc``): one dimension ``time`` (datetime64[ns],
UTC, strictly increasing, duplicates removed); float64 ``latitude``, ``longitude``
(deg, -180..180), ``altitude`` (km), ``ne`` (cm^-3), ``te`` (K), ``local_time`` (solar local
time, hours 0..24, UT + longitude / 15); int64 ``orbit`` (half-orbit id = orbit number * 10 +
half digit). Global attributes: satellite, mission, source, format, cadence_s,
max_interpolation_gap_s, files (how many were read).

Steps, per file (= one half-orbit):

1. read with the format's reader (``format``): ``cses_hdf5`` (:mod:`eqprecursors.io.cses`),
   ``demeter_cdf`` (the generator's DEMETER-like CDF) or ``cdf`` (any CDF, e.g. DE-2;
   :mod:`eqprecursors.io.cdf`), ``demeter_l1`` (CDPP Level-1 ISL binary,
   :mod:`eqprecursors.io.demeter`); ``auto`` = ``cses_hdf5`` for mission cses,
   ``demeter_cdf`` for demeter. Variable names come from ``variables`` over the format's
   defaults (:data:`DEFAULT_VARIABLES`); validity from each file's fill/valid attributes
   plus ``valid_range`` / ``fill_values``. An unreadable, malformed or empty file is an
   error naming the file;
2. drop samples without time or position, sort by time, drop repeated times;
3. interpolate linearly onto the cadence grid (multiples of ``cadence_s`` since
   1970-01-01, so neighbouring half-orbits share one grid): a grid time between two samples
   at most ``max_gap_s`` apart gets their interpolation (longitude across the date line
   the short way round), one on a sample its value; grid times in longer gaps are
   left out, so no value is made up across a gap, and NaN stays NaN (a grid time next to
   a missing Ne has no Ne). Never across half-orbits: each file is interpolated alone;
4. the orbit id from the file name's 6-digit orbit field; else from the file (CSES
   ORBITNUM/ORBITTYPE, DEMETER L1 header); else -1.

Then all files are joined, samples outside the mission's ``start``..``end`` (UT days,
inclusive) dropped, repeated times dropped (first file wins) and the netCDF written
atomically.

Streaming (issue 11): a mission is years of files (DEMETER 2005-2010 is ~90 million samples,
~6 GB as float64), so nothing holds it whole. Each file is reduced and cut to the period as
it is read and parked on disk (:class:`~.spool.SampleSpool`, beside the output); the spool
then hands the samples back in time order, a group of time-overlapping files at a time, and
they are written slice by slice with netCDF4 into a file laid out as xarray wrote it before
(fixed ``time`` dimension, contiguous variables, same attributes). Peak memory: the largest
file or group of overlapping files, plus :data:`WRITE_BLOCK` samples.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_path
from eqprecursors.io.cdf import read_cdf
from eqprecursors.io.cses import orbit_from_attrs, read_cses_l2
from eqprecursors.io.demeter import read_demeter_l1
from eqprecursors.io.satellite import CSES_VARIABLES, DEMETER_VARIABLES, half_orbit_id
from eqprecursors.satellite.spool import SampleSpool

COLUMNS = ("latitude", "longitude", "altitude", "ne", "te")
VARIABLE_KEYS = ("time", *COLUMNS)
_SHORT = {"time": "time", "latitude": "lat", "longitude": "lon", "altitude": "alt"}
FORMATS = ("cses_hdf5", "demeter_cdf", "cdf", "demeter_l1")
FORMAT_BY_MISSION = {"cses": "cses_hdf5", "demeter": "demeter_cdf"}
DEFAULT_VARIABLES: dict[str, dict[str, str]] = {
    "cses_hdf5": {k: CSES_VARIABLES[_SHORT.get(k, k)] for k in VARIABLE_KEYS},
    "demeter_cdf": {k: DEMETER_VARIABLES[_SHORT.get(k, k)] for k in VARIABLE_KEYS},
    "cdf": {},
    "demeter_l1": {},
}
"""Variable names per format (config keys -> names in the file); ``cdf`` has none."""
EXTENSIONS = {
    "cses_hdf5": (".h5", ".hdf5", ".he5"),
    "demeter_cdf": (".cdf",),
    "cdf": (".cdf",),
    "demeter_l1": (".dat",),
}
ATTRS = {
    "latitude": ("degrees_north", "Geographic latitude"),
    "longitude": ("degrees_east", "Geographic longitude"),
    "altitude": ("km", "Altitude"),
    "ne": ("cm^-3", "Electron density"),
    "te": ("K", "Electron temperature"),
    "local_time": ("h", "Solar local time, UT + longitude / 15"),
    "orbit": ("1", "Half-orbit id: orbit number * 10 + half digit (-1 unknown)"),
}


class SatelliteDecodeError(ValueError):
    """A file or a setting the decoder cannot use; the message names it."""


def resolve_format(mission: str, fmt: str = "auto") -> str:
    if fmt == "auto":
        if mission not in FORMAT_BY_MISSION:
            raise SatelliteDecodeError(f"mission {mission!r}: no default format; set `format`")
        return FORMAT_BY_MISSION[mission]
    if fmt not in FORMATS:
        raise SatelliteDecodeError(f"format {fmt!r} is not one of {FORMATS}")
    return fmt


def variable_map(fmt: str, variables: dict | None, where: str = "variables") -> dict[str, str]:
    """Config ``variables`` over the format's defaults; every key must end up named."""
    variables = dict(variables or {})
    unknown = sorted(set(variables) - set(VARIABLE_KEYS))
    if unknown:
        raise SatelliteDecodeError(f"{where}: unknown key(s) {unknown}; use {VARIABLE_KEYS}")
    if fmt == "demeter_l1":
        if variables:
            raise SatelliteDecodeError(f"{where}: demeter_l1 has a fixed layout; remove it")
        return {}
    mapping = {**DEFAULT_VARIABLES[fmt], **variables}
    missing = [k for k in VARIABLE_KEYS if k not in mapping]
    if missing:
        raise SatelliteDecodeError(f"{where}: format {fmt} needs the variable names of {missing}")
    return mapping


def input_files(inputs, fmt: str, where: str = "inputs") -> list[Path]:
    """Files of the format among ``inputs`` (files, or directories read for such files).

    Hidden files in a directory (``.snakemake_timestamp``) are passed over; any other file
    without the format's extension is skipped with a warning.
    """
    paths = [Path(inputs)] if isinstance(inputs, str | Path) else [Path(p) for p in inputs]
    found, skipped = [], []
    for p in paths:
        listing = (
            [f for f in sorted(p.iterdir()) if not f.name.startswith(".")] if p.is_dir() else [p]
        )
        for f in listing:
            if f.is_file() and f.suffix.lower() in EXTENSIONS[fmt]:
                found.append(f)
            elif f.is_file() or not f.exists():
                skipped.append(f)
    if skipped:
        warnings.warn(
            f"not {fmt} files ({EXTENSIONS[fmt]}), skipped: {[str(s) for s in skipped[:5]]}"
            + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""),
            stacklevel=2,
        )
    if not found:
        names = [str(p) for p in paths]
        raise SatelliteDecodeError(f"{where}: no {fmt} file ({EXTENSIONS[fmt]}) in {names}")
    return sorted(set(found))


def read_half_orbit(
    path, fmt: str, mapping: dict[str, str], *, valid_range=None, fill_values=()
) -> tuple[pd.DataFrame, int]:
    """(samples with time + COLUMNS, half-orbit id) of one file; errors name the file."""
    path = Path(path)
    kw = dict(valid_range=valid_range or {}, fill_values=list(fill_values or ()))
    try:
        if fmt == "cses_hdf5":
            df = read_cses_l2(path, mapping, **kw)
            from_file = orbit_from_attrs(df.attrs["root"])
        elif fmt == "demeter_l1":
            df = read_demeter_l1(path, **kw)
            ids = np.unique(df["orbit"])
            from_file = int(ids[0]) if ids.size == 1 else None
        else:
            df, from_file = read_cdf(path, mapping, **kw), None
    except (KeyError, ValueError, OSError) as exc:
        text = str(exc.args[0]) if exc.args else repr(exc)
        raise SatelliteDecodeError(text if str(path) in text else f"{path}: {text}") from exc
    if df.empty:
        raise SatelliteDecodeError(f"{path}: the file holds no records")
    if not (df["time"].notna() & df["latitude"].notna() & df["longitude"].notna()).any():
        raise SatelliteDecodeError(f"{path}: no record has a valid time and position")
    orbit = half_orbit_id(path.name)
    if orbit is not None and from_file is not None and orbit != from_file:
        warnings.warn(f"{path}: orbit {orbit} in the name, {from_file} in the file", stacklevel=2)
    orbit = from_file if orbit is None else orbit
    return df[["time", *COLUMNS]], -1 if orbit is None else int(orbit)


def wrap_longitude(lon: np.ndarray) -> np.ndarray:
    """Degrees east into [-180, 180)."""
    return (np.asarray(lon, dtype=np.float64) + 180.0) % 360.0 - 180.0


def to_cadence(df: pd.DataFrame, cadence_s: float, max_gap_s: float) -> pd.DataFrame:
    """Samples of one half-orbit interpolated onto the cadence grid (module docstring)."""
    df = df[df["time"].notna() & df["latitude"].notna() & df["longitude"].notna()]
    df = df.sort_values("time", kind="stable").drop_duplicates("time")
    t = df["time"].to_numpy("datetime64[ns]").astype(np.int64)
    if t.size == 0:
        return pd.DataFrame({"time": np.array([], "datetime64[ns]"), **{c: [] for c in COLUMNS}})
    step = int(round(cadence_s * 1e9))
    grid = np.arange(-(-t[0] // step), t[-1] // step + 1, dtype=np.int64) * step
    i = np.searchsorted(t, grid, side="right") - 1
    j = np.minimum(i + 1, t.size - 1)
    exact = t[i] == grid
    span = t[j] - t[i]
    keep = exact | ((j > i) & (span <= max_gap_s * 1e9))
    grid, i, j, exact, span = grid[keep], i[keep], j[keep], exact[keep], span[keep]
    frac = np.where(exact, 0.0, (grid - t[i]) / np.where(span > 0, span, 1))
    out = {"time": grid.astype("datetime64[ns]")}
    for col in COLUMNS:
        v = df[col].to_numpy(np.float64)
        delta = v[j] - v[i]
        if col == "longitude":
            delta = wrap_longitude(delta)
        value = np.where(exact, v[i], v[i] + frac * delta)
        out[col] = wrap_longitude(value) if col == "longitude" else value
    return pd.DataFrame(out)


def local_time(time: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Solar local time in hours [0, 24): UT + longitude / 15."""
    t = np.asarray(time, dtype="datetime64[ns]")
    ut_h = (t - t.astype("datetime64[D]")).astype(np.int64) / 3.6e12
    return (ut_h + np.asarray(longitude, dtype=np.float64) / 15.0) % 24.0


WRITE_BLOCK = 1 << 18
"""Samples gathered before a netCDF write (~17 MB): few large writes, memory still bounded."""
OUTPUT_VARIABLES = (*COLUMNS, "local_time")
"""The float64 variables of the output, in the order the file holds them (then orbit, time)."""
TIME_UNITS = "nanoseconds since 1970-01-01"


def create_series(nc, n: int, attrs: dict) -> None:
    """Dimension, variables and attributes of the output, laid out as xarray wrote them."""
    nc.setncatts(attrs)
    nc.createDimension("time", n)
    for name in (*OUTPUT_VARIABLES, "orbit"):
        is_float = name != "orbit"
        var = nc.createVariable(
            name, "f8" if is_float else "i8", ("time",),
            fill_value=np.nan if is_float else None, contiguous=True,
        )  # fmt: skip
        units, long_name = ATTRS[name]
        var.setncatts({"units": units, "long_name": long_name})
    time = nc.createVariable("time", "i8", ("time",), contiguous=True)
    time.setncatts({"long_name": "UTC", "units": TIME_UNITS, "calendar": "proleptic_gregorian"})
    nc.set_auto_maskandscale(False)  # values go in as they are (NaN stays NaN)


def write_samples(nc, pos: int, parts: list[dict]) -> int:
    """Append merged samples at row ``pos`` (local time added); returns the next row."""
    block = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    block["local_time"] = local_time(block["time"].astype("datetime64[ns]"), block["longitude"])
    end = pos + block["time"].size
    for name in (*OUTPUT_VARIABLES, "orbit", "time"):
        nc.variables[name][pos:end] = block[name]
    return end


def decode_satellite(
    inputs,
    out_nc,
    *,
    satellite: str,
    mission: str,
    source: str = "synthetic",
    format: str = "auto",
    variables: dict | None = None,
    valid_range: dict | None = None,
    fill_values=(),
    start: str | None = None,
    end: str | None = None,
    cadence_s: float = 1.5,
    max_gap_s: float = 10.0,
    write_block: int = WRITE_BLOCK,
) -> Path:
    """Decode ``inputs`` (files or directories) of one satellite into ``out_nc``.

    Keyword arguments are the ``satellites.{satellite}`` config entry (``format``,
    ``variables``, ``valid_range``, ``fill_values``, ``start``, ``end``) and the study's
    ``cadence_s`` / ``max_interpolation_gap_s`` (``max_gap_s``); ``write_block`` bounds the
    samples gathered per write. Returns the output path.
    """
    import netCDF4

    where = f"satellites.{satellite}"
    if not (cadence_s > 0 and max_gap_s > 0):
        raise SatelliteDecodeError(f"cadence_s {cadence_s} and max_gap_s {max_gap_s} must be > 0")
    fmt = resolve_format(mission, format)
    mapping = variable_map(fmt, variables, f"{where}.variables")
    bad_keys = sorted(set(valid_range or {}) - set(COLUMNS))
    if bad_keys:
        raise SatelliteDecodeError(f"{where}.valid_range: unknown key(s) {bad_keys}")
    files = input_files(inputs, fmt, where)
    out_nc = Path(out_nc)
    columns = {"time": "i8", **dict.fromkeys(COLUMNS, "f8")}
    with SampleSpool(out_nc.parent, columns, {"orbit": "i8"}, prefix=f".{out_nc.name}.") as spool:
        for path in files:
            df, orbit = read_half_orbit(
                path, fmt, mapping, valid_range=valid_range, fill_values=fill_values
            )
            part = to_cadence(df, cadence_s, max_gap_s)
            t = part["time"].to_numpy("datetime64[ns]")
            keep = np.ones(t.size, dtype=bool)
            if start is not None:
                keep &= t >= np.datetime64(str(start), "ns")
            if end is not None:
                keep &= t < np.datetime64(str(end), "D") + np.timedelta64(1, "D")
            arrays = {c: part[c].to_numpy(np.float64)[keep] for c in COLUMNS}
            spool.append({"time": t[keep].astype(np.int64), **arrays}, orbit=orbit)
            del df, part, arrays
        n = spool.count()
        if n == 0:
            raise SatelliteDecodeError(
                f"{where}: no samples left from {len(files)} file(s) in {start}..{end} "
                f"(first file {files[0]})"
            )
        attrs = {
            "satellite": satellite,
            "mission": mission,
            "source": source,
            "format": fmt,
            "cadence_s": np.float64(cadence_s),
            "max_interpolation_gap_s": np.float64(max_gap_s),
            "files": np.int64(len(files)),
        }
        with atomic_path(out_nc, suffix=".nc") as tmp, netCDF4.Dataset(tmp, "w") as nc:
            create_series(nc, n, attrs)
            pos, pending, size = 0, [], 0
            for merged in spool.merged():
                pending.append(merged)
                size += merged["time"].size
                if size >= write_block:
                    pos, pending, size = write_samples(nc, pos, pending), [], 0
            if pending:
                pos = write_samples(nc, pos, pending)
            if pos != n:
                raise RuntimeError(f"{out_nc}: wrote {pos} samples of {n}")  # spool bug
    return out_nc
