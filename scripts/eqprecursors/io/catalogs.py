"""Earthquake catalogs: read USGS/ISC/QuakeML/ISF/CSEP files, sniff their format, write ours.

Every reader returns the same tidy frame (one row per event, time as UTC) so the selection
(:mod:`eqprecursors.ground.events`), the labelling and the plots never care where a catalog
came from. USGS and CSEP csv are read here, QuakeML and the ISC formats in
:mod:`eqprecursors.io.catalog_formats`. The query URLs are in :mod:`eqprecursors.sources.urls`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_write_bytes
from eqprecursors.core.times import format_iso, to_epoch_ns
from eqprecursors.io.catalog_formats import (
    CATALOG_COLUMNS,
    QUAKEML_VERSIONS,
    READ_COLUMNS,
    CatalogFormatError,
    is_moment_magnitude,
    pick_isc_magnitude,
    read_isc_catcsv,
    read_isc_isf,
    read_quakeml,
)
from eqprecursors.io.parsing import parse_as

__all__ = [
    "CATALOG_COLUMNS",
    "FORMATS",
    "QUAKEML_VERSIONS",
    "READ_COLUMNS",
    "CatalogFormatError",
    "is_moment_magnitude",
    "looks_like_isc_catcsv",
    "looks_like_usgs_csv",
    "pick_isc_magnitude",
    "read_catalog",
    "sniff_catalog_format",
    "utc_times",
    "write_catalog",
]

log = logging.getLogger(__name__)

FORMATS = ("usgs_csv", "isc_catcsv", "quakeml", "isc_isf", "csep_csv")

# What each format says of the magnitude type (``mag_type``): USGS csv the ``magType`` of
# its preferred magnitude only (one magnitude per event: an event whose preferred magnitude
# is not Mw shows no Mw, even when USGS holds one); ISC CATCSV and ISF the type of every
# reported magnitude (the reader keeps one, :func:`pick_isc_magnitude`); QuakeML the type of
# every ``magnitude`` element; CSEP csv none (``mag_type`` stays empty).

# USGS FDSN csv header names, the renamed "webvalley" variant and our own output, mapped
# onto the tidy names.
_CSV_ALIASES = {
    "time": "time",
    "trigger_time": "time",
    "latitude": "latitude",
    "longitude": "longitude",
    "depth": "depth_km",
    "depth_km": "depth_km",
    "mag": "magnitude",
    "magnitude": "magnitude",
    "magtype": "mag_type",
    "mag_type": "mag_type",
    "id": "event_id",
    "event_id": "event_id",
    "distance_km": "distance_km",
    "type": "event_type",
}

# ISC event types that are earthquakes (ISC CATCSV "TYPE"; IMS1.0 event type codes):
# known/suspected/felt/damaging earthquake; "uk" (unknown) is kept because most of the
# older bulletin is typed "uk".
_ISC_EARTHQUAKE_TYPES = {"ke", "se", "fe", "de", "uk", ""}

# --------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------


def read_catalog(
    path, fmt: str = "auto", *, earthquakes_only: bool = False, prefer_moment: bool = False
) -> pd.DataFrame:
    """Read an earthquake catalog into columns ``READ_COLUMNS`` (time as UTC, ns).

    ``fmt`` is ``auto`` (sniffed from the content), ``usgs_csv`` (FDSN ``format=csv``,
    with or without a UTF-8 BOM, or the renamed webvalley variant), ``isc_catcsv`` (ISC
    event-catalogue CSV, bare or inside the HTML page the ISC returns), ``quakeml``
    (QuakeML 1.2 or 1.0), ``isc_isf`` (ISC bulletin, IMS1.0 short) or ``csep_csv`` (the
    CSEP ASCII catalog of pycsep/floatcsep). A file written by :func:`write_catalog` reads
    back as ``usgs_csv`` and keeps its ``distance_km``.

    No events is a result only where the file really holds none: a zero-byte file (FDSN
    services answer "204 No Content" when nothing matches), a USGS csv header without rows,
    an ISC "No events were found" page or block, a QuakeML ``eventParameters`` without
    events; it is logged. No service delivers ``csep_csv``, so an empty one is an error.
    Anything else that gives no event, a value that does not parse and a file cut short
    raise :class:`CatalogFormatError` naming the file (and the line or event).
    ``earthquakes_only`` drops events whose source says they are not earthquakes (quarry
    blasts, explosions), where the format records it. ``prefer_moment`` takes a QuakeML
    event's moment magnitude (:func:`is_moment_magnitude`) where its preferred one is of
    another type; ISC readers always prefer Mw (:func:`pick_isc_magnitude`), and USGS and
    CSEP csv carry one magnitude per event, so there is nothing to prefer.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogFormatError(f"{path}: cannot read catalog ({exc})") from exc
    text = _decode(raw)
    if not text.strip():
        if fmt == "csep_csv":
            raise CatalogFormatError(f"{path}: empty csep_csv catalog (no header, no events)")
        log.warning("%s: empty catalog file", path)
        return _empty_catalog()
    if fmt == "auto":
        fmt = sniff_catalog_format(text, path)
    readers = {
        "usgs_csv": _read_usgs_csv,
        "isc_catcsv": read_isc_catcsv,
        "quakeml": lambda text: read_quakeml(text, prefer_moment=prefer_moment),
        "isc_isf": read_isc_isf,
        "csep_csv": _read_csep_csv,
    }
    if fmt in readers:
        read = readers[fmt]
        readers[fmt] = lambda text: _finalise(read(text), path)
    df, kinds = parse_as(
        fmt,
        readers,
        text,
        path,
        error=CatalogFormatError,
        what="catalog",
        catch=(ValueError, KeyError, IndexError, ET.ParseError),
    )
    if df.empty:
        log.warning("%s: the catalog holds no event (%s)", path, fmt)
    if earthquakes_only:
        df = df[_is_earthquake(kinds).to_numpy()].reset_index(drop=True)
    return df


