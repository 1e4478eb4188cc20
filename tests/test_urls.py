"""Request URLs (sources.urls): standard library only, the same strings as before the move,
and the one period convention of core.dates they rely on."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from eqprecursors.core.dates import is_date_only, period_bound, utc_datetime
from eqprecursors.sources import urls

ROOT = Path(__file__).resolve().parents[1]
DUR_SITE = dict(latitude=41.39, longitude=14.28)


def test_urls_import_the_standard_library_only():
    """The DAG builds URLs while Snakemake parses: no numpy, pandas or geographiclib."""
    code = (
        "import sys; import eqprecursors.sources.urls; "
        "bad = [m for m in ('numpy', 'pandas', 'geographiclib', 'requests') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT / "scripts", timeout=300)


def test_period_bound():
    # a bare date as an end bound means "through that day": next midnight, exclusive
    assert period_bound("2016-12-31", is_end=True) == datetime(2017, 1, 1, tzinfo=UTC)
    assert period_bound(date(2016, 2, 28), is_end=True) == datetime(2016, 2, 29, tzinfo=UTC)
    assert period_bound("2016-12-31", is_end=False) == datetime(2016, 12, 31, tzinfo=UTC)
    # a time is taken as given (naive is UTC, other offsets converted)
    assert period_bound("2016-08-24T01:36:32", is_end=True) == datetime(
        2016, 8, 24, 1, 36, 32, tzinfo=UTC
    )
    assert period_bound("2016-08-24T03:36:32+02:00", is_end=True) == datetime(
        2016, 8, 24, 1, 36, 32, tzinfo=UTC
    )
    assert period_bound("2024-05-10T00:00Z", is_end=False) == datetime(2024, 5, 10, tzinfo=UTC)
    midnight = datetime(2016, 1, 1)  # a datetime is not a bare date, even at midnight
    assert period_bound(midnight, is_end=True) == midnight.replace(tzinfo=UTC)
    assert is_date_only(" 2016-01-01 ") and not is_date_only("2016-01-01T00:00")
    assert utc_datetime("2016-01-01") + timedelta(days=1) == period_bound("2016-01-01", is_end=True)


# The strings the builders gave before they moved here (io.catalogs, io.kp, sources.http).
QUERIES = [
    dict(start="2016-01-01", end="2016-12-31", latitude=41.39, longitude=14.28,
         max_radius_km=200.0, min_magnitude=4.0, max_depth_km=30.0),
    dict(start=date(2019, 9, 1), end=date(2019, 9, 30), latitude=40.5, longitude=389.72,
         max_radius_km=150, min_magnitude=4.5),
    dict(start="2016-08-24T01:00:00Z", end="2016-08-25T12:30:00", latitude=-33.5,
         longitude=-70.25, max_radius_km=99.5, min_magnitude=5, max_depth_km=None),
    dict(start=datetime(2020, 2, 28, 6, tzinfo=UTC), end="2020-03-01", latitude=0.0,
         longitude=180.0, max_radius_km=1000, min_magnitude=3.05, max_depth_km=700),
]  # fmt: skip
OLD = {
    "usgs": [
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv&starttime=2016-01-01T00:00:00&endtime=2017-01-01T00:00:00&latitude=41.39&longitude=14.28&maxradiuskm=200&minmagnitude=4&maxdepth=30&eventtype=earthquake&orderby=time-asc",
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv&starttime=2016-01-01T00:00:00&endtime=2017-01-01T00:00:00&latitude=41.39&longitude=14.28&maxradiuskm=200&minmagnitude=4&maxdepth=30&orderby=time-asc",
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv&starttime=2019-09-01T00:00:00&endtime=2019-10-01T00:00:00&latitude=40.5&longitude=29.72&maxradiuskm=150&minmagnitude=4.5&eventtype=earthquake&orderby=time-asc",
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv&starttime=2019-09-01T00:00:00&endtime=2019-10-01T00:00:00&latitude=40.5&longitude=29.72&maxradiuskm=150&minmagnitude=4.5&orderby=time-asc",
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv&starttime=2016-08-24T01:00:00&endtime=2016-08-25T12:30:00&latitude=-33.5&longitude=-70.25&maxradiuskm=99.5&minmagnitude=5&eventtype=earthquake&orderby=time-asc",
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv&starttime=2016-08-24T01:00:00&endtime=2016-08-25T12:30:00&latitude=-33.5&longitude=-70.25&maxradiuskm=99.5&minmagnitude=5&orderby=time-asc",
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv&starttime=2020-02-28T06:00:00&endtime=2020-03-02T00:00:00&latitude=0&longitude=-180&maxradiuskm=1000&minmagnitude=3.05&maxdepth=700&eventtype=earthquake&orderby=time-asc",
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv&starttime=2020-02-28T06:00:00&endtime=2020-03-02T00:00:00&latitude=0&longitude=-180&maxradiuskm=1000&minmagnitude=3.05&maxdepth=700&orderby=time-asc",
    ],
    "isc": [
        "https://www.isc.ac.uk/cgi-bin/web-db-run?request=COMPREHENSIVE&out_format=CATCSV&searchshape=CIRC&ctr_lat=41.39&ctr_lon=14.28&radius=200&max_dist_units=km&start_year=2016&start_month=01&start_day=01&start_time=00:00:00&end_year=2016&end_month=12&end_day=31&end_time=23:59:59&min_dep=&max_dep=30&min_mag=4&max_mag=&req_mag_type=Any&req_mag_agcy=Any",
        "http://isc-mirror.iris.washington.edu/cgi-bin/web-db-run?request=REVIEWED&out_format=CATCSV&searchshape=CIRC&ctr_lat=41.39&ctr_lon=14.28&radius=200&max_dist_units=km&start_year=2016&start_month=01&start_day=01&start_time=00:00:00&end_year=2016&end_month=12&end_day=31&end_time=23:59:59&min_dep=&max_dep=30&min_mag=4&max_mag=&req_mag_type=Any&req_mag_agcy=Any",
        "https://www.isc.ac.uk/cgi-bin/web-db-run?request=COMPREHENSIVE&out_format=CATCSV&searchshape=CIRC&ctr_lat=40.5&ctr_lon=29.72&radius=150&max_dist_units=km&start_year=2019&start_month=09&start_day=01&start_time=00:00:00&end_year=2019&end_month=09&end_day=30&end_time=23:59:59&min_dep=&max_dep=&min_mag=4.5&max_mag=&req_mag_type=Any&req_mag_agcy=Any",
        "http://isc-mirror.iris.washington.edu/cgi-bin/web-db-run?request=REVIEWED&out_format=CATCSV&searchshape=CIRC&ctr_lat=40.5&ctr_lon=29.72&radius=150&max_dist_units=km&start_year=2019&start_month=09&start_day=01&start_time=00:00:00&end_year=2019&end_month=09&end_day=30&end_time=23:59:59&min_dep=&max_dep=&min_mag=4.5&max_mag=&req_mag_type=Any&req_mag_agcy=Any",
        "https://www.isc.ac.uk/cgi-bin/web-db-run?request=COMPREHENSIVE&out_format=CATCSV&searchshape=CIRC&ctr_lat=-33.5&ctr_lon=-70.25&radius=99.5&max_dist_units=km&start_year=2016&start_month=08&start_day=24&start_time=01:00:00&end_year=2016&end_month=08&end_day=25&end_time=12:29:59&min_dep=&max_dep=&min_mag=5&max_mag=&req_mag_type=Any&req_mag_agcy=Any",
        "http://isc-mirror.iris.washington.edu/cgi-bin/web-db-run?request=REVIEWED&out_format=CATCSV&searchshape=CIRC&ctr_lat=-33.5&ctr_lon=-70.25&radius=99.5&max_dist_units=km&start_year=2016&start_month=08&start_day=24&start_time=01:00:00&end_year=2016&end_month=08&end_day=25&end_time=12:29:59&min_dep=&max_dep=&min_mag=5&max_mag=&req_mag_type=Any&req_mag_agcy=Any",
        "https://www.isc.ac.uk/cgi-bin/web-db-run?request=COMPREHENSIVE&out_format=CATCSV&searchshape=CIRC&ctr_lat=0&ctr_lon=-180&radius=1000&max_dist_units=km&start_year=2020&start_month=02&start_day=28&start_time=06:00:00&end_year=2020&end_month=03&end_day=01&end_time=23:59:59&min_dep=&max_dep=700&min_mag=3.05&max_mag=&req_mag_type=Any&req_mag_agcy=Any",
        "http://isc-mirror.iris.washington.edu/cgi-bin/web-db-run?request=REVIEWED&out_format=CATCSV&searchshape=CIRC&ctr_lat=0&ctr_lon=-180&radius=1000&max_dist_units=km&start_year=2020&start_month=02&start_day=28&start_time=06:00:00&end_year=2020&end_month=03&end_day=01&end_time=23:59:59&min_dep=&max_dep=700&min_mag=3.05&max_mag=&req_mag_type=Any&req_mag_agcy=Any",
    ],
    "gfz": [
        "https://kp.gfz-potsdam.de/app/json/?start=2016-01-01T00:00:00Z&end=2016-12-31T23:59:59Z&index=Kp",
        "https://kp.gfz-potsdam.de/app/json/?start=2016-01-01T00:00:00Z&end=2016-12-31T23:59:59Z&index=ap&status=def",
        "https://kp.gfz-potsdam.de/app/json/?start=2019-09-01T00:00:00Z&end=2019-09-30T23:59:59Z&index=Kp",
        "https://kp.gfz-potsdam.de/app/json/?start=2019-09-01T00:00:00Z&end=2019-09-30T23:59:59Z&index=ap&status=def",
        "https://kp.gfz-potsdam.de/app/json/?start=2016-08-24T01:00:00Z&end=2016-08-25T12:30:00Z&index=Kp",
        "https://kp.gfz-potsdam.de/app/json/?start=2016-08-24T01:00:00Z&end=2016-08-25T12:30:00Z&index=ap&status=def",
        "https://kp.gfz-potsdam.de/app/json/?start=2020-02-28T06:00:00Z&end=2020-03-01T23:59:59Z&index=Kp",
        "https://kp.gfz-potsdam.de/app/json/?start=2020-02-28T06:00:00Z&end=2020-03-01T23:59:59Z&index=ap&status=def",
    ],
    "gin": [
        "https://imag-data.bgs.ac.uk/GIN_V1/GINServices?Request=GetData&format=iaga2002&testObsys=0&observatoryIagaCode=DUR&samplesPerDay=minute&publicationState=best-avail&dataStartDate=2016-02-01&dataDuration=29",
        "https://imag-data.bgs.ac.uk/GIN_V1/GINServices?Request=GetData&format=iaga2002&testObsys=0&observatoryIagaCode=DUR&samplesPerDay=minute&publicationState=best-avail&dataStartDate=2016-02-01&dataDuration=29",
        "https://imag-data.bgs.ac.uk/GIN_V1/GINServices?Request=GetData&format=iaga2002&testObsys=0&observatoryIagaCode=BOU&samplesPerDay=second&publicationState=definitive&dataStartDate=2016-01-01&dataDuration=31&orientation=native",
        "https://imag-data.bgs.ac.uk/GIN_V1/GINServices?Request=GetData&format=iaga2002&testObsys=0&observatoryIagaCode=BOU&samplesPerDay=second&publicationState=definitive&dataStartDate=2016-01-01&dataDuration=31&orientation=native",
    ],
    "gfz_file": [
        "https://kp.gfz-potsdam.de/app/files/Kp_ap_Ap_SN_F107_since_1932.txt",
        "https://kp.gfz.de/app/files/Kp_ap_Ap_SN_F107_nowcast.txt",
        "https://x.org/app/files/a.txt",
    ],
}


@pytest.mark.parametrize("k", range(len(QUERIES)))
def test_urls_equal_the_old_ones(k):
    q = QUERIES[k]
    q = dict(q, pad_radius=False)  # the old strings asked for the bare radius
    assert urls.usgs_fdsn_url("https://earthquake.usgs.gov", **q) == OLD["usgs"][2 * k]
    endpoint = "https://earthquake.usgs.gov/fdsnws/event/1/query/"
    assert urls.usgs_fdsn_url(endpoint, event_type=None, **q) == OLD["usgs"][2 * k + 1]
    assert urls.isc_catcsv_url("https://www.isc.ac.uk", **q) == OLD["isc"][2 * k]
    mirror = "http://isc-mirror.iris.washington.edu/cgi-bin/web-db-run"
    assert urls.isc_catcsv_url(mirror, request="REVIEWED", **q) == OLD["isc"][2 * k + 1]
    gfz = "https://kp.gfz-potsdam.de"
    assert urls.gfz_json_url(gfz, q["start"], q["end"]) == OLD["gfz"][2 * k]
    assert (
        urls.gfz_json_url(gfz + "/app/json/", q["start"], q["end"], index="ap", status="def")
        == OLD["gfz"][2 * k + 1]
    )


def test_file_and_gin_urls_equal_the_old_ones():
    assert [
        urls.gfz_file_url(),
        urls.gfz_file_url("https://kp.gfz.de/", "Kp_ap_Ap_SN_F107_nowcast.txt"),
        urls.gfz_file_url("https://x.org/app/files/a.txt"),
    ] == OLD["gfz_file"]
    got = []
    for code, first, n, kw in [
        ("DUR", date(2016, 2, 1), 29, {}),
        ("bou", date(2016, 1, 1), 31,
         dict(publication_state="definitive", samples_per_day="second", orientation="native")),
    ]:  # fmt: skip
        for base in (
            "https://imag-data.bgs.ac.uk/GIN_V1/GINServices",
            "https://imag-data.bgs.ac.uk",
        ):
            got.append(
                urls.intermagnet_url(base, iaga_code=code, start=first, duration_days=n, **kw)
            )
    assert got == OLD["gin"]


# ---------------------------------------------------------------- catalog queries


def test_usgs_fdsn_url():
    url = urls.usgs_fdsn_url(
        "https://earthquake.usgs.gov",
        start="2016-01-01",
        end="2016-12-31",
        **DUR_SITE,
        max_radius_km=200,
        min_magnitude=4,
        max_depth_km=30,
    )
    parts = urlparse(url)
    assert parts.path == "/fdsnws/event/1/query"
    q = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    assert q == {
        "format": "csv",
        "starttime": "2016-01-01T00:00:00",
        "endtime": "2017-01-01T00:00:00",
        "latitude": "41.39",
        "longitude": "14.28",
        "maxradiuskm": "203",  # 200 km padded: the geodesic re-selection cuts at 200
        "minmagnitude": "4",
        "maxdepth": "30",
        "eventtype": "earthquake",
        "orderby": "time-asc",
    }
    full = urls.usgs_fdsn_url(
        "https://earthquake.usgs.gov/fdsnws/event/1/query",
        start="2016-01-01",
        end="2016-12-31",
        latitude=40.137,
        longitude=254.764,  # 0..360 as in IAGA headers
        max_radius_km=200,
        min_magnitude=4,
    )
    assert full.startswith("https://earthquake.usgs.gov/fdsnws/event/1/query?")
    assert "longitude=-105.236" in full and "maxdepth" not in full


def test_isc_catcsv_url():
    url = urls.isc_catcsv_url(
        "https://www.isc.ac.uk/cgi-bin/web-db-run",
        start="2016-01-01",
        end="2016-12-31",
        **DUR_SITE,
        max_radius_km=200,
        min_magnitude=4,
        max_depth_km=30,
    )
    q = {k: v[0] for k, v in parse_qs(urlparse(url).query, keep_blank_values=True).items()}
    assert q["out_format"] == "CATCSV" and q["request"] == "COMPREHENSIVE"
    assert (q["searchshape"], q["ctr_lat"], q["ctr_lon"]) == ("CIRC", "41.39", "14.28")
    assert (q["radius"], q["max_dist_units"]) == ("203", "km")  # padded, as for USGS
    assert (q["start_year"], q["start_month"], q["start_day"], q["start_time"]) == (
        "2016",
        "01",
        "01",
        "00:00:00",
    )
    assert (q["end_year"], q["end_month"], q["end_day"], q["end_time"]) == (
        "2016",
        "12",
        "31",
        "23:59:59",
    )
    assert (q["max_dep"], q["min_mag"], q["req_mag_type"]) == ("30", "4", "Any")
    with pytest.raises(ValueError, match="not after"):
        urls.isc_catcsv_url(
            "https://www.isc.ac.uk",
            start="2016-02-01",
            end="2016-01-01",
            **DUR_SITE,
            max_radius_km=200,
            min_magnitude=4,
        )


@pytest.mark.parametrize("km_per_degree", [111.12, 6371.0 * math.pi / 180])
@pytest.mark.parametrize("radius_km", [50.0, 200.0, 1000.0, 3000.0])
def test_padded_radius_covers_the_sphere_ellipsoid_difference(radius_km, km_per_degree):
    """Every point at geodesic distance r lies inside the padded circle on the sphere
    (ComCat's 111.12 km/degree or 6371 km), at any latitude and azimuth."""
    from geographiclib.geodesic import Geodesic

    worst = 0.0
    for lat in np.linspace(-89.0, 89.0, 61):
        for az in np.linspace(0.0, 180.0, 19):
            g = Geodesic.WGS84.Direct(lat, 0.0, az, radius_km * 1000.0)
            p1, p2 = np.radians(lat), np.radians(g["lat2"])
            a = (
                np.sin((p2 - p1) / 2) ** 2
                + np.cos(p1) * np.cos(p2) * np.sin(np.radians(g["lon2"]) / 2) ** 2
            )
            worst = max(worst, np.degrees(2 * np.arcsin(np.sqrt(a))) * km_per_degree)
    assert radius_km * 1.004 < worst <= urls.query_radius_km(radius_km)  # padding needed, enough
    assert urls.query_radius_km(radius_km) < radius_km * 1.011 + 1  # and not much more


# ---------------------------------------------------------------- GFZ Kp


def test_gfz_json_url():
    url = urls.gfz_json_url("https://kp.gfz-potsdam.de/app/json/", "2016-01-01", "2021-12-31")
    parts = urlparse(url)
    assert parts.netloc == "kp.gfz-potsdam.de" and parts.path == "/app/json/"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q == {"start": "2016-01-01T00:00:00Z", "end": "2021-12-31T23:59:59Z", "index": "Kp"}
    root = urls.gfz_json_url("https://kp.gfz-potsdam.de", "2024-05-10T00:00Z", "2024-05-12T21:00Z")
    assert root == (
        "https://kp.gfz-potsdam.de/app/json/?start=2024-05-10T00:00:00Z"
        "&end=2024-05-12T21:00:00Z&index=Kp"
    )
    assert "status=def" in urls.gfz_json_url(
        "https://kp.gfz-potsdam.de", "2024-01-01", "2024-01-02", status="def"
    )


def test_gfz_file_url():
    assert urls.gfz_file_url() == (
        "https://kp.gfz-potsdam.de/app/files/Kp_ap_Ap_SN_F107_since_1932.txt"
    )
    assert urls.gfz_file_url("https://kp.gfz.de/", "Kp_ap_Ap_SN_F107_nowcast.txt") == (
        "https://kp.gfz.de/app/files/Kp_ap_Ap_SN_F107_nowcast.txt"
    )


# ---------------------------------------------------------------- INTERMAGNET URLs


def test_intermagnet_url():
    url = urls.intermagnet_url(
        "https://imag-data.bgs.ac.uk/GIN_V1/GINServices",
        iaga_code="dur",
        start=date(2016, 1, 1),
        duration_days=31,
    )
    parts = urlparse(url)
    assert parts.netloc == "imag-data.bgs.ac.uk" and parts.path == "/GIN_V1/GINServices"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "Request": "GetData",
        "format": "iaga2002",
        "testObsys": "0",
        "observatoryIagaCode": "DUR",
        "samplesPerDay": "minute",
        "publicationState": "best-avail",
        "dataStartDate": "2016-01-01",
        "dataDuration": "31",
    }
    root = urls.intermagnet_url(
        "https://imag-data.bgs.ac.uk/",
        iaga_code="IZN",
        start=date(2020, 2, 1),
        duration_days=29,
        publication_state="definitive",
        samples_per_day="second",
        orientation="native",
    )
    assert root.startswith("https://imag-data.bgs.ac.uk/GIN_V1/GINServices?Request=GetData&")
    assert "publicationState=definitive" in root and "samplesPerDay=second" in root
    assert root.endswith("&orientation=native")
    with pytest.raises(ValueError):
        urls.intermagnet_url("https://x", iaga_code="DURO", start=date(2016, 1, 1), duration_days=1)


