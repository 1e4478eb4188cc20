"""Continuous satellite alarms: the test-period cutter, the model step and the cell-day Molchan."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from snakemake.utils import validate

from eqprecursors.core.times import NS_PER_DAY, NS_PER_HOUR, NS_PER_S, format_iso, to_epoch_ns
from eqprecursors.evaluation import alarm_plan, alarms_satellite
from eqprecursors.plots import alarms as alarm_plots
from eqprecursors.satellite import continuous, search, training
from eqprecursors.satellite import sequences as sq

ROOT = Path(__file__).resolve().parents[1]
CADENCE = 1.5
STEP = int(CADENCE * NS_PER_S)
T0 = int(to_epoch_ns(["2020-01-01T00:00:00Z"])[0])
ORBIT_NS = 50 * 60 * NS_PER_S  # a half-orbit every 50 min
N_ORBITS, LENGTH, T = 12, 95, 10  # 9 windows and 5 samples left over per half-orbit
GAP_ORBIT, NAN_ORBIT = 4, 6  # both night half-orbits


# ------------------------------------------------------------------ a decoded series
def decoded_arrays() -> dict[str, np.ndarray]:
    """12 half-orbits: even ones at night (23 h LT), odd ones by day; one gap, one NaN."""
    parts = []
    for k in range(N_ORBITS):
        i = np.arange(LENGTH)
        if k == GAP_ORBIT:
            i = np.r_[i[:42], i[43:], LENGTH]  # sample 42 missing: the window [40, 50) drops
        parts.append(
            {
                "time_ns": T0 + k * ORBIT_NS + STEP * i,
                "latitude": -60.0 + 120.0 * i / LENGTH,
                "longitude": np.full(i.size, (25.0 * k) % 360 - 180),
                "altitude": np.full(i.size, 507.0),
                "ne": 1e5 + 100.0 * k + i.astype(float),
                "te": 2e3 + 10.0 * k - i.astype(float),
                "local_time": np.full(i.size, 23.0 if k % 2 == 0 else 11.0),
                "orbit": np.full(i.size, 1000 + k, dtype=np.int64),
            }
        )
    data = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    nan_at = NAN_ORBIT * LENGTH + 17  # one NaN: the window [10, 20) of that half-orbit drops
    data["ne"][nan_at] = np.nan
    return data


def write_decoded(path, data: dict) -> Path:
    """The decoded netCDF as ``satellite.decode`` writes it (int64 ns time)."""
    values = {k: v for k, v in data.items() if k not in ("time_ns", "orbit")}
    ds = xr.Dataset(
        {k: ("time", v) for k, v in values.items()} | {"orbit": ("time", data["orbit"])},
        coords={"time": np.asarray(data["time_ns"]).astype("datetime64[ns]")},
        attrs={"satellite": "CSES", "cadence_s": CADENCE},
    )
    encoding = {
        "time": {"units": "nanoseconds since 1970-01-01", "dtype": "int64"},
        **{c: {"_FillValue": np.nan} for c in values},
        "orbit": {"_FillValue": None},
    }
    ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return Path(path)


# test period: from the middle of half-orbit 2 to the middle of half-orbit 10
BOUNDARY = T0 + 2 * ORBIT_NS + 24 * STEP - NS_PER_HOUR // 2  # off the 10-sample grid
GUARD_HOURS = 0.5
SPAN_END = T0 + 10 * ORBIT_NS + 47 * STEP
PERIOD = (BOUNDARY + NS_PER_HOUR // 2, SPAN_END // NS_PER_S * NS_PER_S + NS_PER_S - 1)


def write_split(path) -> Path:
    report = {
        "boundary": format_iso([BOUNDARY])[0],
        "span": [format_iso([T0])[0], format_iso([SPAN_END])[0]],
        "guard_hours": GUARD_HOURS,
        "n_test": 7,
    }
    Path(path).write_text(json.dumps(report))
    return Path(path)


def cut(nc, **kw) -> tuple[pd.DataFrame, np.ndarray, dict]:
    counts: dict = {}
    parts = list(
        continuous.continuous_sequences(
            nc, *PERIOD, sequence_length=T, time_of_day=kw.pop("time_of_day", "night"),
            cadence_s=CADENCE, counts=counts, **kw,
        )
    )  # fmt: skip
    table = pd.concat([p[0] for p in parts], ignore_index=True)
    return table, np.concatenate([p[1] for p in parts]), counts


@pytest.fixture
def decoded(tmp_path) -> Path:
    return write_decoded(tmp_path / "CSES.nc", decoded_arrays())


# ------------------------------------------------------------------ the cutter
def test_test_period_starts_a_guard_after_the_boundary(tmp_path):
    assert continuous.test_period(write_split(tmp_path / "split.json")) == PERIOD
    (tmp_path / "bad.json").write_text(json.dumps({"span": ["a", "b"]}))
    with pytest.raises(ValueError, match="bad.json: no boundary"):
        continuous.test_period(tmp_path / "bad.json")


def test_every_pass_of_the_test_period_is_cut_not_only_curated_ones(decoded):
    table, x, counts = cut(decoded)
    # night half-orbits 2..10: 2 starts before the period (at its sample 24; the windows
    # keep the half-orbit's grid: [30, 40) ... [80, 90) = 6), 10 ends inside it (windows up
    # to sample 47: [0, 10) ... [30, 40) = 4); 4 loses the window over its gap, 6 the one
    # holding its NaN
    per_orbit = table.groupby("orbit").size().to_dict()
    assert per_orbit == {1002: 6, 1004: 8, 1006: 8, 1008: 9, 1010: 4}
    assert counts["half_orbits"] == 9  # 2..10, day ones included
    assert counts["sequences"] == len(table) == len(x) == 35
    assert counts["dropped_nan"] == 1 and counts["dropped_time_of_day"] == 4 * 9  # 3, 5, 7, 9
    assert (table["start_ns"] >= PERIOD[0]).all() and (table["end_ns"] <= PERIOD[1]).all()
    assert np.all(np.diff(table["start_ns"]) > 0)
    day, _, _ = cut(decoded, time_of_day="day")
    assert sorted(day["orbit"].unique()) == [1003, 1005, 1007, 1009]


def test_the_curated_test_sequences_are_among_the_continuous_ones(decoded):
    """Same window grid, NaN rule and centres as the labelled dataset, same values."""
    data = sq.read_decoded(decoded)
    times = [T0 + 9 * ORBIT_NS, T0 + 11 * ORBIT_NS]  # a real event and an artificial one
    events = pd.DataFrame(
        {
            "time": format_iso(times),
            "time_ns": times,
            "latitude": [0.0, 30.0],
            "longitude": [(25.0 * 6) % 360 - 180, (25.0 * 8) % 360 - 180],
            "depth_km": 10.0,
            "magnitude": 6.0,
            "event_id": ["e1", "a1"],
            "kind": ["independent", "artificial"],
        }
    )
    kp = pd.DataFrame(
        {"time": pd.date_range("2019-12-31", periods=24, freq="3h", tz="UTC"), "kp": 1.0}
    )
    x_cur, cur, _ = sq.label_sequences(
        data, events, kp, sequence_length=T, spatial_window=20.0, time_of_day="night",
        cadence_s=CADENCE,
    )  # fmt: skip
    s = to_epoch_ns(cur["start"])
    e = to_epoch_ns(cur["end"])
    in_test = (s >= PERIOD[0]) & (e <= PERIOD[1])
    assert 0 < in_test.sum() < 35 and cur.loc[in_test, "orbit"].nunique() < 5
    table, x, _ = cut(decoded)
    pos = {v: i for i, v in enumerate(table["start_ns"].tolist())}
    rows = np.array([pos[v] for v in s[in_test].tolist()])
    np.testing.assert_array_equal(x[rows], x_cur[in_test])
    for col in ("latitude", "longitude", "local_time"):
        np.testing.assert_allclose(
            table[col].to_numpy()[rows], cur.loc[in_test, col].to_numpy(), atol=1e-4
        )
    np.testing.assert_array_equal(table["end_ns"].to_numpy()[rows], e[in_test])


@pytest.mark.parametrize("chunk", [7, 95, 130, 10_000])
def test_blocks_of_any_size_cut_the_same_sequences(decoded, chunk):
    """Half-orbits longer than a block are carried over; block edges change nothing."""
    table, x, counts = cut(decoded)
    t2, x2, c2 = cut(decoded, chunk_samples=chunk)
    pd.testing.assert_frame_equal(table, t2)
    np.testing.assert_array_equal(x, x2)
    assert counts == c2


def test_no_sample_after_a_sequence_end_changes_it(tmp_path, decoded):
    """Samples after tau scrambled or cut off: every sequence ending by tau is unchanged."""
    data = decoded_arrays()
    tau = T0 + 6 * ORBIT_NS + 55 * STEP  # inside night half-orbit 6
    after = data["time_ns"] > tau
    scrambled = copy.deepcopy(data)
    rng = np.random.default_rng(0)
    for key in ("ne", "te", "latitude", "longitude", "local_time"):
        scrambled[key][after] = rng.normal(0, 1e4, after.sum())
    scrambled["ne"][np.flatnonzero(after)[::7]] = np.nan
    truncated = {k: v[~after] for k, v in data.items()}
    table, x, _ = cut(decoded)
    done = table["end_ns"].to_numpy() <= tau
    assert 0 < done.sum() < len(table)
    for variant, name in ((scrambled, "scrambled"), (truncated, "truncated")):
        t2, x2, _ = cut(write_decoded(tmp_path / f"{name}.nc", variant))
        ok = t2["end_ns"].to_numpy() <= tau
        pd.testing.assert_frame_equal(table[done], t2[ok])
        np.testing.assert_array_equal(x[done], x2[ok])


# ------------------------------------------------------------------ the model step
def write_gbm(tmp_path) -> Path:
    """A small GBM saved as the study saves it (preprocessing fitted on its training data)."""
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, T, 2)) * [100.0, 10.0] + [1e5, 2e3]
    y = np.arange(60) % 3
    prep = training.Preprocessing(normalize=False, scale=True).fit(x)
    est = GradientBoostingClassifier(n_estimators=5, random_state=0)
    est.fit(prep.transform(x).reshape(60, -1), y)
    path = tmp_path / "model.joblib"
    training.save_model(path, "gbm", est, prep)
    return path


def predict(tmp_path, nc, model, name="series"):
    return continuous.predict_continuous(
        model, nc, write_split(tmp_path / "split.json"), tmp_path / f"{name}.csv",
        tmp_path / f"{name}.json", model_name="gbm", dataset="01", sequence_length=T,
        time_of_day="night", cadence_s=CADENCE, chunk_samples=200,
    )  # fmt: skip


def test_the_model_scores_every_continuous_sequence(tmp_path, decoded):
    model = write_gbm(tmp_path)
    report = predict(tmp_path, decoded, model)
    series = pd.read_csv(tmp_path / "series.csv")
    assert list(series) == continuous.SERIES_COLUMNS and len(series) == 35
    np.testing.assert_allclose(series[["p0", "p1", "p2"]].sum(axis=1), 1.0, atol=1e-5)
    table, x, _ = cut(decoded)
    fitted, prep = training.load_model(model, "gbm")
    np.testing.assert_allclose(series["p1"], training.predict("gbm", fitted, prep, x)[:, 1], 1e-5)
    assert report["counts"]["sequences"] == 35 and report["half_orbits_with_sequences"] == 5
    assert report["test_period"]["start"] == format_iso([PERIOD[0]])[0]
    assert report["curated_test_sequences"] == 7
    assert json.loads((tmp_path / "series.json").read_text())["model"] == "gbm"


def test_a_prediction_uses_no_sample_after_its_sequence(tmp_path, decoded):
    model = write_gbm(tmp_path)
    predict(tmp_path, decoded, model)
    data = decoded_arrays()
    tau = T0 + 8 * ORBIT_NS + 33 * STEP
    after = data["time_ns"] > tau
    data["ne"][after] *= 3.0
    data["te"][after] = np.nan
    predict(tmp_path, write_decoded(tmp_path / "later.nc", data), model, "later")
    a, b = pd.read_csv(tmp_path / "series.csv"), pd.read_csv(tmp_path / "later.csv")
    a_ok, b_ok = to_epoch_ns(a["end"]) <= tau, to_epoch_ns(b["end"]) <= tau
    assert 0 < a_ok.sum() < len(a)
    pd.testing.assert_frame_equal(a[a_ok], b[b_ok])


def test_an_empty_test_period_is_an_error(tmp_path, decoded):
    model = write_gbm(tmp_path)
    with pytest.raises(ValueError, match="no sequence in the test period"):
        continuous.predict_continuous(
            model, decoded, write_split(tmp_path / "split.json"), tmp_path / "s.csv",
            tmp_path / "s.json", model_name="gbm", dataset="01", sequence_length=T,
            time_of_day="night", night_hours=(1, 2), cadence_s=CADENCE,
        )  # fmt: skip
    assert not (tmp_path / "s.csv").exists()


# ------------------------------------------------------------------ cell-day alarms
def test_cells_wrap_longitude_and_clip_the_pole():
    row, col = alarms_satellite.cell_index([-90, 89.99, 90, 5], [-5, 355, 10, 360], 10)
    assert row.tolist() == [0, 17, 17, 9] and col.tolist() == [35, 35, 1, 0]


@pytest.mark.parametrize("aggregate, day1, day2", [("max", 0.7, 0.7), ("mean", 0.45, 0.7)])
def test_a_cell_day_alarm_pools_only_the_horizon_before_the_day(aggregate, day1, day2):
    day = NS_PER_DAY
    seq_ns = np.array([0, day // 2, 3 * day, 3 * day, day + 1])  # cell 1: days 0, 0.5, 1+
    cells, days, alarm = alarms_satellite.cell_days(
        np.array([1, 1, 2, 2, 1]), seq_ns, np.array([0.2, 0.7, 0.4, 0.9, 0.7]),
        np.arange(5, dtype=np.int64) * day, 2 * day, aggregate,
    )  # fmt: skip
    table = {
        (c, d // day): a
        for c, d, a in zip(cells.tolist(), days.tolist(), alarm.tolist(), strict=True)
    }
    assert np.isnan(table[1, 0]) and table[1, 1] == pytest.approx(day1)
    assert table[1, 2] == pytest.approx((0.2 + 0.7 + 0.7) / 3 if aggregate == "mean" else 0.7)
    assert table[1, 3] == pytest.approx(day2)  # the horizon [1, 3) holds only day 1+
    assert np.isnan(table[2, 3]) and table[2, 4] == pytest.approx(0.65 if day1 < 0.7 else 0.9)
    with pytest.raises(ValueError, match="aggregate"):
        alarms_satellite.cell_days(np.array([1]), seq_ns[:1], np.ones(1), seq_ns[:1], day, "sum")


def write_series(tmp_path, event_times, event_latlon):
    """Sequences every 6 h in cells (5, 5) (p1 0.9) and (-25, 35) (p1 0.1), 2020-01-01..04."""
    ends = pd.date_range("2020-01-01T03:00", periods=16, freq="6h", tz="UTC")
    rows = [(t, 5.0, 5.0, 0.9) for t in ends] + [(t, -25.0, 35.0, 0.1) for t in ends]
    series = pd.DataFrame(rows, columns=["end", "latitude", "longitude", "p1"])
    series["end"] = series["end"].dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    series = series.sort_values("end", kind="stable").assign(start=series["end"])
    series.assign(local_time=0.0, orbit=1, p0=0.0, p2=0.1)[continuous.SERIES_COLUMNS].to_csv(
        tmp_path / "series.csv", index=False
    )
    report = {"test_period": {"start": "2020-01-01T00:00:00Z", "end": "2020-01-04T21:00:00Z"}}
    (tmp_path / "series.json").write_text(json.dumps(report | {"half_orbits_with_sequences": 16}))
    lat, lon = zip(*event_latlon, strict=True) if event_latlon else ((), ())
    pd.DataFrame(
        {"time": event_times, "latitude": lat, "longitude": lon, "kind": "independent"}
    ).to_csv(tmp_path / "events.csv", index=False)


SAT = dict(
    model="seqnetquake", cell_deg=10, horizon_days=2, operating_tau=0.5,
    bandwidth_days=5, n_simulations=500, seed=0,
)  # fmt: skip


def test_the_numpy_part_end_to_end(tmp_path):
    """Series + catalog -> Molchan JSON, table and figure; coverage counted by hand."""
    times = ["2020-01-03T06:00:00Z", "2020-01-04T01:00:00Z", "2020-01-03T00:00:00Z"]
    write_series(tmp_path, times, [(5.5, 6.0), (4.0, 8.0), (60.0, 100.0)])
    result = alarms_satellite.satellite_molchan(
        [tmp_path / "series.csv"], [tmp_path / "series.json"], [tmp_path / "events.csv"],
        tmp_path / "m.json", tmp_path / "m.csv", datasets=["01"], **SAT,
    )  # fmt: skip
    res = result["datasets"]["01"]
    assert res["events"]["target"] == 2 and res["events"]["uncovered"] == 1  # no cell (60, 100)
    # forecast days 01-02 .. 01-06 (the data end + 2 days): 5 days x 2 cells, all covered
    assert res["period"] == {"start": "2020-01-02T00:00:00Z", "end": "2020-01-07T00:00:00Z"}
    assert (res["days"], res["cells_with_sequences"], res["n_bins_scored"]) == (5, 2, 10)
    assert res["coverage_fraction"] == pytest.approx(10 / (18 * 36 * 5))
    assert res["sequences"] == 32 and res["aggregate"] == "mean"
    area = res["references"]["area"]
    assert area["ass"] > 0.5 and area["n_event_bins"] == 2
    assert "continuous" in result["coverage"] and "limitation" not in result
    table = pd.read_csv(tmp_path / "m.csv")
    assert table["reference"].tolist() == ["area", "seismicity"]
    assert (table["sequences"] == 32).all() and (table["days"] == 5).all()
    png, pdf = alarm_plots.figure_satellite_molchan(
        tmp_path / "m.json", tmp_path / "m.png", tmp_path / "m.pdf"
    )
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.read_bytes()[:5] == b"%PDF-"


def test_the_model_series_feeds_the_molchan_job(tmp_path, decoded):
    model = write_gbm(tmp_path)
    predict(tmp_path, decoded, model)
    end = format_iso([T0 + 5 * ORBIT_NS])[0]
    pd.DataFrame(
        {"time": [end], "latitude": [10.0], "longitude": [-180 + 25.0 * 4], "kind": "independent"}
    ).to_csv(tmp_path / "events.csv", index=False)
    res = alarms_satellite.dataset_molchan(
        tmp_path / "series.csv", tmp_path / "series.json", tmp_path / "events.csv", **SAT
    )
    assert res["sequences"] == 35 and res["half_orbits"] == 5
    assert res["events"]["in_period"] == 0 and res["note"].startswith("no target event")


def test_satellite_without_events_says_so(tmp_path):
    write_series(tmp_path, [], [])
    result = alarms_satellite.satellite_molchan(
        [tmp_path / "series.csv"], [tmp_path / "series.json"], [tmp_path / "events.csv"],
        tmp_path / "m.json", tmp_path / "m.csv", datasets=["01"], **SAT,
    )  # fmt: skip
    assert result["datasets"]["01"]["note"].startswith("no target event")
    table = pd.read_csv(tmp_path / "m.csv")
    assert len(table) == 1 and "no target event" in table.loc[0, "note"]


def test_the_molchan_job_imports_no_model_library():
    code = (
        "import sys; import eqprecursors.evaluation.alarms_satellite; "
        "print([m for m in ('tensorflow', 'keras', 'sklearn') if m in sys.modules])"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT / "scripts")}, timeout=300,
    )  # fmt: skip
    assert run.stdout.strip() == "[]"


# ------------------------------------------------------------------ the plan
def load_config(name="config/config.yaml"):
    config = yaml.safe_load((ROOT / name).read_text().replace("{base}", "http://127.0.0.1:1"))
    validate(config, str(ROOT / "schemas/config.schema.yaml"))
    return config


def test_satellite_plan_runs_the_model_over_the_reference_datasets_test_period():
    config = load_config()
    assert alarm_plan.satellite_alarm_datasets(config) == ["01"]
    assert alarm_plan.satellite_alarm_inputs(config) == {
        "series": ["results/alarms/satellite/series/01/seqnetquake.csv"],
        "reports": ["results/alarms/satellite/series/01/seqnetquake.json"],
        "events": ["results/catalog/satellite/CSES_events.csv"],
    }
    assert alarm_plan.satellite_predict_inputs(config, "01", "seqnetquake") == {
        "model": "results/satellite/models/01/seqnetquake/model.keras",
        "preprocessing": "results/satellite/models/01/seqnetquake/preprocessing.json",
        "nc": "results/decoded/satellite/CSES.nc",
        "split": "results/satellite/datasets/01/split.json",
    }
    assert alarm_plan.satellite_predict_inputs(config, "01", "gbm")["model"].endswith(".joblib")
    assert alarm_plan.SKLEARN_MODELS == search.SKLEARN_MODELS
    row = config["satellite_study"]["datasets"]["01"]
    options = alarm_plan.satellite_predict_options(config, "01")
    assert options["sequence_length"] == row["sequence_length"]
    assert options["time_of_day"] == row["time_of_day"]
    options = alarm_plan.satellite_molchan_options(config)
    assert options["horizon_days"] == config["satellite_study"]["pre_seismic_days"]
    assert options["aggregate"] in alarms_satellite.AGGREGATES
    assert (
        alarm_plan.satellite_targets(config)[0]
        == "results/alarms/satellite/molchan_seqnetquake.json"
    )
    wrong = copy.deepcopy(config)
    wrong["satellite_study"]["alarms"]["datasets"] = ["99"]
    with pytest.raises(ValueError, match="no dataset '99'"):
        alarm_plan.satellite_alarm_inputs(wrong)
    wrong["satellite_study"]["alarms"] = {"model": "rf"}
    wrong["satellite_study"]["models"] = ["seqnetquake"]
    with pytest.raises(ValueError, match="satellite_study.alarms.model = 'rf' is not trained"):
        alarm_plan.satellite_alarm_inputs(wrong)
    del wrong["satellite_study"]
    assert alarm_plan.satellite_targets(wrong) == []
