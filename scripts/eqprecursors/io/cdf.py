"""CDF files (NASA Common Data Format) read with cdflib: time variables, fill and validity.

Times: ``CDF_EPOCH`` (float64 ms since 0000-01-01), ``CDF_EPOCH16`` (complex: s since
0000-01-01 + ps) and ``CDF_TIME_TT2000`` (int64 ns since J2000, leap seconds counted; a
leap second 23:59:60 becomes 00:00:00 of the next day, as datetime64 has none). Their fill
values (-1e31, -1e31-1e31j, -2**63) become NaT.

Data values become NaN when they equal the variable's ``FILLVAL`` attribute, are not finite,
or *plainly are fill*: ``|v| >= 1e30``, the magnitude of the ISTP fill -1e31, which no
quantity in these products reaches. The last rule is there because real files are not
always consistent: the DE-2 RPA file in ``tests/data/cdf`` declares ``FILLVAL = -1e-31``
but writes -1e+31. Values outside ``VALIDMIN``/``VALIDMAX`` become NaN only for the
payload columns (``payload``): coordinates are left alone, since real files store them
outside their declared ranges (DE-2 longitudes run -122..168 against VALIDMIN 0).
Extra limits come from the caller (``valid_range``, ``fill_values``: the workflow's config).

Errors: a file cdflib cannot parse (whatever cdflib raises inside), one whose internal
records do not add up (:mod:`.cdf_guard`, checked before cdflib walks them) or a malformed
variable is a :class:`CdfFormatError`, a missing variable a
:class:`~eqprecursors.io.parsing.MissingVariableError` (also a KeyError); both name the
file. A CDF whose time variable holds no record gives an empty frame: the file really
holds none, and the satellite decoder refuses it by name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.io.cdf_guard import (
    COMPRESSED,
    CdfFormatError,
    check_cdf_structure,
    check_record_range,
)
from eqprecursors.io.parsing import MissingVariableError, library_call

__all__ = ["CdfFormatError", "cdf_times", "mask_invalid", "read_cdf"]

#: ms between 0000-01-01 (CDF_EPOCH origin) and 1970-01-01.
CDF_EPOCH_UNIX_OFFSET_MS = 62_167_219_200_000
#: |value| at and above which a number is fill, whatever FILLVAL says.
PLAIN_FILL = 1.0e30
VALID_KEYS = ("VALIDMIN", "VALIDMAX")
TIME_TYPES = ("CDF_EPOCH", "CDF_EPOCH16", "CDF_TIME_TT2000")
#: CDF_EPOCH ms beyond which datetime64[ns] overflows (2262-04-11).
_EPOCH_MAX_MS = CDF_EPOCH_UNIX_OFFSET_MS + np.iinfo(np.int64).max // 1_000_000


def cdf_times(raw: np.ndarray, dtype: str) -> np.ndarray:
    """datetime64[ns] of a CDF time variable's values (fill -> NaT)."""
    import cdflib

    if dtype not in TIME_TYPES:
        raise ValueError(f"time variable has type {dtype}, not one of {TIME_TYPES}")
    raw = np.asarray(raw)
    if dtype == "CDF_EPOCH":  # vectorised: cdflib's loop is slow on a day of samples
        ms = raw.astype(np.float64).ravel()
        ok = np.isfinite(ms) & (ms > 0) & (ms < _EPOCH_MAX_MS)
        ns = np.where(ok, np.round((ms - CDF_EPOCH_UNIX_OFFSET_MS) * 1e6), 0).astype(np.int64)
        t = ns.astype("datetime64[ns]")
        t[~ok] = np.datetime64("NaT")
        return t
    if raw.size == 0:
        return np.array([], dtype="datetime64[ns]")
    return np.asarray(cdflib.cdfepoch.to_datetime(raw.ravel()), dtype="datetime64[ns]")


def _scalar(value) -> float | None:
    try:
        return float(np.asarray(value, dtype=float).ravel()[0])
    except (TypeError, ValueError, IndexError):
        return None


def _column(raw: np.ndarray, n: int, name: str) -> np.ndarray:
    """(N,) values of a record-varying variable; (N, k) -> column 0."""
    raw = np.asarray(raw)
    if raw.ndim == 2:
        raw = raw[:, 0]
    if raw.ndim != 1 or raw.shape[0] != n:
        raise ValueError(f"variable {name} has shape {raw.shape}, expected ({n},) records")
    return raw


