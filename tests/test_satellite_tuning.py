"""Tuning reads only the training part; a tiny tuned, trained, transferred and evaluated run.

The datasets are hand-made in the label/split output format (sequences.npy, sequences.csv,
split.csv): T = 20 sequences of [ne, te] in physical units with a planted class signal
(pre-seismic: an Ne bump mid-sequence; storm: Te raised), rows in chronological order, the
first 80 % train, two guard rows dropped, the rest test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eqprecursors.evaluation import multiclass
from eqprecursors.satellite import parts, training, transfer, tuning

T = 20
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def write_dataset(d: Path, *, n=300, seed=0, ne=1e4, te=2000.0, satellite="CSES") -> Path:
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True, exist_ok=True)
    y = rng.choice(3, size=n, p=[0.4, 0.35, 0.25])
    t = np.arange(T)
    x_ne = ne * (1 + 0.05 * rng.normal(size=(n, T)))
    x_te = te * (1 + 0.03 * rng.normal(size=(n, T)))
    x_ne[y == 1] *= 1 + 0.3 * np.exp(-(((t - T / 2) / (T / 6)) ** 2))
    x_te[y == 2] *= 1.25
    np.save(d / "sequences.npy", np.stack([x_ne, x_te], axis=-1).astype(np.float32))
    start = pd.Timestamp("2019-01-01", tz="UTC") + pd.to_timedelta(10 * np.arange(n), unit="min")
    iso = "%Y-%m-%dT%H:%M:%SZ"
    pd.DataFrame(
        {
            "index": np.arange(n),
            "satellite": satellite,
            "start": start.strftime(iso),
            "end": (start + pd.Timedelta(seconds=1.5 * (T - 1))).strftime(iso),
            "latitude": 10.0,
            "longitude": 20.0,
            "local_time": 2.0,
            "orbit": 100 + np.arange(n) // 10,
            "label": y,
            "event_id": np.where(y == 1, "ev", ""),
            "magnitude": np.where(y == 1, 5.5, np.nan),
            "distance_deg": np.where(y == 1, 1.0, np.nan),
            "max_kp": np.where(y == 2, 5.0, 1.0),
        }
    ).to_csv(d / "sequences.csv", index=False)
    n_train = int(0.8 * n)
    split = np.array(["train"] * n_train + ["dropped"] * 2 + ["test"] * (n - n_train - 2))
    pd.DataFrame({"index": np.arange(n), "split": split}).to_csv(d / "split.csv", index=False)
    return d


def lock_test_part(src: Path, dst: Path) -> Path:
    """A copy in which nothing after the training part can be read: sequences.npy ends
    after the last training row, and sequences.csv has no row of the other parts."""
    shutil.copytree(src, dst)
    split = pd.read_csv(dst / "split.csv")
    train = split.loc[split["split"] == "train", "index"].to_numpy()
    assert (train == np.arange(train.size)).all()  # chronological: train rows come first
    shape, dtype, offset = parts.npy_header(dst / "sequences.npy")
    with open(dst / "sequences.npy", "r+b") as fh:
        fh.truncate(offset + train.size * int(np.prod(shape[1:])) * dtype.itemsize)
    meta = pd.read_csv(dst / "sequences.csv")
    meta[meta["index"].isin(train)].to_csv(dst / "sequences.csv", index=False)
    return dst


TUNING = {
    "trials": 2,
    "seed": 0,
    "inner_validation_fraction": 0.2,
    "n_steps": {"20": 2},
    "max_epochs": 10,
    "max_units": 64,
    "max_estimators": 50,
    "fixed": {
        "seqnetquake": {
            "scale": 1,
            "normalize": 0,
            "batch_size": 20,
            "activation_cnn": "relu",
            "activation_fc": "relu",
            "dropout": 0.25,
            "num_lstm_layers": 1,
        }
    },
}


def test_load_part_and_inner_validation(tmp_path):
    d = write_dataset(tmp_path / "ds", n=50)
    train, test = parts.load_part(d, "train"), parts.load_part(d, "test")
    assert (len(train), len(test)) == (40, 8)
    assert train.index.tolist() == list(range(40)) and test.index[0] == 42
    fit, val = parts.chronological_holdout(train, 0.2)
    assert fit.index.tolist() == list(range(32)) and val.index.tolist() == list(range(32, 40))
    assert val.start_ns.min() > fit.start_ns.max()
    np.testing.assert_array_equal(train.x, np.load(d / "sequences.npy")[:40])


def test_tuning_never_reads_the_test_part(tmp_path):
    """Tuning runs on a dataset whose test part does not exist on disk (and without TF)."""
    locked = lock_test_part(write_dataset(tmp_path / "ds"), tmp_path / "locked")
    with pytest.raises(ValueError, match="cannot map rows"):
        parts.read_rows(locked / "sequences.npy", [250])
    with pytest.raises(ValueError, match="sequences.csv: 0 rows for the 58 'test' sequences"):
        parts.load_part(locked, "test")
    out = tmp_path / "tuning"
    code = (
        "import sys, json; from eqprecursors.satellite import tuning; "
        f"tuning.tune({str(locked)!r}, 'rf', {str(out)!r}, **json.loads(sys.argv[1])); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    )
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(TUNING)], check=True, cwd=SCRIPTS, timeout=600
    )
    trials = pd.read_csv(out / "trials.csv")
    assert trials["number"].tolist() == [0, 1] and set(trials["state"]) == {"COMPLETE"}
    assert {"value", "n_estimators", "max_depth", "state", "duration_s"} <= set(trials)
    assert trials["n_estimators"].max() <= 50  # max_estimators caps the authors' 2..298
    best = json.loads((out / "best.json").read_text())
    assert best["value"] == trials["value"].max() and best["n_trials"] == 2
    assert (best["n_fit"], best["n_validation"]) == (192, 48)
    assert any("test set" in d for d in best["departures"])
    # a second worker on the same study adds nothing; more trials resume the same study
    again = tuning.run_worker(
        locked, "rf", out / "study.journal", out / "w1.json", worker=1, workers=2, **TUNING
    )
    assert again["trials_run"] == [] and again["study_name"] == best["study_name"]
    more = tuning.run_worker(
        locked, "rf", out / "study.journal", out / "w2.json", **dict(TUNING, trials=3)
    )
    assert more["trials_run"] == [2] and more["n_finished"] == 3
    # another search space is another study in the same journal
    other = tuning.run_worker(
        locked, "rf", out / "study.journal", out / "w3.json", **dict(TUNING, max_estimators=20)
    )
    assert other["study_name"] != best["study_name"] and other["trials_run"] == [0, 1]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """DEMETER-like source and CSES-like target; SeqNetQuake tuned on a locked source copy
    (the target reuses those parameters: one tuning keeps the test short)."""
    root = tmp_path_factory.mktemp("satellite")
    src = write_dataset(root / "11", seed=1, ne=3e4, te=1800.0, satellite="DEMETER")
    tgt = write_dataset(root / "01", seed=2, n=240, ne=1e4, te=2400.0)
    out = root / "tuning"
    tuning.tune(lock_test_part(src, root / "locked"), "seqnetquake", out, **TUNING)
    return {"root": root, "source": src, "target": tgt, "best": out / "best.json"}


def _evaluate(predictions, out):
    return multiclass.evaluate_predictions(
        predictions, out, n_bootstrap=100, n_permutations=100, seed=0
    )


def test_tiny_tuned_and_transferred_run(study):
    root = study["root"]
    best = json.loads(study["best"].read_text())
    assert best["n_steps"] == 2 and best["params"]["nb_epochs"] == 10
    assert best["params"]["units_lstm_layers"] == 64 and best["params"]["scale"] == 1
    trials = pd.read_csv(study["best"].with_name("trials.csv"))
    assert len(trials) == 2 and {"num_filters_cnn", "size_kernel_cnn"} <= set(trials)

    models = {}
    for name in ("source", "target"):
        d = root / "models" / name
        summary = training.train_and_predict(
            study[name],
            study["best"],
            "seqnetquake",
            d / "model.keras",
            d / "predictions.csv",
            seed=0,
            summary_json=d / "summary.json",
        )
        assert summary["n_train"] == {"source": 240, "target": 192}[name]
        models[name] = _evaluate(d / "predictions.csv", d / "metrics.json")
    assert (root / "models/source/preprocessing.json").is_file()

    tl, it, dt = (root / "transfer" / m for m in ("TL", "IT", "DT"))
    transfer.initial(root / "models/source/model.keras", study["target"], it / "predictions.csv")
    tl_summary = transfer.fine_tune(
        root / "models/source/model.keras",
        study["best"],
        study["source"],
        study["target"],
        tl / "model.keras",
        tl / "predictions.csv",
        seed=0,
    )
    assert tl_summary["frozen_layers"] == [] and tl_summary["n_train"] == 192
    transfer.direct(root / "models/target/predictions.csv", dt / "predictions.csv")
    scores = {
        m: _evaluate(root / "transfer" / m / "predictions.csv", root / m)
        for m in "TL IT DT".split()
    }

    preds = pd.read_csv(tl / "predictions.csv")
    assert list(preds.columns) == ["index", "y_true", "p0", "p1", "p2", "y_pred"]
    assert len(preds) == 46 and preds["index"].min() == 194  # TS1 only
    np.testing.assert_allclose(preds[["p0", "p1", "p2"]].sum(axis=1), 1, atol=1e-4)
    assert (preds["y_pred"] == preds[["p0", "p1", "p2"]].to_numpy().argmax(axis=1)).all()
    # the planted signal is found: clearly above both chance baselines, significant
    for result in (models["source"], models["target"], scores["TL"], scores["DT"]):
        chance = result["baselines"]["stratified_random"]["weighted_f1"]["high"]
        assert result["weighted_f1"] > max(0.7, chance + 0.2), result["weighted_f1"]
        assert result["permutation"]["mcc"]["p_value"] < 0.05
    assert scores["DT"]["weighted_f1"] == models["target"]["weighted_f1"]
    # IT: the DEMETER-scaled model on CSES levels, as is; it is scored, not required to work
    assert 0 <= scores["IT"]["accuracy"] <= 1


def test_unbuildable_draws_are_pruned_and_reported(tmp_path):
    """T = 20 in 4 sub-sequences of 5: four kernel-3 convolutions cannot be built."""
    d = write_dataset(tmp_path / "ds", n=60)
    pins = {"seqnetquake": {"num_cnn_layers": 4, "size_kernel_cnn": 3}}
    settings = dict(TUNING, n_steps={"20": 4}, fixed=pins)
    with pytest.raises(ValueError, match=r"no trial .* completed \(\{'PRUNED': 2\}.*n_steps"):
        tuning.tune(d, "seqnetquake", tmp_path / "tuning", **settings)
    trials = pd.read_csv(tmp_path / "tuning" / "trials.csv")
    assert trials["state"].tolist() == ["PRUNED", "PRUNED"]
    assert trials["error"].str.contains("leave -3 of 5 samples").all()
