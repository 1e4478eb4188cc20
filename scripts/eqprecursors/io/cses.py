"""CSES-01 Level-2 HDF5 files (LAP and the other payloads' L2 layout), read with h5py.

The real layout, which this reader follows (the synthetic writer in
:mod:`eqprecursors.io.satellite` writes the same):

* root datasets shaped (N, 1); some payloads store (N, k) -- the reader takes column 0
  (the first sample of each row) and says so here rather than guessing a flattening;
* ``UTC_TIME``: int64 ``YYYYMMDDHHMMSSmmm`` whose ``Units`` attribute reads
  ``YYYYMMDDHHMMSS.mmm``; a float64 ``YYYYMMDDHHMMSS.mmm`` (the value the units describe) is
  read too, and ``VERSE_TIME`` (int64 ms since 2009-01-01);
* per dataset: ``FillValue`` (seen -999999 and -9999, different from one dataset to the
  next), ``ValidRange`` (two numbers, or a string holding two), ``LongName`` and a units
  attribute spelled ``Units`` or ``units``;
* root attributes include ``ORBITNUM`` and ``ORBITTYPE``; in file names the 6-digit orbit
  field is the 5-digit orbit number plus a 0/1 half-orbit digit
  (``CSES_01_LAP_1_L02_A3_043760_20181119_...``).

Validity comes from each file's own ``FillValue``/``ValidRange`` (ValidRange only for the
payload columns, like the CDF reader) plus the caller's ``valid_range``/``fill_values``;
no physical limit is written into the reader.

Errors: a file h5py cannot read (whatever it raises inside) or a malformed dataset is a
:class:`CsesFormatError`, a missing dataset a
:class:`~eqprecursors.io.parsing.MissingVariableError` (also a KeyError); both name the
file. Datasets of zero rows give an empty frame (the file really holds none; the satellite
decoder refuses it by name).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from eqprecursors.io.cdf import mask_invalid
from eqprecursors.io.parsing import FormatError, MissingVariableError, library_call

#: VERSE_TIME origin of CSES.
VERSE_EPOCH = pd.Timestamp("2009-01-01")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: |VERSE_TIME| (ms) beyond which datetime64[ns] overflows: ~250 years either side.
_VERSE_MAX_MS = 7_000_000_000_000


class CsesFormatError(FormatError):
    """A CSES HDF5 file that cannot be read; the message names the file."""


def attr_str(value) -> str:
    """An HDF5 attribute as text (bytes decoded, 1-element arrays unwrapped)."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.ravel()[0]
    if isinstance(value, bytes | np.bytes_):
        return value.decode("ascii", "replace").strip("\x00 ")
    return str(value).strip()


def attr_numbers(value) -> list[float]:
    """Numbers of a numeric attribute, or those written in a text one (``"-90.0~90.0"``)."""
    if isinstance(value, str | bytes | np.bytes_) or (
        isinstance(value, np.ndarray) and value.dtype.kind in "SUO"
    ):
        return [float(x) for x in _NUMBER.findall(attr_str(value))]
    return [float(x) for x in np.asarray(value, dtype=float).ravel()]


def first_attr(attrs, *names):
    """The first of ``names`` present in ``attrs`` (spellings vary: Units/units), or None."""
    for name in names:
        if name in attrs:
            return attrs[name]
    return None