def sniff_catalog_format(text: str, path="<text>") -> str:
    """Guess the catalog format from the content (never from the file name)."""
    head = text.lstrip("\ufeff \r\n\t")[:4096]
    low = head.lower()
    if head.startswith("<?xml") or "<quakeml" in low or "<q:quakeml" in low:
        return "quakeml"
    if "data_type bulletin ims1.0" in low:
        return "isc_isf"
    if "data_type event_catalogue" in low or re.search(r"^\s*EVENTID\s*,", text, re.M):
        return "isc_catcsv"
    if "no events were found" in text.lower() and "<pre" in text.lower():
        return "isc_catcsv"
    first = head.splitlines()[0].lower() if head else ""
    cols = [c.strip() for c in first.split(",")]
    if {"lon", "lat", "time_string"} <= set(cols):
        return "csep_csv"
    if {"latitude", "longitude"} <= set(cols) and ({"time", "trigger_time"} & set(cols)):
        return "usgs_csv"
    raise CatalogFormatError(
        f"{path}: unrecognised catalog format (expected USGS csv, ISC CATCSV, QuakeML, "
        f"ISF or CSEP csv); starts with {head[:60]!r}"
    )


def looks_like_usgs_csv(content: bytes) -> bool:
    """Download check: a USGS FDSN csv (empty is allowed: FDSN answers 204 No Content)."""
    return not content.strip() or _sniffed_as(content, "usgs_csv")


def looks_like_isc_catcsv(content: bytes) -> bool:
    """Download check: an ISC CATCSV page (its CSV comes wrapped in HTML) or "no events"."""
    return _sniffed_as(content, "isc_catcsv")


def _sniffed_as(content: bytes, fmt: str) -> bool:
    found = sniff_catalog_format(_decode(content), "<download>")
    if found != fmt:
        raise CatalogFormatError(f"<download>: a {found} catalog, expected {fmt}")
    return True


def _decode(raw: bytes) -> str:
    # utf-8-sig drops the BOM that USGS exports (and Excel) put in front of the header.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _empty_catalog() -> pd.DataFrame:
    return _finalise(pd.DataFrame({c: [] for c in READ_COLUMNS}), "<empty>")[0]


