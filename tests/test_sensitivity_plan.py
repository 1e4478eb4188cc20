"""The injection-recovery planner (eqprecursors.evaluation.sensitivity_plan) and the point
bookkeeping (evaluation.sensitivity_points, the checks of evaluation.sensitivity_ground).

Expected points, paths and options are written out by hand from config/config.yaml and
config/paper.yaml, not recomputed with the planner's own logic.
"""

from __future__ import annotations

import ast
import copy
import json
import math
import re
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml
from configs import load
from snakemake.utils import validate

from eqprecursors.evaluation import sensitivity_options as so
from eqprecursors.evaluation import sensitivity_plan as plan
from eqprecursors.evaluation import sensitivity_points as points

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas/config.schema.yaml"


@pytest.fixture(scope="module")
def default():
    return load("config/config.yaml")


def with_sweep(config: dict, **ground) -> dict:
    """A copy of ``config`` whose ground sweep has ``ground`` written over it, re-validated."""
    out = copy.deepcopy(config)
    out["sensitivity"]["ground"].update(ground)
    validate(out, str(SCHEMA))
    return out


# ------------------------------------------------------------------ points and targets
def test_default_points_are_years_then_amplitude_major(default):
    one = [("1y", "none", "0", s) for s in (1, 2, 3)]
    one += [("1y", "ulf_burst", a, s) for a in ("1", "10") for s in (1, 2, 3)]
    # half a year at 0 and 10 nT only (amplitudes_for_years)
    half = [("0.5y", "none", "0", s) for s in (1, 2, 3)]
    half += [("0.5y", "ulf_burst", "10", s) for s in (1, 2, 3)]
    assert plan.points(default, "ground") == one + half
    assert plan.point_files(default, "ground")[:2] == [
        "results/sensitivity/ground/points/1y/none/0_seed1.json",
        "results/sensitivity/ground/points/1y/none/0_seed2.json",
    ]
    assert so.combinations(default, "ground") == [[1.0, "ulf_burst"], [0.5, "ulf_burst"]]


def test_a_shapes_axis_shares_the_null(default):
    config = with_sweep(default, shapes=["ulf_burst", "polarization"], amplitudes_for_years=None)
    pts = plan.points(config, "ground")
    assert pts.count(("1y", "none", "0", 1)) == 1
    assert ("1y", "polarization", "1", 2) in pts and ("0.5y", "ulf_burst", "1", 3) in pts
    assert len(pts) == 2 * (3 + 2 * 2 * 3)  # years x (null + amplitudes x shapes x seeds)
    injection = so.ground_injection(config, "10", "polarization")
    assert (injection["shape"], injection["enabled"]) == ("polarization", True)
    assert so.ground_injection(config, "0", "none")["enabled"] is False
    with pytest.raises(ValueError, match="shape 'none'"):
        so.ground_injection(config, "10", "none")
    with pytest.raises(ValueError, match="the null"):
        so.ground_injection(config, "0", "ulf_burst")


def test_the_plans_shapes_are_the_generators():
    from eqprecursors.synthetic import injection

    assert plan.SHAPES == {
        "ground": injection.GROUND_SHAPES,
        "satellite": injection.SATELLITE_SHAPES,
    }


@pytest.mark.parametrize("value, label", [(1, "1y"), (0.5, "0.5y"), (2.0, "2y"), (None, "mission")])
def test_years_labels_round_trip_and_match_the_wildcard(value, label):
    assert plan.years_label(value) == label
    assert re.fullmatch(plan.YEARS, label)
    assert plan.years_value(label) == value


def test_shorter_years_share_the_longest_catalog(default):
    assert so.ground_catalog_site(default)["end"] == "2016-12-31"
    assert so.ground_selection_options(default, "0.5y")["end"] == "2016-07-01"
    assert so.ground_generator_options(default, "10", 1, years="0.5y")["end"] == "2016-07-01"
    assert so.ground_point_options(default, 1, years="0.5y", shape="none")["years"] == 0.5


@pytest.mark.parametrize(
    "change, key",
    [
        ({"amplitudes_for_years": [0, 3]}, "sensitivity.ground.amplitudes_for_years"),
        (
            {"shapes": ["ulf_burst"], "injection": {"lead_hours": 24, "shape": "polarization"}},
            "injection.shape",
        ),
    ],
)
def test_axis_errors_name_the_key(default, change, key):
    config = with_sweep(default, **change)
    with pytest.raises(ValueError, match=re.escape(key)):
        so.check_config(config)