def mask_invalid(
    values: np.ndarray,
    *,
    fill: float | None = None,
    valid: tuple[float, float] | None = None,
    extra_range: tuple[float, float] | list | None = None,
    fill_values=(),
) -> np.ndarray:
    """float64 copy of ``values`` with fill, plain fill and out-of-range values as NaN."""
    raw = np.asarray(values)
    vals = raw.astype(np.float64)
    bad = ~np.isfinite(vals) | (np.abs(vals) >= PLAIN_FILL)
    if fill is not None:
        # compare in the stored type: a float32 fill of -1e31 is not float64 -1e31
        stored = np.asarray(fill).astype(raw.dtype) if raw.dtype.kind == "f" else fill
        bad |= (raw if raw.dtype.kind == "f" else vals) == stored
    for f in fill_values:
        bad |= vals == float(f)
    for lo_hi in (valid, extra_range):
        if lo_hi is not None:
            lo, hi = float(lo_hi[0]), float(lo_hi[1])
            bad |= (vals < lo) | (vals > hi)
    vals[bad] = np.nan
    return vals


def read_cdf(
    path,
    variables: dict[str, str],
    *,
    payload=("ne", "te"),
    valid_range: dict | None = None,
    fill_values=(),
) -> pd.DataFrame:
    """One column per ``variables`` item (output column -> CDF variable name).

    The ``time`` column is decoded from its CDF time type; every other column is float64
    with invalid values as NaN (module docstring). ``valid_range`` maps columns to extra
    ``[lo, hi]`` limits and ``fill_values`` lists extra fill values, both from config.
    Raises :class:`~eqprecursors.io.parsing.MissingVariableError` (a KeyError) for a
    missing variable and :class:`CdfFormatError` (a ValueError) for a file or variable that
    cannot be read, naming ``path``.
    """
    import cdflib

    valid_range = valid_range or {}
    if "time" not in variables:
        raise KeyError(f"{path}: no `time` variable named in {variables}")

    def lib(what, call, *args):
        return library_call(CdfFormatError, path, what, call, *args)

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CdfFormatError(f"{path}: cannot read ({exc})") from exc
    compressed = data[4:8] == COMPRESSED
    if not compressed:
        check_cdf_structure(path, data)
    cdf = lib("the file as CDF", cdflib.CDF, str(path))
    if compressed:  # cdflib unpacked it into a file of its own: check that one
        data = lib("the unpacked CDF", Path(cdf.file).read_bytes)
        check_cdf_structure(path, data)
    size = len(data)
    info = lib("the CDF's variable list", cdf.cdf_info)
    names = {str(v) for v in [*info.zVariables, *info.rVariables]}
    missing = sorted(v for v in variables.values() if v not in names)
    if missing:
        raise MissingVariableError(f"{path}: CDF lacks variable(s) {missing}; has {sorted(names)}")
    out: dict[str, np.ndarray] = {}

    def values(var):
        check_record_range(path, lib(f"variable {var}", cdf.varinq, var), size)
        raw = lib(f"variable {var}", cdf.varget, var)
        return np.array([]) if raw is None else np.asarray(raw)

    var = variables["time"]
    raw = values(var)
    dtype = lib(f"variable {var}", lambda: cdf.varinq(var).Data_Type_Description)
    out["time"] = lib(f"the times of {var}", cdf_times, raw, dtype)
    n = out["time"].size
    for col, var in variables.items():
        if col == "time":
            continue
        attrs = lib(f"the attributes of {var}", cdf.varattsget, var)
        raw = values(var)
        try:
            raw = _column(np.array([]) if raw is None else raw, n, var)
            valid = None
            if col in payload:
                lo, hi = (_scalar(attrs[k]) if k in attrs else None for k in VALID_KEYS)
                valid = (-np.inf if lo is None else lo, np.inf if hi is None else hi)
            out[col] = mask_invalid(
                raw,
                fill=_scalar(attrs["FILLVAL"]) if "FILLVAL" in attrs else None,
                valid=valid,
                extra_range=valid_range[col] if col in valid_range else None,
                fill_values=fill_values,
            )
        except (ValueError, TypeError) as exc:
            raise CdfFormatError(f"{path}: variable {var}: {exc}") from exc
    return pd.DataFrame(out)
