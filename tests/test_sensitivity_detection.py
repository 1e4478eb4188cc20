"""Detection end to end: inject -> label -> train -> evaluate finds a strong precursor and
reads chance without one.

The default sweep's own steps (the functions rules/sensitivity.smk calls, with the options
eqprecursors.evaluation.sensitivity_plan builds from config/config.yaml: one synthetic year,
day windows), with 10 epochs and fewer resamples. One seed, two points: a strong precursor
(30 nT at the epicentre) must beat the majority, Kp-only and date-only baselines with
permutation p < 0.05; zero injection must read chance (p > 0.05). A pipeline that leaks (a
storm confound, a filter that sees the future, quiet windows that hold the precursor) fails
the null; one that drops the signal (an unfiltered or misaligned window) fails the detection.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from eqprecursors.evaluation import sensitivity_options as so
from eqprecursors.evaluation import sensitivity_plan as plan

ROOT = Path(__file__).resolve().parents[1]
SEED = 1
STRONG = "30"


@pytest.fixture(scope="module")
def config():
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    validate(config, str(ROOT / "schemas/config.schema.yaml"))
    config = copy.deepcopy(config)
    config["sensitivity"]["ground"].update(
        amplitudes_nT=[0, float(STRONG)],
        years=[1],
        amplitudes_for_years=None,
        seeds=[SEED],
        training={"epochs": 10},
        evaluation={"n_bootstrap": 200, "n_permutations": 200},
    )
    so.check_config(config)
    return config


@pytest.fixture(scope="module")
def sweep(config, tmp_path_factory):
    """Both points of one seed, built as the rules build them: {amplitude: (row, files)}."""
    from eqprecursors.evaluation.sensitivity_ground import run_point
    from eqprecursors.ground.events import exclusion_catalog_file, select_catalog_file
    from eqprecursors.io.kp import tidy_kp_file
    from eqprecursors.synthetic.files import generate_catalog_file, generate_ground_files

    tmp = tmp_path_factory.mktemp("sensitivity")
    kp = tmp / "kp.csv"
    tidy_kp_file(ROOT / config["kp"]["path"], kp, fmt=config["kp"]["format"])
    raw_catalog, events, exclusion = tmp / "catalog.csv", tmp / "events.csv", tmp / "excl.csv"
    generate_catalog_file(
        raw_catalog,
        site=so.ground_catalog_site(config),
        **so.ground_catalog_options(config, SEED),
    )
    where = so.ground_selection_options(config)  # as scripts/select_catalog.py passes it
    select_catalog_file(raw_catalog, events, fmt="usgs_csv", **where.pop("selection"), **where)
    exclusion_catalog_file(
        raw_catalog, exclusion, fmt="usgs_csv", **so.ground_exclusion_options(config)
    )
    out = {}
    for _, _, amplitude, _ in plan.points(config, "ground"):
        raw, truth = tmp / f"raw_{amplitude}", tmp / f"truth_{amplitude}.csv"
        generate_ground_files(
            raw, kp, events, truth, **so.ground_generator_options(config, amplitude, SEED)
        )
        work = tmp / f"point_{amplitude}"
        row = run_point(
            raw,
            events,
            kp,
            truth,
            tmp / f"point_{amplitude}.json",
            work_dir=work,
            exclusion_csv=exclusion,
            amplitude=float(amplitude),
            **so.ground_point_options(config, SEED),
        )
        out[amplitude] = (row, {"truth": truth, "labels": work / "dataset" / "labels.csv"})
    return out


@pytest.mark.slow
def test_a_strong_precursor_is_detected_beyond_every_baseline(sweep):
    row, _ = sweep[STRONG]
    assert row["n"] >= 10 and row["n_injected"] > 0
    assert row["p"] < 0.05, row
    assert row["mcc"] > 0.5, row
    assert row["accuracy"] > row["majority_baseline"], row
    assert row["mcc"] > row["kp_only_mcc"] and row["mcc"] > row["date_only_mcc"], row


@pytest.mark.slow
def test_zero_injection_reads_chance(sweep):
    row, _ = sweep["0"]
    assert row["n_injected"] == 0
    assert row["n"] >= 10 and row["n_windows_quiet"] > 0
    assert row["p"] > 0.05, row


@pytest.mark.slow
def test_no_quiet_window_holds_an_injected_precursor(sweep):
    _, files = sweep[STRONG]
    truth = pd.read_csv(files["truth"])
    labels = pd.read_csv(files["labels"])
    quiet = labels[labels["label"] == 0]
    assert len(quiet) > 0 and len(truth) > 0  # not a vacuous pass
    q0 = pd.to_datetime(quiet["start"], utc=True).to_numpy()[:, None]
    q1 = pd.to_datetime(quiet["end"], utc=True).to_numpy()[:, None]
    t0 = pd.to_datetime(truth["window_start"], utc=True).to_numpy()[None, :]
    t1 = pd.to_datetime(truth["window_end"], utc=True).to_numpy()[None, :]
    overlaps = (q0 < t1) & (t0 < q1)
    assert not np.any(overlaps), quiet[overlaps.any(axis=1)]
