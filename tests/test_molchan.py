"""Molchan diagram, area skill score, null bound and gain against hand cases and identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from eqprecursors.evaluation import molchan
from eqprecursors.evaluation.metrics import roc_auc

HOUR = 3_600_000_000_000


def test_hand_curve_and_ass():
    """5 bins, events in the bins scored 3 and 2 (one of the two tied 2s)."""
    c = molchan.molchan_curve([3, 2, 2, 1, 0], [1, 0, 1, 0, 0])
    np.testing.assert_allclose(c["tau"], [0, 0.2, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(c["nu"], [1, 0.5, 0, 0, 0])
    np.testing.assert_array_equal(c["thresholds"], [np.inf, 3, 2, 1, 0])
    assert c["n_events"] == 2 and c["n_event_bins"] == 2 and c["n_bins"] == 5
    # area under nu: 0.2 * (1 + 0.5) / 2 + 0.4 * (0.5 + 0) / 2 = 0.25
    assert molchan.area_skill_score(c["tau"], c["nu"]) == pytest.approx(0.75)
    # up to tau 0.4: 0.15 + 0.2 * (0.5 + 0.25) / 2 = 0.225 -> 1 - 0.225 / 0.4
    assert molchan.area_skill_score(c["tau"], c["nu"], 0.4) == pytest.approx(1 - 0.225 / 0.4)


def test_perfect_and_reversed_alarm():
    n_bins, n_ev = 1000, 10
    events = np.zeros(n_bins)
    events[:n_ev] = 1
    score = -np.arange(n_bins, dtype=float)  # event bins score highest
    perfect = molchan.molchan_curve(score, events)
    ass = molchan.area_skill_score(perfect["tau"], perfect["nu"])
    # the best possible for 10 events in 10 of 1000 bins: each event costs half its own bin
    assert ass == pytest.approx(1 - n_ev / (2 * n_bins))
    assert ass > 0.99
    reverse = molchan.molchan_curve(-score, events)
    assert molchan.area_skill_score(reverse["tau"], reverse["nu"]) == pytest.approx(
        n_ev / (2 * n_bins)
    )
    # one bin holding every event with all the weight-free rest: ASS exactly 1 in the limit
    c = molchan.molchan_curve([1.0, 0.0], [3, 0], weights=[0.0, 1.0])
    assert molchan.area_skill_score(c["tau"], c["nu"]) == pytest.approx(1.0)


def test_independent_alarm_mean_half_variance_1_over_12n():
    rng = np.random.default_rng(1)
    n_bins, n_ev, reps = 400, 8, 1500
    values = np.empty(reps)
    for i in range(reps):
        events = np.zeros(n_bins)
        events[rng.choice(n_bins, n_ev, replace=False)] = 1
        c = molchan.molchan_curve(rng.uniform(size=n_bins), events)
        values[i] = molchan.area_skill_score(c["tau"], c["nu"])
    se = math.sqrt(1 / (12 * n_ev) / reps)
    assert values.mean() == pytest.approx(0.5, abs=4 * se)
    # sampling without replacement from 400 bins shrinks the variance by (1 - 1/400) only
    assert values.var() == pytest.approx(1 / (12 * n_ev), rel=0.12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ass_equals_mann_whitney_auc(seed):
    rng = np.random.default_rng(seed)
    n = 300
    score = np.round(rng.normal(size=n), 1)  # many ties
    events = rng.poisson(0.05 + 0.1 * (score > 0.5))
    c = molchan.molchan_curve(score, events)
    ass = molchan.area_skill_score(c["tau"], c["nu"])
    # positives: one sample per event at its bin's score; negatives: every bin (the measure)
    y = np.r_[np.ones(int(events.sum())), np.zeros(n)]
    p = np.r_[np.repeat(score, events), score]
    assert ass == pytest.approx(roc_auc(y, p), abs=1e-12)
    # with a non-uniform reference measure: weighted AUC
    w = rng.uniform(0.2, 3.0, n)
    cw = molchan.molchan_curve(score, events, weights=w)
    sample_weight = np.r_[np.ones(int(events.sum())), w]
    ref = skm.roc_auc_score(y, p, sample_weight=sample_weight)
    assert molchan.area_skill_score(cw["tau"], cw["nu"]) == pytest.approx(ref, abs=1e-12)


def test_ties_do_not_change_the_result():
    rng = np.random.default_rng(4)
    score = rng.integers(0, 6, 200).astype(float)
    events = rng.poisson(0.2 * score / 5)
    w = rng.uniform(0.5, 2, 200)
    base = molchan.molchan_curve(score, events, weights=w)
    ass = molchan.area_skill_score(base["tau"], base["nu"])
    assert base["tau"].size == np.unique(score).size + 1  # one point per distinct score
    # split every bin in two halves (weight and events shared out): same curve points
    e1 = rng.binomial(events, 0.5)
    split = molchan.molchan_curve(np.r_[score, score], np.r_[e1, events - e1], np.r_[w, w] / 2)
    np.testing.assert_allclose(split["tau"], base["tau"])
    np.testing.assert_allclose(split["nu"], base["nu"])
    # breaking the ties at random moves points but not the expected area; the tie block
    # already is that expectation, so the mean over many random breaks approaches it
    broken = []
    for _ in range(400):
        c = molchan.molchan_curve(score + rng.uniform(0, 1e-6, 200), events, weights=w)
        broken.append(molchan.area_skill_score(c["tau"], c["nu"]))
    assert np.mean(broken) == pytest.approx(ass, abs=3 * np.std(broken) / 20 + 1e-9)
    assert np.std(broken) > 0


def test_null_bound_matches_binomial():
    n = 12
    tau = np.linspace(0, 1, 101)
    bound = molchan.molchan_null_bound(n, tau, alpha=0.05)
    assert bound[0] == 1.0 and bound[-1] == 0.0
    assert np.all(np.diff(bound) <= 0)
    for t, b in zip(tau, bound, strict=True):
        k = round(b * n)  # critical number of misses
        pmf = stats.binom.pmf(np.arange(n + 1), n, 1 - t)
        assert pmf[:k].sum() < 0.05 + 1e-12  # fewer misses than k: rarer than alpha
        assert pmf[: k + 1].sum() >= 0.05 - 1e-12  # k itself is not
    # hand value: N = 10, tau = 0.01: P(M <= 8) = 0.0043 < 0.05 <= P(M <= 9) = 0.096
    assert molchan.molchan_null_bound(10, 0.01) == pytest.approx(0.9)


def test_probability_gain_and_operating_point():
    # 10 bins, 4 events; top 2 bins hold 2 events: tau 0.2, nu 0.5, G = 0.5 / 0.2 = 2.5
    score = np.arange(10, 0, -1, dtype=float)
    events = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 1])
    c = molchan.molchan_curve(score, events)
    g = molchan.probability_gain(c["tau"], c["nu"])
    assert math.isnan(g[0]) and g[2] == pytest.approx(2.5) and g[-1] == pytest.approx(1.0)
    op = molchan.operating_point(c, tau=0.15)  # first point with tau >= 0.15 is tau 0.2
    assert op["tau"] == pytest.approx(0.2) and op["nu"] == pytest.approx(0.5)
    assert op["gain"] == pytest.approx(2.5) and op["threshold"] == 9.0
    assert op["p_value"] == pytest.approx(stats.binom.sf(1, 4, 0.2))
    by_threshold = molchan.operating_point(c, threshold=8.5)  # alarm where score >= 8.5
    assert by_threshold["tau"] == pytest.approx(0.2) and by_threshold["threshold"] == 9.0
    assert molchan.operating_point(c, threshold=100)["tau"] == 0.0
    with pytest.raises(ValueError, match="exactly one"):
        molchan.operating_point(c)


def test_weights_change_tau():
    score = np.array([3.0, 2.0, 1.0])
    uniform = molchan.molchan_curve(score, [1, 0, 0])
    heavy = molchan.molchan_curve(score, [1, 0, 0], weights=[8.0, 1.0, 1.0])
    np.testing.assert_allclose(uniform["tau"], [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(heavy["tau"], [0, 0.8, 0.9, 1])
    np.testing.assert_allclose(heavy["nu"], uniform["nu"])
    assert molchan.area_skill_score(heavy["tau"], heavy["nu"]) == pytest.approx(0.6)


def test_ass_null_moments_and_pvalue():
    null = molchan.ass_null(20, n_sim=20000, seed=3)
    assert null["mean"] == 0.5 and null["sd"] == pytest.approx(math.sqrt(1 / 240))
    assert null["samples"].mean() == pytest.approx(0.5, abs=0.002)
    assert null["samples"].std() == pytest.approx(null["sd"], rel=0.03)
    part = molchan.ass_null(20, tau_max=0.3, n_sim=20000, seed=3)
    assert part["samples"].mean() == pytest.approx(0.15, abs=0.003)
    assert part["samples"].std() == pytest.approx(part["sd"], rel=0.03)
    assert molchan.ass_pvalue(0.5, 20, n_sim=2000) == pytest.approx(0.5, abs=0.05)
    assert molchan.ass_pvalue(0.9, 20, n_sim=2000) == pytest.approx(1 / 2001)
    # p of independent alarms is uniform
    rng = np.random.default_rng(5)
    ps = [
        molchan.ass_pvalue(1 - rng.uniform(size=15).mean(), 15, n_sim=500, seed=i)
        for i in range(300)
    ]
    assert stats.kstest(ps, "uniform").pvalue > 0.01


def test_seismicity_weights_use_only_past_events():
    starts = np.arange(0, 10) * HOUR
    w = molchan.seismicity_rate_weights(
        starts, starts + HOUR, [-HOUR, 4 * HOUR + 1], HOUR, background=0.1
    )
    assert w.sum() == pytest.approx(1.0)
    # bins 0..4 see only the event at -1 h; bin 4 does not see its own event; bin 5 does
    assert w[5] > 3 * w[4] and w[4] < w[0]
    # moving (or removing) the event inside bin 4 cannot change the rate of bins 0..4
    raw = [
        molchan.seismicity_rate_weights(starts, starts + HOUR, ev, HOUR, background=0.0)
        for ev in ([-HOUR, 4 * HOUR + 1], [-HOUR, 4 * HOUR + HOUR // 2], [-HOUR])
    ]
    np.testing.assert_allclose(raw[0][:5] / raw[0][0], raw[1][:5] / raw[1][0])
    np.testing.assert_allclose(raw[0][:5] / raw[0][0], raw[2][:5] / raw[2][0])
    # half-Gaussian kernel: bin 1 (2 bandwidths after the event) against bin 0 (1 bandwidth)
    assert raw[2][1] / raw[2][0] == pytest.approx(math.exp(-2 + 0.5))
    # a fixed background: a bin long after every event still costs that fraction x mean rate
    far = molchan.seismicity_rate_weights(
        np.r_[0, 500 * HOUR], np.r_[HOUR, 501 * HOUR], [-HOUR], HOUR, background=0.1
    )
    assert far[1] / far[0] == pytest.approx(0.05 / 1.05)  # mean rate = r0 / 2
    with pytest.raises(ValueError, match="no catalog event precedes"):
        molchan.seismicity_rate_weights(starts, starts + HOUR, [20 * HOUR], HOUR)


def _hawkes(seed: int, n_hours: int, bandwidth: float) -> np.ndarray:
    """Background Poisson quakes, each triggering Poisson(0.8) offspring |N(0, bandwidth)| later."""
    rng = np.random.default_rng(seed)
    generation = rng.uniform(0, n_hours * HOUR, 25)
    times = [generation]
    while generation.size:
        parents = np.repeat(generation, rng.poisson(0.8, generation.size))
        generation = parents + np.abs(rng.normal(0, bandwidth, parents.size))
        generation = generation[generation < n_hours * HOUR]
        times.append(generation)
    return np.sort(np.concatenate(times)).astype(np.int64)


@pytest.mark.parametrize("seed", [0, 4])
def test_alarm_on_clustering_is_chance_under_the_seismicity_measure(seed):
    """Clustered quakes; the alarm is "many quakes in the last 12 h".  Time as the measure
    says skill, the past-seismicity measure says chance."""
    n_hours = 4000
    starts = np.arange(n_hours) * HOUR
    times = _hawkes(seed, n_hours, 6 * HOUR)
    events = molchan.count_events(starts, starts + HOUR, times)
    assert events.sum() == times.size > 100
    lo = np.searchsorted(times, starts - 12 * HOUR)
    past = (np.searchsorted(times, starts) - lo).astype(float)
    w = molchan.seismicity_rate_weights(starts, starts + HOUR, times, 6 * HOUR)
    by_time = molchan.molchan_curve(past, events)
    by_rate = molchan.molchan_curve(past, events, weights=w)
    assert molchan.area_skill_score(by_time["tau"], by_time["nu"]) > 0.8
    assert molchan.area_skill_score(by_rate["tau"], by_rate["nu"]) == pytest.approx(0.5, abs=0.06)


def test_fitted_background_without_clustering_is_about_time():
    """Poisson quakes: the fit puts almost everything in the background, so tau ~ time."""
    rng = np.random.default_rng(2)
    starts = np.arange(3000) * HOUR
    times = np.sort(rng.uniform(-100, 3000, 300) * HOUR).astype(np.int64)
    w = molchan.seismicity_rate_weights(starts, starts + HOUR, times, 6 * HOUR)
    assert np.abs(w * w.size - 1).max() < 0.25


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="NaN"):
        molchan.molchan_curve([1.0, np.nan], [0, 1])
    with pytest.raises(ValueError, match="shape"):
        molchan.molchan_curve([1.0, 2.0], [0, 1, 0])
    no_events = molchan.molchan_curve([1.0, 2.0], [0, 0])
    assert np.isnan(no_events["nu"]).all() and no_events["n_events"] == 0
    assert math.isnan(molchan.area_skill_score(no_events["tau"], no_events["nu"]))
    with pytest.raises(ValueError, match="positive integer"):
        molchan.molchan_null_bound(0, [0.5])
