"""Earthquake catalogs: read USGS/ISC/QuakeML/ISF/CSEP files, sniff their format, write ours.

Every reader returns the same tidy frame (one row per event, time as UTC) so the selection
(:mod:`eqprecursors.ground.events`), the labelling and the plots never care where a catalog
came from. The query URLs are in :mod:`eqprecursors.sources.urls`.
"""

from __future__ import annotations

import io
import logging
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_write_bytes
from eqprecursors.core.times import format_iso, to_epoch_ns
from eqprecursors.io.parsing import parse_as

log = logging.getLogger(__name__)

CATALOG_COLUMNS = [
    "time",
    "latitude",
    "longitude",
    "depth_km",
    "magnitude",
    "mag_type",
    "distance_km",
    "event_id",
]
#: Columns of a freshly read catalog (``ground.events.select_events`` adds the distance).
READ_COLUMNS = [c for c in CATALOG_COLUMNS if c != "distance_km"]

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

_QML_NS = "http://quakeml.org/xmlns/bed/1.2"
_ANSS_NS = "http://anss.org/xmlns/catalog/0.1"


class CatalogFormatError(ValueError):
    """A catalog file that cannot be read; the message always names the file."""


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
    (QuakeML 1.2), ``isc_isf`` (ISC bulletin, IMS1.0 short) or ``csep_csv`` (the CSEP
    ASCII catalog of pycsep/floatcsep). A file written by :func:`write_catalog` reads back
    as ``usgs_csv`` and keeps its ``distance_km``.

    A zero-byte file is an empty catalog: FDSN services answer "204 No Content" when
    nothing matches. No service delivers ``csep_csv``, so an empty one is an error.
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
        "isc_catcsv": _read_isc_catcsv,
        "quakeml": lambda text: _read_quakeml(text, prefer_moment=prefer_moment),
        "isc_isf": _read_isc_isf,
        "csep_csv": _read_csep_csv,
    }
    df = parse_as(
        fmt,
        readers,
        text,
        path,
        error=CatalogFormatError,
        what="catalog",
        catch=(ValueError, KeyError, IndexError, ET.ParseError),
    )
    if earthquakes_only and "event_type" in df:
        df = df[_is_earthquake(df["event_type"])]
    return _finalise(df)


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
    return _finalise(pd.DataFrame({c: [] for c in READ_COLUMNS}))


def _finalise(df: pd.DataFrame) -> pd.DataFrame:
    """Common dtypes, column order and time order for every reader."""
    out = pd.DataFrame(
        {
            "time": utc_times(df["time"]),
            "latitude": pd.to_numeric(df["latitude"], errors="coerce").astype(float),
            "longitude": pd.to_numeric(df["longitude"], errors="coerce").astype(float),
            "depth_km": pd.to_numeric(df["depth_km"], errors="coerce").astype(float),
            "magnitude": pd.to_numeric(df["magnitude"], errors="coerce").astype(float),
            "mag_type": _to_str(df["mag_type"]),
            "event_id": _to_str(df["event_id"]),
        }
    )
    if "distance_km" in df:
        out["distance_km"] = pd.to_numeric(df["distance_km"], errors="coerce").astype(float)
        out = out[CATALOG_COLUMNS]
    out = out[out["time"].notna()]
    return out.sort_values("time", kind="stable").reset_index(drop=True)


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
    """USGS FDSN ``format=csv`` (and its renamed variant): one header line, one row per event."""
    df = pd.read_csv(io.StringIO(text), dtype={"id": str, "event_id": str}, keep_default_na=True)
    rename = {}
    for col in df.columns:
        key = col.strip().lower()
        if key in _CSV_ALIASES and _CSV_ALIASES[key] not in rename.values():
            rename[col] = _CSV_ALIASES[key]
    df = df.rename(columns=rename)
    missing = [c for c in ("time", "latitude", "longitude", "magnitude") if c not in df]
    if missing:
        raise CatalogFormatError(f"USGS csv lacks column(s) {missing}")
    for col in ("depth_km", "mag_type", "event_id"):
        if col not in df:
            df[col] = np.nan
    return df


