"""Satellite-study sequences: windows, gaps, day/night, spatial windows, class precedence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from eqprecursors.core.times import NS_PER_DAY, NS_PER_S
from eqprecursors.io.kp import write_kp
from eqprecursors.satellite import events as ev
from eqprecursors.satellite import sequences as sq

CADENCE = 1.5
STEP = int(CADENCE * NS_PER_S)
T0 = pd.Timestamp("2019-09-01", tz="UTC").value


def test_dobrovolsky_radius():
    assert sq.dobrovolsky_radius_km(5.0) == pytest.approx(141.254, abs=1e-3)
    assert sq.dobrovolsky_radius_km(6.0) == pytest.approx(380.189, abs=1e-3)
    # 141.254 km on a 6371.0088 km sphere is 1.2703 degrees
    assert sq.dobrovolsky_radius_deg(5.0) == pytest.approx(1.27032, abs=1e-5)


def test_angular_distance_wraps_longitude():
    assert sq.angular_distance_deg(0, 179.0, 0, -179.0) == pytest.approx(2.0)
    assert sq.angular_distance_deg(0, 0, 0, 90) == pytest.approx(90.0)
    assert sq.angular_distance_deg(89.0, 0, 89.0, 180) == pytest.approx(2.0)


def test_night_hours_wrap_midnight():
    lt = [18.0, 23.9, 0.0, 5.99, 6.0, 12.0, 17.99, 24.0]
    assert sq.is_night(lt, (18, 6)).tolist() == [1, 1, 1, 1, 0, 0, 0, 1]
    assert sq.is_night([0.5, 1.0, 3.9, 4.0], (1, 4)).tolist() == [0, 1, 1, 0]


def test_windows_stay_in_one_half_orbit_and_gaps_are_dropped_and_counted():
    # orbit 10: 25 samples, a missing sample after index 13; orbit 11: 12 samples
    t10 = T0 + STEP * np.r_[np.arange(14), np.arange(15, 26)]
    t11 = T0 + 3600 * NS_PER_S + STEP * np.arange(12)
    t = np.r_[t10, t11]
    orbit = np.r_[np.full(25, 10), np.full(12, 11)]
    starts, counts = sq.cut_windows(t, orbit, 10, CADENCE)
    # windows [0:10], [10:20] (holds the gap), [25:35]; 5 + 2 samples left over
    assert starts.tolist() == [0, 25]
    assert counts == {
        "samples": 37,
        "half_orbits": 2,
        "windows": 3,
        "dropped_gap": 1,
        "leftover_samples": 7,
    }


def test_nearest_event_bounds_in_time_are_inclusive():
    # four 10-sample sequences at the same place, 1 day apart
    start = T0 + NS_PER_DAY * np.arange(4)
    end = start + 9 * STEP
    lat = lon = np.zeros(4)
    t_event = np.array([end[1], end[3] - 1])  # at the end of seq 1; 1 ns before end of seq 3
    best, dist = sq.nearest_event(
        start, end, lat, lon, t_event, np.array([0.5, 0.9]), np.zeros(2), np.ones(2), 15
    )
    assert best.tolist() == [0, 0, 1, -1]
    assert dist[:3] == pytest.approx([0.5, 0.5, 0.9]) and np.isnan(dist[3])
    # 15 days: a sequence starting 15 d + 1 ns before the event is out
    start2 = np.array([t_event[0] - 15 * NS_PER_DAY - 1, t_event[0] - 15 * NS_PER_DAY])
    best, _ = sq.nearest_event(
        start2, start2 + STEP, np.zeros(2), np.zeros(2), t_event[:1], [0.0], [0.0], [1.0], 15
    )
    assert best.tolist() == [-1, 0]


def test_precedence_kp_over_seismic_over_non_seismic():
    storm = [0, 0, 0, 1, 1, 1, 1]
    seismic = [0, 1, 1, 1, 0, 0, 0]
    non_seismic = [0, 0, 1, 1, 1, 0, 0]
    assert sq.assign_labels(storm, seismic, non_seismic).tolist() == [-1, 1, 1, 2, 2, -1, -1]
    all_storms = sq.assign_labels(storm, seismic, non_seismic, storm_scope="all")
    assert all_storms.tolist() == [-1, 1, 1, 2, 2, 2, 2]


def _track(t0_ns, orbit, local_time=2.0, n=40):
    """A northbound pass along longitude 0 from -2 deg, 0.1 deg per sample."""
    return {
        "time_ns": t0_ns + STEP * np.arange(n),
        "latitude": -2.0 + 0.1 * np.arange(n),
        "longitude": np.zeros(n),
        "ne": 1e4 + np.arange(n, dtype=float),
        "te": 1e3 + np.arange(n, dtype=float),
        "local_time": np.full(n, local_time),
        "orbit": np.full(n, orbit),
    }


def _concat(*tracks):
    return {k: np.concatenate([tr[k] for tr in tracks]) for k in tracks[0]}


# Pass A on day 0 (quiet), pass B on day 1 (storm), pass C on day 2 at 14 LT (day side).
# Window centres of each pass (T = 10): latitude -1.55, -0.55, 0.45, 1.45.
DATA = _concat(
    _track(T0, 10),
    _track(T0 + NS_PER_DAY, 20),
    _track(T0 + 2 * NS_PER_DAY, 30, local_time=14.0),
)
EVENTS = pd.DataFrame(
    {
        "time": ["2019-09-06T00:00:00Z", "2019-09-06T00:00:00Z", "2019-09-04T00:00:00Z"],
        "latitude": [0.0, 0.3, 1.5],
        "longitude": [0.0, 0.0, 0.0],
        "depth_km": [10.0, 10.0, np.nan],
        "magnitude": [5.5, 5.0, np.nan],
        "event_id": ["eq_a", "eq_b", "artificial_00000"],
        "kind": ["independent", "independent", "artificial"],
    }
)
EVENTS["time_ns"] = pd.to_datetime(EVENTS["time"], utc=True).dt.as_unit("ns").astype("int64")
KP = pd.DataFrame(
    {
        "time": pd.date_range("2019-08-31", "2019-09-04", freq="3h", tz="UTC", inclusive="left"),
        "kp": 1.0,
    }
)
KP.loc[KP["time"] == pd.Timestamp("2019-09-02", tz="UTC"), "kp"] = 5.0
OPTS = dict(sequence_length=10, spatial_window=1.0, time_of_day="night", satellite="CSES")


def test_labels_of_hand_made_passes():
    x, table, report = sq.label_sequences(DATA, EVENTS, KP, **OPTS)
    # pass A: -0.55 and 0.45 pre-seismic (nearest eq_a, eq_b), 1.45 non-seismic
    # pass B: the same three windows, all storm; pass C: day side, dropped
    assert table["label"].tolist() == [1, 1, 0, 2, 2, 2]
    assert table["event_id"].tolist() == ["eq_a", "eq_b", "artificial_00000"] * 2
    assert table["distance_deg"].tolist() == pytest.approx([0.55, 0.15, 0.05] * 2, abs=1e-3)
    assert table["max_kp"].tolist() == [1.0, 1.0, 1.0, 5.0, 5.0, 5.0]
    assert table["latitude"].tolist() == pytest.approx([-0.55, 0.45, 1.45] * 2, abs=1e-9)
    assert table["orbit"].tolist() == [10, 10, 10, 20, 20, 20]
    assert table["start"].iloc[0] == "2019-09-01T00:00:15.000Z"
    assert report["counts"] == {"0": 1, "1": 2, "2": 3}
    assert report["sequences_dropped"]["dropped_time_of_day"] == 4
    assert report["sequences_dropped"]["unlabelled"] == 2  # the -1.55 windows of A and B
    assert x.shape == (6, 10, 2) and x.dtype == np.float32
    assert x[0, 0].tolist() == [1e4 + 10, 1e3 + 10]  # sample 10 of pass A: [ne, te]


def test_storm_scope_all_keeps_storm_sequences_outside_every_window():
    _, table, _ = sq.label_sequences(DATA, EVENTS, KP, storm_scope="all", **OPTS)
    assert table["label"].tolist() == [1, 1, 0, 2, 2, 2, 2]
    assert table["event_id"].iloc[3] == ""  # the storm window at -1.55 has no event


def test_day_selection_and_dobrovolsky_window():
    _, day, _ = sq.label_sequences(DATA, EVENTS, KP, **dict(OPTS, time_of_day="day"))
    assert day["orbit"].unique().tolist() == [30]
    assert day["label"].tolist() == [1, 1, 0]  # Kp 1 on day 2: the labels of pass A
    # Dobrovolsky: M5.5 -> 2.08 deg, M5.0 -> 1.27 deg; the artificial event here has no
    # magnitude and takes the median of the independent ones (5.25 -> 1.63 deg)
    _, table, report = sq.label_sequences(
        DATA, EVENTS, KP, **dict(OPTS, spatial_window="dobrovolsky")
    )
    assert report["config"]["fallback_magnitude"] == pytest.approx(5.25)
    assert table.loc[table["orbit"] == 10, "label"].tolist() == [1, 1, 1, 1]
    assert table["event_id"].iloc[0] == "eq_a"  # -1.55 is 1.55 deg from eq_a, 1.85 from eq_b


def test_nan_and_missing_kp_drop_sequences():
    data = {k: v.copy() for k, v in DATA.items()}
    data["te"][12] = np.nan  # second window of pass A
    kp = KP[KP["time"] < pd.Timestamp("2019-09-02", tz="UTC")]  # pass B not covered
    _, table, report = sq.label_sequences(data, EVENTS, kp, **OPTS)
    assert report["sequences_dropped"]["dropped_nan"] == 1
    assert report["sequences_dropped"]["dropped_kp_missing"] == 4
    assert table["label"].tolist() == [1, 0]


def test_make_dataset_writes_the_contract_files(tmp_path):
    import xarray as xr

    coords = {"time": pd.to_datetime(DATA["time_ns"]).values}
    ds = xr.Dataset(
        {k: ("time", DATA[k]) for k in ("latitude", "longitude", "ne", "te", "local_time")},
        coords=coords,
    )
    ds["orbit"] = ("time", DATA["orbit"].astype(np.int64))
    ds["altitude"] = ("time", np.full(DATA["time_ns"].size, 507.0))
    ds.attrs["satellite"] = "CSES"
    ds.to_netcdf(tmp_path / "CSES.nc")
    ev.write_events(EVENTS, tmp_path / "events.csv")
    write_kp(KP, tmp_path / "kp.csv")
    out = tmp_path / "datasets" / "01"
    opts = {k: v for k, v in OPTS.items() if k != "satellite"}
    report = sq.make_dataset(
        tmp_path / "CSES.nc", tmp_path / "events.csv", tmp_path / "kp.csv", out, **opts
    )
    x = np.load(out / "sequences.npy")
    table = pd.read_csv(out / "sequences.csv", keep_default_na=False)
    assert x.shape == (6, 10, 2)
    assert table.columns.tolist() == sq.SEQUENCE_COLUMNS
    assert table["satellite"].unique().tolist() == ["CSES"]
    assert json.loads((out / "report.json").read_text())["counts"] == report["counts"]
    with pytest.raises(ValueError, match="no labelled sequence"):
        inputs = (tmp_path / "CSES.nc", tmp_path / "events.csv", tmp_path / "kp.csv")
        sq.make_dataset(*inputs, out, **dict(opts, spatial_window=0.01))


def test_read_decoded_names_the_file_and_the_missing_variable(tmp_path):
    import xarray as xr

    path = tmp_path / "bad.nc"
    xr.Dataset({"ne": ("time", [1.0])}, coords={"time": pd.to_datetime([T0]).values}).to_netcdf(
        path
    )
    with pytest.raises(ValueError, match=r"bad\.nc.*latitude"):
        sq.read_decoded(path)


def test_a_period_without_artificial_events_labels_what_the_real_ones_reach():
    """No event of one kind (here no artificial event) matches nothing; it used to index an
    empty array and raise IndexError."""
    real_only = EVENTS[EVENTS["kind"] != "artificial"].reset_index(drop=True)
    _, table, report = sq.label_sequences(DATA, real_only, KP, **OPTS)
    # pass A's two pre-seismic windows and pass B's two storm windows near the real events;
    # the 1.45 windows had only the artificial event: unlabelled now
    assert table["label"].tolist() == [1, 1, 2, 2]
    assert table["event_id"].tolist() == ["eq_a", "eq_b"] * 2
    assert report["sequences_dropped"]["unlabelled"] == 4
