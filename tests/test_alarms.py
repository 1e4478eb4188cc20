"""Ground alarm series and their Molchan bookkeeping: held-out period, windows, bins, plan.

The satellite alarms (continuous cutter, cell-day Molchan): tests/test_alarms_satellite.py.
"""

from __future__ import annotations

import ast
import copy
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from snakemake.utils import validate

from eqprecursors.core.reports import write_json
from eqprecursors.core.times import NS_PER_HOUR, NS_PER_MIN, to_epoch_ns
from eqprecursors.evaluation import alarm_plan, alarms
from eqprecursors.ground import labels as labelling
from eqprecursors.ground import windows
from eqprecursors.ground.filters import padding_samples
from eqprecursors.ground.plan import all_cnn_runs
from eqprecursors.plots import alarms as alarm_plots

ROOT = Path(__file__).resolve().parents[1]
T0 = np.datetime64("2020-01-01T00:00", "ns")
T0_NS = int(T0.astype(np.int64))
N_DAYS = 3
HOUR_FILTER = {"type": "highpass", "order": 4, "corners_cpd": [24], "padding_hours": 6}


def ns(iso: str) -> int:
    return int(to_epoch_ns([iso])[0])


# ------------------------------------------------------------------ inputs on disk
def write_record(path, *, gap_at=(), n=N_DAYS * 1440, seed=0):
    """A 1-min X/Y/Z record from 2020-01-01 with NaN gap samples at ``gap_at``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x = 20000 + 10 * np.sin(2 * np.pi * t / 1440) + rng.normal(0, 1, n)
    y = 500 + 5 * np.cos(2 * np.pi * t / 1440) + rng.normal(0, 1, n)
    z = 40000 + 20 * np.sin(2 * np.pi * t / 720) + rng.normal(0, 1, n)
    gap = np.zeros(n, dtype=np.int8)
    for i in gap_at:
        x[i] = y[i] = z[i] = np.nan
        gap[i] = 1
    xr.Dataset(
        {"X": ("time", x), "Y": ("time", y), "Z": ("time", z), "gap_mask": ("time", gap)},
        coords={"time": T0 + np.arange(n).astype("timedelta64[m]")},
        attrs={"iaga_code": "TST"},
    ).to_netcdf(path)


def write_catalog(path, times):
    pd.DataFrame(
        {
            "time": times,
            "latitude": 40.1,
            "longitude": 20.1,
            "depth_km": 10.0,
            "magnitude": 5.0,
            "mag_type": "mw",
            "distance_km": 50.0,
            "event_id": [f"ev{i}" for i in range(len(times))],
        }
    ).to_csv(path, index=False)


def write_kp(path):
    t = pd.date_range("2020-01-01", periods=N_DAYS * 8, freq="3h", tz="UTC")
    kp = np.where(np.arange(t.size) == 10, 6.0, 1.0)
    pd.DataFrame({"time": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "kp": kp}).to_csv(path, index=False)


def write_split(
    path, *, boundary="2020-01-02T00:00:00Z", embargo_hours=2.0, method="chronological"
):
    report = {"method": method, "embargo_hours": embargo_hours}
    if method == "chronological":
        report["boundary"] = {"all": boundary}
    Path(path).write_text(json.dumps(report))


# ------------------------------------------------------------------ held-out period
def test_held_out_period_starts_after_the_boundary_and_embargo():
    split = {"method": "chronological", "boundary": {"all": "2020-01-02T00:00:00Z"}}
    p = alarms.held_out_period(split | {"embargo_hours": 6}, "TST", T0_NS, ns("2020-01-04"))
    assert p["start_ns"] == ns("2020-01-02T06:00:00Z") and not p["in_sample"]
    assert p["end_ns"] == ns("2020-01-04") and p["leakage_warning"] is None
    per_obs = {"method": "chronological", "boundary": {"AAA": "2020-01-01T10:00:00Z"}}
    p = alarms.held_out_period(per_obs | {"embargo_hours": 0}, "AAA", T0_NS, ns("2020-01-04"))
    assert p["start_ns"] == ns("2020-01-01T10:00:00Z")
    with pytest.raises(ValueError, match="no boundary for 'BBB'"):
        alarms.held_out_period(per_obs, "BBB", T0_NS, ns("2020-01-04"))


def test_random_split_has_no_held_out_period_and_says_so():
    p = alarms.held_out_period({"method": "random"}, "TST", T0_NS, ns("2020-01-04"))
    assert p["start_ns"] == T0_NS and p["in_sample"]
    assert "in-sample" in p["leakage_warning"] and "random split" in p["leakage_warning"]
    with pytest.raises(ValueError, match="unknown method"):
        alarms.held_out_period({"method": "kfold"}, "TST", T0_NS, ns("2020-01-04"))


def test_alarm_windows_lie_wholly_in_the_held_out_period():
    times = T0_NS + np.arange(600, dtype=np.int64) * NS_PER_MIN
    starts = alarms.alarm_starts(times, T0_NS + 100 * NS_PER_MIN + 1, 60, 15)
    assert starts[0] == 101 and np.all(np.diff(starts) == 15)
    assert starts[-1] + 60 <= 600 < starts[-1] + 15 + 60
    assert alarms.alarm_starts(times, T0_NS + 560 * NS_PER_MIN, 60, 15).size == 0


def test_window_status_follows_the_dataset_rules():
    gap = np.zeros(300, dtype=bool)
    gap[[100, 200]] = True
    starts = np.array([10, 41, 71, 101, 130, 150, 201])
    status = alarms.window_status(gap, starts, 30, 20)
    # 10: padding before the record; 41: fine; 71: window holds 100; 101: padding holds 100;
    # 130: padding [110, 130) clear; 150: fine; 201: padding [181, 201) holds 200
    assert status.tolist() == ["padding", "ok", "gap", "padding", "ok", "ok", "padding"]


# ------------------------------------------------------------------ exact cutting
def test_alarm_windows_are_the_datasets_windows(tmp_path):
    """At a labelled window's start the alarm cut equals the stored window bit for bit."""
    write_record(tmp_path / "TST.nc")
    write_catalog(tmp_path / "cat.csv", ["2020-01-02T12:00:30Z", "2020-01-03T18:00:00Z"])
    write_kp(tmp_path / "kp.csv")
    labelling.make_dataset(
        tmp_path / "TST.nc", tmp_path / "cat.csv", tmp_path / "kp.csv", tmp_path / "ds",
        window="hour", exclusion_hours=4, kp_threshold=9, seed=1, filter=HOUR_FILTER,
    )  # fmt: skip
    stored = np.load(tmp_path / "ds" / "windows.npy")
    lab = pd.read_csv(tmp_path / "ds" / "labels.csv")
    assert len(lab) == 4 and set(lab["label"]) == {0, 1}
    times, data, gap, _ = labelling.load_ground(tmp_path / "TST.nc")
    data = np.where(gap[:, None], np.nan, data)
    spec = labelling.validate_filter(HOUR_FILTER)
    for i, start in enumerate(to_epoch_ns(lab["start"])):
        s = int(np.searchsorted(times, start))
        np.testing.assert_array_equal(alarms.cut_window(data, s, 60, spec), stored[i])


