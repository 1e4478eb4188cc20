"""Local stand-ins on 127.0.0.1 that answer like the data services the workflow calls.

Same paths, parameters, formats and status codes as the real services, so the download
rules run end to end without the internet (and a wrong parameter fails here first):

* **BGS GIN** ``/GIN_V1/GINServices?Request=GetData``: IAGA-2002 minute data of any
  observatory it is told about, for any span inside that observatory's record, written
  by the project's generator (:mod:`eqprecursors.synthetic.ground`, driven by the real
  Kp history, through :func:`eqprecursors.io.iaga_writer.write_iaga`) in one file per
  request as the GIN delivers it. Honours ``dataStartDate``, ``dataDuration``,
  ``samplesPerDay`` (minute; the stand-in holds no 1-second data), ``publicationState``
  (the file's Data Type), ``orientation`` (native = XYZF, HDZF and their ``S`` forms),
  ``format`` (IAGA-2002 only) and ``testObsys``. The real January 2016 BOU file stays as
  before (``BOU`` from 2016-01-01) unless ``observatories`` names BOU.
* **USGS FDSN event** ``/fdsnws/event/1/query``: the rows of a catalog in the USGS csv
  layout that match ``starttime``/``endtime``, ``minmagnitude``/``maxmagnitude``,
  ``mindepth``/``maxdepth``, a circle (``latitude``, ``longitude`` with ``maxradius`` in
  degrees or ``maxradiuskm``, on a sphere as ComCat measures) and/or a box, ``eventtype``,
  ``magnitudetype``, ``orderby``, ``limit``/``offset``, as ``format=csv``.
* **GFZ Kp**: the text file (the bundled 2024 excerpt as before; ``full_kp_history=True``:
  the whole 1957-2025 Kp series in the same layout) and the JSON API ``/app/json/``
  honouring ``start``, ``end``, ``index=Kp`` and ``status``; **CelesTrak** ``SW-All.txt``.

API::

    with FakeServices() as svc:                      # as before: BOU 2016-01, bundled files
        svc.base                                     # http://127.0.0.1:PORT
    with FakeServices(
        observatories={"DUR": (41.65, 14.47, 225, "2007-01-01", "2020-12-31")},
        catalog_csv=Path("my_usgs_catalog.csv"),     # default: the bundled ComCat M5+ file
    ) as svc:
        config["services"] = svc.services_config()   # every service URL of a config
        ...
        svc.requests                                 # every path+query served, in order

``observatories`` maps an IAGA code to ``(latitude, longitude, elevation_m, first_day,
last_day)``, an :class:`Observatory` or a config entry (``latitude``, ``longitude``,
``elevation``, ``start``, ``end``); ``seed`` is the generator's seed and ``gaps`` its gap
model (``eqprecursors.synthetic.ground_model.GapConfig`` keys; None - the generator's
default, which is gappier than definitive INTERMAGNET data);
``fdsn_empty="header"`` answers an empty FDSN result with 200 and the csv header instead
of the specification's 204.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlparse

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

BOU_FILE = ROOT / "data/iaga/BOU201601adj.min"
GIN_FILES = {("BOU", "2016-01-01"): BOU_FILE}  # real files served as they are
FDSN_FILE = ROOT / "data/catalog/usgs_comcat_M5plus_global_2022-2024_seismostats.csv"
GFZ_EXCERPT = ROOT / "tests/data/kp/Kp_ap_Ap_SN_F107_since_2024.txt"
CELESTRAK_FILE = ROOT / "data/kp/celestrak_SW-All.txt"
GFZ_FILE_PATH = "/app/files/Kp_ap_Ap_SN_F107_since_1932.txt"
CELESTRAK_PATH = "/SpaceData/SW-All.txt"
# ComCat's circle: maxradiuskm is documented on [0, 20001.6] km for maxradius [0, 180]
# degrees (earthquake.usgs.gov/fdsnws/event/1/), i.e. 111.12 km per degree on a sphere.
KM_PER_DEGREE = 20001.6 / 180.0
_MINUTE_NS = 60_000_000_000
_CSV = "text/csv; charset=utf-8"


class ServiceError(Exception):
    """An HTTP error answer: ``status`` and a plain-text ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Observatory(NamedTuple):
    """A served observatory: position and the first and last day of its record."""

    latitude: float
    longitude: float
    elevation: float
    first_day: date
    last_day: date

    @classmethod
    def of(cls, value) -> Observatory:
        """From a tuple, or a mapping with ``latitude``, ``longitude``, ``elevation`` and
        ``start``/``end`` (a config's observatory entry) or ``first_day``/``last_day``."""
        if isinstance(value, Mapping):
            first = value["first_day"] if "first_day" in value else value["start"]
            last = value["last_day"] if "last_day" in value else value["end"]
            value = (
                value["latitude"],
                value["longitude"],
                value.get("elevation", 0.0),
                first,
                last,
            )
        lat, lon, elev, first, last = value
        day = [d if isinstance(d, date) else date.fromisoformat(str(d)) for d in (first, last)]
        if day[1] < day[0]:
            raise ValueError(f"record ends {day[1]} before it starts {day[0]}")
        return cls(float(lat), float(lon), float(elev), day[0], day[1])