def utc_time_code(time_ns: np.ndarray) -> np.ndarray:
    """int64 ``YYYYMMDDHHMMSSmmm`` (CSES UTC_TIME) from int64 ns."""
    t = pd.DatetimeIndex(np.asarray(time_ns, dtype=np.int64).astype("datetime64[ns]"))
    return (
        t.year.to_numpy(np.int64) * 10**13
        + t.month.to_numpy(np.int64) * 10**11
        + t.day.to_numpy(np.int64) * 10**9
        + t.hour.to_numpy(np.int64) * 10**7
        + t.minute.to_numpy(np.int64) * 10**5
        + t.second.to_numpy(np.int64) * 10**3
        + (t.microsecond.to_numpy(np.int64) // 1000)
    )


def parse_utc_time_code(code: np.ndarray) -> np.ndarray:
    """datetime64[ns] of int64 ``YYYYMMDDHHMMSSmmm`` codes; impossible codes -> NaT."""
    c = np.asarray(code, dtype=np.int64).ravel()
    frame = pd.DataFrame(
        {
            "year": c // 10**13,
            "month": c // 10**11 % 100,
            "day": c // 10**9 % 100,
            "hour": c // 10**7 % 100,
            "minute": c // 10**5 % 100,
            "second": c // 10**3 % 100,
            "ms": c % 1000,
        }
    )
    bad = (c <= 0) | (frame["hour"] > 23) | (frame["minute"] > 59) | (frame["second"] > 60)
    frame.loc[bad.to_numpy(), "month"] = 0  # to_datetime turns these into NaT
    t = pd.to_datetime(frame, errors="coerce")
    return np.asarray(t, dtype="datetime64[ns]")


def cses_times(raw: np.ndarray, *, name: str, units: str, fill: float | None) -> np.ndarray:
    """datetime64[ns] of a CSES time dataset (fill -> NaT)."""
    raw = np.asarray(raw)
    valid = np.ones(raw.shape, dtype=bool) if fill is None else raw != fill
    if name.upper() == "VERSE_TIME":
        valid &= np.abs(raw) < _VERSE_MAX_MS
        ms = np.where(valid, raw, 0).astype(np.int64)
        t = (VERSE_EPOCH.value + ms * 1_000_000).astype("datetime64[ns]")
        t[~valid] = np.datetime64("NaT")
        return t
    good = raw[valid]
    top = float(np.max(good)) if good.size else 0.0
    if raw.dtype.kind in "iu" and top >= 1e16:  # YYYYMMDDHHMMSSmmm
        code = raw.astype(np.int64)
    elif raw.dtype.kind == "f" and 1e13 <= top < 1e15:  # YYYYMMDDHHMMSS.mmm
        whole = np.floor(raw)
        code = whole.astype(np.int64) * 1000 + np.round((raw - whole) * 1000).astype(np.int64)
    elif not good.size:
        code = np.zeros(raw.shape, dtype=np.int64)
    else:
        raise ValueError(
            f"time dataset {name} ({raw.dtype}, Units {units!r}, max {top:.6g}) is neither "
            "YYYYMMDDHHMMSSmmm nor YYYYMMDDHHMMSS.mmm nor VERSE_TIME"
        )
    t = parse_utc_time_code(np.where(valid, code, 0))
    return t


def _column(raw: np.ndarray, name: str) -> np.ndarray:
    if raw.ndim == 2:
        return raw[:, 0]  # (N, 1) in LAP files; (N, k): the first column, documented above
    if raw.ndim == 1:
        return raw
    raise ValueError(f"dataset {name} has shape {raw.shape}; expected (N,), (N, 1) or (N, k)")


def read_cses_l2(
    path,
    variables: dict[str, str],
    *,
    payload=("ne", "te"),
    valid_range: dict | None = None,
    fill_values=(),
) -> pd.DataFrame:
    """One column per ``variables`` item (output column -> dataset name); ``time`` decoded.

    ``df.attrs`` holds ``root`` (root attributes as text, e.g. ORBITNUM, ORBITTYPE) and
    ``units`` (column -> the dataset's units attribute). MissingVariableError (a KeyError)
    for a missing dataset, CsesFormatError (a ValueError) for a malformed file, both naming
    ``path``.
    """
    import h5py

    valid_range = valid_range or {}
    if "time" not in variables:
        raise KeyError(f"{path}: no `time` dataset named in {variables}")

    def lib(what, call, *args):
        return library_call(CsesFormatError, path, what, call, *args)

    h5 = lib("the file as HDF5", h5py.File, path, "r")
    out: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    with h5:
        wanted = sorted(set(variables.values()))
        missing = lib("the HDF5 root group", lambda: [v for v in wanted if v not in h5])
        if missing:
            names = lib("the HDF5 root group", lambda: sorted(str(k) for k in h5))
            raise MissingVariableError(f"{path}: HDF5 lacks dataset(s) {missing}; has {names}")
        n = None
        for col, name in [("time", variables["time"]), *variables.items()]:
            if col in out:
                continue
            values, attrs = lib(f"dataset {name}", _load, h5, name)
            try:
                raw = _column(values, name)
                if n is None:
                    n = raw.shape[0]
                elif raw.shape[0] != n:
                    raise ValueError(f"dataset {name} has {raw.shape[0]} rows, time has {n}")
                out[col], units[col] = _decode(
                    col, name, raw, attrs, path, payload, valid_range, fill_values
                )
            except (ValueError, TypeError) as exc:
                raise CsesFormatError(f"{path}: {exc}") from exc
        root = lib("the root attributes", lambda: {k: attr_str(v) for k, v in h5.attrs.items()})
    df = pd.DataFrame(out)
    df.attrs.update(root=root, units=units)
    return df


def _load(h5, name: str) -> tuple[np.ndarray, dict]:
    """A dataset's values and attributes (inside :func:`library_call`: h5py raises freely)."""
    ds = h5[name]
    return np.asarray(ds[()]), {k: ds.attrs[k] for k in ds.attrs}


def _decode(col, name, raw, attrs, path, payload, valid_range, fill_values):
    """(values, units) of one dataset: times decoded, others masked (module docstring)."""
    unit = first_attr(attrs, "Units", "units", "UNITS")
    unit = "" if unit is None else attr_str(unit)
    fill = first_attr(attrs, "FillValue", "_FillValue", "fillvalue")
    fill = attr_numbers(fill)[0] if fill is not None and attr_numbers(fill) else None
    if col == "time":
        return cses_times(raw, name=name, units=unit, fill=fill), unit
    valid = None
    rng = first_attr(attrs, "ValidRange", "validrange", "VALIDRANGE")
    if col in payload and rng is not None:
        lo_hi = attr_numbers(rng)
        if len(lo_hi) >= 2:
            valid = (min(lo_hi[:2]), max(lo_hi[:2]))
        else:
            warnings.warn(f"{path}: {name} ValidRange {rng!r} unreadable", stacklevel=3)
    extra = valid_range[col] if col in valid_range else None
    values = mask_invalid(raw, fill=fill, valid=valid, extra_range=extra, fill_values=fill_values)
    return values, unit


def orbit_from_attrs(root: dict[str, str]) -> int | None:
    """Half-orbit id (orbit * 10 + half digit) from ORBITNUM/ORBITTYPE, or None.

    ORBITNUM holds the orbit number (5 digits; a 6-digit value is taken as orbit + half
    digit). ORBITTYPE holds the half digit (0/1) or a letter: D(escending) = 0, A(scending)
    = 1, the convention of the file names' half digit (0 = descending, day side).
    """
    num = root.get("ORBITNUM", "").strip()
    if not num.isdigit():
        return None
    if len(num) == 6:
        return int(num)
    kind = root.get("ORBITTYPE", "").strip().upper()
    half = {"0": 0, "1": 1, "D": 0, "A": 1}.get(kind[:1]) if kind else None
    return None if half is None else int(num) * 10 + half
