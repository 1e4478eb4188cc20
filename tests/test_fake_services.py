"""The local stand-ins answer like the services: formats, parameters, empty and error answers.

Also the download side of those answers: an empty FDSN result becomes a header-only
catalog, and the padded query radius keeps every event the geodesic selection keeps.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import requests
from fake_services import BOU_FILE, GFZ_EXCERPT, KM_PER_DEGREE, FakeServices
from geographiclib.geodesic import Geodesic

from eqprecursors.core.geodesy import geodesic_distance_km
from eqprecursors.ground.events import select_events
from eqprecursors.io import catalogs, iaga, kp
from eqprecursors.sources import http, urls

DUR = (41.65, 14.47, 225.0, "2015-12-20", "2016-03-10")
HEADER = http.USGS_CSV_HEADER.decode().strip()
ROW = (
    "{t},{lat},{lon},{depth},{mag},{mt},,,,,us,{eid},2024-01-01T00:00:00.000Z,"
    '"x, y",{type},,,,,reviewed,us,us'
)


def _row(eid, t, lat, lon, depth=10.0, mag=5.0, mt="mww", type="earthquake"):
    return ROW.format(**locals())


EVENTS = [  # site (0, 30): eq1 on it, eq2 1 degree north, eq3 deep, eq4 a blast, eq5 far east
    _row("eq1", "2020-01-01T00:00:00.000Z", 0.0, 30.0, mag=4.0),
    _row("eq2", "2020-01-02T12:00:00.000Z", 1.0, 30.0, mag=6.5),
    _row("eq3", "2020-01-03T00:00:00.000Z", 0.5, 30.0, depth=300.0, mag=5.5, mt="mb"),
    _row("eq4", "2020-01-04T00:00:00.000Z", 0.2, 30.2, mag=2.1, type="quarry blast"),
    _row("eq5", "2020-01-31T23:59:59.000Z", 10.0, 179.5, mag=5.0),
]


@pytest.fixture(scope="module")
def catalog_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cat") / "catalog.csv"
    path.write_text("\n".join([HEADER, *EVENTS]) + "\n")
    return path


@pytest.fixture(scope="module")
def svc(catalog_csv):
    with FakeServices(observatories={"DUR": DUR}, catalog_csv=catalog_csv, seed=3) as s:
        yield s


def gin(svc, code="DUR", start=date(2016, 2, 1), days=29, **kw) -> requests.Response:
    url = urls.intermagnet_url(svc.base, iaga_code=code, start=start, duration_days=days, **kw)
    return requests.get(url, timeout=30)


def ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [line.split(",")[11] for line in resp.text.splitlines()[1:]]  # the id column


# ---------------------------------------------------------------- BGS GIN


def test_gin_month_is_iaga2002_of_the_span(svc, tmp_path):
    gin(svc, start=date(2016, 1, 1), days=31)  # warm: the Kp history is read once
    kp_history = svc.kp.series()
    resp = gin(svc)
    assert svc.kp.series() is kp_history  # not read again for the next month
    assert resp.status_code == 200 and iaga.looks_like_iaga2002(resp.content)
    # a month of minutes, generated once: a retried request is answered from the cache
    assert svc.gin.cache[("DUR", date(2016, 2, 1), 29, "native", "definitive")] == resp.content
    path = tmp_path / "dur.min"
    path.write_bytes(resp.content)
    (rec,) = iaga.read_iaga(path)
    assert (rec.iaga_code, rec.latitude, rec.longitude) == ("DUR", 41.65, 14.47)
    assert rec.data_type == "definitive"  # best-avail
    t = rec.time.astype("datetime64[m]")
    assert t[0] == np.datetime64("2016-02-01T00:00") and t[-1] == np.datetime64("2016-02-29T23:59")
    assert len(t) == 29 * 1440 and np.all(np.diff(t).astype(int) == 1)
    x = rec.values["X"]
    assert 20_000 < np.nanmedian(x) < 30_000 and np.isfinite(x).mean() > 0.9


def test_gin_any_span_gives_the_same_minutes(svc):
    """A month alone equals the same month inside a longer request (deterministic days)."""
    alone = gin(svc).text.splitlines()
    both = gin(svc, start=date(2016, 1, 1), days=60).text.splitlines()
    data = [ln for ln in alone if ln.startswith("2016-02")]
    assert data and data == [ln for ln in both if ln.startswith("2016-02")]


def test_gin_edges_of_the_record_and_unknown_observatories(svc):
    assert gin(svc, code="XYZ").status_code == 404
    assert gin(svc, start=date(2016, 4, 1), days=30).status_code == 404  # after the record
    assert gin(svc, start=date(2015, 11, 1), days=30).status_code == 404  # before it
    part = gin(svc, start=date(2015, 12, 1), days=31).text.splitlines()  # from 12-20 on
    rows = [ln for ln in part if ln[:4] == "2015"]
    assert len(rows) == 31 * 1440
    assert "99999.00" in rows[0] and "99999.00" not in rows[-1]
    assert gin(svc, samples_per_day="second").status_code == 404  # no 1-s data held
    assert gin(svc, code="BOU", start=date(2016, 1, 1), days=31).content == BOU_FILE.read_bytes()
    assert gin(svc, code="BOU", start=date(2016, 2, 1)).status_code == 404
    entry = dict(
        latitude=41.65, longitude=14.47, elevation=225, start="2015-12-20", end="2016-03-10"
    )
    with FakeServices(observatories={"dur": entry}, seed=3) as other:  # a config's entry
        assert gin(other).content == gin(svc).content


def test_gin_parameters(svc):
    base = f"{svc.base}/GIN_V1/GINServices?"
    ok = "Request=GetData&observatoryIagaCode=DUR&dataStartDate=2016-02-01&dataDuration=1"
    assert requests.get(base + ok).status_code == 200
    for bad in (
        ok + "&colour=red",  # not a GIN parameter
        ok.replace("GetData", "GetCapabilities"),
        ok.replace("2016-02-01", "2016-02-30"),
        ok.replace("Duration=1", "Duration=0"),
        ok + "&format=json",
        ok + "&publicationState=final",
        ok + "&orientation=DIFF",
    ):
        assert requests.get(base + bad).status_code == 400, bad
    text = gin(svc, days=1, publication_state="reported", orientation="HDZF").text
    assert "Data Type              variation" in text and "DURH" in text
    h = float(text.splitlines()[-1].split()[3])
    x, y = (float(v) for v in gin(svc, days=1).text.splitlines()[-1].split()[3:5])
    assert h == pytest.approx(np.hypot(x, y), abs=0.02)


# ---------------------------------------------------------------- FDSN event


def fdsn(svc, **params) -> requests.Response:
    params.setdefault("format", "csv")
    return requests.get(f"{svc.base}/fdsnws/event/1/query", params=params, timeout=30)


def test_fdsn_time_magnitude_depth_type(svc):
    assert ids(fdsn(svc)) == ["eq5", "eq4", "eq3", "eq2", "eq1"]  # orderby=time: newest first
    assert ids(fdsn(svc, orderby="time-asc", starttime="2020-01-02T12:00:00",
                    endtime="2020-01-31T23:59:59")) == ["eq2", "eq3", "eq4", "eq5"]  # fmt: skip
    assert ids(fdsn(svc, orderby="magnitude", minmagnitude=5, maxmagnitude=6.5)) == [
        "eq2", "eq3", "eq5",
    ]  # fmt: skip
    assert ids(fdsn(svc, orderby="time-asc", maxdepth=30, mindepth=5))[:2] == ["eq1", "eq2"]
    assert "eq3" not in ids(fdsn(svc, maxdepth=30))
    assert ids(fdsn(svc, eventtype="quarry blast")) == ["eq4"]
    assert ids(fdsn(svc, magnitudetype="mb")) == ["eq3"]
    assert ids(fdsn(svc, orderby="time-asc", limit=2, offset=2)) == ["eq2", "eq3"]


def test_fdsn_circle_on_a_sphere_and_box(svc):
    site = dict(latitude=0, longitude=30, orderby="time-asc")
    assert ids(fdsn(svc, maxradius=1.0, **site)) == ["eq1", "eq2", "eq3", "eq4"]
    assert "eq2" not in ids(fdsn(svc, maxradius=0.999, **site))
    assert "eq2" in ids(fdsn(svc, maxradiuskm=KM_PER_DEGREE * 1.0001, **site))
    assert "eq2" not in ids(fdsn(svc, maxradiuskm=KM_PER_DEGREE * 0.9999, **site))
    assert ids(fdsn(svc, minradius=0.6, maxradius=2, **site)) == ["eq2"]
    box = dict(minlatitude=5, maxlatitude=15, minlongitude=170, maxlongitude=190)
    assert ids(fdsn(svc, **box)) == ["eq5"]  # across the antimeridian, as ComCat allows
    assert ids(fdsn(svc, minlat=-1, maxlat=0.3, minlon=29, maxlon=31)) == ["eq4", "eq1"]


def test_fdsn_empty_and_bad_queries(svc, catalog_csv):
    empty = dict(starttime="2016-01-01", endtime="2016-02-01")
    resp = fdsn(svc, **empty)
    assert resp.status_code == 204 and resp.content == b""
    assert fdsn(svc, nodata=404, **empty).status_code == 404
    with FakeServices(catalog_csv=catalog_csv, fdsn_empty="header") as other:
        resp = fdsn(other, **empty)
        assert resp.status_code == 200 and resp.text.strip() == HEADER
    for bad in (
        dict(maxradiuskm=100),  # no centre
        dict(latitude=0, longitude=0, maxradius=1, maxradiuskm=100),
        dict(minmagnitude="big"),
        dict(orderby="depth"),
        dict(nodata=500),
        dict(updatedafter="2020-01-01"),
        dict(colour="red"),
        dict(format="quakeml"),
    ):
        assert fdsn(svc, **bad).status_code == 400, bad


def test_empty_result_becomes_a_header_only_catalog(svc, tmp_path, caplog):
    url = urls.usgs_fdsn_url(
        svc.base, start="2016-01-01", end="2016-01-31", latitude=0, longitude=30,
        max_radius_km=200, min_magnitude=4,
    )  # fmt: skip
    with caplog.at_level(logging.INFO):
        for k, u in enumerate([url, url + "&nodata=404"]):
            dest = http.fetch_for_rule(u, tmp_path / f"c{k}.csv", validator="usgs_catalog")
            assert dest.read_bytes() == http.USGS_CSV_HEADER
            assert len(catalogs.read_catalog(dest, fmt="usgs_csv")) == 0
    assert sum("0 events" in r.getMessage() for r in caplog.records) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c0.csv", "c1.csv"]


def test_padded_radius_keeps_an_event_at_the_geodesic_edge(tmp_path):
    """Due north of an equatorial site the sphere measures 0.5 % more than the ellipsoid:
    an event 199.5 km away (geodesic) is 200.5 km away for the service's circle."""
    site, radius = (0.0, 30.0), 200.0
    g = Geodesic.WGS84.Direct(*site, 0.0, 199.5e3)
    lat, lon = round(g["lat2"], 4), round(g["lon2"], 4)
    geo = float(geodesic_distance_km(*site, lat, lon)[0])
    sphere = KM_PER_DEGREE * np.degrees(np.radians(lat - site[0]))
    assert geo <= radius < sphere  # inside for the workflow, outside for the service
    csv_path = tmp_path / "edge.csv"
    csv_path.write_text(f"{HEADER}\n{_row('edge', '2020-06-01T00:00:00Z', lat, lon)}\n")
    query = dict(start="2020-01-01", end="2020-12-31", latitude=site[0], longitude=site[1],
                 max_radius_km=radius, min_magnitude=4.0, max_depth_km=30.0)  # fmt: skip
    kept = {}
    with FakeServices(catalog_csv=csv_path) as svc:
        for pad in (True, False):
            url = urls.usgs_fdsn_url(svc.base, pad_radius=pad, **query)
            dest = http.fetch_for_rule(url, tmp_path / f"{pad}.csv", validator="usgs_catalog")
            events = select_events(
                catalogs.read_catalog(dest), latitude=site[0], longitude=site[1],
                max_distance_km=radius, min_magnitude=4.0, max_depth_km=30.0,
                start=query["start"], end=query["end"],
            )  # fmt: skip
            kept[pad] = list(events["event_id"])
    assert kept == {True: ["edge"], False: []}  # without the padding the service loses it


