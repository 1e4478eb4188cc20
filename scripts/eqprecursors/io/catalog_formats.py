"""The structured catalog formats: QuakeML (1.0 and 1.2), ISC CATCSV and ISC ISF.

Each reader takes the file's text and returns one row per event in the columns
``READ_COLUMNS`` (+ ``event_type`` and a ``_where`` column, "line N" or "event <id>", which
:mod:`eqprecursors.io.catalogs` uses to name the place of a bad value and then drops).
Their common rule: zero events is a result only when the file really holds none (an ISC
"No events were found" page, a QuakeML ``eventParameters`` without events, an ISC block
that reaches its ``STOP`` line without events); anything else that yields no event is a
:class:`CatalogFormatError`. :mod:`eqprecursors.io.catalogs` dispatches to them.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from eqprecursors.io.parsing import FormatError

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
_COLUMNS = [*READ_COLUMNS, "event_type", "_where"]


class CatalogFormatError(FormatError):
    """A catalog file that cannot be read; the message always names the file."""


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


# --------------------------------------------------------------------------------------
# QuakeML
# --------------------------------------------------------------------------------------

_ANSS_NS = "http://anss.org/xmlns/catalog/0.1"
#: Root namespace -> (namespace of eventParameters and everything in it, km per depth unit).
#: QuakeML 1.2 puts the events in the BED namespace and gives depths in metres. QuakeML
#: 1.0 (the NERIES schema, served by the EMSC) keeps one namespace for everything, and its
#: depths are kilometres: the EMSC answer in obspy's test data
#: (``obspy/core/tests/data/neries_events.xml``) gives 14.4 for an Eastern Turkey event and
#: 1 and 7 for two shallow ones. The elements the reader uses are the same in both.
QUAKEML_VERSIONS = {
    "http://quakeml.org/xmlns/quakeml/1.2": ("http://quakeml.org/xmlns/bed/1.2", 1e-3),
    "http://quakeml.org/xmlns/quakeml/1.0": ("http://quakeml.org/xmlns/quakeml/1.0", 1.0),
}
#: eventParameters children that describe the catalog, not an event.
_QML_METADATA = ("comment", "description", "creationInfo")


def _split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def read_quakeml(text: str, *, prefer_moment: bool = False) -> pd.DataFrame:
    """QuakeML 1.2 or 1.0: each event's preferred origin and preferred magnitude.

    Falls back to the first origin / magnitude when no preferred ID is given. With
    ``prefer_moment``, a preferred magnitude that is not Mw gives way to the event's first
    moment magnitude, where it has one. Depths become km (:data:`QUAKEML_VERSIONS`). The
    event ID is the ANSS ``eventsource+eventid`` (as in USGS csv, e.g. ``ci37285320``)
    where present, else the event's publicID. The EMSC's event type ``null`` (no type
    given) becomes empty. Events without an origin are left out and counted in
    ``attrs["skipped"]``; a document whose events all lack one is an error.
    """
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: encoding="..."
        raise CatalogFormatError(f"not readable XML ({type(exc).__name__}: {exc})") from None
    root_ns, local = _split_tag(root.tag)
    if local != "quakeml":
        raise CatalogFormatError(f"XML root element is <{local}>, not <quakeml>")
    if root_ns not in QUAKEML_VERSIONS:
        raise CatalogFormatError(
            f"QuakeML namespace {root_ns!r} is not supported (reads {list(QUAKEML_VERSIONS)})"
        )
    bed, km_per_unit = QUAKEML_VERSIONS[root_ns]
    params = root.findall(f"{{{bed}}}eventParameters")
    if not params:
        found = sorted({child.tag for child in root})
        raise CatalogFormatError(f"no <eventParameters> in namespace {bed!r} (found {found})")
    q = _Qml(bed)
    rows, skipped, other = [], 0, set()
    for ep in params:
        for ev in ep:
            ns, local = _split_tag(ev.tag)
            if ns != bed or local in _QML_METADATA:
                continue  # extensions of other namespaces, catalog metadata
            if local != "event":
                other.add(local)
                continue
            row = q.event_row(ev, prefer_moment=prefer_moment, km_per_unit=km_per_unit)
            if row is None:
                skipped += 1
            else:
                rows.append(row)
    if not rows and skipped:
        raise CatalogFormatError(f"none of its {skipped} events has an <origin>")
    if not rows and other:
        raise CatalogFormatError(f"<eventParameters> holds no <event> but {sorted(other)}")
    df = pd.DataFrame(rows, columns=_COLUMNS)
    if skipped:
        df.attrs["skipped"] = f"{skipped} events without an <origin> left out"
    return df


class _Qml:
    """Element lookups in one QuakeML namespace."""

    def __init__(self, ns: str):
        self.ns = ns

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def event_row(self, ev, *, prefer_moment: bool, km_per_unit: float) -> dict | None:
        pid = ev.get("publicID", "")
        origins, mags = ev.findall(self.tag("origin")), ev.findall(self.tag("magnitude"))
        origin = self.preferred(ev, origins, "preferredOriginID")
        if origin is None:
            return None
        mag = self.preferred(ev, mags, "preferredMagnitudeID")
        if prefer_moment and mag is not None and not self.is_moment(mag, pid):
            mag = next((m for m in mags if self.is_moment(m, pid)), mag)
        src, eid = ev.get(f"{{{_ANSS_NS}}}eventsource"), ev.get(f"{{{_ANSS_NS}}}eventid")
        depth = self.value(origin, "depth", pid)
        kind = (ev.findtext(self.tag("type")) or "").strip()
        return {
            "time": self.text(origin, "time"),
            "latitude": self.value(origin, "latitude", pid),
            "longitude": self.value(origin, "longitude", pid),
            "depth_km": depth * km_per_unit if depth is not None else np.nan,
            "magnitude": self.value(mag, "mag", pid) if mag is not None else np.nan,
            "mag_type": (mag.findtext(self.tag("type")) or "") if mag is not None else "",
            "event_id": f"{src}{eid}" if src and eid else pid,
            "event_type": "" if kind == "null" else kind,
            "_where": f"event {pid!r}",
        }

    def is_moment(self, mag, pid: str) -> bool:
        kind = mag.findtext(self.tag("type")) or ""
        return bool(is_moment_magnitude([kind])[0]) and self.value(mag, "mag", pid) is not None

    def preferred(self, ev, candidates, tag):
        pref = (ev.findtext(self.tag(tag)) or "").strip()
        for c in candidates:
            if pref and c.get("publicID") == pref:
                return c
        return candidates[0] if candidates else None

    def text(self, elem, name):
        node = elem.find(f"{self.tag(name)}/{self.tag('value')}")
        return node.text.strip() if node is not None and node.text else None

    def value(self, elem, name, pid: str):
        txt = self.text(elem, name)
        if txt in (None, ""):
            return None
        try:
            return float(txt)
        except ValueError:
            raise CatalogFormatError(f"event {pid!r}: {name} {txt!r} is not a number") from None


# --------------------------------------------------------------------------------------
# ISC
# --------------------------------------------------------------------------------------


def _pre_body(text: str) -> tuple[str, int]:
    """The text inside the page's ``<pre>`` (the ISC web service wraps its answers in HTML),
    or all of it, and the file's line number of its first line."""
    pre = re.search(r"<pre[^>]*>(.*?)(?:</pre>|\Z)", text, re.S | re.I)
    if pre is None:
        return text, 1
    return pre.group(1), text.count("\n", 0, pre.start(1)) + 1