def _read_isc_catcsv(text: str) -> pd.DataFrame:
    """ISC event-catalogue CSV (``out_format=CATCSV``).

    Layout (isc.ac.uk/iscbulletin/search/catalogue/csvoutput): header lines
    ``DATA_TYPE EVENT_CATALOGUE``, the bulletin name and a ``--EVENT--|---ORIGIN...``
    ruler, then the column line ``EVENTID,TYPE,AUTHOR,DATE,TIME,LAT,LON,DEPTH,DEPFIX,``
    followed by ``AUTHOR,TYPE,MAG`` repeated once per reported magnitude; fixed-width
    fields padded with blanks; the block ends with ``STOP``. The web service wraps it in
    an HTML page, inside ``<pre>``. The magnitude kept is given by
    :func:`pick_isc_magnitude`.
    """
    pre = re.search(r"<pre[^>]*>(.*?)(?:</pre>|\Z)", text, re.S | re.I)
    body = pre.group(1) if pre else text
    lines = body.splitlines()
    header_at = next(
        (i for i, line in enumerate(lines) if line.strip().upper().startswith("EVENTID")), None
    )
    if header_at is None:
        if "no events were found" in text.lower():
            return pd.DataFrame({c: [] for c in READ_COLUMNS})
        raise CatalogFormatError("no ISC CATCSV column line (EVENTID,TYPE,AUTHOR,...) found")
    header = [h.strip().upper() for h in lines[header_at].split(",")]
    has_type = len(header) > 1 and header[1] == "TYPE"  # the EHB/GT catalogues lack TYPE
    n_fixed = 9 if has_type else 8
    rows = []
    for lineno, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
        if not line.strip():
            continue
        if line.strip().upper() == "STOP":
            break
        f = [x.strip() for x in line.split(",")]
        if len(f) < n_fixed:
            raise CatalogFormatError(f"line {lineno}: {len(f)} fields, expected >= {n_fixed}")
        ev = dict(zip(["EVENTID", "TYPE"] if has_type else ["EVENTID"], f, strict=False))
        off = 2 if has_type else 1
        author, day, clock, lat, lon, depth = f[off : off + 6]
        mags = []
        rest = f[n_fixed:]
        for k in range(0, len(rest) - 2, 3):
            m_author, m_type, m_val = rest[k : k + 3]
            try:
                mags.append((m_author, m_type, float(m_val)))
            except ValueError:
                continue
        m_type, m_val = pick_isc_magnitude(mags)
        rows.append(
            {
                "time": f"{day}T{clock}Z",
                "latitude": lat,
                "longitude": lon,
                "depth_km": depth if depth else np.nan,
                "magnitude": m_val,
                "mag_type": m_type,
                "event_id": ev["EVENTID"],
                "event_type": ev.get("TYPE", ""),
                "origin_author": author,
            }
        )
    return pd.DataFrame(rows, columns=[*READ_COLUMNS, "event_type", "origin_author"])


def is_moment_magnitude(types) -> np.ndarray:
    """True where a magnitude type is of the moment family (Mw, Mww, Mwc, Mwb, Mwr, Mwp...).

    Case-insensitive prefix ``mw``; an empty type (CSEP csv, or no type given) is not Mw.
    """
    t = pd.Series(types, dtype=object).fillna("").astype(str).str.strip().str.lower()
    return t.str.startswith("mw").to_numpy(dtype=bool)