def test_default_targets(default):
    assert plan.studies(default) == ["ground", "satellite"]
    assert plan.targets(default) == [
        "results/sensitivity/ground.csv",
        "results/sensitivity/ground_summary.json",
        "results/sensitivity/ground_summary.md",
        "results/figures/sensitivity/ground.png",
        "results/figures/sensitivity/ground.pdf",
        "results/sensitivity/satellite.csv",
        "results/sensitivity/satellite_summary.json",
        "results/sensitivity/satellite_summary.md",
        "results/figures/sensitivity/satellite.png",
        "results/figures/sensitivity/satellite.pdf",
    ]
    assert plan.points(default, "satellite") == [
        ("mission", "none", "0", 1),
        ("mission", "none", "0", 2),
        ("mission", "step", "10", 1),
        ("mission", "step", "10", 2),
        ("mission", "step", "40", 1),
        ("mission", "step", "40", 2),
        ("0.0833y", "none", "0", 1),
        ("0.0833y", "none", "0", 2),
        ("0.0833y", "step", "40", 1),
        ("0.0833y", "step", "40", 2),
    ]


def test_no_section_no_targets(default):
    config = {k: v for k, v in default.items() if k != "sensitivity"}
    assert plan.studies(config) == []
    assert plan.targets(config) == []
    so.check_config(config)  # nothing to check
    with pytest.raises(ValueError, match="no sensitivity.ground section"):
        plan.points(config, "ground")


@pytest.mark.parametrize(
    "value, label",
    [(0, "0"), (0.0, "0"), (0.3, "0.3"), (1, "1"), (10.0, "10"), (2.5, "2.5"), (1e-5, "0.00001")],
)
def test_amplitude_labels_are_plain_decimals_the_wildcard_matches(value, label):
    assert plan.amplitude_label(value) == label
    assert re.fullmatch(plan.AMPLITUDE, label)
    assert float(label) == pytest.approx(value)


def test_negative_amplitudes_are_refused():
    with pytest.raises(ValueError, match=">= 0"):
        plan.amplitude_label(-1)


# --------------------------------------------------------------------------- schema
def schema_errors(config: dict) -> list[str]:
    schema = yaml.safe_load(SCHEMA.read_text())
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(config)]


def test_schema_requires_the_null_amplitude():
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["sensitivity"]["ground"]["amplitudes_nT"] = [1, 10]
    assert schema_errors(config)
    config["sensitivity"]["ground"]["amplitudes_nT"] = [0.0, 10]
    assert schema_errors(config) == []


def test_schema_refuses_the_point_amplitude_among_the_injection_overrides():
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["sensitivity"]["ground"]["injection"] = {"amplitude_nT": 3}
    assert schema_errors(config)


def test_schema_fills_the_sweep_defaults(default):
    config = copy.deepcopy(default)
    config["sensitivity"] = {"ground": {}}
    validate(config, str(SCHEMA))
    ground = config["sensitivity"]["ground"]
    assert ground["amplitudes_nT"][0] == 0 and ground["site"] == "DUR"
    assert ground["catalog"] == {"rate_per_year": 200, "min_magnitude": 4.0}
    assert ground["labelling"] == {"exclusion_hours": 24}
    assert ground["injection"] == {"lead_hours": 24, "duration_hours": 24}
    assert ground["split"] == {"train_fraction": 0.6}
    assert "satellite" not in config["sensitivity"]  # only a subsection written is a sweep


# ------------------------------------------------------------------- the ground sweep
def test_period_counts_calendar_years_and_days(default):
    assert so.ground_period(default) == ("2016-01-01", "2016-12-31")
    assert so.ground_period(with_sweep(default, years=[2])) == ("2016-01-01", "2017-12-31")
    # 0.5 years = 183 days of 365.25 / 2
    assert so.ground_period(with_sweep(default, years=[0.5], start="2016-03-01")) == (
        "2016-03-01",
        "2016-08-30",
    )


