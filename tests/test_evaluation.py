"""Evaluation metrics on hand-computed predictions, bootstrap and permutation tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn import metrics as skm

from eqprecursors.evaluation import metrics as evaluation

# 10 windows: 4 earthquakes, 6 quiet.  Predictions: TP=3, FN=1, FP=1, TN=5
Y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
P = np.array([0.9, 0.8, 0.7, 0.4, 0.6, 0.3, 0.2, 0.1, 0.05, 0.35])


def test_hand_computed_metrics():
    m = evaluation.classification_metrics(Y, P)
    assert m["confusion_matrix"] == [[5, 1], [1, 3]]
    assert m["accuracy"] == pytest.approx(0.8)
    assert m["baseline_accuracy"] == pytest.approx(0.6) and m["majority_class"] == 0
    assert m["class_ratio_pos"] == pytest.approx(0.4)
    # MCC = (3*5 - 1*1) / sqrt(4 * 4 * 6 * 6) = 14 / 24
    assert m["mcc"] == pytest.approx(14 / 24)
    # F1 = 2*3 / (2*3 + 1 + 1)
    assert m["f1"] == pytest.approx(0.75)
    # AUC: positive/negative pairs ranked correctly: 0.9,0.8,0.7 beat all 6 (18);
    # 0.4 beats 0.3,0.2,0.1,0.05,0.35 (5) -> 23 / 24
    assert m["roc_auc"] == pytest.approx(23 / 24)
    assert m["balanced_accuracy"] == pytest.approx((3 / 4 + 5 / 6) / 2)
    two_col = np.stack([1 - P, P], axis=1)
    assert evaluation.classification_metrics(Y, two_col)["mcc"] == pytest.approx(14 / 24)


def test_constant_predictor_equals_class_ratio():
    """The paper's situation: accuracy == baseline, MCC 0, AUC 0.5."""
    y = np.array([0] * 70 + [1] * 30)
    m = evaluation.classification_metrics(y, np.full(100, 0.2))
    assert m["accuracy"] == m["baseline_accuracy"] == pytest.approx(0.7)
    assert m["mcc"] == 0.0 and m["f1"] == 0.0 and m["roc_auc"] == pytest.approx(0.5)
    pv = evaluation.permutation_pvalue(y, np.full(100, 0.2), "accuracy", n=99, seed=0)
    assert pv["p_value"] == 1.0


def test_one_class_is_nan_safe():
    m = evaluation.classification_metrics(np.zeros(5, int), np.linspace(0, 1, 5))
    assert math.isnan(m["roc_auc"]) and m["baseline_accuracy"] == 1.0
    ci = evaluation.bootstrap_ci(np.zeros(5, int), np.linspace(0, 1, 5), "roc_auc", n=20)
    assert math.isnan(ci["low"]) and ci["n_undefined"] == 20
    pv = evaluation.permutation_pvalue(np.zeros(5, int), np.linspace(0, 1, 5), "roc_auc", n=9)
    assert math.isnan(pv["p_value"])


@settings(max_examples=50, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 1), st.floats(0, 1, allow_nan=False)), min_size=2, max_size=40
    )
)
def test_fast_metrics_match_sklearn(data):
    y = np.array([d[0] for d in data])
    p = np.array([d[1] for d in data])
    ref = evaluation.classification_metrics(y, p)
    for name in ("accuracy", "mcc", "f1"):
        fast = evaluation.METRICS[name](y, p)
        assert fast == pytest.approx(ref[name], nan_ok=True, abs=1e-12)
    if 0 < y.sum() < y.size:
        assert evaluation.roc_auc(y, p) == pytest.approx(skm.roc_auc_score(y, p))
        bal = skm.balanced_accuracy_score(y, (p > 0.5).astype(int))
        assert evaluation.balanced_accuracy(y, p) == pytest.approx(bal)


def test_bootstrap_ci_contains_estimate_and_is_seeded():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(y * 0.3 + rng.uniform(0, 0.7, 200), 0, 1)
    a = evaluation.bootstrap_ci(y, p, "accuracy", n=300, seed=1)
    b = evaluation.bootstrap_ci(y, p, "accuracy", n=300, seed=1)
    assert a == b
    assert a["low"] < a["estimate"] < a["high"]
    # percentile CI of a proportion ~ +-1.96 sqrt(p(1-p)/n)
    half = 1.96 * math.sqrt(a["estimate"] * (1 - a["estimate"]) / 200)
    assert a["high"] - a["low"] == pytest.approx(2 * half, rel=0.25)


def test_permutation_perfect_predictor_small_p():
    y = np.array([0, 1] * 25)
    pv = evaluation.permutation_pvalue(y, y * 0.8 + 0.1, "mcc", n=199, seed=0)
    assert pv["observed"] == pytest.approx(1.0)
    assert pv["p_value"] == pytest.approx(1 / 200)


def test_permutation_random_predictor_uniform_p():
    rng = np.random.default_rng(42)
    pvals = []
    for _ in range(200):
        y = rng.integers(0, 2, 60)
        pvals.append(
            evaluation.permutation_pvalue(
                y, rng.uniform(size=60), "roc_auc", n=99, seed=int(rng.integers(1 << 30))
            )["p_value"]
        )
    pvals = np.array(pvals)
    assert stats.kstest(pvals, "uniform").pvalue > 0.01
    assert 0.01 <= np.mean(pvals < 0.05) <= 0.12
    assert 0.4 < pvals.mean() < 0.6