def test_score_ground_windows_scores_every_held_out_window(tmp_path):
    write_record(tmp_path / "TST.nc", gap_at=[2000])
    write_split(tmp_path / "split.json")
    write_kp(tmp_path / "kp.csv")
    seen = []

    def predict(x):
        assert x.shape[1:] == (3, 60, 1) and x.dtype == np.float32
        seen.append(x.shape[0])
        return x[:, 2, -1, 0]  # the last normalised Bz sample: a score we can recompute

    series, report = alarms.score_ground_windows(
        tmp_path / "TST.nc", tmp_path / "split.json", tmp_path / "kp.csv", predict,
        observatory="TST", window="hour", filter=HOUR_FILTER, stride_hours=0.5, batch_size=7,
    )  # fmt: skip
    start = to_epoch_ns(series["window_start"])
    assert start[0] == ns("2020-01-02T02:00:00Z") and np.all(np.diff(start) == 30 * NS_PER_MIN)
    assert report["held_out_start"] == "2020-01-02T02:00:00Z"
    assert report["record_end"] == "2020-01-04T00:00:00Z" and report["n_windows"] == len(series)
    assert to_epoch_ns(series["window_end"])[-1] <= ns("2020-01-04")
    # the gap at sample 2000 (2020-01-02T09:20) spoils the windows holding it (gap) and those
    # starting within the filter's support after it (padding); the rest is scored in batches
    least = padding_samples(labelling.validate_filter(HOUR_FILTER))[1]
    assert 0 < least < 360
    grid = 1560 + 30 * np.arange(len(series))
    bad = series[series["status"] != "ok"]
    assert set(bad["status"]) == {"gap", "padding"}
    assert bad["score"].isna().all() and series.loc[series["status"] == "ok", "score"].notna().all()
    assert report["status_counts"]["ok"] == sum(seen) and max(seen) <= 7
    assert report["status_counts"]["gap"] == np.sum((grid <= 2000) & (grid + 60 > 2000)) == 2
    assert report["status_counts"]["padding"] == np.sum((grid > 2000) & (grid - least <= 2000))
    # the scores are the predictor's on the dataset's cut of each window
    times, data, gap, _ = labelling.load_ground(tmp_path / "TST.nc")
    data = np.where(gap[:, None], np.nan, data)
    spec = labelling.validate_filter(HOUR_FILTER)
    for i in np.flatnonzero(series["status"] == "ok")[::9]:
        w = alarms.cut_window(data, grid[i], 60, spec)
        assert series.loc[i, "score"] == pytest.approx(float(w[2, -1]), rel=1e-5)
    assert series["max_kp"].max() == 6.0 and series["max_kp"].min() == 1.0