def test_site_from_an_observatory(default):
    site = so.ground_site(default)
    assert (site["code"], site["latitude"], site["longitude"]) == ("DUR", 41.39, 14.28)
    assert site["selection"] == {
        "min_magnitude": 4.0,
        "max_distance_km": 200.0,
        "max_depth_km": 30.0,
        "magnitude_type": "moment",
    }
    # DUR's exclusion: M >= 4 (config), radius null -> the selection's 200 km
    assert site["exclusion"] == {"radius_km": 200.0, "min_magnitude": 4.0}
    catalog_site = so.ground_catalog_site(default)
    assert (catalog_site["start"], catalog_site["end"]) == ("2016-01-01", "2016-12-31")


def test_a_written_out_site_takes_the_papers_selection(default):
    config = with_sweep(default, site={"latitude": 45.0, "longitude": 10.0})
    site = so.ground_site(config)
    assert (site["code"], site["name"], site["elevation"]) == ("SYN", "SYN", 0.0)
    assert site["selection"] == so.PAPER_SELECTION
    assert site["exclusion"] == {"radius_km": 200.0, "min_magnitude": None}


def test_catalog_and_generator_options_carry_the_points_seed(default):
    assert so.ground_catalog_options(default, "3") == {
        "rate_per_year": 200,
        "min_magnitude": 4.0,
        "seed": 3,
    }
    options = so.ground_generator_options(default, "1", "2")
    assert options["seed"] == 2
    assert options["iaga_code"] == "DUR"
    assert (options["start"], options["end"]) == ("2016-01-01", "2016-12-31")
    assert options["site"] == {
        "name": "Duronia",
        "latitude": 41.39,
        "longitude": 14.28,
        "elevation": 905,
    }
    assert options["gaps"] == default["synthetic"]["gaps"]


def test_injection_is_the_studys_with_the_sweeps_timing_and_the_points_amplitude(default):
    base = default["synthetic"]["injection"]["ground"]
    strong = so.ground_injection(default, "10")
    assert strong == {**base, "lead_hours": 24, "duration_hours": 24, "amplitude_nT": 10.0}
    assert strong["enabled"] is True and strong["decay"] == "exponential"
    null = so.ground_injection(default, "0")
    assert (null["enabled"], null["amplitude_nT"]) == (False, 0.0)
    assert base["amplitude_nT"] == 10.0 and base["lead_hours"] == 168  # config untouched


def test_point_options_merge_the_overrides_and_seed_everything(default):
    options = so.ground_point_options(default, "2")
    cnn = default["ground_cnn"]
    assert options["seed"] == 2
    assert options["window"] == "day"
    assert options["filter"] == cnn["filters"]["filtered"]
    assert options["labelling"]["exclusion_hours"] == 24
    assert options["labelling"]["kp_threshold"] == cnn["labelling"]["kp_threshold"]
    assert "exclude_all_catalog_events" not in options["labelling"]  # a file, not an argument
    for section in ("labelling", "split", "training", "evaluation"):
        assert options[section]["seed"] == 2, section
    assert options["training"]["epochs"] == 5  # the sweep's override
    assert options["training"]["batch_size"] == cnn["training"]["batch_size"]
    assert options["split"]["train_fraction"] == 0.6  # the sweep's override
    assert options["split"]["method"] == cnn["split"]["method"]
    assert options["baselines"]["seed"] == 2
    assert options["baselines"]["kp_threshold"] == cnn["labelling"]["kp_threshold"]
    assert options["baselines"]["filter"] == "filtered"
    assert (options["years"], options["shape"]) == (1.0, "ulf_burst")
    assert cnn["labelling"]["exclusion_hours"] == 168  # not changed in place


def test_exclusion_events_follow_the_study(default):
    assert so.exclude_all_events(default) is True
    config = copy.deepcopy(default)
    config["ground_cnn"]["labelling"]["exclude_all_catalog_events"] = False
    assert so.exclude_all_events(config) is False
    assert so.ground_exclusion_inputs(config) == []
    assert (
        so.ground_exclusion_inputs(default)
        == "results/sensitivity/ground/{years}/seed{seed}/exclusion.csv"
    )
    assert so.ground_exclusion_options(default)["margin_hours"] == 24