def _finalise(df: pd.DataFrame, path) -> tuple[pd.DataFrame, pd.Series]:
    """Common dtypes, column order and time order for every reader; and the event types.

    A time or number that does not parse is an error naming its place (the reader's
    ``_where`` column: "line N" or "event <id>"); events without a time are left out with a
    warning, and if that leaves none of several the catalog is an error. The events'
    ``event_type`` (empty where the format has none) is for the earthquake filter.
    """
    skipped = df.attrs.get("skipped")
    df = df.reset_index(drop=True)
    where = df["_where"] if "_where" in df else pd.Series([f"row {i + 1}" for i in range(len(df))])
    out = pd.DataFrame(
        {
            "time": _times(df["time"], where),
            "latitude": _numbers(df, "latitude", where),
            "longitude": _numbers(df, "longitude", where),
            "depth_km": _numbers(df, "depth_km", where),
            "magnitude": _numbers(df, "magnitude", where),
            "mag_type": _to_str(df["mag_type"]),
            "event_id": _to_str(df["event_id"]),
        }
    )
    if "distance_km" in df:
        out["distance_km"] = _numbers(df, "distance_km", where)
        out = out[CATALOG_COLUMNS]
    kinds = _to_str(df["event_type"]) if "event_type" in df else pd.Series([""] * len(df))
    timed = out["time"].notna().to_numpy()
    if not timed.all():
        if not timed.any():
            raise CatalogFormatError(f"none of its {len(df)} events has a time")
        log.warning("%s: %d events without a time left out", path, int((~timed).sum()))
    if skipped:
        log.warning("%s: %s", path, skipped)
    out, kinds = out[timed], kinds[timed]
    order = np.argsort(out["time"].to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True), kinds.iloc[order].reset_index(drop=True)


def _times(values: pd.Series, where: pd.Series) -> pd.Series:
    try:
        return utc_times(values)
    except (ValueError, TypeError, OverflowError):
        for value, place in zip(values, where, strict=True):
            try:
                utc_times([value])
            except (ValueError, TypeError, OverflowError) as exc:
                raise CatalogFormatError(f"{place}: bad time {value!r} ({exc})") from None
        raise


def _numbers(df: pd.DataFrame, col: str, where: pd.Series) -> pd.Series:
    """A numeric column; a value that is there but is not a number names its place."""
    values = df[col].reset_index(drop=True)
    out = pd.to_numeric(values, errors="coerce").astype(float)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    bad = out.isna() & (text != "") & (text.str.lower() != "nan")
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise CatalogFormatError(f"{where.iloc[k]}: {col} {text.iloc[k]!r} is not a number")
    return out


def utc_times(values) -> pd.Series:
    """Times as a ``datetime64[ns, UTC]`` Series (pandas 3 would infer "us" from strings)."""
    s = pd.to_datetime(pd.Series(values), utc=True, format="ISO8601", errors="raise")
    return s.dt.as_unit("ns")


def _to_str(values) -> pd.Series:
    s = pd.Series(values, dtype=object)
    s = s.where(s.notna(), "")
    return s.astype(str).str.strip().astype("str")


def _is_earthquake(types: pd.Series) -> pd.Series:
    t = types.fillna("").astype(str).str.strip().str.lower()
    return t.isin(_ISC_EARTHQUAKE_TYPES) | (t == "earthquake")


def _read_usgs_csv(text: str) -> pd.DataFrame:
    """USGS FDSN ``format=csv`` (and its renamed variant): one header line, one row per event.

    A header without rows is the legitimate answer to a query that matches nothing. Every
    row must have the header's number of fields: a shorter one is a line cut short.
    """
    linenos = _csv_record_lines(text)
    df = pd.read_csv(io.StringIO(text), dtype={"id": str, "event_id": str}, keep_default_na=True)
    rename = {}
    for col in df.columns:
        key = str(col).strip().lower()
        if key in _CSV_ALIASES and _CSV_ALIASES[key] not in rename.values():
            rename[col] = _CSV_ALIASES[key]
    df = df.rename(columns=rename)
    missing = [c for c in ("time", "latitude", "longitude", "magnitude") if c not in df]
    if missing:
        raise CatalogFormatError(f"USGS csv lacks column(s) {missing}")
    for col in ("depth_km", "mag_type", "event_id"):
        if col not in df:
            df[col] = np.nan
    if len(linenos) == len(df):
        df["_where"] = [f"line {n}" for n in linenos]
    return df