# ------------------------------------------------------------------ event to bin
def test_bins_run_from_each_window_end_to_the_next_and_stop_at_the_record_end():
    b0, b1 = alarms.alarm_bins(np.array([0, 10, 20, 30]), 10, 35)
    assert b0.tolist() == [0, 10, 20, 30] and b1.tolist() == [10, 20, 30, 35]
    with pytest.raises(ValueError, match="increase"):
        alarms.alarm_bins(np.array([0, 0]), 10, 35)


def test_an_event_at_a_window_end_is_predicted_by_that_window():
    b0, b1 = np.array([100, 200, 300]), np.array([200, 300, 400])
    counts, fate = alarms.assign_events(
        b0, b1, np.ones(3, bool), np.array([200, 199, 399, 400, 99]), lead_ns=0
    )
    assert counts.tolist() == [1, 1, 1]
    assert fate.tolist() == ["target", "target", "target", "after_last_alarm", "before_first_alarm"]


def test_the_lead_time_moves_an_event_to_an_earlier_window():
    b0, b1 = np.array([100, 200, 300]), np.array([200, 300, 400])
    counts, _ = alarms.assign_events(b0, b1, np.ones(3, bool), np.array([250, 350]), lead_ns=100)
    assert counts.tolist() == [1, 1, 0]
    counts, fate = alarms.assign_events(b0, b1, np.ones(3, bool), np.array([250]), lead_ns=200)
    assert counts.tolist() == [0, 0, 0] and fate.tolist() == ["before_first_alarm"]


def test_events_in_bins_without_a_score_are_counted_not_targets():
    b0, b1 = np.array([100, 200, 300]), np.array([200, 300, 400])
    counts, fate = alarms.assign_events(
        b0, b1, np.array([True, False, True]), np.array([150, 250, 350]), lead_ns=0
    )
    assert counts.tolist() == [1, 0, 1] and fate.tolist() == ["target", "uncovered", "target"]


def series_frame(n_bins, *, hours=1.0, start="2020-01-10T00:00:00Z", scores=None):
    """An alarm series of hour windows ``hours`` apart, the first ending at ``start``."""
    ends = ns(start) + np.arange(n_bins, dtype=np.int64) * int(hours * NS_PER_HOUR)
    scores = np.linspace(0, 1, n_bins) if scores is None else np.asarray(scores, dtype=float)
    frame = pd.DataFrame(
        {
            "window_start": pd.to_datetime(ends - NS_PER_HOUR, utc=True).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "window_end": pd.to_datetime(ends, utc=True).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "score": scores,
            "status": "ok",
            "max_kp": 1.0,
        }
    )
    frame["start_ns"], frame["end_ns"] = ends - NS_PER_HOUR, ends
    report = {
        "held_out_start": pd.Timestamp(ends[0] - NS_PER_HOUR, tz="UTC").strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "record_end": pd.Timestamp(ends[-1] + int(hours * NS_PER_HOUR), tz="UTC").strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "stride_hours": hours,
        "split_method": "chronological",
        "status_counts": {"ok": n_bins},
    }
    return frame, report


def catalog_frame(times_ns):
    t = np.asarray(times_ns, dtype=np.int64)
    return pd.DataFrame({"time_ns": t, "event_id": [f"e{i}" for i in range(t.size)]})


MOLCHAN = dict(
    lead_time_minutes=0, operating_tau=0.1, bandwidth_hours=24, n_simulations=2000, seed=0
)