@pytest.mark.parametrize(
    "change, key",
    [
        ({"labelling": {"exclusion_hours": 12}}, "sensitivity.ground.labelling.exclusion_hours"),
        ({"labelling": {"exclusion_hour": 48}}, "sensitivity.ground.labelling"),
        ({"training": {"epoch": 3}}, "sensitivity.ground.training"),
        ({"site": "XYZ"}, "sensitivity.ground.site"),
        ({"filter": "bandpass"}, "sensitivity.ground.filter"),
    ],
)
def test_cross_key_errors_name_the_key(default, change, key):
    config = with_sweep(default, **change)
    with pytest.raises(ValueError, match=re.escape(key)):
        so.check_config(config)


def test_a_satellite_sweep_needs_a_dataset_of_the_study(default):
    config = copy.deepcopy(default)
    config["sensitivity"]["satellite"] = {"dataset": "99"}
    with pytest.raises(ValueError, match="sensitivity.satellite.dataset"):
        so.check_config(config)


def test_the_plan_imports_only_the_standard_library():
    """The DAG imports it: numpy, pandas or keras there would slow every dry run."""
    for module in ("sensitivity_plan", "sensitivity_options"):
        check_standard_library(ROOT / f"scripts/eqprecursors/evaluation/{module}.py")


def check_standard_library(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                # the two other plan modules it reads are standard library only too
                allowed = {"eqprecursors.ground.plan", "eqprecursors.satellite.search"}
                allowed |= {"eqprecursors.satellite.layout", "eqprecursors.evaluation"}
                allowed |= {"eqprecursors.evaluation.sensitivity_plan", "eqprecursors.satellite"}
                assert name.split(".")[0] in {"__future__", "datetime"} or name in allowed, name


# ------------------------------------------------------------------------ bookkeeping
def fake_metrics(mcc: float, p: float, n: int = 20) -> dict:
    """A metrics report in evaluation.ground.evaluate_model's layout."""
    return {
        "split_method": "chronological",
        "part": "val",
        "n_val": n,
        "mcc": mcc,
        "f1": 0.5,
        "roc_auc": 0.6,
        "accuracy": 0.55,
        "baseline_accuracy": 0.5,
        "bootstrap_ci": {"mcc": {"low": mcc - 0.2, "high": mcc + 0.2}},
        "permutation": {"mcc": {"p_value": p}, "roc_auc": {"p_value": 0.3}},
    }


def row(amplitude: float, seed: int, mcc: float = 0.1, p: float = 0.4) -> dict:
    return points.point_row(
        amplitude=amplitude,
        seed=seed,
        metrics=fake_metrics(mcc, p),
        n_train=80,
        n_events=100,
        years=1.0,
        shape="none" if amplitude == 0 else "ulf_burst",
        n_windows_event=60,
        n_windows_quiet=55,
        n_injected=0 if amplitude == 0 else 100,
        baselines={"kp_only_mcc": 0.05, "kp_only_p": 0.6},
    )


def test_point_row_takes_the_issues_columns_from_the_reports():
    r = row(3.0, 2, mcc=0.7, p=0.001)
    assert list(r) == points.TABLE_COLUMNS
    assert (r["amplitude"], r["seed"], r["n"], r["mcc"], r["p"]) == (3.0, 2, 20, 0.7, 0.001)
    assert (r["f1"], r["auc"], r["p_auc"], r["majority_baseline"]) == (0.5, 0.6, 0.3, 0.5)
    assert (r["mcc_lo"], r["mcc_hi"]) == pytest.approx((0.5, 0.9))
    assert (r["kp_only_mcc"], r["kp_only_p"]) == (0.05, 0.6)
    assert math.isnan(r["date_only_mcc"])  # not given: NaN, not 0


def test_point_row_refuses_a_report_without_the_permutation_p():
    metrics = fake_metrics(0.1, 0.5)
    del metrics["permutation"]["mcc"]
    with pytest.raises(ValueError, match="permutation"):
        points.point_row(
            amplitude=0,
            seed=1,
            metrics=metrics,
            n_train=1,
            n_events=1,
            years=1,
            shape="none",
            n_windows_event=1,
            n_windows_quiet=1,
            n_injected=0,
        )


def test_baseline_columns_read_a_baselines_report():
    scores = {"mcc": 0.2, "permutation": {"mcc": {"p_value": 0.04}}}
    report = {"baselines": {"kp_only": scores, "date_only": {**scores, "mcc": -0.1}}}
    assert points.baseline_columns(report) == {
        "kp_only_mcc": 0.2,
        "kp_only_p": 0.04,
        "date_only_mcc": -0.1,
        "date_only_p": 0.04,
    }


def test_table_sorts_points_and_keeps_the_null(tmp_path):
    files = []
    for amp, seed in [(10.0, 1), (0.0, 2), (1.0, 1), (0.0, 1)]:
        path = tmp_path / f"{amp}_{seed}.json"
        points.write_point(row(amp, seed), path)
        files.append(path)
    table = points.write_table(files, tmp_path / "ground.csv")
    assert list(zip(table["amplitude"], table["seed"], strict=True)) == [
        (0.0, 1),
        (0.0, 2),
        (1.0, 1),
        (10.0, 1),
    ]
    back = pd.read_csv(tmp_path / "ground.csv")
    assert list(back.columns) == points.TABLE_COLUMNS
    assert back["n_injected"].tolist() == [0, 0, 100, 100]


def test_table_refuses_repeats_a_missing_null_and_foreign_files(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    points.write_point(row(0.0, 1), a)
    points.write_point(row(0.0, 1), b)
    with pytest.raises(ValueError, match="repeated"):
        points.write_table([a, b], tmp_path / "t.csv")
    points.write_point(row(3.0, 1), b)
    with pytest.raises(ValueError, match="null"):
        points.write_table([b], tmp_path / "t.csv")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"amplitude": 0}))
    with pytest.raises(ValueError, match=re.escape(str(other))):
        points.write_table([a, other], tmp_path / "t.csv")
    with pytest.raises(ValueError, match="no sensitivity points"):
        points.write_table([], tmp_path / "t.csv")


