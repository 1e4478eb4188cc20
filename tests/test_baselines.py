"""Confound and chance baselines (eqprecursors.evaluation.baselines) and the tables that
show them beside every result.

The datasets are constructed so that the answer is known: a label that is a function of Kp
must be found by the Kp-only baseline and not by the date-only one, and the other way
round; a label that is a function of place must be found by the location-only baseline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eqprecursors.core.reports import write_json
from eqprecursors.core.splits import make_split
from eqprecursors.evaluation import baselines as bl
from eqprecursors.evaluation import ground, satellite_report
from eqprecursors.evaluation.multiclass import evaluate_predictions
from eqprecursors.ground import plan as gp
from eqprecursors.io.kp import max_kp_over_windows, write_kp
from eqprecursors.satellite import plan as sp
from eqprecursors.satellite.split import make_split as make_satellite_split

ROOT = Path(__file__).resolve().parents[1]
FAST = dict(n_bootstrap=30, n_permutations=30, seed=1)
T0 = pd.Timestamp("2016-01-01", tz="UTC")


def iso(times) -> list[str]:
    return list(pd.DatetimeIndex(times).strftime("%Y-%m-%dT%H:%M:%SZ"))


def kp_frame(n_days: int, rng) -> pd.DataFrame:
    """A 3-hourly Kp series of quiet values (0-3) over ``n_days`` from T0."""
    times = T0 + pd.to_timedelta(3 * np.arange(8 * n_days), unit="h")
    return pd.DataFrame({"time": times, "kp": np.round(rng.uniform(0, 3, times.size), 3)})


def write_ground(tmp_path, label_from: str, *, n_days: int = 1200, seed: int = 0):
    """Day windows, one per day; the label is a function of Kp or of the season.

    ``kp``: a random half of the days is stormy (their eight Kp values 5-9) and labelled 1;
    ``season``: label 1 in the first half of each year, Kp random and quiet throughout.
    """
    rng = np.random.default_rng(seed)
    kp = kp_frame(n_days, rng)
    starts = T0 + pd.to_timedelta(np.arange(n_days), unit="D")
    if label_from == "kp":
        label = rng.integers(0, 2, n_days)
        storm = np.repeat(label.astype(bool), 8)
        kp.loc[storm, "kp"] = np.round(rng.uniform(5, 9, storm.sum()), 3)
    else:
        label = (starts.day_of_year <= 182).astype(int)
    labels = pd.DataFrame(
        {
            "index": np.arange(n_days),
            "observatory": "TST",
            "start": iso(starts),
            "end": iso(starts + pd.Timedelta(days=1)),
            "label": label,
            "event_id": "",
        }
    )
    labels.to_csv(tmp_path / "labels.csv", index=False)
    write_kp(kp, tmp_path / "kp.csv")
    make_split(tmp_path / "labels.csv", tmp_path / "split.csv", method="chronological")
    return tmp_path / "labels.csv", tmp_path / "split.csv", tmp_path / "kp.csv"


def run_ground(tmp_path, label_from: str, name: str = "baselines.json", **kw) -> dict:
    """Baselines of back-to-back day windows; windows are independent unless ``kw`` says."""
    labels, split, kp = write_ground(tmp_path, label_from)
    options = {"block_gap_hours": None, **FAST, **kw}
    return bl.ground_baselines(
        labels, split, kp, tmp_path / name, dataset="TST", window="day", filter="none",
        kp_threshold=4, **options,
    )  # fmt: skip


def test_back_to_back_windows_are_one_block_and_prove_nothing(tmp_path):
    """Touching windows chain into one dependence block: the block permutation test cannot
    reject, however well the baseline scores, while the window-level test does."""
    blocked = run_ground(tmp_path, "kp", block_gap_hours=24)["baselines"]["kp_only"]
    assert blocked["mcc"] > 0.95
    assert blocked["permutation"]["mcc"]["n_blocks"] == 1
    assert blocked["permutation"]["mcc"]["p_value"] == 1.0
    single = run_ground(tmp_path, "kp", name="b2.json")["baselines"]["kp_only"]
    assert single["permutation"]["mcc"]["p_value"] < 0.05


# --------------------------------------------------------------------------------------
# features
# --------------------------------------------------------------------------------------
def test_kp_statistics_match_a_brute_force_count():
    rng = np.random.default_rng(3)
    kp = kp_frame(20, rng)
    kp.loc[rng.choice(len(kp), 15, replace=False), "kp"] = np.nan
    kp.loc[rng.choice(len(kp), 30, replace=False), "kp"] = 6.0
    starts = T0 + pd.to_timedelta(rng.uniform(-10, 480, 200), unit="h")
    ends = starts + pd.to_timedelta(rng.uniform(0.5, 60, 200), unit="h")
    stats = bl.kp_statistics(kp, iso(starts), iso(ends), threshold=4)
    t0, v = kp["time"], kp["kp"].to_numpy()
    for i in range(200):
        s, e = pd.Timestamp(iso([starts[i]])[0]), pd.Timestamp(iso([ends[i]])[0])
        sel = v[((t0 < e) & (t0 + pd.Timedelta(hours=3) > s)).to_numpy()]
        sel = sel[np.isfinite(sel)]
        want = [sel.max(), sel.mean(), (sel >= 4).mean()] if sel.size else [np.nan] * 3
        np.testing.assert_allclose(stats[i], want, err_msg=f"window {i}")
    assert np.isfinite(stats[:, 0]).sum() > 150  # the windows do see Kp
    np.testing.assert_array_equal(stats[:, 0], max_kp_over_windows(kp, starts, ends))


def test_date_features_are_years_and_the_annual_cycle():
    x = bl.date_features(["1971-01-01T00:00:00Z", "2021-07-02T12:00:00Z"])
    assert x[0, 0] == pytest.approx(365 / 365.25)
    np.testing.assert_allclose(x[0, 1:], [0, 1], atol=1e-12)  # day 0: sin 0, cos 1
    assert x[1, 0] == pytest.approx(51.5, abs=0.01)
    np.testing.assert_allclose(x[1, 1:], [0, -1], atol=1e-2)  # mid-year: half a cycle


# --------------------------------------------------------------------------------------
# ground: constructed confounds
# --------------------------------------------------------------------------------------
def test_a_label_made_of_kp_is_found_by_kp_only_and_not_by_the_date(tmp_path):
    r = run_ground(tmp_path, "kp")
    b = r["baselines"]
    assert r["split_method"] == "chronological" and r["n_val"] >= 200
    assert b["kp_only"]["mcc"] > 0.95 and b["kp_only"]["roc_auc"] > 0.95
    assert b["kp_only"]["permutation"]["mcc"]["p_value"] < 0.05
    assert abs(b["date_only"]["mcc"]) < 0.2 and abs(b["date_only"]["roc_auc"] - 0.5) < 0.15
    assert set(b["kp_only"]["bootstrap_ci"]) == set(bl.BINARY_METRICS)


def test_a_label_made_of_the_season_is_found_by_date_only_and_not_by_kp(tmp_path):
    b = run_ground(tmp_path, "season")["baselines"]
    assert b["date_only"]["mcc"] > 0.9 and b["date_only"]["roc_auc"] > 0.95
    assert abs(b["kp_only"]["mcc"]) < 0.2 and abs(b["kp_only"]["roc_auc"] - 0.5) < 0.15


@pytest.mark.parametrize("label_from", ["kp", "season"])
def test_chance_baselines_read_chance(tmp_path, label_from):
    r = run_ground(tmp_path, label_from)
    b = r["baselines"]
    assert b["majority"]["mcc"] == 0 and b["majority"]["roc_auc"] == 0.5
    train, val = r["class_counts"]["train"], r["class_counts"]["val"]
    majority = str(int(train["1"] > train["0"]))  # the training part's, not the val part's
    assert b["majority"]["accuracy"] == pytest.approx(val[majority] / r["n_val"])
    assert abs(b["stratified"]["mcc"]) < 0.2
    assert b["majority"]["permutation"]["mcc"]["p_value"] > 0.5


def test_a_one_class_training_part_gives_a_constant_prediction():
    y = np.zeros(10, dtype=int)
    x = np.arange(10.0)[:, None]
    for name in ("kp_only", "majority", "stratified"):
        p = bl.fit_predict_proba(
            name, x, y, x[:4], 4, n_classes=2, max_depth=3, min_samples_leaf=1, seed=0
        )
        np.testing.assert_array_equal(p, [[1, 0]] * 4)


def test_an_empty_part_is_refused_naming_the_split(tmp_path):
    labels, split, kp = write_ground(tmp_path, "kp", n_days=30)
    frame = pd.read_csv(split)
    frame["split"] = frame["split"].replace("val", "dropped")
    frame.to_csv(split, index=False)
    with pytest.raises(ValueError, match="split.csv: no val window"):
        bl.ground_baselines(
            labels, split, kp, tmp_path / "b.json", dataset="TST", window="day",
            filter="none", kp_threshold=4, **FAST,
        )  # fmt: skip


def test_the_baseline_job_never_imports_tensorflow(tmp_path):
    labels, split, kp = write_ground(tmp_path, "kp", n_days=60)
    code = (
        "import sys; sys.path.insert(0, 'scripts')\n"
        "from eqprecursors.evaluation import baselines as bl\n"
        f"bl.ground_baselines({str(labels)!r}, {str(split)!r}, {str(kp)!r}, "
        f"{str(tmp_path / 'b.json')!r}, dataset='TST', window='day', filter='none', "
        "kp_threshold=4, n_bootstrap=5, n_permutations=5, seed=0)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=600)
    assert json.loads((tmp_path / "b.json").read_text())["study"] == "ground"


# --------------------------------------------------------------------------------------
# ground: the metrics table
# --------------------------------------------------------------------------------------
def fake_run(tmp_path, run: tuple, n: int) -> tuple[str, str]:
    """metrics.json and summary.json of a run scored on ``n`` chronological windows."""
    d = tmp_path / "_".join(map(str, run))
    d.mkdir()
    metrics = {"split_method": "chronological", "n": n, "n_pos": n // 2, "accuracy": 0.6,
               "baseline_accuracy": 0.5, "mcc": 0.2, "f1": 0.6, "roc_auc": 0.62,
               "bootstrap_ci": {"accuracy": {"low": 0.5, "high": 0.7}},
               "permutation": {"accuracy": {"p_value": 0.04},
                               "roc_auc": {"p_value": 0.03}}}  # fmt: skip
    write_json(metrics, d / "metrics.json")
    write_json({"n_train": 4 * n}, d / "summary.json")
    return str(d / "metrics.json"), str(d / "summary.json")


def test_the_metrics_table_holds_the_baselines_of_every_run(tmp_path):
    kp_dir, season_dir = tmp_path / "kp", tmp_path / "season"
    kp_dir.mkdir(), season_dir.mkdir()
    kp_b = bl.ground_baselines(
        *write_ground(kp_dir, "kp"), kp_dir / "b.json", dataset="ALL", window="day",
        filter="filtered", kp_threshold=4, **FAST,
    )  # fmt: skip
    season_b = bl.ground_baselines(
        *write_ground(season_dir, "season"), season_dir / "b.json", dataset="ALL",
        window="week", filter="filtered", kp_threshold=4, **FAST,
    )  # fmt: skip
    runs = [("ALL", "day", "filtered", "adam", 100), ("ALL", "day", "filtered", "sgd", 100),
            ("ALL", "week", "filtered", "adam", 50)]  # fmt: skip
    files = [fake_run(tmp_path, r, (kp_b if r[1] == "day" else season_b)["n_val"]) for r in runs]
    labels = [gp.run_label(r) for r in runs]
    table = ground.metrics_table(
        labels, [f[0] for f in files], [f[1] for f in files], tmp_path / "m.csv",
        tmp_path / "m.md", baseline_jsons=[kp_dir / "b.json", season_dir / "b.json"],
    )  # fmt: skip
    csv = pd.read_csv(tmp_path / "m.csv")
    assert len(csv) == len(runs)
    for name in bl.GROUND_BASELINES:
        for key in ("mcc", "roc_auc", "p_mcc"):
            assert csv[bl.column(name, key)].notna().all(), bl.column(name, key)
    for i, r in enumerate(runs):
        b = (kp_b if r[1] == "day" else season_b)["baselines"]
        assert table[bl.column("kp_only", "mcc")][i] == pytest.approx(b["kp_only"]["mcc"])
        auc = b["date_only"]["roc_auc"]
        assert table[bl.column("date_only", "roc_auc")][i] == pytest.approx(auc)
    assert (table[bl.column("majority", "mcc")] == 0).all()
    md = (tmp_path / "m.md").read_text()
    for name in bl.GROUND_BASELINES:
        assert f"{bl.LABELS[name]} MCC / AUC" in md
    assert bl.column("kp_only", "mcc") not in md  # the Markdown shows pairs, the CSV all

    with pytest.raises(ValueError, match="no baselines file for split ALL/week/filtered"):
        ground.metrics_table(
            labels, [f[0] for f in files], [f[1] for f in files], tmp_path / "x.csv",
            tmp_path / "x.md", baseline_jsons=[kp_dir / "b.json"],
        )  # fmt: skip
    stale = fake_run(tmp_path, ("ALL", "day", "filtered", "adam", 1), kp_b["n_val"] + 1)
    with pytest.raises(ValueError, match="different held-out parts"):
        ground.metrics_table(
            labels[:1], [stale[0]], [stale[1]], tmp_path / "y.csv", tmp_path / "y.md",
            baseline_jsons=[kp_dir / "b.json"],
        )  # fmt: skip


# --------------------------------------------------------------------------------------
# plans
# --------------------------------------------------------------------------------------
def ground_config() -> dict:
    return {
        "ground_cnn": {
            "observatories": ["DUR", "IZN"],
            "filters": {"none": {"type": "none"}, "hp": {"type": "highpass"}},
            "labelling": {"kp_threshold": 4},
            "training": {"optimizer": "adam"},
            "evaluation": {"n_bootstrap": 7, "n_permutations": 8, "seed": 9},
            "baselines": {"max_depth": 3, "min_samples_leaf": 2},
            "experiments": {"window": "week", "sweep_dataset": "ALL", "sweep_filter": "hp",
                            "optimizers": ["adam", "sgd"], "windows": ["hour", "week"],
                            "learning_curve_fractions": [0.5, 1.0]},
        }
    }  # fmt: skip


def test_the_ground_plan_names_one_baselines_file_per_split():
    config = ground_config()
    files = gp.cnn_baseline_files(config)
    runs = gp.all_cnn_runs(config)
    assert len(files) == len(set(files)) == len({r[:3] for r in runs}) == 7
    assert {gp.baselines_path(r) for r in runs} == set(files)
    assert gp.baselines_path(("ALL", "week", "hp", "sgd", 50)) == (
        "results/ground/baselines/ALL/week_hp.json"
    )
    options = gp.ground_baseline_options(config)
    assert options == dict(kp_threshold=4, n_bootstrap=7, n_permutations=8, seed=9,
                           max_depth=3, min_samples_leaf=2)  # fmt: skip


def test_the_satellite_plan_names_the_baselines_of_each_table():
    assert sp.BASELINES_JSON == gp.SATELLITE_BASELINES_JSON
    study = {
        "datasets": {
            "01": {"satellite": "CSES", "time_of_day": "night", "sequence_length": 10,
                   "spatial_window": 3},
            "11": {"satellite": "DEMETER", "time_of_day": "night", "sequence_length": 10,
                   "spatial_window": 3},
        },
        "models": ["seqnetquake", "gbm"],
        "transfer": {"source": "11", "target": "01"},
        "split": {"train_fraction": 0.8, "guard_hours": 24},
        "kp_threshold": 3,
        "evaluation": {"n_bootstrap": 5, "n_permutations": 6, "seed": 0},
        "baselines": {"max_depth": 6, "min_samples_leaf": 10},
    }  # fmt: skip
    config = {"satellite_study": study, "satellites": {"CSES": {"source": "synthetic"},
              "DEMETER": {"source": "synthetic"}},
              "synthetic": {"injection": {"satellite": {"enabled": True}}}}  # fmt: skip
    assert sp.table_baseline_files(config, "table1_performance") == [
        "results/satellite/baselines/01.json",
        "results/satellite/baselines/11.json",
    ]
    assert sp.table_baseline_files(config, "table2_classifiers") == [
        "results/satellite/baselines/01.json"
    ]
    assert sp.baseline_options(config)["kp_threshold"] == 3


# --------------------------------------------------------------------------------------
# satellite
# --------------------------------------------------------------------------------------
def write_satellite(tmp_path, n: int = 3000, seed: int = 0):
    """Sequences of 30 s, every 20 min over ~40 days: class 1 in the northern hemisphere,
    class 0 in the southern, and class 2 when its 3-hour interval is stormy (Kp 5-9)."""
    rng = np.random.default_rng(seed)
    starts = T0 + pd.to_timedelta(20 * np.arange(n), unit="min")
    kp = kp_frame(int(np.ceil(n / 72)) + 1, rng)
    stormy = rng.random(len(kp)) < 0.2
    kp.loc[stormy, "kp"] = np.round(rng.uniform(5, 9, stormy.sum()), 3)
    interval = ((starts - T0) // pd.Timedelta(hours=3)).to_numpy()
    lat = rng.uniform(-60, 60, n)
    label = np.where(stormy[interval], 2, (lat > 0).astype(int))
    table = pd.DataFrame(
        {
            "index": np.arange(n),
            "satellite": "CSES",
            "start": iso(starts),
            "end": iso(starts + pd.Timedelta(seconds=30)),
            "latitude": lat,
            "longitude": rng.uniform(-180, 180, n),
            "label": label,
            "orbit": np.arange(n),  # one sequence per pass: independent blocks
            "event_id": "",
            "event_time": "",
        }
    )
    table.to_csv(tmp_path / "sequences.csv", index=False)
    write_kp(kp, tmp_path / "kp.csv")
    make_satellite_split(tmp_path / "sequences.csv", tmp_path / "split.csv", guard_hours=3)
    return tmp_path / "sequences.csv", tmp_path / "split.csv", tmp_path / "kp.csv"


@pytest.fixture(scope="module")
def satellite_baselines(tmp_path_factory):
    d = tmp_path_factory.mktemp("satellite")
    files = write_satellite(d)
    result = bl.satellite_baselines(
        *files, d / "baselines.json", dataset="01", kp_threshold=4, **FAST
    )
    return d, result


def test_satellite_baselines_find_the_place_and_the_storm(satellite_baselines):
    _, r = satellite_baselines
    b = r["baselines"]
    assert set(b) == set(bl.SATELLITE_BASELINES) and r["n_test"] > 300
    # place decides 0 against 1; Kp decides the storm class; the date decides nothing
    assert b["location_only"]["auc"]["1"] > 0.9 and b["location_only"]["auc"]["2"] < 0.65
    # Kp ranks class 1 above the storms, never above class 0: one-vs-rest AUC ~ 2/3, not ~1
    assert b["kp_only"]["auc"]["2"] > 0.99 and b["kp_only"]["auc"]["1"] < 0.8
    assert abs(b["date_only"]["mcc"]) < 0.15
    assert b["majority"]["mcc"] == 0
    assert b["location_only"]["permutation"]["mcc"]["p_value"] < 0.05
    assert {"weighted_f1", "mcc", "accuracy"} <= set(b["kp_only"]["bootstrap_ci"])


def write_prediction_runs(d: Path, r: dict) -> list[dict]:
    """Two models' predictions on the test part of the constructed dataset."""
    test = pd.read_csv(d / "split.csv").query("split == 'test'")["index"].to_numpy()
    y = pd.read_csv(d / "sequences.csv")["label"].to_numpy()[test]
    rng = np.random.default_rng(5)
    runs = []
    for model in ("seqnetquake", "gbm"):
        proba = rng.dirichlet(np.ones(3), y.size)
        frame = pd.DataFrame({"index": test, "y_true": y, "p0": proba[:, 0], "p1": proba[:, 1],
                              "p2": proba[:, 2], "y_pred": proba.argmax(axis=1)})  # fmt: skip
        frame.to_csv(d / f"{model}_predictions.csv", index=False)
        evaluate_predictions(d / f"{model}_predictions.csv", d / f"{model}_metrics.json", **FAST)
        runs.append(dict(key=f"01/{model}", label=sp.MODEL_LABELS[model], dataset="01",
                         model=model, mode="DT", satellite="CSES", test_part="TS1",
                         predictions_csv=str(d / f"{model}_predictions.csv"),
                         metrics_json=str(d / f"{model}_metrics.json")))  # fmt: skip
    return runs