# ---------------------------------------------------------------- Kp and the request log


def test_kp_sources(svc, catalog_csv):
    got = requests.get(svc.services_config()["gfz"]["file_url"]).content
    assert got == GFZ_EXCERPT.read_bytes()
    celestrak = requests.get(svc.services_config()["celestrak"]["url"]).content
    assert kp.looks_like_celestrak(celestrak)
    url = urls.gfz_json_url(svc.services_config()["gfz"]["json_url"], "2016-01-01", "2016-01-02")
    obj = json.loads(requests.get(url).content)
    assert obj["datetime"][0] == "2016-01-01T00:00:00Z" and len(obj["Kp"]) == 16
    assert kp.looks_like_gfz_json(json.dumps(obj).encode())
    assert requests.get(url.replace("index=Kp", "index=ap")).status_code == 400
    with FakeServices(catalog_csv=catalog_csv, full_kp_history=True) as other:
        text = requests.get(other.services_config()["gfz"]["file_url"]).content
    assert kp.looks_like_gfz_kp(text)
    path = Path(svc.gin.tmp) / "kp.txt"
    path.write_bytes(text)
    full = kp.read_kp(path, fmt="gfz")
    assert full["time"].iloc[0].year == 1957
    assert full["time"].equals(svc.kp.series()["time"])
    assert np.allclose(full["kp"], svc.kp.series()["kp"], equal_nan=True)
    path.unlink()


def test_every_request_is_logged(catalog_csv):
    with FakeServices(catalog_csv=catalog_csv) as svc:
        fdsn(svc)
        requests.get(svc.base + "/nothing/here")
        assert [r.split("?")[0] for r in svc.requests] == ["/fdsnws/event/1/query", "/nothing/here"]