def _csv_record_lines(text: str) -> list[int]:
    """Line number of each non-blank csv record after the header; raises on a short one."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        lines = []
        for record in reader:
            if not record:
                continue
            if len(record) != len(header):
                raise CatalogFormatError(
                    f"line {reader.line_num}: {len(record)} fields, header has {len(header)}"
                )
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise CatalogFormatError(f"line {reader.line_num}: {exc}") from None
    return lines


# CSEP ASCII header names (pycsep writes "M" or "mag"), mapped onto the tidy names.
_CSEP_ALIASES = {
    "lon": "longitude",
    "lat": "latitude",
    "mag": "magnitude",
    "m": "magnitude",
    "time_string": "time",
    "depth": "depth_km",
    "event_id": "event_id",
}
_CSEP_REQUIRED = ("longitude", "latitude", "magnitude", "time", "depth_km")


def _read_csep_csv(text: str) -> pd.DataFrame:
    """CSEP ASCII catalog (pycsep ``csep-csv``).

    Header ``lon,lat,mag,time_string,depth,catalog_id,event_id`` (pycsep also writes ``M``).

    Times are ISO 8601 without a zone, with or without fractional seconds, and are UTC (as
    pycsep reads them). The format has no magnitude type: ``mag_type`` is empty, and the
    magnitude is the one the source reported (the bundled INGV file gives Amatrice 5.7 and
    Norcia 6.2, the USGS file Mww 6.2 and 6.6). ``catalog_id`` (-1 for an observed
    catalog, the simulation number in a stochastic event set) is dropped. Every row must
    have as many fields as the header, and a row that cannot be read is an error naming its
    line; a file without events too, and one whose last line has no line end (pycsep ends
    every row with one: the file was cut short, maybe inside its last field, the event ID).
    """
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise CatalogFormatError("empty csep_csv catalog")
    if not text.endswith(("\n", "\r")):
        raise CatalogFormatError(f"line {len(lines)} has no line end (file cut short?)")
    names = [c.strip().lower() for c in lines[header_at].split(",")]
    cols = {_CSEP_ALIASES[n]: k for k, n in enumerate(names) if n in _CSEP_ALIASES}
    missing = [c for c in _CSEP_REQUIRED if c not in cols]
    if missing:
        raise CatalogFormatError(
            f"line {header_at + 1}: csep_csv header lacks {missing} (got {names})"
        )
    rows, linenos = [], []
    for lineno, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
        if not line.strip():
            continue
        f = [x.strip() for x in line.split(",")]
        if len(f) != len(names):
            raise CatalogFormatError(f"line {lineno}: {len(f)} fields, header has {len(names)}")
        row = {c: f[k] for c, k in cols.items()}
        try:
            for c in ("longitude", "latitude", "magnitude", "depth_km"):
                row[c] = float(row[c])
        except ValueError as exc:
            raise CatalogFormatError(f"line {lineno}: {exc}") from exc
        rows.append(row)
        linenos.append(lineno)
    if not rows:
        raise CatalogFormatError("csep_csv catalog has a header but no events")
    df = pd.DataFrame(rows)
    try:
        df["time"] = utc_times(df["time"])
    except ValueError:
        for lineno, value in zip(linenos, df["time"], strict=True):
            try:
                utc_times([value])
            except ValueError as exc:
                raise CatalogFormatError(f"line {lineno}: bad time {value!r} ({exc})") from exc
        raise
    df["mag_type"] = ""
    if "event_id" not in df:
        df["event_id"] = ""
    df["_where"] = [f"line {n}" for n in linenos]
    return df


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------


def write_catalog(df: pd.DataFrame, path) -> Path:
    """Write ``CATALOG_COLUMNS`` as CSV atomically (a reader never sees half a file)."""
    out = df.copy()
    for col in CATALOG_COLUMNS:
        if col not in out:
            out[col] = np.nan
    out = out[CATALOG_COLUMNS]
    out["time"] = format_iso(to_epoch_ns(out["time"]))  # 2016-08-24T01:36:32Z
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n", float_format="%.6g")
    return atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