def test_satellite_tables_show_the_baselines_beside_the_models(tmp_path, satellite_baselines):
    d, r = satellite_baselines
    runs = write_prediction_runs(d, r)
    matrix = [dict(dataset="01", satellite="CSES", time_of_day="night", sequence_length=10,
                   spatial_window="3 deg", test_part="TS1")]  # fmt: skip
    paths = [d / "baselines.json"]
    t1 = satellite_report.write_table_performance(
        runs[:1], tmp_path / "t1.csv", tmp_path / "t1.md", matrix=matrix, data_kind="synthetic",
        split_note="chronological", baselines=paths,
    )  # fmt: skip
    for name in bl.SATELLITE_BASELINES:
        assert t1[bl.column(name, "mcc")].iloc[0] == pytest.approx(r["baselines"][name]["mcc"])
        auc = r["baselines"][name]["auc"]["1"]
        assert t1[bl.column(name, "auc_1")].iloc[0] == pytest.approx(auc)
    # the test part's own chance columns stay those of the model's metrics.json
    own = json.loads(Path(runs[0]["metrics_json"]).read_text())["baselines"]["majority_class"]
    assert t1["majority_weighted_f1"].iloc[0] == pytest.approx(own["weighted_f1"])
    md = (tmp_path / "t1.md").read_text()
    assert "location-only MCC / AUC 1" in md and "confound baselines" in md

    t2 = satellite_report.write_table_classifiers(
        runs, tmp_path / "t2.csv", tmp_path / "t2.md", data_kind="synthetic",
        split_note="chronological", baselines=paths,
    )  # fmt: skip
    assert list(t2["model"]) == ["SeqNetQuake", "GBM"] + [
        f"{bl.LABELS[n]} baseline" for n in bl.SATELLITE_BASELINES
    ]
    row = t2.set_index("model").loc["location-only baseline"]
    assert row["mode"] == "baseline" and row["n_test"] == r["n_test"]
    assert row["mcc"] == pytest.approx(r["baselines"]["location_only"]["mcc"])
    assert row["auc_1"] == pytest.approx(r["baselines"]["location_only"]["auc"]["1"])

    other = dict(runs[0], dataset="02")
    matrix2 = [*matrix, dict(matrix[0], dataset="02")]
    with pytest.raises(ValueError, match="no baselines file for dataset 02"):
        satellite_report.performance_table([other], matrix2, paths)
    write_json({"study": "ground", "baselines": {}}, tmp_path / "ground.json")
    with pytest.raises(ValueError, match="ground.json: not a satellite baselines file"):
        satellite_report.load_baselines([tmp_path / "ground.json"])
