"""Three-class metrics of the satellite study on hand-computed predictions (no TensorFlow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from eqprecursors.evaluation import multiclass

# 10 sequences: 4 non-seismic, 3 pre-seismic, 3 storm.
Y = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
YHAT = np.array([0, 0, 0, 1, 1, 1, 0, 2, 2, 1])
P0 = np.array([0.7, 0.6, 0.5, 0.3, 0.2, 0.3, 0.6, 0.1, 0.1, 0.2])
P2 = np.array([0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.8, 0.7, 0.3])
PROBA = np.stack([P0, 1 - P0 - P2, P2], axis=1)


def test_hand_computed_scores():
    m = multiclass.multiclass_metrics(Y, PROBA, YHAT, n_bootstrap=50, n_permutations=50)
    # rows true, columns predicted
    assert m["confusion_matrix"]["counts"] == [[3, 1, 0], [1, 2, 0], [0, 1, 2]]
    assert m["accuracy"] == pytest.approx(0.7)
    # per-class F1: 2*3/(4+4), 2*2/(4+3), 2*2/(2+3); weights 4, 3, 3 of 10
    f1 = [0.75, 4 / 7, 0.8]
    assert [m["per_class"][str(c)]["f1"] for c in range(3)] == pytest.approx(f1)
    assert m["weighted_f1"] == pytest.approx((4 * 0.75 + 3 * 4 / 7 + 3 * 0.8) / 10)
    assert m["per_class"]["1"]["precision"] == pytest.approx(0.5)
    assert m["per_class"]["2"]["recall"] == pytest.approx(2 / 3)
    # R_K: (c n - sum p_k t_k) / sqrt((n^2 - sum p_k^2)(n^2 - sum t_k^2)),
    # predicted counts p = (4, 4, 2), true counts t = (4, 3, 3), c = 7, n = 10
    assert m["mcc"] == pytest.approx((70 - 34) / np.sqrt((100 - 36) * (100 - 34)))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(Y, YHAT))
    assert m["weighted_f1"] == pytest.approx(skm.f1_score(Y, YHAT, average="weighted"))
    rows = np.array(m["confusion_matrix"]["row_percent"])
    cols = np.array(m["confusion_matrix"]["column_percent"])
    np.testing.assert_allclose(rows[0], [75, 25, 0])
    np.testing.assert_allclose(rows[1], [100 / 3, 200 / 3, 0])
    np.testing.assert_allclose(cols[:, 1], [25, 50, 25])
    np.testing.assert_allclose(cols[:, 2], [0, 0, 100])
    assert m["class_counts"] == {"0": 4, "1": 3, "2": 3}
    assert m["predicted_counts"] == {"0": 4, "1": 4, "2": 2}


def test_one_vs_rest_auc_and_roc_points():
    m = multiclass.multiclass_metrics(Y, PROBA, YHAT, n_bootstrap=20, n_permutations=20)
    # class 2: every storm scores above every other sequence
    assert m["auc"]["2"] == pytest.approx(1.0)
    # class 0: of 4 x 6 pairs, 0.7 wins 6, 0.6 wins 5 + tie, 0.5 wins 5, 0.3 wins 4 + tie
    assert m["auc"]["0"] == pytest.approx(21 / 24)
    assert m["auc"]["0"] == pytest.approx(skm.roc_auc_score(Y == 0, P0))
    roc = m["roc"]["2"]
    assert roc["fpr"][0] == 0.0 and roc["tpr"][-1] == 1.0 and roc["fpr"][-1] == 1.0
    assert [0.0, 1.0] in [list(p) for p in zip(roc["fpr"], roc["tpr"], strict=True)]
    assert m["auc_macro"] == pytest.approx(np.mean([m["auc"][k] for k in "012"]))


def test_chance_baselines():
    y = np.repeat([0, 1, 2], [500, 300, 200])
    m = multiclass.multiclass_metrics(
        y, np.full((y.size, 3), 1 / 3), np.zeros(y.size), n_bootstrap=20, n_permutations=20
    )
    major = m["baselines"]["majority_class"]
    assert major["class"] == 0 and major["accuracy"] == pytest.approx(0.5)
    # F1 of class 0 = 2*500/(1000+500); weight 0.5
    assert major["weighted_f1"] == pytest.approx(0.5 * 1000 / 1500) and major["mcc"] == 0.0
    # always predicting the majority class *is* the majority baseline
    assert m["accuracy"] == major["accuracy"] and m["mcc"] == 0.0
    strat = m["baselines"]["stratified_random"]
    # expected accuracy and weighted F1 of stratified guessing: sum of squared shares
    assert strat["accuracy"]["mean"] == pytest.approx(0.38, abs=0.01)
    assert strat["weighted_f1"]["mean"] == pytest.approx(0.38, abs=0.01)
    assert abs(strat["mcc"]["mean"]) < 0.01
    assert strat["accuracy"]["low"] < 0.38 < strat["accuracy"]["high"]


def test_bootstrap_and_permutation():
    y = np.repeat([0, 1, 2], 20)
    perfect = np.eye(3)[y]
    m = multiclass.multiclass_metrics(y, perfect, y, n_bootstrap=200, n_permutations=99)
    for name in ("weighted_f1", "mcc", "accuracy"):
        assert m["bootstrap_ci"][name]["estimate"] == pytest.approx(1.0)
        assert m["bootstrap_ci"][name]["low"] == pytest.approx(1.0)
        # no permutation of 60 labels matches all: p = 1 / (99 + 1)
        assert m["permutation"][name]["p_value"] == pytest.approx(1 / 100)
    assert m["auc_permutation"]["1"]["p_value"] == pytest.approx(1 / 100)
    constant = multiclass.multiclass_metrics(
        y, perfect, np.zeros(60), n_bootstrap=50, n_permutations=49
    )
    # a constant prediction ties every permutation: p = (1 + 49) / 50
    assert constant["permutation"]["accuracy"]["p_value"] == 1.0
    ci = m["bootstrap_ci"]["accuracy"]
    assert ci["n_bootstrap"] == 200 and ci["level"] == 0.95


def _write_predictions(path: Path, y, proba, yhat) -> Path:
    frame = pd.DataFrame({"index": np.arange(len(y)), "y_true": y})
    for k in range(3):
        frame[f"p{k}"] = proba[:, k]
    frame["y_pred"] = yhat
    frame.to_csv(path, index=False)
    return path


def test_metrics_json_from_predictions_without_tensorflow(tmp_path):
    csv = _write_predictions(tmp_path / "predictions.csv", Y, PROBA, YHAT)
    out = tmp_path / "metrics.json"
    code = (
        "import sys; from eqprecursors.evaluation import multiclass as m; "
        f"m.evaluate_predictions({str(csv)!r}, {str(out)!r}, n_bootstrap=30, n_permutations=30,"
        " seed=1, model='rf', dataset='01'); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    )
    scripts = Path(__file__).resolve().parents[1] / "scripts"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=scripts, timeout=600)
    result = json.loads(out.read_text())
    assert result["model"] == "rf" and result["dataset"] == "01" and result["n"] == 10
    assert result["accuracy"] == pytest.approx(0.7)
    assert set(result["auc"]) == {"0", "1", "2"}


def test_malformed_predictions_name_the_file_and_line(tmp_path):
    bad = PROBA.copy()
    bad[3, 1] = np.nan
    csv = _write_predictions(tmp_path / "p.csv", Y, bad, YHAT)
    with pytest.raises(ValueError, match=r"p\.csv:5: non-finite"):
        multiclass.read_predictions(csv)
    csv = _write_predictions(tmp_path / "q.csv", np.where(Y == 2, 3, Y), PROBA, YHAT)
    with pytest.raises(ValueError, match=r"q\.csv:9: y_true = 3"):
        multiclass.read_predictions(csv)
    (tmp_path / "empty.csv").write_text("index,y_true,p0,p1,p2,y_pred\n")
    with pytest.raises(ValueError, match="empty.csv: no predictions"):
        multiclass.read_predictions(tmp_path / "empty.csv")


def test_metrics_resample_event_and_orbit_blocks_of_the_sequences(tmp_path):
    rng = np.random.default_rng(5)
    n = 60
    y = rng.integers(0, 3, n)
    proba = rng.dirichlet(np.ones(3), n)
    frame = pd.DataFrame({"index": np.arange(n) + 100, "y_true": y})
    frame[["p0", "p1", "p2"]] = proba
    frame["y_pred"] = proba.argmax(axis=1)
    frame.to_csv(tmp_path / "predictions.csv", index=False)
    sequences = pd.DataFrame(
        {
            "index": np.arange(n) + 100,
            "event_id": [f"ev{i // 10}" if i < 30 else "" for i in range(n)],
            "orbit": np.arange(n) // 5,
        }
    )
    sequences.to_csv(tmp_path / "sequences.csv", index=False)
    result = multiclass.evaluate_predictions(
        tmp_path / "predictions.csv", tmp_path / "metrics.json", n_bootstrap=20,
        n_permutations=20, seed=0, sequences_csv=tmp_path / "sequences.csv",
    )  # fmt: skip
    # 3 events of 10 sequences, then 6 passes of 5 sequences without an event
    assert result["bootstrap_ci"]["mcc"]["n_blocks"] == 9
    assert result["auc_permutation"]["1"]["resampling"] == "blocks"
    plain = multiclass.evaluate_predictions(
        tmp_path / "predictions.csv", tmp_path / "plain.json", n_bootstrap=20,
        n_permutations=20, seed=0,
    )  # fmt: skip
    assert plain["bootstrap_ci"]["mcc"]["n_blocks"] == n
    sequences.iloc[1:].to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(ValueError, match=r"predictions.csv:2: index not in"):
        multiclass.evaluate_predictions(
            tmp_path / "predictions.csv", tmp_path / "x.json", n_bootstrap=5,
            n_permutations=5, seed=0, sequences_csv=tmp_path / "short.csv",
        )  # fmt: skip