def read_isc_catcsv(text: str) -> pd.DataFrame:
    """ISC event-catalogue CSV (``out_format=CATCSV``).

    Layout (isc.ac.uk/iscbulletin/search/catalogue/csvoutput): header lines
    ``DATA_TYPE EVENT_CATALOGUE``, the bulletin name and a ``--EVENT--|---ORIGIN...``
    ruler, then the column line ``EVENTID,TYPE,AUTHOR,DATE,TIME,LAT,LON,DEPTH,DEPFIX,``
    followed by ``AUTHOR,TYPE,MAG`` repeated once per reported magnitude; fixed-width
    fields padded with blanks; the block ends with ``STOP``, without which the file was cut
    short. The web service wraps it in an HTML page, inside ``<pre>``. The magnitude kept
    is given by :func:`pick_isc_magnitude`.
    """
    body, first = _pre_body(text)
    lines = body.splitlines()
    header_at = next(
        (i for i, line in enumerate(lines) if line.strip().upper().startswith("EVENTID")), None
    )
    if header_at is None:
        if "no events were found" in text.lower():
            return pd.DataFrame({c: [] for c in _COLUMNS})
        raise CatalogFormatError("no ISC CATCSV column line (EVENTID,TYPE,AUTHOR,...) found")
    header = [h.strip().upper() for h in lines[header_at].split(",")]
    has_type = len(header) > 1 and header[1] == "TYPE"  # the EHB/GT catalogues lack TYPE
    n_fixed = 9 if has_type else 8
    off = 2 if has_type else 1
    rows, stopped = [], False
    for lineno, line in enumerate(lines[header_at + 1 :], start=first + header_at + 1):
        if not line.strip():
            continue
        if line.strip().upper() == "STOP":
            stopped = True
            break
        f = [x.strip() for x in line.split(",")]
        if len(f) < n_fixed:
            raise CatalogFormatError(f"line {lineno}: {len(f)} fields, expected >= {n_fixed}")
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
                "event_id": f[0],
                "event_type": f[1] if has_type else "",
                "_where": f"line {lineno}",
                "origin_author": author,
            }
        )
    if not stopped:
        raise CatalogFormatError(
            f"no STOP line after the {len(rows)} events (file cut short?); "
            "an ISC CATCSV block ends with STOP"
        )
    return pd.DataFrame(rows, columns=[*_COLUMNS, "origin_author"])


