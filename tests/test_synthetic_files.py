"""File-level entry points of the generator used by the workflow's rules."""

import numpy as np
import pandas as pd

from eqprecursors.core.geodesy import geodesic_distance_km
from eqprecursors.ground.events import select_events
from eqprecursors.io import catalogs as catalog
from eqprecursors.synthetic import files

SITE = {
    "name": "Duronia",
    "latitude": 41.39,
    "longitude": 14.28,
    "start": "2016-01-01",
    "end": "2017-12-31",
    "selection": {"min_magnitude": 4.0, "max_distance_km": 200.0, "max_depth_km": 30.0},
}


def test_generate_catalog_file_covers_the_selection_region(tmp_path):
    out = tmp_path / "DUR.csv"
    files.generate_catalog_file(out, site=SITE, rate_per_year=40, min_magnitude=4.0, seed=3)
    events = catalog.read_catalog(out, fmt="usgs_csv")
    assert len(events) > 40
    distance = geodesic_distance_km(
        SITE["latitude"], SITE["longitude"], events["latitude"], events["longitude"]
    )
    assert np.nanmax(distance) <= 1.5 * 200 * 1.05
    assert (events["magnitude"] >= 4.0).all()
    selected = select_events(
        events,
        latitude=SITE["latitude"],
        longitude=SITE["longitude"],
        max_distance_km=200,
        min_magnitude=4.0,
        max_depth_km=30,
    )
    assert 0 < len(selected) < len(events)


def test_events_union_counts_an_event_near_two_observatories_once(tmp_path):
    row = {
        "time": pd.Timestamp("2016-08-24T01:36:32Z"),
        "latitude": 42.723,
        "longitude": 13.188,
        "depth_km": 4.4,
        "magnitude": 6.2,
        "mag_type": "mww",
        "distance_km": 173.5,
        "event_id": "us10006g7d",
    }
    for name in ("a.csv", "b.csv"):
        catalog.write_catalog(pd.DataFrame([row]), tmp_path / name)
    union = files._events([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert list(union["event_id"]) == ["us10006g7d"]


def test_satellite_precursors_go_only_before_independent_events(tmp_path):
    """The study's event table lists independent and artificial events; only the real
    independent ones may carry an injected precursor."""
    table = tmp_path / "CSES_events.csv"
    table.write_text(
        "time,latitude,longitude,depth_km,magnitude,event_id,kind\n"
        "2019-09-01T04:32:26Z,59.1033,-136.9727,9.8,5.0,ak019b7lpbt4,independent\n"
        "2019-09-01T08:36:02Z,53.7707,44.5022,,5.2,artificial_00000,artificial\n"
        "2019-09-02T01:00:00Z,-10.0,120.0,30.0,5.4,us1,independent\n"
    )
    assert list(files._events([table], "independent")["event_id"]) == ["ak019b7lpbt4", "us1"]
    assert len(files._events([table])) == 3
    plain = tmp_path / "DUR.csv"
    pd.read_csv(table).drop(columns="kind").to_csv(plain, index=False)
    try:
        files._events([plain], "independent")
    except ValueError as err:
        assert "DUR.csv" in str(err) and "kind" in str(err)
    else:
        raise AssertionError("a table without a kind column must not pass silently")
