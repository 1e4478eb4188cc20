"""Request URLs of the public data services, with the standard library only.

The DAG builds these URLs while Snakemake parses the workflow, so this module must not load
numpy, pandas or geographiclib (a test checks). Period bounds follow the project's one
convention (:func:`eqprecursors.core.dates.period_bound`): a bare date as an end bound
means "through that day".
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlencode

from eqprecursors.core.dates import is_date_only, period_bound, utc_datetime

GFZ_BASE_URL = "https://kp.gfz-potsdam.de"
GFZ_FILE_NAME = "Kp_ap_Ap_SN_F107_since_1932.txt"


# --------------------------------------------------------------------------------------
# INTERMAGNET (BGS Edinburgh GIN)
# --------------------------------------------------------------------------------------


def intermagnet_url(
    base_url: str,
    *,
    iaga_code: str,
    start: date,
    duration_days: int,
    publication_state: str = "best-avail",
    samples_per_day: str = "minute",
    orientation: str | None = None,
) -> str:
    """BGS GIN web service ``GetData`` URL for one observatory, as IAGA-2002.

    Parameters as documented at https://imag-data.bgs.ac.uk/GIN_V1/ (Request=GetData;
    ``observatoryIagaCode``, ``samplesPerDay`` = minute|second, ``publicationState`` =
    best-avail|definitive|quasi-definitive|provisional|adj-or-rep, ``dataStartDate`` as
    yyyy-mm-dd, ``dataDuration`` in days, ``format=iaga2002``, ``testObsys=0`` for real
    rather than test observatories), and as used by public clients, e.g.
    ``GINServices?Request=GetData&format=IAGA2002&testObsys=0&observatoryIagaCode=ARS&
    samplesPerDay=minute&publicationState=...&dataStartDate=...&dataDuration=...``.
    ``base_url`` is the ``.../GIN_V1/GINServices`` endpoint or the host root.
    ``orientation`` (e.g. ``native``) is passed on only when given.
    """
    if duration_days < 1:
        raise ValueError(f"duration_days must be >= 1, got {duration_days}")
    if not re.fullmatch(r"[A-Za-z0-9]{3}", iaga_code):
        raise ValueError(f"not an IAGA observatory code: {iaga_code!r}")
    url = base_url.rstrip("/")
    if not url.endswith("GINServices"):
        url += "/GIN_V1/GINServices"
    params = {
        "Request": "GetData",
        "format": "iaga2002",
        "testObsys": "0",
        "observatoryIagaCode": iaga_code.upper(),
        "samplesPerDay": samples_per_day,
        "publicationState": publication_state,
        "dataStartDate": start.isoformat(),
        "dataDuration": str(int(duration_days)),
    }
    if orientation:
        params["orientation"] = orientation
    return f"{url}?{urlencode(params)}"


def month_starts(start: date, end: date) -> list[date]:
    """First-of-month dates of every month that overlaps ``start``..``end`` (both inclusive).

    One GIN request per observatory and month keeps each download small enough to retry
    cheaply and gives Snakemake one file per month to track.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def days_in_month(first: date) -> int:
    """Number of days of ``first``'s month (the ``dataDuration`` of a monthly request)."""
    return calendar.monthrange(first.year, first.month)[1]


# --------------------------------------------------------------------------------------
# earthquake catalogs (USGS FDSN, ISC)
# --------------------------------------------------------------------------------------


#: Query-radius padding: the services measure their circle on a sphere, the workflow
#: re-selects with the WGS84 geodesic (eqprecursors.ground.events). Over every latitude,
#: azimuth and distance (50-3000 km) the spherical distance exceeds the geodesic one by at
#: most 0.56 % (sphere of 6371 km; 0.49 % for the 111.12 km/degree sphere of USGS ComCat),
#: so a query radius of r * 1.01 + 1 km returns every event the geodesic cut keeps; the
#: extra 1 km covers the rounding of coordinates in the URL and in the catalog.
RADIUS_PAD_FRACTION = 0.01
RADIUS_PAD_KM = 1.0


