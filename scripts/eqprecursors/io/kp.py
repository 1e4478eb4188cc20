"""The planetary Kp index as one tidy 3-hourly series, from any of its public sources.

Kp marks geomagnetically disturbed periods, which the study excludes because a storm
swamps any lithospheric signal. Sources disagree on notation (CelesTrak and OMNI write
Kp x 10 with thirds as ``x3``/``x7``; GFZ writes decimals such as 2.667), on missing values
(blank, ``-1``, ``-1.000``, ``99``, ``null``) and on layout. Every reader returns
``time`` (UTC start of the 3-hour interval) and ``kp`` rounded to 3 decimals like GFZ
(``33 -> 3.333``, ``37 -> 3.667``), with missing values as NaN, never 0: a 0 would read as
"quiet" and let a storm period into the training data. The GFZ request URLs are in
:mod:`eqprecursors.sources.urls`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_write_bytes
from eqprecursors.core.times import to_epoch_ns
from eqprecursors.io.parsing import FormatError, parse_as

log = logging.getLogger(__name__)

KP_COLUMNS = ["time", "kp"]
FORMATS = ("celestrak", "gfz", "gfz_json", "omni2", "csv")
INTERVAL = pd.Timedelta(hours=3)

_THIRDS = {0: 0.0, 3: 1.0 / 3.0, 7: 2.0 / 3.0}


class KpFormatError(FormatError):
    """A Kp file that cannot be read; the message always names the file."""


# --------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------


def kp_from_tenths(values) -> np.ndarray:
    """Kp x 10 (CelesTrak, OMNI) to decimal Kp: ``33 -> 3.333`` (3+), ``37 -> 3.667`` (4-).

    A last digit of 0/3/7 encodes o/+/- thirds. Other last digits occur only in CelesTrak's
    predicted rows (e.g. 22, 35) and are taken as plain tenths. Negative values and NaN
    are missing.
    """
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, np.nan)
    ok = np.isfinite(v) & (v >= 0)
    iv = np.rint(v[ok]).astype(int)
    tens, units = np.divmod(iv, 10)
    frac = np.array([_THIRDS.get(int(u), np.nan) for u in units.ravel()]).reshape(units.shape)
    third = np.isfinite(frac)
    out[ok] = np.where(third, tens + np.nan_to_num(frac), iv / 10.0)
    return np.round(out, 3)


def read_kp(path, fmt: str = "auto", *, include_predicted: bool = False) -> pd.DataFrame:
    """Read a Kp file into a tidy frame ``time`` (datetime64[ns, UTC], interval start), ``kp``.

    ``fmt``: ``auto`` (sniffed), ``celestrak`` (SW-All; observed rows only unless
    ``include_predicted``, which adds the DAILY_PREDICTED block), ``gfz``
    (``Kp_ap_Ap_SN_F107_*.txt``), ``gfz_json`` (the kp.gfz-potsdam.de JSON API),
    ``omni2`` (OMNI2 hourly, word 39 = Kp x 10) or ``csv`` (what :func:`write_kp`
    writes). Times are sorted and unique (a repeated interval keeps its last value).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise KpFormatError(f"{path}: cannot read Kp file ({exc})") from exc
    if fmt == "auto":
        fmt = sniff_kp_format(text, path)
    readers = {
        "celestrak": lambda t: _read_celestrak(t, include_predicted),
        "gfz": _read_gfz,
        "gfz_json": _read_gfz_json,
        "omni2": _read_omni2,
        "csv": _read_csv,
    }
    if fmt in readers:
        read = readers[fmt]
        readers[fmt] = lambda t: _tidy(read(t))
    df = parse_as(
        fmt,
        readers,
        text,
        path,
        error=KpFormatError,
        what="Kp file",
        catch=(ValueError, KeyError, IndexError, TypeError, OverflowError),
    )
    if df.empty:
        raise KpFormatError(f"{path}: no Kp values found (format {fmt})")
    return df


