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


def _duplicated(k: int = 5, n: int = 60, seed: int = 3):
    """n independent windows, each copied k times (near-duplicate aftershock windows)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.clip(0.35 * y + rng.uniform(0, 0.65, n), 0, 1)
    ids = rng.permutation(n) * 7 + 100  # arbitrary, unsorted block ids
    return y, p, np.repeat(y, k), np.repeat(p, k), np.repeat(ids, k)


@pytest.mark.parametrize("metric", ["accuracy", "mcc", "roc_auc"])
def test_block_bootstrap_of_duplicates_is_the_bootstrap_of_the_originals(metric):
    y, p, yk, pk, blocks = _duplicated()
    naive = evaluation.bootstrap_ci(yk, pk, metric, n=400, seed=5)
    block = evaluation.bootstrap_ci(yk, pk, metric, n=400, seed=5, blocks=blocks)
    dedup = evaluation.bootstrap_ci(y, p, metric, n=400, seed=5)
    assert naive["resampling"] == "samples" and naive["n_blocks"] == yk.size
    assert block["resampling"] == "blocks" and block["n_blocks"] == y.size
    assert block["estimate"] == pytest.approx(naive["estimate"])
    # five copies shrink the naive CI by ~sqrt(5); the block CI does not fall for it
    assert block["high"] - block["low"] > 1.6 * (naive["high"] - naive["low"])
    assert block["low"] == pytest.approx(dedup["low"]) and block["high"] == pytest.approx(
        dedup["high"]
    )


def test_block_bootstrap_mixed_sizes_draws_whole_blocks():
    """A metric that sees the resample itself: every block is present entirely or not at all."""
    blocks = np.array([4, 4, 4, 9, 2, 2, 7, 7, 7, 7])
    seen = []

    def record(y, p):
        seen.append(p.copy())
        return 0.0

    evaluation.bootstrap_ci(np.zeros(10, int), np.arange(10.0), record, n=50, blocks=blocks)
    members = {b: set(np.flatnonzero(blocks == b)) for b in set(blocks)}
    for idx in seen[:-1]:  # the last call is the point estimate
        idx = idx.astype(int)
        values, counts = np.unique(idx, return_counts=True)
        for b, m in members.items():
            c = {int(counts[values == i][0]) if i in values else 0 for i in m}
            assert len(c) == 1, (b, idx)  # all members drawn equally often
    assert {len(s) for s in seen[:-1]} != {10}  # sizes vary: blocks, not samples, are drawn


def test_block_permutation_with_singletons_is_the_sample_test():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 80)
    p = np.clip(0.2 * y + rng.uniform(0, 0.8, 80), 0, 1)
    old = evaluation.permutation_pvalue(y, p, "mcc", n=199, seed=11)
    for ids in (np.arange(80), rng.permutation(80) + 1000):
        new = evaluation.permutation_pvalue(y, p, "mcc", n=199, seed=11, blocks=ids)
        assert new["p_value"] == old["p_value"]
        assert new["resampling"] == "blocks" and new["n_blocks"] == 80
    assert old["resampling"] == "samples"


def test_block_permutation_moves_label_vectors_between_equal_blocks():
    """Labels move only as whole vectors between blocks of the same size."""
    blocks = np.array([0, 0, 1, 1, 2, 2, 3, 4, 5, 5, 5])
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1])
    seen = []

    def record(yy, p):
        seen.append(yy.copy())
        return 0.0

    evaluation.permutation_pvalue(y, np.zeros(11), record, n=60, seed=0, blocks=blocks)
    pairs = {tuple(y[blocks == b]) for b in (0, 1, 2)}
    for yy in seen[1:]:
        assert {tuple(yy[blocks == b]) for b in (0, 1, 2)} == pairs
        assert sorted(yy[[6, 7]]) == [0, 1]
        assert tuple(yy[blocks == 5]) == (0, 1, 1)  # the only block of size 3 stays
    assert len({tuple(s) for s in seen[1:]}) > 3


def test_block_permutation_of_duplicates_is_not_fooled():
    """8 copies of 30 weakly informative windows: only the sample-level test says p < 0.05."""
    rng = np.random.default_rng(2)
    y = np.array([0, 1] * 15)
    p = 0.15 * y + rng.uniform(0, 1, 30)
    yk, pk, blocks = np.repeat(y, 8), np.repeat(p, 8), np.repeat(np.arange(30), 8)
    dedup = evaluation.permutation_pvalue(y, p, "roc_auc", n=499, seed=2)["p_value"]
    naive = evaluation.permutation_pvalue(yk, pk, "roc_auc", n=499, seed=2)["p_value"]
    block = evaluation.permutation_pvalue(yk, pk, "roc_auc", n=499, seed=2, blocks=blocks)
    assert naive < 0.05 < dedup
    # equal-size blocks of copies: the block test is the test of the de-duplicated windows
    assert block["p_value"] == dedup and block["n_blocks"] == 30


def test_blocks_must_match_samples():
    with pytest.raises(ValueError, match="blocks has shape"):
        evaluation.bootstrap_ci(Y, P, "mcc", n=5, blocks=[0, 1])
    with pytest.raises(ValueError, match="permutation_pvalue"):
        evaluation.permutation_pvalue(Y, P, "mcc", n=5, blocks=np.zeros(3))