def query_radius_km(radius_km: float) -> float:
    """The padded radius to ask a service for, so the geodesic cut decides at the edge."""
    return float(radius_km) * (1.0 + RADIUS_PAD_FRACTION) + RADIUS_PAD_KM


class _Circle(NamedTuple):
    """A catalog query around a site: exclusive UTC end, query strings formatted once."""

    start: datetime
    end: datetime
    latitude: str
    longitude: str
    radius_km: str
    min_magnitude: str
    max_depth_km: str | None


def _circle(
    *,
    start,
    end,
    latitude: float,
    longitude: float,
    max_radius_km: float,
    min_magnitude: float,
    max_depth_km: float | None = None,
    pad_radius: bool = True,
) -> _Circle:
    if start is None or end is None:
        raise ValueError("start and end are required")
    t0, t1 = period_bound(start, is_end=False), period_bound(end, is_end=True)
    if t1 <= t0:
        raise ValueError(f"end {end} is not after start {start}")
    return _Circle(
        t0,
        t1,
        f"{latitude:g}",
        f"{_wrap_lon(longitude):g}",
        f"{query_radius_km(max_radius_km) if pad_radius else max_radius_km:g}",
        f"{min_magnitude:g}",
        None if max_depth_km is None else f"{max_depth_km:g}",
    )


def usgs_fdsn_url(base_url: str, *, event_type: str | None = "earthquake", **query) -> str:
    """FDSN event query (USGS ComCat) for a circle around a site, as ``format=csv``.

    ``query``: ``start``, ``end``, ``latitude``, ``longitude``, ``max_radius_km``,
    ``min_magnitude`` and optionally ``max_depth_km`` and ``pad_radius`` (default True:
    the radius sent is :func:`query_radius_km`, the geodesic re-selection cuts at
    ``max_radius_km``). ``base_url`` is the service root
    (``https://earthquake.usgs.gov``) or the full ``.../fdsnws/event/1/query`` endpoint.
    ``minmagnitude`` is inclusive on the server; the strict M > min is applied by
    :func:`eqprecursors.ground.events.select_events`. A bare-date ``end`` covers that whole
    day. ``eventtype`` is a USGS extension; pass ``event_type=None`` for other FDSN servers.
    """
    q = _circle(**query)
    circle = {"latitude": q.latitude, "longitude": q.longitude, "maxradiuskm": q.radius_km}
    return _fdsn_query(
        base_url, q.start, q.end, circle, q.min_magnitude, q.max_depth_km, event_type
    )


def usgs_fdsn_global_url(
    base_url: str,
    *,
    start,
    end,
    min_magnitude: float,
    max_depth_km: float | None = None,
    event_type: str | None = "earthquake",
) -> str:
    """FDSN event query for the whole globe (the satellite study's catalog), ``format=csv``.

    ComCat answers at most 20,000 events a query, so callers ask for one year at a time.
    """
    t0, t1 = period_bound(start, is_end=False), period_bound(end, is_end=True)
    if t1 <= t0:
        raise ValueError(f"end {end} is not after start {start}")
    depth = None if max_depth_km is None else f"{max_depth_km:g}"
    return _fdsn_query(base_url, t0, t1, {}, f"{min_magnitude:g}", depth, event_type)


def _fdsn_query(base_url, t0, t1, circle, min_magnitude, max_depth_km, event_type) -> str:
    url = base_url.rstrip("/")
    if not url.endswith("/query"):
        url += "/fdsnws/event/1/query"
    params = {
        "format": "csv",
        "starttime": t0.strftime("%Y-%m-%dT%H:%M:%S"),
        "endtime": t1.strftime("%Y-%m-%dT%H:%M:%S"),
        **circle,
        "minmagnitude": min_magnitude,
    }
    if max_depth_km is not None:
        params["maxdepth"] = max_depth_km
    if event_type:
        params["eventtype"] = event_type
    params["orderby"] = "time-asc"
    return f"{url}?{urlencode(params, safe=':')}"