# --------------------------------------------------------------------------------------
# BGS GIN
# --------------------------------------------------------------------------------------
# Parameters and values of GetData as documented at https://imag-data.bgs.ac.uk/GIN_V1/
# (names are matched case-insensitively, as public clients send "Format" and "format").
# Status codes as the GIN's clients document them (e.g. the magie package's get_GIN_data):
# 400 "Bad request. Returned where the request parameters are incorrect", 404 "Requested
# data is not available" (an unknown observatory, or a span outside its record).
# Stricter than the GIN may be: a parameter it does not document is a 400 here too.
_GIN_PARAMS = {
    "request", "format", "testobsys", "observatoryiagacode", "samplesperday",
    "publicationstate", "datastartdate", "dataduration", "orientation", "recordtermination",
}  # fmt: skip
_GIN_STATES = {  # publicationState -> IAGA-2002 Data Type of the answer
    "best-avail": "definitive", "best available": "definitive", "definitive": "definitive",
    "quasi-def": "quasi-definitive", "quasi-definitive": "quasi-definitive",
    "adjusted": "provisional", "provisional": "provisional", "adj-or-rep": "provisional",
    "reported": "variation", "variation": "variation",
}  # fmt: skip
_GIN_ORIENTATIONS = {"native", "xyzf", "hdzf", "xyzs", "hdzs"}  # DIF* not served here
_GIN_MAX_DAYS = 366


