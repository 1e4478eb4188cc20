"""Satellite-study events: declustering, artificial non-seismic events, the events file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from eqprecursors.core.times import NS_PER_DAY, NS_PER_S
from eqprecursors.satellite import events as ev

DAY = NS_PER_DAY
T0 = pd.Timestamp("2019-09-01", tz="UTC").value


def _decluster(rows, **kwargs):
    t, lat, lon = (np.array(c) for c in zip(*rows, strict=True))
    return ev.decluster(t.astype(np.int64), lat, lon, **kwargs).tolist()


def test_an_event_in_the_box_within_15_days_after_an_earlier_one_is_an_aftershock():
    rows = [(0, 0.0, 0.0), (10 * DAY, 0.9, -0.9), (10 * DAY, 3.0, 0.0)]
    assert _decluster(rows) == [False, True, False]


def test_box_and_time_bounds_are_inclusive():
    rows = [
        (0, 0.0, 0.0),
        (15 * DAY, 1.0, 1.0),  # exactly 15 days, exactly on the box corner: removed
        (40 * DAY, 0.0, 0.0),
        (55 * DAY + NS_PER_S, 0.0, 0.0),  # one second past 15 days: kept
        (80 * DAY, 0.0, 0.0),
        (81 * DAY, 1.001, 0.0),  # just outside the 2 deg box: kept
    ]
    assert _decluster(rows, reference="any") == [False, True, False, False, False, False]


def test_the_box_wraps_at_the_antimeridian():
    rows = [(0, 10.0, 179.5), (DAY, 10.5, -179.6), (2 * DAY, 10.0, -178.4)]
    # -179.6 is 0.9 deg east of 179.5; -178.4 is 2.1 deg away
    assert _decluster(rows) == [False, True, False]


def test_only_earlier_events_make_aftershocks():
    rows = [(0, 0.0, 0.0), (DAY, 0.0, 0.0)]
    assert _decluster(rows) == [False, True]  # the later one goes, whatever its magnitude
    with pytest.raises(ValueError, match="sorted"):
        _decluster([(DAY, 0.0, 0.0), (0, 0.0, 0.0)])


def test_earlier_event_means_any_event_or_only_independent_ones():
    # A main shock, an aftershock 10 days later, a third event 16 days after the main
    # shock but 6 days after the aftershock, in the aftershock's box only through it.
    rows = [(0, 0.0, 0.0), (10 * DAY, 0.9, 0.0), (16 * DAY, 1.5, 0.0)]
    assert _decluster(rows, reference="any") == [False, True, True]
    assert _decluster(rows, reference="independent") == [False, True, False]
    with pytest.raises(ValueError, match="reference"):
        _decluster(rows, reference="mainshock")


def _real(*events):
    t, lat, lon = (np.array(c, dtype=float) for c in zip(*events, strict=True))
    return dict(real_time_ns=t.astype(np.int64), real_latitude=lat, real_longitude=lon)


def test_artificial_events_avoid_the_box_around_every_real_event_in_time():
    real = _real((T0 + 30 * DAY, 0.0, 0.0), (T0 + 30 * DAY, 5.0, 179.0))
    art = ev.artificial_events(
        400,
        start_ns=T0,
        end_ns=T0 + 60 * DAY,
        latitude_range=(-20.0, 20.0),
        seed=1,
        **real,
    )
    assert len(art) == 400
    dt = np.abs(art["time_ns"].to_numpy() - (T0 + 30 * DAY)) / DAY
    assert art["latitude"].between(-20, 20).all() and art["longitude"].between(-180, 180).all()
    for lat0, lon0 in [(0.0, 0.0), (5.0, 179.0)]:
        dlat = np.abs(art["latitude"].to_numpy() - lat0)
        dlon = np.abs(ev.wrap_lon_diff(lon0, art["longitude"].to_numpy()))
        assert not ((dt <= 15) & (dlat <= 10) & (dlon <= 10)).any()
    # across the antimeridian: nothing at -175 (4 deg east of 179) during the 30 days
    near_dateline = (
        (dt <= 15)
        & (art["longitude"].to_numpy() < -171)
        & (np.abs(art["latitude"].to_numpy() - 5.0) <= 10)
    )
    assert not near_dateline.any()
    # a box, not bands: same time but far in longitude, or same place at another time
    assert ((dt <= 15) & (np.abs(art["longitude"].to_numpy()) > 30)).any()
    assert ((dt > 15) & (np.abs(art["longitude"].to_numpy()) < 10)).any()


def test_artificial_events_are_seeded():
    kw = dict(start_ns=T0, end_ns=T0 + 30 * DAY, **_real((T0, 0.0, 0.0)))
    a = ev.artificial_events(20, seed=3, **kw)
    assert a.equals(ev.artificial_events(20, seed=3, **kw))
    assert not a.equals(ev.artificial_events(20, seed=4, **kw))
    assert a["time_ns"].is_monotonic_increasing


def test_artificial_events_fail_when_the_exclusion_leaves_no_room():
    # real events every 10 days along the equator, every 20 deg: no free place
    real = [(T0 + d * DAY, 0.0, lon) for d in range(0, 31, 10) for lon in range(-180, 180, 20)]
    with pytest.raises(ValueError, match="exclusion_deg"):
        ev.artificial_events(
            5,
            start_ns=T0,
            end_ns=T0 + 30 * DAY,
            latitude_range=(-5.0, 5.0),
            max_draws_per_event=20,
            **_real(*real),
        )


def _catalog(rows):
    return pd.DataFrame(
        rows, columns=["time", "latitude", "longitude", "depth_km", "magnitude", "event_id"]
    ).assign(time=lambda d: pd.to_datetime(d["time"], utc=True), mag_type="mw")


CATALOG = _catalog(
    [
        ("2019-08-25T00:00:00Z", 10.0, 20.0, 10.0, 6.0, "before"),  # before the period
        ("2019-09-02T00:00:00Z", 10.5, 20.5, 10.0, 5.0, "aftershock_of_before"),
        ("2019-09-05T00:00:00Z", -30.0, 100.0, 10.0, 5.5, "main"),
        ("2019-09-06T00:00:00Z", -30.2, 100.3, 12.0, 5.2, "aftershock"),
        ("2019-09-07T00:00:00Z", 40.0, -120.0, 10.0, 4.0, "small"),
        ("2019-09-08T00:00:00Z", 0.0, 0.0, 300.0, 6.5, "deep"),
        ("2019-09-09T00:00:00Z", 80.0, 0.0, 10.0, 6.0, "polar"),
        ("2019-09-25T00:00:00Z", 5.0, 50.0, 10.0, 5.0, "after_data_end"),
        ("2019-10-20T00:00:00Z", 5.0, -50.0, 10.0, 5.0, "too_late"),
    ]
)
OPTIONS = dict(
    start="2019-09-01",
    end="2019-09-20",
    min_magnitude=4.8,
    max_depth_km=40.0,
    latitude_range=(-65.0, 65.0),
)


def test_build_events_selects_declusters_and_adds_as_many_artificial_events():
    events, report = ev.build_events(CATALOG, **OPTIONS)
    independent = events[events["kind"] == "independent"]
    assert independent["event_id"].tolist() == ["main", "after_data_end"]
    artificial = events[events["kind"] == "artificial"]
    assert len(artificial) == 2 and artificial["depth_km"].isna().all()
    assert set(artificial["magnitude"]) <= {5.5, 5.0}  # drawn from the independent events
    assert report["input"] == 9
    # in period (2019-09-01 .. 09-20 + 15 days) and range: the two aftershocks, main, late
    assert report["in_period_range"] == 4
    assert report["removed_aftershocks"] == 2
    assert (report["independent"], report["artificial"]) == (2, 2)
    t = events["time_ns"].to_numpy()
    assert (t >= pd.Timestamp("2019-09-01", tz="UTC").value).all()
    assert (t < pd.Timestamp("2019-10-06", tz="UTC").value).all()  # 09-21 + 15 days


def test_the_exclusion_zones_use_every_real_event_not_only_independent_ones():
    # the deep M6.5 event at (0, 0) on 09-08 is not independent (depth cut) but real
    events, report = ev.build_events(CATALOG, per_real=200, seed=5, **OPTIONS)
    art = events[events["kind"] == "artificial"]
    assert len(art) == 400 and report["exclusion_events"] == 8  # all but the M4 event
    dt = np.abs(art["time_ns"].to_numpy() - pd.Timestamp("2019-09-08", tz="UTC").value) / DAY
    near = (dt <= 15) & (art["latitude"].abs() <= 10) & (art["longitude"].abs() <= 10)
    assert not near.any()


def test_make_events_writes_the_contract_files(tmp_path):
    src = tmp_path / "usgs.csv"
    CATALOG.assign(
        time=CATALOG["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        depth=CATALOG["depth_km"],
        mag=CATALOG["magnitude"],
        id=CATALOG["event_id"],
    )[["time", "latitude", "longitude", "depth", "mag", "id"]].to_csv(src, index=False)
    out, rep = tmp_path / "CSES_events.csv", tmp_path / "CSES_declustering.json"
    report = ev.make_events(src, out, rep, **OPTIONS)
    table = pd.read_csv(out)
    assert table.columns.tolist() == ev.EVENT_COLUMNS
    assert table["time"].iloc[0] == "2019-09-05T00:00:00Z"
    assert sorted(table["kind"].unique()) == ["artificial", "independent"]
    assert json.loads(rep.read_text())["removed_aftershocks"] == report["removed_aftershocks"]
    back = ev.read_events(out)
    assert back["time_ns"].iloc[0] == pd.Timestamp("2019-09-05", tz="UTC").value
    with pytest.raises(ValueError, match="no independent event"):
        ev.make_events(src, out, rep, **dict(OPTIONS, min_magnitude=7.0))