def test_month_starts():
    assert urls.month_starts(date(2016, 1, 15), date(2016, 3, 1)) == [
        date(2016, 1, 1),
        date(2016, 2, 1),
        date(2016, 3, 1),
    ]
    assert urls.month_starts(date(2019, 12, 31), date(2020, 1, 1)) == [
        date(2019, 12, 1),
        date(2020, 1, 1),
    ]
    assert urls.month_starts(date(2016, 1, 1), date(2016, 1, 29)) == [date(2016, 1, 1)]
    assert len(urls.month_starts(date(2007, 1, 1), date(2020, 12, 31))) == 14 * 12
    with pytest.raises(ValueError):
        urls.month_starts(date(2016, 2, 1), date(2016, 1, 1))
    assert urls.days_in_month(date(2016, 2, 1)) == 29
    assert urls.days_in_month(date(2019, 2, 1)) == 28


def test_global_usgs_query_has_no_circle_and_one_request_per_year():
    url = urls.usgs_fdsn_global_url(
        "https://earthquake.usgs.gov", start="2005-01-01", end="2005-12-31", min_magnitude=4.8
    )
    assert url == (
        "https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv"
        "&starttime=2005-01-01T00:00:00&endtime=2006-01-01T00:00:00&minmagnitude=4.8"
        "&eventtype=earthquake&orderby=time-asc"
    )
    assert "maxdepth=40" in urls.usgs_fdsn_global_url(
        "https://x/query", start="2005-01-01", end="2005-01-02", min_magnitude=5, max_depth_km=40
    )
    assert urls.year_periods("2018-08-01", "2020-06-30") == [
        ("2018-08-01", "2018-12-31"),
        ("2019-01-01", "2019-12-31"),
        ("2020-01-01", "2020-06-30"),
    ]
    with pytest.raises(ValueError, match="before start"):
        urls.year_periods("2020-01-02", "2020-01-01")
