"""Injection-recovery summary on constructed sweep tables with known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

from eqprecursors.evaluation.sensitivity import summarize_sensitivity, write_sensitivity_summary


def sweep(amplitudes, n_seeds, *, mcc, p, seed=0, n=200):
    """One row per amplitude x seed; ``mcc(a, rng)`` and ``p(a, rng)`` draw each point."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in amplitudes:
        for s in range(n_seeds):
            rows.append(
                {
                    "amplitude": a,
                    "seed": s,
                    "n": n,
                    "mcc": mcc(a, rng),
                    "f1": 0.5,
                    "auc": 0.5 + mcc(a, rng) / 2,
                    "p": p(a, rng),
                }
            )
    return pd.DataFrame(rows)


def logistic_p(a50, slope):
    """Detected (p = 0.001) with probability expit(slope * log(a / a50)), else p uniform(0.1, 1)."""

    def draw(a, rng):
        if a == 0:
            return rng.uniform()
        detected = rng.uniform() < special.expit(slope * math.log(a / a50))
        return 0.001 if detected else rng.uniform(0.1, 1)

    return draw


def test_clean_logistic_curve_recovers_a50_and_a90():
    amps = [0, 0.25, 0.5, 1, 2, 4, 8]
    table = sweep(amps, 60, mcc=lambda a, r: r.normal(0.05 * a, 0.05), p=logistic_p(1.5, 2.5))
    s = summarize_sensitivity(table, n_bootstrap=200, seed=1)
    fit = s["fit"]
    assert fit["A50"] == pytest.approx(1.5, rel=0.2)
    assert fit["A90"] == pytest.approx(1.5 * math.exp(math.log(9) / 2.5), rel=0.3)
    assert fit["b1"] == pytest.approx(2.5, rel=0.35)
    assert fit["A50_low"] < fit["A50"] < fit["A50_high"]
    assert fit["A50_low"] < 1.5 < fit["A50_high"]
    assert fit["A90_low"] < fit["A90"] < fit["A90_high"] and fit["fit_note"] == ""
    curve = fit["curve"]
    i = int(np.argmin(np.abs(np.log(curve["amplitude"]) - math.log(fit["A50"]))))
    assert curve["detection_probability"][i] == pytest.approx(0.5, abs=0.03)
    assert all(
        lo <= m <= hi
        for lo, m, hi in zip(
            curve["low"], curve["detection_probability"], curve["high"], strict=True
        )
    )
    rates = [r["detection_rate"] for r in s["per_amplitude"]]
    assert rates[-1] > 0.9 and rates[1] < 0.2  # the empirical detection rates follow the curve


def test_separated_sweep_is_fitted_and_flagged():
    """Never detected below 2, always at 2 and above: finite A50 between, with a note."""
    table = sweep(
        [0, 0.5, 1, 2, 4], 5, mcc=lambda a, r: 0.1 * a, p=lambda a, r: 0.001 if a >= 2 else 0.5
    )
    fit = summarize_sensitivity(table, n_bootstrap=50)["fit"]
    assert (
        1 < fit["A50"] < 2 and "complete separation between amplitudes 1 and 2" in fit["fit_note"]
    )


@pytest.mark.parametrize("p_value, state", [(0.001, "all detected"), (0.5, "none detected")])
def test_unfittable_detection_is_nan_with_a_note(p_value, state):
    table = sweep([0, 1, 2, 4], 4, mcc=lambda a, r: r.normal(0, 0.1), p=lambda a, r: p_value)
    fit = summarize_sensitivity(table, n_bootstrap=20)["fit"]
    assert math.isnan(fit["A50"]) and math.isnan(fit["b1"]) and state in fit["fit_note"]


def test_minimum_detectable_amplitude_on_a_hand_table():
    # t interval with 3 seeds: mean +- 4.303 * sd / sqrt(3)
    mccs = {
        0: [-0.05, 0.0, 0.05],  # null
        0.5: [0.3, 0.31, 0.32],  # CI above 0 -- but 1 below fails, so it is not the MDA
        1: [-0.1, 0.0, 0.1],  # CI straddles 0
        2: [0.18, 0.2, 0.22],  # CI [0.15, 0.25]: above 0
        4: [0.5, 0.6, 0.7],  # CI [0.35, 0.85]
    }
    rows = [
        {"amplitude": a, "seed": s, "n": 100, "mcc": m, "f1": 0.5, "auc": 0.6, "p": 0.5}
        for a, ms in mccs.items()
        for s, m in enumerate(ms)
    ]
    s = summarize_sensitivity(pd.DataFrame(rows), n_bootstrap=10)
    assert s["minimum_detectable_amplitude"] == 2.0
    row = next(r for r in s["per_amplitude"] if r["amplitude"] == 2.0)
    assert row["ci_method"] == "t" and row["n_seeds"] == 3
    assert row["mcc_low"] == pytest.approx(0.2 - 4.302653 * 0.02 / math.sqrt(3), rel=1e-5)
    # the top amplitude failing means nothing is detectable
    rows[-3:] = [{**r, "mcc": m} for r, m in zip(rows[-3:], [-0.2, 0.0, 0.2], strict=True)]
    assert (
        summarize_sensitivity(pd.DataFrame(rows), n_bootstrap=10)["minimum_detectable_amplitude"]
        is None
    )