def test_an_alarm_on_the_event_bins_has_skill_and_a_random_one_has_none():
    n = 400
    rng = np.random.default_rng(1)
    hits = rng.choice(np.arange(50, n), 20, replace=False)
    scores = rng.uniform(0, 0.5, n)
    scores[hits] = 1.0
    frame, report = series_frame(n, scores=scores)
    event_ns = frame["end_ns"].to_numpy()[hits] + 30 * NS_PER_MIN
    past = frame["end_ns"].to_numpy()[[10, 20]]  # a history before the events
    catalog = catalog_frame(np.sort(np.r_[ns("2020-01-01"), past, event_ns]))
    res = alarms.observatory_molchan(frame, report, catalog, **MOLCHAN)
    assert res["events"]["target"] == 20 + 2 and res["events"]["before_held_out_period"] == 1
    time = res["references"]["time"]
    assert time["ass"] > 0.9 and time["ass_p"] < 0.01 and time["operating_point"]["gain"] > 5
    assert res["references"]["seismicity"]["ass"] > 0.8

    frame_r, _ = series_frame(n, scores=rng.uniform(size=n))
    res_r = alarms.observatory_molchan(frame_r, report, catalog, **MOLCHAN)
    assert (
        abs(res_r["references"]["time"]["ass"] - 0.5)
        < 4 * res_r["references"]["time"]["ass_null_sd"]
    )
    assert res_r["references"]["time"]["ass_p"] > 0.001


def test_no_target_event_is_said_explicitly():
    frame, report = series_frame(48)
    catalog = catalog_frame([ns("2020-01-01"), ns("2020-02-01")])  # before and after
    res = alarms.observatory_molchan(frame, report, catalog, **MOLCHAN)
    assert res["events"]["target"] == 0 and res["references"] == {}
    assert res["events"]["before_held_out_period"] == 1 and res["events"]["in_held_out_period"] == 0
    assert "no target event in the held-out period" in res["note"]
    rows = alarms.summary_rows("TST", res)
    assert len(rows) == 1 and "no target event" in rows[0]["note"]


def test_ground_molchan_writes_every_observatory(tmp_path):
    paths = {}
    for obs, with_events in (("AAA", True), ("BBB", False)):
        frame, report = series_frame(200)
        frame[alarms.SERIES_COLUMNS].to_csv(tmp_path / f"{obs}.csv", index=False)
        (tmp_path / f"{obs}.json").write_text(json.dumps(report))
        ends = frame["end_ns"].to_numpy()
        times = ends[[5, 60, 120, 180]] + NS_PER_MIN if with_events else ends[:0]
        iso = pd.to_datetime(times, utc=True).strftime("%Y-%m-%dT%H:%M:%SZ")
        write_catalog(tmp_path / f"{obs}_cat.csv", list(iso))
        paths[obs] = (
            tmp_path / f"{obs}.csv",
            tmp_path / f"{obs}.json",
            tmp_path / f"{obs}_cat.csv",
        )
    result = alarms.ground_molchan(
        *[[p[i] for p in paths.values()] for i in range(3)],
        tmp_path / "m.json", tmp_path / "m.csv",
        observatories=list(paths), window="hour", filter="filtered", model_dataset="observatory",
        **MOLCHAN,
    )  # fmt: skip
    written = json.loads((tmp_path / "m.json").read_text())
    assert list(written["observatories"]) == ["AAA", "BBB"] == list(result["observatories"])
    assert written["observatories"]["AAA"]["events"]["target"] == 4
    assert written["observatories"]["BBB"]["note"].startswith("no target event")
    table = pd.read_csv(tmp_path / "m.csv")
    assert table["observatory"].tolist() == ["AAA", "AAA", "BBB"]
    assert table["reference"].fillna("").tolist() == ["time", "seismicity", ""]
    assert table.loc[2, "n_targets"] == 0 and "no target event" in table.loc[2, "note"]


def test_the_figure_keeps_an_observatory_without_events(tmp_path, monkeypatch):
    frame, report = series_frame(200)
    catalog = catalog_frame(frame["end_ns"].to_numpy()[[5, 50, 150]] + NS_PER_MIN)
    with_events = alarms.observatory_molchan(frame, report, catalog, **MOLCHAN)
    empty = alarms.observatory_molchan(frame, report, catalog_frame([]), **MOLCHAN)
    result = {
        "window": "hour", "filter": "filtered", "model_dataset": "observatory",
        "data_kind": "synthetic", "operating_tau": 0.1,
        "observatories": {"AAA": with_events, "BBB": empty},
    }  # fmt: skip
    write_json(result, tmp_path / "m.json")
    drawn = []
    monkeypatch.setattr(
        alarm_plots, "figure_molchan", lambda curves, *a, **k: drawn.append((curves, k))
    )
    alarm_plots.figure_ground_molchan(tmp_path / "m.json", tmp_path / "m.png")
    curves, kwargs = drawn[0]
    assert [c["label"].split(",")[0].split(":")[0] for c in curves] == ["AAA", "AAA", "BBB"]
    assert "no target event" in curves[2]["label"] and curves[2]["n_events"] == 0
    assert [b["label"] for b in kwargs["null_bounds"]] == ["95 % bound, 3 event bins"]
    title = kwargs["title"].replace("\n", " ")
    assert "BBB: held out" in title and "0 target events in 0 bins" in title