class _Gin:
    def __init__(self, observatories: Mapping, seed: int, kp_series, tmp: Path, gaps=None):
        self.sites = {code.upper(): Observatory.of(v) for code, v in observatories.items()}
        self.seed, self.kp_series, self.tmp = int(seed), kp_series, tmp
        self.gaps = gaps
        self.cache: OrderedDict[tuple, bytes] = OrderedDict()  # a few months: retries
        self.lock = threading.Lock()

    def get(self, query: dict[str, str]) -> bytes:
        q = {k.lower(): v for k, v in query.items()}
        unknown = sorted(set(q) - _GIN_PARAMS)
        if unknown:
            raise ServiceError(400, f"unknown parameter(s) {unknown}")
        if q.get("request", "").lower() != "getdata":
            raise ServiceError(400, f"Request={q.get('request')!r}: only GetData is served")
        if q.get("format", "iaga2002").lower().replace("-", "") != "iaga2002":
            raise ServiceError(400, f"format={q['format']!r}: the stand-in serves IAGA-2002")
        if q.get("testobsys", "0").lower() not in ("0", "false"):
            raise ServiceError(404, "no test observatories here")
        code = q.get("observatoryiagacode", "").upper()
        if len(code) != 3 or not code.isalnum():
            raise ServiceError(400, f"observatoryIagaCode={code!r} is not an IAGA code")
        samples = q.get("samplesperday", "minute").lower()
        if samples not in ("minute", "1440", "second", "86400"):
            raise ServiceError(400, f"samplesPerDay={samples!r}")
        state = q.get("publicationstate", "best-avail").lower()
        if state not in _GIN_STATES:
            raise ServiceError(400, f"publicationState={state!r}")
        orientation = q.get("orientation", "native").lower()
        if orientation not in _GIN_ORIENTATIONS:
            raise ServiceError(400, f"orientation={orientation!r}")
        try:
            first = date.fromisoformat(q.get("datastartdate", "")[:10])
            days = int(q.get("dataduration", "1"))
        except ValueError as exc:
            raise ServiceError(400, f"dataStartDate/dataDuration: {exc}") from None
        if not 1 <= days <= _GIN_MAX_DAYS:
            raise ServiceError(400, f"dataDuration={days} outside 1..{_GIN_MAX_DAYS}")
        if code not in self.sites:
            real = GIN_FILES.get((code, first.isoformat()))
            if real is not None:
                return real.read_bytes()
            raise ServiceError(404, f"no data for observatory {code}")
        if samples in ("second", "86400"):
            raise ServiceError(404, f"no 1-second data for {code}")
        site, last = self.sites[code], first + timedelta(days=days - 1)
        if last < site.first_day or first > site.last_day:
            raise ServiceError(404, f"no data for {code} {first}..{last}")
        key = (code, first, days, orientation, _GIN_STATES[state])
        with self.lock:
            if key not in self.cache:
                self.cache[key] = self._generate(code, site, first, last, *key[3:])
                while len(self.cache) > 12:
                    self.cache.popitem(last=False)
            self.cache.move_to_end(key)
            return self.cache[key]

    def _generate(self, code, site, first, last, orientation, data_type) -> bytes:
        """One file for the span; minutes outside the record are missing (99999.00)."""
        from eqprecursors.io.iaga_writer import write_iaga
        from eqprecursors.synthetic.ground import MINUTES_PER_DAY, make_simulator

        sim, days = make_simulator(
            iaga_code=code,
            latitude=site.latitude,
            longitude=site.longitude,
            elevation=site.elevation,
            start=first.isoformat(),
            end=last.isoformat(),
            kp=self.kp_series(),
            seed=self.seed,
            gaps=self.gaps,
        )
        d0, d1 = (np.datetime64(d, "D").astype(int) for d in (site.first_day, site.last_day))
        values = np.concatenate(
            [sim.day(d) if d0 <= d <= d1 else np.full((4, MINUTES_PER_DAY), np.nan) for d in days],
            axis=1,
        )
        elements, values = _orient(values, orientation)
        minutes = np.arange(days[0] * MINUTES_PER_DAY, (days[-1] + 1) * MINUTES_PER_DAY)
        path = self.tmp / f"{code}_{first}_{len(days)}_{orientation}.min"
        write_iaga(
            path,
            iaga_code=code,
            station_name=f"{code} (stand-in)",
            latitude=site.latitude,
            longitude=site.longitude,
            elevation=site.elevation,
            time=(minutes * _MINUTE_NS).astype("datetime64[ns]"),
            values=dict(zip(elements, values, strict=True)),
            elements=elements,
            data_type=data_type,
            source="tests/fake_services.py (BGS GIN stand-in)",
            interval_type="filtered 1-minute (00:15-01:45)",
            comments=("SYNTHETIC DATA served by the GIN stand-in of the test suite.",),
        )
        body = path.read_bytes()
        path.unlink()
        return body


def _orient(xyzf: np.ndarray, orientation: str) -> tuple[str, list[np.ndarray]]:
    """X, Y, Z, F rows in the requested orientation (D in minutes of arc)."""
    x, y, z, f = xyzf
    last = "S" if orientation.endswith("s") else "F"
    if orientation in ("hdzf", "hdzs"):
        return "HDZ" + last, [np.hypot(x, y), np.degrees(np.arctan2(y, x)) * 60, z, f]
    return "XYZ" + last, [x, y, z, f]


# --------------------------------------------------------------------------------------
# FDSN event (USGS ComCat)
# --------------------------------------------------------------------------------------
# FDSN Web Service Specifications 1.2 (fdsn.org/webservices): parameters and their short
# aliases, "204 No Content" when nothing matches (404 with nodata=404), 400 for an
# unrecognised parameter or a bad value. USGS extensions (earthquake.usgs.gov/fdsnws/
# event/1/): minradiuskm/maxradiuskm, eventtype, orderby=time-asc/magnitude-asc.
_FDSN_ALIASES = {
    "start": "starttime", "end": "endtime", "minlat": "minlatitude", "maxlat": "maxlatitude",
    "minlon": "minlongitude", "maxlon": "maxlongitude", "lat": "latitude", "lon": "longitude",
    "minmag": "minmagnitude", "maxmag": "maxmagnitude", "magtype": "magnitudetype",
}  # fmt: skip
_FDSN_FLOATS = {
    "minlatitude", "maxlatitude", "minlongitude", "maxlongitude", "latitude", "longitude",
    "minradius", "maxradius", "minradiuskm", "maxradiuskm", "mindepth", "maxdepth",
    "minmagnitude", "maxmagnitude",
}  # fmt: skip
_FDSN_PARAMS = _FDSN_FLOATS | {
    "starttime", "endtime", "magnitudetype", "eventtype", "orderby", "limit", "offset",
    "format", "nodata",
}  # fmt: skip
_ORDERS = {"time": ("t", True), "time-asc": ("t", False),
           "magnitude": ("mag", True), "magnitude-asc": ("mag", False)}  # fmt: skip