def year_periods(start, end) -> list[tuple[str, str]]:
    """(start, end) ISO dates of each calendar year that ``start``..``end`` touches, clipped."""
    first, last = utc_datetime(start).date(), utc_datetime(end).date()
    if last < first:
        raise ValueError(f"end {end} is before start {start}")
    return [
        (max(first, date(y, 1, 1)).isoformat(), min(last, date(y, 12, 31)).isoformat())
        for y in range(first.year, last.year + 1)
    ]


def isc_catcsv_url(base_url: str, *, request: str = "COMPREHENSIVE", **query) -> str:
    """ISC bulletin event-catalogue query (CATCSV) for a circle around a site.

    ``query`` as for :func:`usgs_fdsn_url`. Parameters follow
    isc.ac.uk/iscbulletin/search/webservices/catalogue: ``searchshape=CIRC`` with
    ``ctr_lat``, ``ctr_lon``, ``radius`` and ``max_dist_units=km``; times as
    ``start_year/start_month/start_day/start_time``; magnitudes of any type from any
    agency (``req_mag_type=Any&req_mag_agcy=Any``) so that every magnitude is listed and
    :func:`eqprecursors.io.catalogs.pick_isc_magnitude` can choose. ``request`` may be
    ``REVIEWED``.
    """
    q = _circle(**query)
    t0 = q.start
    # The ISC end time is inclusive: stop one second before the exclusive bound.
    t1 = q.end - timedelta(seconds=1)
    url = base_url.rstrip("/")
    if not url.endswith("web-db-run"):
        url += "/cgi-bin/web-db-run"
    params = {
        "request": request,
        "out_format": "CATCSV",
        "searchshape": "CIRC",
        "ctr_lat": q.latitude,
        "ctr_lon": q.longitude,
        "radius": q.radius_km,
        "max_dist_units": "km",
        "start_year": t0.year,
        "start_month": f"{t0.month:02d}",
        "start_day": f"{t0.day:02d}",
        "start_time": t0.strftime("%H:%M:%S"),
        "end_year": t1.year,
        "end_month": f"{t1.month:02d}",
        "end_day": f"{t1.day:02d}",
        "end_time": t1.strftime("%H:%M:%S"),
        "min_dep": "",
        "max_dep": q.max_depth_km or "",
        "min_mag": q.min_magnitude,
        "max_mag": "",
        "req_mag_type": "Any",
        "req_mag_agcy": "Any",
    }
    return f"{url}?{urlencode(params, safe=':')}"


def _wrap_lon(lon: float) -> float:
    """Longitude in -180..180 (the config allows 0..360, as IAGA-2002 headers do)."""
    return ((float(lon) + 180.0) % 360.0) - 180.0


# --------------------------------------------------------------------------------------
# Kp (GFZ Potsdam)
# --------------------------------------------------------------------------------------


def gfz_json_url(base_url: str, start, end, *, index: str = "Kp", status: str | None = None) -> str:
    """GFZ Kp JSON API query, e.g. ``https://kp.gfz-potsdam.de/app/json/?start=2024-01-01T
    00:00:00Z&end=2024-01-31T23:59:59Z&index=Kp``.

    The API's ``end`` is inclusive and ``datetime`` is each interval's start, so a
    bare-date ``end`` becomes 23:59:59 of that day to include its 21-24 UT interval.
    ``status="def"`` restricts to definitive values. ``base_url`` is the host root or
    the ``.../app/json/`` endpoint.
    """
    url = base_url.rstrip("/")
    if not url.endswith("/app/json"):
        url += "/app/json"
    last = period_bound(end, is_end=True)
    if is_date_only(end):
        last -= timedelta(seconds=1)
    params = {
        "start": period_bound(start, is_end=False).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": last.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "index": index,
    }
    if status:
        params["status"] = status
    return f"{url}/?{urlencode(params, safe=':')}"


def gfz_file_url(base_url: str = GFZ_BASE_URL, name: str = GFZ_FILE_NAME) -> str:
    """Download address of a GFZ Kp text file (default the full series since 1932)."""
    url = base_url.rstrip("/")
    if url.endswith(".txt"):
        return url
    if not url.endswith("/app/files"):
        url += "/app/files"
    return f"{url}/{name}"