# ------------------------------------------------------------------ the plan
def load_config(name="config/config.yaml"):
    config = yaml.safe_load((ROOT / name).read_text().replace("{base}", "http://127.0.0.1:1"))
    validate(config, str(ROOT / "schemas/config.schema.yaml"))
    return config


def test_default_plan_uses_each_observatorys_trained_main_window_model():
    config = load_config()
    cnn = config["ground_cnn"]
    window = cnn["experiments"]["window"]
    series = alarm_plan.ground_alarm_series(config, window)
    assert [s["obs"] for s in series] == cnn["observatories"]
    for s in series:
        assert s["run"] == (s["obs"], window, "filtered", cnn["training"]["optimizer"], 100)
        assert (
            s["csv"]
            == f"results/alarms/ground/{s['obs']}/{window}_filtered/adam_100/{s['obs']}.csv"
        )
    # no extra training: the alarm models are runs of the experiments
    assert set(alarm_plan.ground_alarm_runs(config)) <= set(all_cnn_runs(config))
    assert alarm_plan.ground_targets(config) == [
        f"results/alarms/ground/molchan_{window}_filtered.json",
        f"results/tables/alarms/ground_molchan_{window}_filtered.csv",
        f"results/figures/alarms/ground_molchan_{window}_filtered.png",
        f"results/figures/alarms/ground_molchan_{window}_filtered.pdf",
    ]
    assert alarm_plan.ground_predict_options(config, "week") == {
        "stride_hours": 6.0,
        "batch_size": 32,
    }
    assert alarm_plan.ground_predict_options(config, "day")["stride_hours"] == 1.0


def test_plan_options_follow_the_config():
    config = load_config()
    config["ground_cnn"]["alarms"].update(
        dataset="ALL", windows=["day", "week", "day"], filter="unfiltered"
    )
    config["ground_cnn"]["alarms"]["stride_hours"]["day"] = 2
    alarm_plan.check_config(config)
    assert alarm_plan.ground_alarm_windows(config) == ["day", "week"]
    runs = alarm_plan.ground_alarm_runs(config)
    assert runs == [
        ("ALL", "day", "unfiltered", "adam", 100),
        ("ALL", "week", "unfiltered", "adam", 100),
    ]
    assert [s["csv"].rsplit("/", 1)[1] for s in alarm_plan.ground_alarm_series(config, "day")] == [
        "DUR.csv", "IZN.csv", "MLR.csv",
    ]  # fmt: skip
    assert alarm_plan.ground_predict_options(config, "day")["stride_hours"] == 2.0
    options = alarm_plan.ground_molchan_options(config, "day", "unfiltered")
    assert options["model_dataset"] == "ALL" and options["operating_tau"] == 0.1
    assert options["lead_time_minutes"] == config["ground_cnn"]["labelling"]["lead_time_minutes"]
    assert len(alarm_plan.ground_targets(config)) == 8

    off = copy.deepcopy(config)
    off["ground_cnn"]["alarms"]["enabled"] = False
    assert alarm_plan.ground_targets(off) == [] and alarm_plan.ground_alarm_runs(off) == []
    assert alarm_plan.targets(off) == alarm_plan.satellite_targets(off)
    bad = copy.deepcopy(config)
    bad["ground_cnn"]["alarms"]["filter"] = "nosuch"
    with pytest.raises(ValueError, match="ground_cnn.alarms.filter"):
        alarm_plan.check_config(bad)


def test_workflow_test_config_asks_for_the_alarms():
    config = load_config("tests/config/test.yaml")
    assert alarm_plan.targets(config)[0] == "results/alarms/ground/molchan_hour_filtered.json"
    assert [s["obs"] for s in alarm_plan.ground_alarm_series(config, "hour")] == ["IZN"]


def test_the_alarm_plan_imports_only_the_standard_library():
    tree = ast.parse((ROOT / "scripts/eqprecursors/evaluation/alarm_plan.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            ok = top in sys.stdlib_module_names or top == "__future__"
            # the two plans it builds on are standard library only themselves (test_plan)
            assert ok or name in ("eqprecursors.ground", "eqprecursors.satellite"), name


def test_windows_module_is_the_one_the_dataset_uses():
    """The alarm cut reuses the dataset's own padding rule, not a copy of it."""
    assert alarms.padding_gaps is windows.padding_gaps
    assert alarms.filter_window is labelling.filter_window
    assert alarms.normalise_window is labelling.normalise_window