def _fdsn_time(value: str) -> float:
    t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return t.timestamp()


class _Catalog:
    """A USGS-layout csv: its header and each row's raw line and parsed fields."""

    def __init__(self, path: Path):
        text = Path(path).read_bytes().decode("utf-8-sig")
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if not lines:
            raise ValueError(f"{path}: empty catalog (no USGS csv header)")
        self.header = lines[0]
        cols = next(csv.reader([self.header]))
        need = ("time", "latitude", "longitude", "depth", "mag")
        missing = [c for c in need if c not in cols]
        if missing:
            raise ValueError(f"{path}: not the USGS csv layout, no column(s) {missing}")
        at = {c: cols.index(c) for c in cols}
        self.rows = []
        for lineno, line in enumerate(lines[1:], start=2):
            f = next(csv.reader([line]))
            try:
                row = {
                    "line": line,
                    "t": _fdsn_time(f[at["time"]]),
                    "lat": float(f[at["latitude"]]),
                    "lon": float(f[at["longitude"]]),
                    "depth": float(f[at["depth"]] or "nan"),
                    "mag": float(f[at["mag"]] or "nan"),
                    "magtype": f[at["magType"]].lower() if "magType" in at else "",
                    "type": f[at["type"]].lower() if "type" in at else "earthquake",
                }
            except (ValueError, IndexError) as exc:
                raise ValueError(f"{path}, line {lineno}: {exc}") from None
            self.rows.append(row)

    def query(self, query: dict[str, str]) -> list[str]:
        """The matching raw lines in the requested order; ServiceError(400) on a bad query."""
        q = {_FDSN_ALIASES.get(k, k): v for k, v in query.items()}
        unknown = sorted(set(q) - _FDSN_PARAMS)
        if unknown:
            raise ServiceError(400, f"Bad Request: unrecognised parameter(s) {unknown}")
        if q.get("format", "quakeml") != "csv":
            raise ServiceError(400, f"format={q.get('format', 'quakeml')!r}: stand-in has csv")
        if q.get("nodata", "204") not in ("204", "404"):
            raise ServiceError(400, f"nodata={q['nodata']!r}: 204 or 404")
        try:
            v = {k: float(q[k]) for k in _FDSN_FLOATS & set(q)}
            t0 = _fdsn_time(q["starttime"]) if "starttime" in q else -math.inf
            t1 = _fdsn_time(q["endtime"]) if "endtime" in q else math.inf
            limit, offset = int(q.get("limit", "0")), int(q.get("offset", "1"))
        except ValueError as exc:
            raise ServiceError(400, f"Bad Request: {exc}") from None
        if {"maxradius", "maxradiuskm"} <= set(v) or {"minradius", "minradiuskm"} <= set(v):
            raise ServiceError(400, "Bad Request: radius in both degrees and km")
        radius = {k for k in v if "radius" in k}
        if radius and not {"latitude", "longitude"} <= set(v):
            raise ServiceError(400, "Bad Request: a radius needs latitude and longitude")
        orderby = q.get("orderby", "time")
        if orderby not in _ORDERS:
            raise ServiceError(400, f"Bad Request: orderby={orderby!r}")
        lo_deg = v.get("minradius", v.get("minradiuskm", 0.0) / KM_PER_DEGREE)
        hi_deg = v.get("maxradius", v.get("maxradiuskm", math.inf) / KM_PER_DEGREE)
        types = {s.strip().lower() for s in q["eventtype"].split(",")} if "eventtype" in q else None
        magtype = q.get("magnitudetype", "").lower()
        out = []
        for r in self.rows:
            if not t0 <= r["t"] <= t1:  # both bounds inclusive (FDSN)
                continue
            if not _within(r["mag"], v.get("minmagnitude"), v.get("maxmagnitude")):
                continue
            if not _within(r["depth"], v.get("mindepth"), v.get("maxdepth")):
                continue
            if not _within(r["lat"], v.get("minlatitude"), v.get("maxlatitude")):
                continue
            if not _in_lon_box(r["lon"], v.get("minlongitude"), v.get("maxlongitude")):
                continue
            if types is not None and r["type"] not in types:
                continue
            if magtype and r["magtype"] != magtype:
                continue
            if radius:
                deg = central_angle_deg(v["latitude"], v["longitude"], r["lat"], r["lon"])
                if not lo_deg <= deg <= hi_deg:
                    continue
            out.append(r)
        key, reverse = _ORDERS[orderby]
        out.sort(key=lambda r: r[key] if math.isfinite(r[key]) else -math.inf, reverse=reverse)
        out = out[max(offset, 1) - 1 :]
        return [r["line"] for r in (out[:limit] if limit > 0 else out)]