def pick_isc_magnitude(mags) -> tuple[str, float]:
    """The one magnitude kept from an ISC event's list of ``(author, type, value)``.

    Rule: the largest moment magnitude (any type starting with ``Mw``, e.g. GCMT ``MW``,
    NEIC ``Mww``), because Mw does not saturate and is what USGS reports as preferred;
    without any Mw, the largest magnitude of any type, so that a threshold such as M > 4
    errs on the side of keeping an event. Returns ``("", nan)`` for no magnitude.
    """
    mags = [m for m in mags if m[2] is not None and math.isfinite(m[2])]
    if not mags:
        return "", float("nan")
    moment = is_moment_magnitude([m[1] for m in mags])
    mw = [m for m, is_mw in zip(mags, moment, strict=True) if is_mw]
    pool = mw or mags
    best = max(pool, key=lambda m: m[2])
    return best[1].strip(), float(best[2])


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
    line; a file without events too.
    """
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise CatalogFormatError("empty csep_csv catalog")
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
    return df


def _read_quakeml(text: str, *, prefer_moment: bool = False) -> pd.DataFrame:
    """QuakeML 1.2: each event's preferred origin and preferred magnitude.

    Falls back to the first origin / magnitude when no preferred ID is given. With
    ``prefer_moment``, a preferred magnitude that is not Mw gives way to the event's first
    moment magnitude, where it has one. Depths are
    metres in QuakeML and become km. The event ID is the ANSS ``eventsource+eventid`` (as in
    USGS csv, e.g. ``ci37285320``) where present, else the event's publicID.
    """
    root = ET.fromstring(text.encode("utf-8"))
    ns = {"q": _QML_NS}
    rows = []
    for ev in root.iter(f"{{{_QML_NS}}}event"):
        origins = ev.findall("q:origin", ns)
        mags = ev.findall("q:magnitude", ns)
        origin = _preferred(ev, origins, "preferredOriginID")
        mag = _preferred(ev, mags, "preferredMagnitudeID")
        if prefer_moment and mag is not None and not _qml_is_moment(mag):
            mag = next((m for m in mags if _qml_is_moment(m)), mag)
        if origin is None:
            continue
        src = ev.get(f"{{{_ANSS_NS}}}eventsource")
        eid = ev.get(f"{{{_ANSS_NS}}}eventid")
        depth_m = _qml_value(origin, "depth")
        rows.append(
            {
                "time": _qml_text(origin, "time"),
                "latitude": _qml_value(origin, "latitude"),
                "longitude": _qml_value(origin, "longitude"),
                "depth_km": depth_m / 1000.0 if depth_m is not None else np.nan,
                "magnitude": _qml_value(mag, "mag") if mag is not None else np.nan,
                "mag_type": (mag.findtext("q:type", "", ns) if mag is not None else "") or "",
                "event_id": f"{src}{eid}" if src and eid else ev.get("publicID", ""),
                "event_type": ev.findtext("q:type", "", ns) or "",
            }
        )
    return pd.DataFrame(rows, columns=[*READ_COLUMNS, "event_type"])


def _qml_is_moment(mag) -> bool:
    kind = mag.findtext(f"{{{_QML_NS}}}type", "") or ""
    return bool(is_moment_magnitude([kind])[0]) and _qml_value(mag, "mag") is not None


def _preferred(ev, candidates, tag):
    pref = (ev.findtext(f"{{{_QML_NS}}}{tag}") or "").strip()
    for c in candidates:
        if pref and c.get("publicID") == pref:
            return c
    return candidates[0] if candidates else None


def _qml_text(elem, name):
    node = elem.find(f"{{{_QML_NS}}}{name}/{{{_QML_NS}}}value")
    return node.text.strip() if node is not None and node.text else None


def _qml_value(elem, name):
    txt = _qml_text(elem, name)
    return float(txt) if txt not in (None, "") else None


def _read_isc_isf(text: str) -> pd.DataFrame:
    """ISC bulletin in ISF (IMS1.0 short): the ``#PRIME`` origin of each event.

    Origin lines are fixed width (IMS1.0): date/time in columns 1-22, latitude 37-44,
    longitude 46-54, depth 72-76, event type 116-117, author 119-127, origin ID 129-.
    Magnitudes come from the event's magnitude block, reduced by :func:`pick_isc_magnitude`.
    """
    rows = []
    event = None
    section = None
    last_origin = None

    def flush():
        if event is None:
            return
        origin = event["prime"] or (event["origins"][-1] if event["origins"] else None)
        if origin is None:
            return
        m_type, m_val = pick_isc_magnitude(event["mags"])
        rows.append({**origin, "magnitude": m_val, "mag_type": m_type, "event_id": event["id"]})

    origin_re = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}")
    for line in text.splitlines():
        if line.startswith("Event "):
            flush()
            event = {"id": line.split()[1], "origins": [], "prime": None, "mags": []}
            section = None
            continue
        if event is None:
            continue
        stripped = line.strip()
        if stripped.startswith("Date") and "Latitude" in line:
            section = "origin"
            continue
        if stripped.startswith("Magnitude") and "Author" in line:
            section = "magnitude"
            continue
        if stripped.startswith("Sta ") or stripped.startswith("Year "):
            section = None
            continue
        if section == "origin":
            if origin_re.match(line):
                last_origin = {
                    "time": line[0:10].replace("/", "-") + "T" + line[11:22].strip() + "Z",
                    "latitude": line[36:44].strip(),
                    "longitude": line[45:54].strip(),
                    "depth_km": line[71:76].strip() or np.nan,
                    "event_type": line[115:117].strip(),
                }
                event["origins"].append(last_origin)
            elif "#PRIME" in line and last_origin is not None:
                event["prime"] = last_origin
        elif section == "magnitude" and stripped:
            try:
                value = float(line[6:10])
            except ValueError:
                continue
            event["mags"].append((line[20:29].strip(), line[0:5].strip(), value))
    flush()
    return pd.DataFrame(rows, columns=[*READ_COLUMNS, "event_type"])


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