def sniff_kp_format(text: str, path="<text>") -> str:
    """Guess the Kp source format from the content."""
    head = text.lstrip()[:8192]
    if head.startswith("{"):
        return "gfz_json"
    if "BEGIN OBSERVED" in text[:20000] or head.startswith("DATATYPE CssiSpaceWeather"):
        return "celestrak"
    first = head.splitlines()[0].strip().lower() if head else ""
    if first.replace(" ", "") == "time,kp":
        return "csv"
    data = [ln for ln in head.splitlines() if ln.strip() and not ln.startswith("#")]
    if head.startswith("#") and data and len(data[0].split()) >= 28:
        return "gfz"
    if data and len(data[0].split()) >= 50 and re.fullmatch(r"\d{4}", data[0].split()[0]):
        return "omni2"
    raise KpFormatError(
        f"{path}: unrecognised Kp format (expected CelesTrak SW-All, GFZ Kp_ap_Ap_SN_F107 "
        f"text or JSON, OMNI2); starts with {head[:60]!r}"
    )


_DOWNLOADABLE = ("celestrak", "gfz", "gfz_json")


def looks_like_kp(content: bytes, formats=_DOWNLOADABLE) -> bool:
    """Download check: a Kp source in one of ``formats`` (CelesTrak, GFZ text or JSON).

    The format is :func:`sniff_kp_format`'s; a GFZ JSON answer must also parse. Raises
    :class:`KpFormatError` (a ValueError) saying why not.
    """
    text = content.decode("utf-8-sig", errors="replace")
    fmt = sniff_kp_format(text, "<download>")
    if fmt not in formats:
        raise KpFormatError(f"<download>: a {fmt} Kp file, expected {' or '.join(formats)}")
    if fmt == "gfz_json":
        _read_gfz_json(text)
    return True


def looks_like_celestrak(content: bytes) -> bool:
    return looks_like_kp(content, ("celestrak",))


def looks_like_gfz_kp(content: bytes) -> bool:
    return looks_like_kp(content, ("gfz",))