def _within(x: float, lo: float | None, hi: float | None) -> bool:
    """``lo <= x <= hi``; an unknown value (NaN) fails any bound that is set."""
    if lo is None and hi is None:
        return True
    return (lo is None or x >= lo) and (hi is None or x <= hi)


def _in_lon_box(lon: float, lo: float | None, hi: float | None) -> bool:
    """Longitude box that may cross the antimeridian (bounds beyond +-180, as ComCat)."""
    if lo is None and hi is None:
        return True
    lo, hi = -180.0 if lo is None else lo, 180.0 if hi is None else hi
    return any(lo <= lon + k <= hi for k in (-360.0, 0.0, 360.0))


def central_angle_deg(lat1, lon1, lat2, lon2) -> float:
    """Great-circle angle in degrees (haversine): the service's distance on a sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return math.degrees(2 * math.asin(math.sqrt(min(max(a, 0.0), 1.0))))


# --------------------------------------------------------------------------------------
# Kp (GFZ Potsdam, CelesTrak)
# --------------------------------------------------------------------------------------
# ap of each Kp third (Kp 0, 0+, 1-, 1, ... 9): the Bartels table GFZ publishes.
_AP = [0, 2, 3, 4, 5, 6, 7, 9, 12, 15, 18, 22, 27, 32, 39, 48, 56, 67, 80, 94, 111,
       132, 154, 179, 207, 236, 300, 400]  # fmt: skip


class _Kp:
    def __init__(self, full_history: bool):
        self.full_history = full_history
        self._series = None
        self._gfz_text: bytes | None = None
        self.lock = threading.Lock()

    def series(self):
        """The real Kp series of the bundled CelesTrak file (1957-2025), read once."""
        with self.lock:
            if self._series is None:
                from eqprecursors.io.kp import read_kp

                self._series = read_kp(CELESTRAK_FILE, fmt="celestrak")
            return self._series

    def gfz_file(self) -> bytes:
        if not self.full_history:
            return GFZ_EXCERPT.read_bytes()
        if self._gfz_text is None:
            self._gfz_text = self._render_gfz()
        return self._gfz_text

    def _render_gfz(self) -> bytes:
        """The GFZ ``Kp_ap_Ap_SN_F107`` layout (header of the bundled excerpt) of the full
        series; SN and F10.7, which the workflow does not read, are the file's -1 (missing)."""
        kp = self.series()
        header = [ln for ln in GFZ_EXCERPT.read_text().splitlines() if ln.startswith("#")]
        day = kp["time"].dt.tz_convert(None).dt.floor("D")
        slot = (kp["time"].dt.hour // 3).to_numpy()
        table = np.full((day.nunique(), 8), -1.0)
        days = np.sort(day.unique())
        row = np.searchsorted(days, day.to_numpy())
        table[row, slot] = np.where(np.isfinite(kp["kp"]), kp["kp"], -1.0)
        epoch = np.datetime64("1932-01-01")
        lines = header
        for d, vals in zip(days, table, strict=True):
            n = int((np.datetime64(d, "D") - epoch).astype(int))
            ap = [_AP[round(v * 3)] if v >= 0 else -1 for v in vals]
            good = [a for a in ap if a >= 0]
            big_ap = round(sum(good) / len(good)) if good else -1
            y, m, dd = str(np.datetime64(d, "D")).split("-")
            lines.append(
                f"{y} {m} {dd} {n:5d} {n + 0.5:7.1f} {0:4d} {0:2d} "
                + " ".join(f"{v:6.3f}" for v in vals)
                + " "
                + " ".join(f"{a:4d}" for a in ap)
                + f"  {big_ap:4d} {-1:3d} {-1.0:8.1f} {-1.0:8.1f} 0"
            )
        return ("\n".join(lines) + "\n").encode()

    def json(self, query: dict[str, str]) -> bytes:
        """The JSON API (kp.gfz-potsdam.de/app/json/): intervals starting in [start, end]."""
        unknown = sorted(set(query) - {"start", "end", "index", "status"})
        if unknown:
            raise ServiceError(400, f"unknown parameter(s) {unknown}")
        if query.get("index") != "Kp":
            raise ServiceError(400, f"index={query.get('index')!r}: the stand-in serves Kp")
        if query.get("status", "def") not in ("def", "all"):
            raise ServiceError(400, f"status={query['status']!r}")
        try:
            t0, t1 = (
                datetime.fromisoformat(query[k].replace("Z", "+00:00")) for k in ("start", "end")
            )
        except (KeyError, ValueError) as exc:
            raise ServiceError(400, f"start/end: {exc}") from None
        if t1 < t0:
            raise ServiceError(400, "end is before start")
        kp = self.series()
        sel = kp[(kp["time"] >= t0) & (kp["time"] <= t1)]
        times = sel["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist()
        values = [None if not math.isfinite(x) else round(x, 3) for x in sel["kp"]]
        obj = {
            "datetime": times,
            "Kp": values,
            "status": ["def"] * len(times),
            "meta": {"source": "GFZ Potsdam (stand-in)", "license": "CC BY 4.0"},
        }
        return json.dumps(obj).encode()


# --------------------------------------------------------------------------------------
# the server
# --------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        svc: FakeServices = self.server.services
        with svc.lock:
            svc.requests.append(self.path)
        try:
            if url.path.endswith("/GIN_V1/GINServices"):
                self._send(200, svc.gin.get(query))
            elif url.path.endswith("/fdsnws/event/1/query"):
                self._fdsn(svc, query)
            elif url.path in ("/app/json", "/app/json/"):
                self._send(200, svc.kp.json(query), "application/json")
            elif url.path == GFZ_FILE_PATH:
                self._send(200, svc.kp.gfz_file())
            elif url.path == CELESTRAK_PATH:
                self._send(200, CELESTRAK_FILE.read_bytes())
            else:
                raise ServiceError(404, "no such file on the fake service")
        except ServiceError as err:
            self._send(err.status, f"Error {err.status}: {err.message}\n".encode())

    def _fdsn(self, svc, query):
        catalog = svc.catalog()
        lines = catalog.query(query)
        if lines or svc.fdsn_empty == "header":
            self._send(200, ("\n".join([catalog.header, *lines]) + "\n").encode(), _CSV)
        elif query.get("nodata") == "404":
            raise ServiceError(404, "Not Found: no event matches the query")
        else:
            self.send_response(204)
            self.end_headers()

    def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


class FakeServices:
    """Context manager serving the stand-ins on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        observatories: Mapping | None = None,
        catalog_csv: Path | str | None = None,
        *,
        seed: int = 0,
        gaps: Mapping | None = None,
        full_kp_history: bool = False,
        fdsn_empty: str = "nodata",
    ):
        if fdsn_empty not in ("nodata", "header"):
            raise ValueError(f"fdsn_empty must be 'nodata' or 'header', got {fdsn_empty!r}")
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-gin-")
        self.kp = _Kp(full_kp_history)
        self.gin = _Gin(observatories or {}, seed, self.kp.series, Path(self._tmp.name), gaps)
        self.catalog_csv = Path(catalog_csv) if catalog_csv is not None else FDSN_FILE
        self.fdsn_empty = fdsn_empty
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self._catalog: _Catalog | None = None

    def catalog(self) -> _Catalog:
        with self.lock:
            if self._catalog is None:
                self._catalog = _Catalog(self.catalog_csv)
            return self._catalog

    def __enter__(self) -> FakeServices:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.services = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def services_config(self) -> dict:
        """The ``services`` section of a workflow config pointing at these stand-ins (the
        ISC address is there for the schema; no ISC stand-in answers it)."""
        b = self.base
        return {
            "intermagnet": {
                "base_url": f"{b}/GIN_V1/GINServices",
                "publication_state": "best-avail",
            },
            "usgs": {"base_url": f"{b}/fdsnws/event/1/query"},
            "isc": {"base_url": f"{b}/cgi-bin/web-db-run"},
            "gfz": {"file_url": f"{b}{GFZ_FILE_PATH}", "json_url": f"{b}/app/json/"},
            "celestrak": {"url": f"{b}{CELESTRAK_PATH}"},
        }

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._tmp.cleanup()