def test_many_seeds_use_the_bootstrap():
    table = sweep([0, 1], 30, mcc=lambda a, r: r.normal(0.2 * a, 0.1), p=lambda a, r: r.uniform())
    row = summarize_sensitivity(table, n_bootstrap=2000)["per_amplitude"][1]
    assert row["ci_method"] == "bootstrap"
    sd = table.loc[table["amplitude"] == 1, "mcc"].std()
    assert row["mcc_high"] - row["mcc_low"] == pytest.approx(2 * 1.96 * sd / math.sqrt(30), rel=0.2)


def test_null_with_uniform_p_reads_chance():
    table = sweep(
        [0, 1], 20, mcc=lambda a, r: r.normal(0, 0.05), p=lambda a, r: r.uniform(), seed=3
    )
    s = summarize_sensitivity(table, n_bootstrap=200)
    null = s["null"]
    assert null["consistent_with_chance"] is True and null["fisher_p"] > 0.05
    assert null["mcc_low"] < 0 < null["mcc_high"] and len(null["p_values"]) == 20
    assert not any("NULL FAILS" in n for n in s["notes"])


def test_leaky_null_is_flagged():
    table = sweep(
        [0, 1, 2], 5, mcc=lambda a, r: r.normal(0.4, 0.02), p=lambda a, r: r.uniform(1e-3, 0.02)
    )
    s = summarize_sensitivity(table, n_bootstrap=50)
    assert s["null"]["consistent_with_chance"] is False and s["null"]["fisher_p"] < 1e-6
    assert any("NULL FAILS" in n and "leak" in n for n in s["notes"])
    assert any("MCC CI lies above 0" in n for n in s["notes"])


def test_missing_null_and_bad_tables_are_errors(tmp_path):
    table = sweep([1, 2], 3, mcc=lambda a, r: 0.1, p=lambda a, r: 0.5)
    with pytest.raises(ValueError, match="no amplitude-0 rows"):
        summarize_sensitivity(table)
    assert summarize_sensitivity(table, require_null=False)["null"] is None
    with pytest.raises(ValueError, match=r"lacks columns \['p'\]"):
        summarize_sensitivity(table.drop(columns="p"))
    with pytest.raises(ValueError, match="repeated"):
        summarize_sensitivity(pd.concat([table, table]), require_null=False)
    bad = tmp_path / "bad.csv"
    table.drop(columns="mcc").to_csv(bad, index=False)
    with pytest.raises(ValueError, match="bad.csv"):
        write_sensitivity_summary(bad, tmp_path / "s.json")


def test_file_wrapper_writes_json_and_markdown(tmp_path):
    table = sweep(
        [0, 0.5, 1, 2, 4], 6, mcc=lambda a, r: r.normal(0.1 * a, 0.03), p=logistic_p(1, 3)
    )
    csv = tmp_path / "ground.csv"
    table.to_csv(csv, index=False)
    out = write_sensitivity_summary(
        csv, tmp_path / "s.json", tmp_path / "s.md", unit="nT", n_bootstrap=30
    )
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["minimum_detectable_amplitude"] == out["minimum_detectable_amplitude"]
    assert [r["amplitude"] for r in saved["per_amplitude"]] == [0, 0.5, 1, 2, 4]
    assert saved["unit"] == "nT" and saved["null"]["n_seeds"] == 6
    md = (tmp_path / "s.md").read_text()
    assert "Minimum detectable amplitude" in md and "nT" in md and "Fisher p" in md
    assert md.count("\n| ") >= 5  # header + one row per amplitude


def test_a_near_flat_bootstrap_slope_gives_infinite_amplitudes_not_an_overflow():
    from eqprecursors.evaluation.sensitivity import _amplitudes_at

    a50, a90 = _amplitudes_at(-5.0, 1e-6)  # exp(5e6) overflows a float
    assert a50 == math.inf and a90 == math.inf
    a50, a90 = _amplitudes_at(0.0, 1.0)
    assert a50 == pytest.approx(1.0) and a90 == pytest.approx(9.0)