def test_a_point_without_quiet_validation_windows_cannot_be_scored():
    from eqprecursors.evaluation.sensitivity_ground import check_scorable

    ok = {"class_counts": {"train": {"0": 5, "1": 6}, "val": {"0": 2, "1": 1}}}
    check_scorable(ok, "point")
    bad = copy.deepcopy(ok)
    bad["class_counts"]["val"]["0"] = 0
    with pytest.raises(ValueError, match="no val quiet windows.*rate_per_year"):
        check_scorable(bad, "point")
    assert plan.period_years("2016-01-01", "2016-12-31") == pytest.approx(366 / 365.25)


# ----------------------------------------------------------------- the satellite sweep
@pytest.fixture(scope="module")
def with_satellite(default):
    """The default's satellite sweep with the schema's defaults for what it does not write."""
    config = copy.deepcopy(default)
    config["sensitivity"]["satellite"] = {"mission": {"orbits_per_day": 7}}
    validate(config, str(SCHEMA))
    so.check_config(config)
    return config


def test_satellite_sweep_defaults_and_targets(with_satellite):
    spec = with_satellite["sensitivity"]["satellite"]
    assert (spec["dataset"], spec["amplitudes_percent"][0], spec["te_per_ne"]) == ("01", 0, None)
    assert plan.studies(with_satellite) == ["ground", "satellite"]
    assert "results/sensitivity/satellite.csv" in plan.targets(with_satellite)
    assert plan.point_json("satellite", "mission", "step", "10", 2) == (
        "results/sensitivity/satellite/points/mission/step/10_seed2.json"
    )
    assert so.satellite_events_file(with_satellite) == "results/catalog/satellite/CSES_events.csv"


def test_satellite_injection_scales_te_with_ne(with_satellite):
    # the default's synthetic step: +20 % Ne, -10 % Te -> Te moves -0.5 % per % of Ne
    assert so.satellite_te_per_ne(with_satellite) == -0.5
    step = so.satellite_injection(with_satellite, "40")
    assert (step["enabled"], step["ne_percent"], step["te_percent"]) == (True, 40.0, -20.0)
    assert (step["shape"], step["lead_hours"]) == ("step", 360)
    null = so.satellite_injection(with_satellite, "0")
    assert (null["enabled"], null["ne_percent"], null["te_percent"]) == (False, 0.0, 0.0)
    config = copy.deepcopy(with_satellite)
    config["sensitivity"]["satellite"]["te_per_ne"] = -1
    assert so.satellite_injection(config, "10")["te_percent"] == -10.0


