"""Optimism of selecting on the test set: the selection logic on hand-made trial results,
and a tiny tuned GBM whose trials are refitted (no TensorFlow): the refit of the chosen
trial reproduces the final model's test score, and the best test score is the maximum over
independently recomputed per-trial scores."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from eqprecursors.evaluation import multiclass
from eqprecursors.satellite import optimism, parts, plan, training, tuning


def trial(number, value, wf1, mcc=None, acc=None):
    test = {} if wf1 is None else {"weighted_f1": wf1, "mcc": mcc or wf1, "accuracy": acc or wf1}
    return {"number": number, "value": value, "test": test}


FAKE = [
    trial(0, 0.50, 0.60, mcc=0.30),
    trial(1, 0.70, 0.55, mcc=0.40),  # best inner validation (ties go to the lower number)
    trial(2, math.nan, 0.80, mcc=0.10),  # FAIL on the inner fit, refit scored
    trial(3, math.nan, None),  # PRUNED: never refitted
    trial(4, 0.70, 0.90, mcc=0.20),
]


def test_selection_picks_the_inner_choice_and_the_best_test_score():
    out = optimism.select(FAKE, chosen=1)
    assert out["honest_trial"] == 1
    wf1 = out["by_metric"]["weighted_f1"]
    assert (wf1["honest"], wf1["selected_on_test"], wf1["selected_trial"]) == (0.55, 0.90, 4)
    assert wf1["optimism"] == pytest.approx(0.35)
    assert wf1["n_scored"] == 4 and wf1["honest_rank"] == 4
    assert wf1["mean_over_trials"] == pytest.approx(np.mean([0.60, 0.55, 0.80, 0.90]))
    mcc = out["by_metric"]["mcc"]  # each metric selects its own trial
    assert (mcc["selected_trial"], mcc["optimism"]) == (1, 0.0)
    # permuting the trials changes nothing
    again = optimism.select(FAKE[::-1], chosen=1)
    assert again == out


def test_selection_ties_and_errors():
    tied = [trial(0, 0.5, 0.7), trial(1, 0.5, 0.7)]
    out = optimism.select(tied)
    assert out["honest_trial"] == 0 and out["by_metric"]["weighted_f1"]["selected_trial"] == 0
    assert out["by_metric"]["weighted_f1"]["optimism"] == 0
    with pytest.raises(ValueError, match="best.json chose trial 4"):
        optimism.select(FAKE, chosen=4)
    with pytest.raises(ValueError, match="none completed"):
        optimism.select([trial(0, math.nan, 0.5)])
    with pytest.raises(ValueError, match="trial 0 .the chosen one. has no test weighted_f1"):
        optimism.select([trial(0, 0.5, None), trial(1, 0.4, 0.9)])


T = 10


def write_dataset(d, n=240, seed=0):
    """sequences.npy / sequences.csv / split.csv: a weak class signal, first 75 % train."""
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True)
    y = rng.choice(3, size=n, p=[0.45, 0.35, 0.2])
    x = rng.normal(size=(n, T, 2))
    x[:, :, 0] += 0.6 * (y == 1)[:, None]
    x[:, :, 1] += 0.6 * (y == 2)[:, None]
    np.save(d / "sequences.npy", x.astype(np.float32))
    start = pd.Timestamp("2019-01-01", tz="UTC") + pd.to_timedelta(10 * np.arange(n), unit="min")
    meta = {"index": np.arange(n), "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "label": y}
    pd.DataFrame(meta).to_csv(d / "sequences.csv", index=False)
    split = np.where(np.arange(n) < 0.75 * n, "train", "test")
    pd.DataFrame({"index": np.arange(n), "split": split}).to_csv(d / "split.csv", index=False)
    return d


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """A 4-trial GBM study, the final model, and the optimism measurement."""
    root = tmp_path_factory.mktemp("optimism")
    d = write_dataset(root / "ds")
    settings = dict(trials=4, seed=3, inner_validation_fraction=0.25, max_estimators=10)
    best = tuning.tune(d, "gbm", root / "tuning", **settings)
    model_dir = root / "model"
    training.train_and_predict(
        d,
        root / "tuning/best.json",
        "gbm",
        model_dir / "model.joblib",
        model_dir / "predictions.csv",
        seed=3,
    )
    result = optimism.measure(
        d,
        root / "tuning/best.json",
        root / "tuning/trials.csv",
        model_dir / "predictions.csv",
        "gbm",
        root / "optimism.json",
        seed=3,
        context={"dataset": "01"},
    )
    return root, d, best, result


def test_refit_of_the_chosen_trial_is_the_final_model(tuned):
    root, _, best, result = tuned
    assert json.loads((root / "optimism.json").read_text())["optimism"] == result["optimism"]
    assert result["honest_trial"] == best["number"]
    assert result["n_trials"] == result["n_refit"] == result["n_scored"] == 4
    final = result["final_model"]
    frame = multiclass.read_predictions(root / "model/predictions.csv")
    final_wf1 = multiclass.weighted_f1(frame["y_true"], frame["y_pred"])  # other implementation
    assert final["weighted_f1"] == pytest.approx(final_wf1)
    assert result["honest"] == final["weighted_f1"]  # same parameters, seed, data: identical
    assert final["prediction_agreement"] == 1.0
    assert all(v == 0 for v in final["honest_minus_final"].values())


def test_selected_on_test_is_the_best_refitted_trial(tuned):
    _, d, best, result = tuned
    trials = pd.read_csv(d.parent / "tuning/trials.csv")
    rows = {r["number"]: r for r in result["trials"]}
    assert sorted(rows) == trials["number"].tolist()
    assert [rows[n]["inner_validation"] for n in trials["number"]] == pytest.approx(
        trials["value"].tolist()
    )
    # one trial refitted here by hand, scored by the evaluation room's implementation
    study_best, study = optimism.study_trials(
        d.parent / "tuning/best.json", d.parent / "tuning/trials.csv"
    )
    other = next(t for t in study if t["number"] != best["number"])
    train, test = (parts.load_part(d, p) for p in ("train", "test"))
    proba, _, _ = training.fit_predict("gbm", other["params"], train, test.x, n_steps=None, seed=3)
    wf1 = multiclass.weighted_f1(test.y, proba.argmax(axis=1))
    assert rows[other["number"]]["test"]["weighted_f1"] == pytest.approx(wf1)
    scores = [r["test"]["weighted_f1"] for r in result["trials"]]
    assert result["selected_on_test"] == max(scores)
    assert result["optimism"] == pytest.approx(max(scores) - result["honest"])
    assert result["optimism"] >= 0 and study_best["number"] == best["number"]


def test_a_stale_trials_csv_is_refused(tuned, tmp_path):
    root, _, _, _ = tuned
    stale = tmp_path / "trials.csv"
    pd.read_csv(root / "tuning/trials.csv").iloc[:-1].to_csv(stale, index=False)
    with pytest.raises(ValueError, match="disagree .3 and 4 trials."):
        optimism.study_trials(root / "tuning/best.json", stale)


def test_table_holds_the_measurements(tuned, tmp_path):
    root, _, _, result = tuned
    table = optimism.write_table_optimism(
        [root / "optimism.json"],
        tmp_path / "t.csv",
        tmp_path / "t.md",
        labels=plan.MODEL_LABELS,
        trials=4,
        data_kind="synthetic",
        split_note="chronological split",
    )
    back = pd.read_csv(tmp_path / "t.csv", dtype={"dataset": str})
    assert back["dataset"].tolist() == ["01"] and back["model"].tolist() == ["gbm"]
    for m in optimism.METRICS:
        b = result["by_metric"][m]
        assert back[f"{m}_optimism"].iloc[0] == pytest.approx(b["optimism"])
        assert back[f"{m}_honest"].iloc[0] == pytest.approx(b["honest"])
    md = (tmp_path / "t.md").read_text()
    assert "GBM" in md and "4 trials per study" in md and len(table) == 1
    with pytest.raises(ValueError, match="satellite_study.optimism is empty"):
        optimism.optimism_table([])


def test_plan_measures_the_configured_pairs():
    row = {"satellite": "CSES", "time_of_day": "night", "sequence_length": 10}
    config = {
        "satellite_study": {
            "catalogs": {"CSES": {"source": "local"}},
            "datasets": {"01": {**row, "spatial_window": 3}, "02": {**row, "spatial_window": 5}},
            "models": ["seqnetquake", "rf"],
            "transfer": {"source": "02", "target": "01"},
            "tuning": {"trials": 3},
            "split": {"train_fraction": 0.8, "guard_hours": 24},
            "optimism": {"datasets": None, "models": ["seqnetquake", "gbm"]},
        },
        "satellites": {"CSES": {"source": "synthetic"}},
        "synthetic": {"injection": {"satellite": {"enabled": True}}},
    }
    assert plan.optimism_pairs(config) == [("01", "seqnetquake")]  # gbm is not tuned here
    assert plan.optimism_files(config) == ["results/satellite/optimism/01/seqnetquake.json"]
    assert plan.table_file(plan.OPTIMISM_TABLE, "md") in plan.targets(config)
    assert plan.optimism_kwargs(config)["trials"] == 3
    plan.check_config(config)
    config["satellite_study"]["optimism"]["datasets"] = ["02", "01"]
    assert [d for d, _ in plan.optimism_pairs(config)] == ["02", "01"]
    config["satellite_study"]["optimism"]["datasets"] = ["05"]
    with pytest.raises(ValueError, match="satellite_study.optimism.datasets: no dataset '05'"):
        plan.check_config(config)
    config["satellite_study"]["optimism"]["models"] = []
    assert plan.table_file(plan.OPTIMISM_TABLE, "md") not in plan.targets(config)