_ORIGIN_LINE = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}")


def read_isc_isf(text: str) -> pd.DataFrame:
    """ISC bulletin in ISF (IMS1.0 short): the ``#PRIME`` origin of each event.

    Origin lines are fixed width (IMS1.0): date/time in columns 1-22, latitude 37-44,
    longitude 46-54, depth 72-76, event type 116-117, author 119-127, origin ID 129-.
    Magnitudes come from the event's magnitude block, reduced by :func:`pick_isc_magnitude`.
    The bulletin may come inside an HTML ``<pre>`` (line numbers count from there). It ends
    with ``STOP``: without one the file was cut short. An origin line before any ``Event``
    line, a line in an origin block that is neither an origin nor a ``(comment)``, and an
    event without an origin line are errors naming the line.
    """
    rows: list[dict] = []
    event = None
    section = None
    last_origin = None
    stopped = False

    def flush():
        if event is None:
            return
        origin = event["prime"] or (event["origins"][-1] if event["origins"] else None)
        if origin is None:
            raise CatalogFormatError(f"line {event['line']}: event {event['id']} has no origin")
        m_type, m_val = pick_isc_magnitude(event["mags"])
        rows.append({**origin, "magnitude": m_val, "mag_type": m_type, "event_id": event["id"]})

    body, first = _pre_body(text)
    for lineno, line in enumerate(body.splitlines(), start=first):
        stripped = line.strip()
        if stripped.upper() == "STOP":
            stopped = True
            break
        if line.startswith("Event "):
            flush()
            fields = line.split()
            if len(fields) < 2:
                raise CatalogFormatError(f"line {lineno}: 'Event' line without an event ID")
            event = {"id": fields[1], "origins": [], "prime": None, "mags": [], "line": lineno}
            section = None
            continue
        if event is None:
            if _ORIGIN_LINE.match(line) or (stripped.startswith("Date") and "Latitude" in line):
                raise CatalogFormatError(f"line {lineno}: origin line before any 'Event' line")
            continue  # DATA_TYPE, the bulletin title (or IMS1.0 message lines)
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
            if _ORIGIN_LINE.match(line):
                last_origin = {
                    "time": line[0:10].replace("/", "-") + "T" + line[11:22].strip() + "Z",
                    "latitude": line[36:44].strip(),
                    "longitude": line[45:54].strip(),
                    "depth_km": line[71:76].strip() or np.nan,
                    "event_type": line[115:117].strip(),
                    "_where": f"line {lineno}",
                }
                event["origins"].append(last_origin)
            elif stripped.startswith("("):  # a comment, such as (#PRIME)
                if "#PRIME" in line and last_origin is not None:
                    event["prime"] = last_origin
            elif stripped:
                raise CatalogFormatError(f"line {lineno}: not an origin line: {line[:40]!r}")
        elif section == "magnitude" and stripped:
            try:
                value = float(line[6:10])
            except ValueError:
                continue
            event["mags"].append((line[20:29].strip(), line[0:5].strip(), value))
    if not stopped:
        raise CatalogFormatError(
            f"no STOP line after {len(rows) + (event is not None)} events (file cut short?)"
        )
    flush()
    return pd.DataFrame(rows, columns=_COLUMNS)