def test_satellite_generator_options_are_the_missions_with_the_sweeps_overrides(with_satellite):
    options = so.satellite_generator_options(with_satellite, "10", "3")
    assert options["mission"] == "cses"
    assert (options["start"], options["end"]) == ("2019-09-01", "2019-10-31")
    assert (options["orbits_per_day"], options["sample_s"]) == (7, 1.5)
    assert (options["seed"], options["event_kind"]) == (3, "independent")
    assert "source" not in options and "format" not in options  # reader keys
    assert "orbits_per_day" not in with_satellite["satellites"]["CSES"]  # not changed in place


def test_satellite_point_options_follow_the_dataset(with_satellite):
    options = so.satellite_point_options(with_satellite, "2")
    assert options["labelling"] == {
        "satellite": "CSES",
        "sequence_length": 10,
        "spatial_window": 3,
        "time_of_day": "night",
        "night_hours": [18, 6],
        "pre_seismic_days": 15,
        "kp_threshold": 3,
        "storm_scope": "windows",
        "cadence_s": 1.5,
    }
    assert options["decode"]["satellite"] == "CSES"
    assert (options["decode"]["cadence_s"], options["decode"]["max_gap_s"]) == (1.5, 10.0)
    assert (options["model"], options["n_steps"], options["dataset"]) == ("seqnetquake", 1, "01")
    assert options["split"] == {"train_fraction": 0.8, "guard_hours": 24, "pre_seismic_days": 15}
    assert options["evaluation"]["seed"] == 2
    assert options["params"]["nb_epochs"] == 10
    assert (options["decode"]["start"], options["decode"]["end"]) == ("2019-09-01", "2019-10-31")
    assert options["years"] == pytest.approx(61 / 365.25)  # the mission period's length


@pytest.mark.parametrize(
    "change, key",
    [
        ({"mission": {"source": "local"}}, "sensitivity.satellite.mission"),
        ({"params": {"num_cnn_layers": 9}}, "sensitivity.satellite.params"),
        ({"evaluation": {"n_boot": 5}}, "sensitivity.satellite.evaluation"),
    ],
)
def test_satellite_errors_name_the_key(with_satellite, change, key):
    config = copy.deepcopy(with_satellite)
    config["sensitivity"]["satellite"].update(change)
    with pytest.raises(ValueError, match=re.escape(key)):
        so.check_config(config)


def test_pre_seismic_scores_leave_the_storm_class_out():
    import numpy as np

    from eqprecursors.evaluation.sensitivity_satellite import pre_seismic_scores

    proba = np.array([[0.6, 0.2, 0.2], [0.1, 0.3, 0.6], [0.0, 0.0, 1.0], [0.2, 0.2, 0.6]])
    keep, y, score = pre_seismic_scores([0, 1, 1, 2], proba)
    assert keep.tolist() == [True, True, True, False]
    assert y.tolist() == [0, 1, 1]
    assert score == pytest.approx([0.25, 0.75, 0.5])  # all mass on storms: undecided


# ------------------------------------------------- nested satellite data amounts
@pytest.mark.parametrize(
    "years, source", [([None, 0.0833], "mission"), ([0.05, None], "mission"), ([0.05, 0.1], "0.1y")]
)
def test_every_satellite_amount_reads_the_longest_amounts_mission(default, years, source):
    config = copy.deepcopy(default)
    config["sensitivity"]["satellite"]["years"] = years
    assert plan.satellite_source_years(config) == source

    class Point:  # the wildcards of a shorter amount's point
        years, seed, shape, amplitude = "0.05y", "2", "step", "40"

    assert plan.satellite_source(config, plan.SATELLITE_RAW_DIR, Point) == (
        f"resources/sensitivity/satellite/{source}/seed2/step/40"
    )


def test_a_shorter_amount_counts_only_its_own_injected_half_orbits():
    from eqprecursors.evaluation.sensitivity_satellite import injected_in_period

    truth = pd.DataFrame(
        {
            "event_id": ["a", "a", "b", "c"],
            "closest_time": [
                "2019-09-01T00:10:00.000Z",
                "2019-09-30T23:59:00.000Z",  # the last day counts (inclusive)
                "2019-10-01T00:00:00.000Z",  # the day after: a longer amount's
                "2019-10-20T12:00:00.000Z",
            ],
        }
    )
    kept = injected_in_period(truth, {"start": "2019-09-01", "end": "2019-09-30"})
    assert kept["event_id"].tolist() == ["a", "a"]
    whole = injected_in_period(truth, {"start": "2019-09-01", "end": "2019-10-31"})
    assert len(whole) == 4