def looks_like_gfz_json(content: bytes) -> bool:
    return looks_like_kp(content, ("gfz_json",))


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Sorted unique UTC times and float Kp; a time or value that does not parse names its
    place (the reader's ``_where``: "line N" or "datetime[i]")."""
    df = df.reset_index(drop=True)
    where = df["_where"] if "_where" in df else pd.Series([f"row {i + 1}" for i in range(len(df))])
    times = _utc(df["time"], where)
    kp = pd.to_numeric(df["kp"], errors="coerce").astype(float)
    bad = kp.isna() & df["kp"].notna() & (df["kp"].astype(str).str.strip() != "")
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise KpFormatError(f"{where.iloc[k]}: Kp {df['kp'].iloc[k]!r} is not a number")
    out = pd.DataFrame({"time": times, "kp": kp})
    out = out[out["time"].notna()]
    out = out.sort_values("time", kind="stable").drop_duplicates("time", keep="last")
    return out.reset_index(drop=True)


def _utc(values: pd.Series, where: pd.Series) -> pd.Series:
    """UTC times; text must be ISO 8601 (what GFZ's JSON and :func:`write_kp` write)."""
    fmt = "ISO8601" if values.dtype == object else None
    try:
        return pd.to_datetime(values, utc=True, format=fmt).dt.as_unit("ns")
    except (ValueError, TypeError, OverflowError):
        for value, place in zip(values, where, strict=True):
            try:
                pd.to_datetime(pd.Series([value]), utc=True, format=fmt).dt.as_unit("ns")
            except (ValueError, TypeError, OverflowError) as exc:
                raise KpFormatError(f"{place}: bad time {value!r} ({exc})") from None
        raise


def _daily_to_3hourly(days: list[str], kp8: np.ndarray, linenos: list[int]) -> pd.DataFrame:
    """Eight values per UT day to one row per 3-hour interval (start times)."""
    # naive datetime64 arithmetic (tz-aware to_numpy() would give objects), UTC at the end
    day0 = pd.to_datetime(pd.Series(days), format="%Y-%m-%d", errors="coerce")
    if day0.isna().any():
        k = int(np.flatnonzero(day0.isna().to_numpy())[0])
        raise KpFormatError(f"line {linenos[k]}: impossible date {days[k]}")
    day0 = day0.dt.as_unit("ns").to_numpy()
    offsets = (np.arange(8) * np.timedelta64(3, "h")).astype("m8[ns]")
    times = (day0[:, None] + offsets[None, :]).ravel()
    return pd.DataFrame({"time": pd.to_datetime(times, utc=True), "kp": kp8.ravel()})


def _whitespace_rows(text: str, columns: list[int], what: str):
    """``columns`` of a whitespace-separated table (``#`` lines are comments) as float, and
    each row's line number. Every row has as many fields as the first: a shorter one is a
    line cut short. A value that is not a number names its line."""
    rows, linenos, width = [], [], None
    for lineno, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if width is None:
            width = len(fields)
            if width <= max(columns):
                raise KpFormatError(
                    f"line {lineno}: {width} fields, {what} has >= {max(columns) + 1}"
                )
        if len(fields) != width:
            raise KpFormatError(f"line {lineno}: {len(fields)} fields, the first row has {width}")
        try:
            rows.append([float(fields[c]) for c in columns])
        except ValueError as exc:
            raise KpFormatError(f"line {lineno}: {exc}") from None
        linenos.append(lineno)
    return np.array(rows, dtype=float).reshape(len(rows), len(columns)), linenos


def _read_celestrak(text: str, include_predicted: bool) -> pd.DataFrame:
    """CelesTrak SW-All (celestrak.org/SpaceData/SpaceWx-format.php).

    FORMAT(I4,I3,I3,I5,I3,8I3,...): year, month, day, BSRN, ND, then eight Kp x 10 in
    columns 19-42, one per 3-hour interval from 00 UT. Fixed-width slicing keeps a blank
    field blank (NaN) instead of shifting the next value into its place. A row shorter than
    its Kp fields, or an OBSERVED block without its ``END`` line, is a file cut short.
    """
    wanted = {"OBSERVED"} | ({"DAILY_PREDICTED"} if include_predicted else set())
    block = None
    dates, kp10, linenos, closed = [], [], [], False
    for lineno, line in enumerate(text.splitlines(), start=1):
        tag = line.strip()
        if tag.startswith("BEGIN "):
            block = tag[6:].strip()
            continue
        if tag.startswith("END "):
            closed |= block == "OBSERVED"
            block = None
            continue
        if block not in wanted or not tag:
            continue
        if len(line.rstrip("\r")) < 42:
            raise KpFormatError(f"line {lineno}: {len(line)} characters, the Kp fields end at 42")
        try:
            y, m, d = (int(line[a:b]) for a, b in ((0, 4), (4, 7), (7, 10)))
            fields = [line[18 + 3 * k : 21 + 3 * k].strip() for k in range(8)]
            kp10.append([float(f) if f else np.nan for f in fields])
        except ValueError as exc:
            raise KpFormatError(f"line {lineno}: {exc}") from None
        dates.append(f"{y:04d}-{m:02d}-{d:02d}")
        linenos.append(lineno)
    if not dates:
        raise KpFormatError("no 'BEGIN OBSERVED' block with daily rows")
    if not closed:
        raise KpFormatError("the OBSERVED block has no 'END OBSERVED' line (file cut short?)")
    kp = kp_from_tenths(np.array(kp10, dtype=float))
    return _daily_to_3hourly(dates, kp, linenos)


def _read_gfz(text: str) -> pd.DataFrame:
    """GFZ ``Kp_ap_Ap_SN_F107`` text: 40 ``#`` lines, then ``YYYY MM DD days days_m Bsr dB
    Kp1..Kp8 ap1..ap8 Ap SN F10.7obs F10.7adj D`` (28 fields); missing Kp is ``-1.000``."""
    table, linenos = _whitespace_rows(text, list(range(15)), "Kp_ap_Ap_SN_F107")
    if not linenos:
        raise KpFormatError("no data rows after the '#' header")
    ymd = table[:, :3]
    ok = (np.isfinite(ymd) & (ymd == np.round(ymd)) & (ymd >= 0) & (ymd < 1e4)).all(axis=1)
    if not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        raise KpFormatError(f"line {linenos[k]}: year, month, day {ymd[k].tolist()}")
    days = [f"{int(y):04d}-{int(m):02d}-{int(d):02d}" for y, m, d in ymd]
    kp = table[:, 7:15]
    kp = np.where(kp < 0, np.nan, np.round(kp, 3))
    return _daily_to_3hourly(days, kp, linenos)


def _read_gfz_json(text: str) -> pd.DataFrame:
    """GFZ JSON API: ``{"datetime": [...], "Kp": [...], "status": [...], "meta": {...}}``,
    parallel arrays, ``datetime`` the interval start, ``null`` for a missing value."""
    obj = json.loads(text)
    if not isinstance(obj, dict) or "datetime" not in obj or "Kp" not in obj:
        raise KpFormatError("JSON lacks the 'datetime' and 'Kp' arrays")
    times, values = obj["datetime"], obj["Kp"]
    if not isinstance(times, list) or not isinstance(values, list):
        raise KpFormatError("JSON 'datetime' and 'Kp' must be arrays")
    if len(times) != len(values):
        raise KpFormatError(f"{len(times)} datetimes but {len(values)} Kp values")
    kp = []
    for i, v in enumerate(values):
        try:
            kp.append(np.nan if v is None else float(v))
        except (TypeError, ValueError):
            raise KpFormatError(f"Kp[{i}]: {v!r} is not a number") from None
    kp = np.array(kp, dtype=float)
    kp = np.where(kp < 0, np.nan, np.round(kp, 3))
    where = [f"datetime[{i}]" for i in range(len(times))]
    return pd.DataFrame({"time": pd.Series(times, dtype=object), "kp": kp, "_where": where})


def _read_omni2(text: str) -> pd.DataFrame:
    """OMNI2 hourly records (year, day of year, hour, ...); word 39 is Kp x 10, 99 missing.

    Each hour repeats the Kp of its 3-hour interval; the first non-missing value of each
    interval is kept. Every record has the first one's number of words (a shorter one was
    cut short).
    """
    table, linenos = _whitespace_rows(text, [0, 1, 2, 38], "OMNI2")
    if not linenos:
        raise KpFormatError("no OMNI2 records")
    year, doy, hour, kp10 = table.T
    ok = (year >= 1678) & (year <= 2261) & (doy >= 1) & (doy <= 366) & (hour >= 0) & (hour < 24)
    ok &= (table[:, :3] == np.round(table[:, :3])).all(axis=1)
    if not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        raise KpFormatError(f"line {linenos[k]}: year, day of year, hour {table[k, :3].tolist()}")
    t = pd.to_datetime(pd.Series(year.astype(int).astype(str)), format="%Y", utc=True)
    t = t + pd.to_timedelta((doy.astype(int) - 1) * 24 + hour.astype(int), unit="h")
    kp10 = np.where(kp10 == 99, np.nan, kp10)
    hourly = pd.DataFrame({"time": t.dt.floor("3h"), "kp": kp_from_tenths(kp10)})
    return hourly.groupby("time", as_index=False)["kp"].first()


def _read_csv(text: str) -> pd.DataFrame:
    """What :func:`write_kp` writes: ``time,kp``, one interval a line, blank Kp missing."""
    rows = csv.reader(io.StringIO(text, newline=""))
    records, where = [], []
    try:
        header = [h.strip() for h in next(rows, [])]
        if header[:2] != KP_COLUMNS:
            raise KpFormatError(f"header {header}, expected {KP_COLUMNS}")
        for record in rows:
            if not record:
                continue
            if len(record) != len(header):
                raise KpFormatError(f"line {rows.line_num}: {len(record)} fields, not {header}")
            records.append(record[:2])
            where.append(f"line {rows.line_num}")
    except csv.Error as exc:
        raise KpFormatError(f"line {rows.line_num}: {exc}") from None
    df = pd.DataFrame(records, columns=KP_COLUMNS, dtype=object)
    df["kp"] = df["kp"].str.strip().replace("", np.nan)
    df["_where"] = where
    return df


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------


def write_kp(df: pd.DataFrame, path) -> Path:
    """Write ``time,kp`` CSV (ISO UTC, Kp to 3 decimals, missing blank) atomically."""
    times = pd.to_datetime(df["time"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = pd.DataFrame({"time": times, "kp": df["kp"].to_numpy(dtype=float)})
    buf = io.StringIO()
    out.to_csv(buf, index=False, float_format="%.3f", lineterminator="\n", na_rep="")
    return atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def tidy_kp_file(src, dest, *, fmt: str = "auto", include_predicted: bool = False) -> pd.DataFrame:
    """Read any supported Kp source and write the tidy ``time,kp`` CSV."""
    df = read_kp(src, fmt, include_predicted=include_predicted)
    log.info(
        "%s: %d intervals %s .. %s, %d missing",
        src,
        len(df),
        df["time"].iloc[0],
        df["time"].iloc[-1],
        int(df["kp"].isna().sum()),
    )
    write_kp(df, dest)
    return df


# --------------------------------------------------------------------------------------
# window queries
# --------------------------------------------------------------------------------------


def _as_utc_ns(values) -> np.ndarray:
    """Window bounds -> int64 ns; int64 arrays are taken as ns already (the fast path)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return np.atleast_1d(values).astype(np.int64, copy=False)
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        ns = np.atleast_1d(values).astype("datetime64[ns]").view(np.int64)
    else:
        ns = to_epoch_ns(np.atleast_1d(np.asarray(values, dtype=object)))
    if (ns == np.iinfo(np.int64).min).any():
        raise ValueError("window bounds must not be NaT")
    return ns


def max_kp_over_windows(
    kp_df: pd.DataFrame,
    starts,
    ends,
    *,
    interval: pd.Timedelta = INTERVAL,
    skipna: bool = True,
) -> np.ndarray:
    """Max Kp of the intervals overlapping each window ``[starts[i], ends[i])``.

    An interval ``[t, t + interval)`` overlaps when ``t < end`` and ``t + interval >
    start``, so a window 01:00-02:00 sees the 00-03 value. Vectorised: two binary
    searches and one ``np.maximum.reduceat`` for any number of windows. A window with no
    interval (or only missing values) gives NaN. ``skipna=False`` is for callers that must
    not miss a storm: NaN unless every instant of the window lies in an interval with a
    known value (a missing value, a missing row or a window reaching past the table all give
    NaN). Bounds: int64 ns since the epoch, datetime64, or anything :func:`to_epoch_ns`
    reads (naive = UTC). This is the one Kp-over-window implementation of the project.
    """
    starts_ns, ends_ns = _as_utc_ns(starts), _as_utc_ns(ends)
    if starts_ns.shape != ends_ns.shape:
        raise ValueError(f"{starts_ns.size} starts but {ends_ns.size} ends")
    t = to_epoch_ns(kp_df["time"]) if len(kp_df) else np.empty(0, np.int64)
    order = np.argsort(t, kind="stable")
    t, v = t[order], pd.to_numeric(kp_df["kp"]).to_numpy(dtype=float)[order]
    n = t.size
    if n == 0 or starts_ns.size == 0:
        return np.full(starts_ns.shape, np.nan)
    step = pd.Timedelta(interval).as_unit("ns").value
    i0 = np.searchsorted(t + step, starts_ns, side="right")  # first interval ending > start
    i1 = np.searchsorted(t, ends_ns, side="left")  # intervals starting < end
    empty = (i1 <= i0) | (ends_ns <= starts_ns)
    a = np.append(np.where(np.isnan(v), -np.inf, v), -np.inf)
    lo = np.minimum(i0, n)
    hi = np.where(empty, lo, np.minimum(i1, n))
    idx = np.empty(2 * lo.size, dtype=np.intp)
    idx[0::2], idx[1::2] = lo, hi
    out = np.maximum.reduceat(a, idx)[0::2]
    out[empty | np.isneginf(out)] = np.nan
    if not skipna:
        nan_cum = np.concatenate([[0], np.cumsum(np.isnan(v))])
        has_nan = (nan_cum[hi] - nan_cum[lo]) > 0
        # covered: the first interval starts at or before the window, the last ends at or
        # after it, and no row is missing between them (consecutive starts one step apart)
        breaks = np.concatenate([[0], np.cumsum(np.diff(t) != step)])
        first, last = np.minimum(lo, n - 1), np.maximum(hi - 1, 0)
        covered = (t[first] <= starts_ns) & (t[last] + step >= ends_ns)
        covered &= breaks[last] == breaks[first]
        out[has_nan | ~covered] = np.nan
    return out


def max_kp_in(kp_df: pd.DataFrame, start, end, **kwargs) -> float:
    """Max Kp of the 3-hour intervals overlapping ``[start, end)`` (NaN if none known)."""
    return float(max_kp_over_windows(kp_df, [start], [end], **kwargs)[0])
