"""The experiment planner (eqprecursors.ground.plan) on the shipped configurations.

Expected runs, paths and targets are written out by hand from config/config.yaml,
config/paper.yaml and tests/config/test.yaml, not recomputed with the planner's own logic.
"""

from __future__ import annotations

import ast
import copy
import importlib
import re
import sys
from pathlib import Path

import pytest
import yaml
from configs import load
from snakemake.utils import validate

from eqprecursors.ground import plan

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas/config.schema.yaml"


@pytest.fixture(scope="module")
def default():
    return load("config/config.yaml")


@pytest.fixture(scope="module")
def weekly(default):
    """The default with week windows in the experiments: the planning cases below."""
    config = copy.deepcopy(default)
    config["ground_cnn"]["experiments"]["window"] = "week"
    return config


@pytest.fixture(scope="module")
def paper():
    return load("config/paper.yaml")


@pytest.fixture(scope="module")
def tiny():
    return load("tests/config/test.yaml")


# ---------------------------------------------------------------- schema defaults
def test_schema_defaults_fill_the_sections_paper_leaves_out(paper):
    assert "synthetic" not in yaml.safe_load((ROOT / "config/paper.yaml").read_text())
    assert paper["synthetic"] == {
        "seed": 0,
        "injection": {"ground": {"enabled": False}, "satellite": {"enabled": False}},
        "gaps": None,
        "ground_model": None,
    }
    assert {name: entry["source"] for name, entry in paper["satellites"].items()} == {
        "CSES": "local",
        "DEMETER": "local",
    }
    assert paper["satellites"]["CSES"]["variables"] == {}  # the format's names apply


def test_schema_defaults_leave_written_values_alone(default):
    assert default["synthetic"]["seed"] == 20161030
    assert default["synthetic"]["gaps"]["rate_per_day"] == 0.3
    assert default["synthetic"]["ground_model"] is None
    assert sorted(default["satellites"]) == ["CSES", "DEMETER"]
    assert default["ground_cnn"]["training"]["learning_rate"] is None


def test_country_defaults_to_empty():
    config = copy.deepcopy(yaml.safe_load((ROOT / "config/config.yaml").read_text()))
    del config["observatories"]["DUR"]["country"]
    validate(config, str(SCHEMA))
    assert config["observatories"]["DUR"]["country"] == ""
    assert config["observatories"]["IZN"]["country"] == "Türkiye"


# --------------------------------------------------------------------- the runs
def test_histories_cover_every_dataset_and_filter(weekly):
    assert plan.cnn_runs(weekly, "histories") == [
        ("DUR", "week", "unfiltered", "adam", 100),
        ("DUR", "week", "filtered", "adam", 100),
        ("IZN", "week", "unfiltered", "adam", 100),
        ("IZN", "week", "filtered", "adam", 100),
        ("MLR", "week", "unfiltered", "adam", 100),
        ("MLR", "week", "filtered", "adam", 100),
        ("ALL", "week", "unfiltered", "adam", 100),
        ("ALL", "week", "filtered", "adam", 100),
    ]


def test_sweeps_vary_one_thing_on_the_sweep_dataset(weekly):
    assert plan.cnn_runs(weekly, "optimizers") == [
        ("ALL", "week", "filtered", o, 100) for o in ("adam", "adagrad", "adamax", "sgd", "rmsprop")
    ]
    assert plan.cnn_runs(weekly, "windows") == [
        ("ALL", "hour", "filtered", "adam", 100),
        ("ALL", "day", "filtered", "adam", 100),
        ("ALL", "week", "filtered", "adam", 100),
    ]


def test_paper_sweeps_use_the_unfiltered_data_and_month_windows(paper):
    assert plan.cnn_runs(paper, "windows") == [
        ("ALL", "hour", "unfiltered", "adam", 100),
        ("ALL", "day", "unfiltered", "adam", 100),
        ("ALL", "week", "unfiltered", "adam", 100),
        ("ALL", "month", "unfiltered", "adam", 100),
    ]


def test_learning_curve_percent_is_rounded_not_truncated(default):
    config = copy.deepcopy(default)
    # 0.29 * 100 = 28.999999999999996 and 0.57 * 100 = 56.99999999999999 in floating point
    config["ground_cnn"]["experiments"]["learning_curve_fractions"] = [1.0, 0.29, 0.57]
    assert plan.learning_curve_fractions(config) == [0.29, 0.57, 1.0]  # ascending
    assert [p.split("/")[-2] for p in plan.learning_curve_outputs(config, "history.csv")] == [
        "percent29",
        "percent57",
        "percent100",
    ]
    config["ground_cnn"]["experiments"]["learning_curve_fractions"] = [0.201, 0.2, 1.0]
    with pytest.raises(ValueError, match="learning_curve_fractions.*percents"):
        plan.learning_curve_fractions(config)


def test_unknown_experiment_is_an_error(default):
    with pytest.raises(ValueError, match="learning_curves"):
        plan.cnn_runs(default, "learning_curves")
    with pytest.raises(ValueError, match="learning_curve"):  # planned apart, one job per seed
        plan.cnn_runs(default, "learning_curve")


def test_learning_curve_is_one_job_per_seed_under_its_own_path(weekly):
    # the rule's outputs: every fraction of one seed, with the job's wildcards left open
    stem = "results/ground/learning_curve/{dataset}/{window}_{filter}/{optimizer}/seed{seed}"
    assert plan.learning_curve_outputs(weekly, "metrics.json") == [
        f"{stem}/percent{p}/metrics.json" for p in (20, 40, 60, 80, 100)
    ]
    assert plan.learning_curve_sweep(weekly) == ("ALL", "week", "filtered", "adam")
    assert plan.learning_curve_seeds(weekly) == [1, 2, 3]
    points = plan.learning_curve_run_dicts(weekly)
    assert [(d["seed"], d["fraction"]) for d in points] == [
        (s, f) for s in (1, 2, 3) for f in (0.2, 0.4, 0.6, 0.8, 1.0)
    ]
    point = "results/ground/learning_curve/ALL/week_filtered/adam/seed2/percent40"
    assert points[6] == {
        "label": "seed 2, 40 %",
        "seed": 2,
        "fraction": 0.4,
        "history_csv": f"{point}/history.csv",
        "metrics_json": f"{point}/metrics.json",
        "summary_json": f"{point}/summary.json",
    }
    files = plan.learning_curve_files(weekly)
    assert len(files) == len(set(files)) == 3 * 5 * 3
    assert files[:3] == [
        "results/ground/learning_curve/ALL/week_filtered/adam/seed1/percent20/history.csv",
        "results/ground/learning_curve/ALL/week_filtered/adam/seed1/percent20/metrics.json",
        "results/ground/learning_curve/ALL/week_filtered/adam/seed1/percent20/summary.json",
    ]
    # the main runs and the other experiments are untouched: no run below 100 %
    assert all(run[4] == 100 for run in plan.all_cnn_runs(weekly))
    assert not any("learning_curve" in plan.run_path(r, "x") for r in plan.all_cnn_runs(weekly))


def test_learning_curve_seeds_per_configuration(paper, tiny):
    assert plan.learning_curve_seeds(paper) == [1, 2, 3, 4, 5]
    assert plan.learning_curve_sweep(paper) == ("ALL", "week", "unfiltered", "adam")
    assert plan.learning_curve_seeds(tiny) == [1, 2]
    assert plan.learning_curve_files(tiny)[0] == (
        "results/ground/learning_curve/ALL/hour_filtered/adam/seed1/percent50/history.csv"
    )


def test_all_runs_train_shared_runs_once(weekly):
    runs = plan.all_cnn_runs(weekly)
    # 8 histories; optimizers add 4 (adam is a history), windows 2 (week is one); the
    # learning curve trains apart (test_learning_curve_is_one_job_per_seed_under_its_own_path)
    assert runs == plan.cnn_runs(weekly, "histories") + [
        ("ALL", "week", "filtered", "adagrad", 100),
        ("ALL", "week", "filtered", "adamax", 100),
        ("ALL", "week", "filtered", "sgd", 100),
        ("ALL", "week", "filtered", "rmsprop", 100),
        ("ALL", "hour", "filtered", "adam", 100),
        ("ALL", "day", "filtered", "adam", 100),
    ]


def test_all_runs_per_configuration(paper, tiny):
    # paper: 8 histories + 4 optimizers + 3 windows (hour, day, month)
    assert len(plan.all_cnn_runs(paper)) == 15
    assert len(set(plan.all_cnn_runs(paper))) == 15
    # workflow test: one observatory, one filter, hour windows, every sweep is a history
    assert plan.all_cnn_runs(tiny) == [
        ("IZN", "hour", "filtered", "adam", 100),
        ("ALL", "hour", "filtered", "adam", 100),
    ]


# ------------------------------------------------ learning-rate and conv-block variants
def test_variants_are_off_in_the_default(default, tiny):
    for config in (default, tiny):
        assert config["ground_cnn"]["experiments"]["learning_rates"] == []
        assert config["ground_cnn"]["experiments"]["conv_blocks"] == []
        assert plan.cnn_variants(config) == []
        assert plan.variant_run_dicts(config) == plan.variant_run_files(config) == []


def test_paper_variants_train_apart_and_reuse_the_sweep_run(paper):
    assert plan.cnn_variants(paper) == [
        ("learning_rates", "lr0.0001", 0.0001),
        ("learning_rates", "lr0.001", 0.001),
        ("learning_rates", "lr0.01", 0.01),
        ("conv_blocks", "conv2", 2),
        ("conv_blocks", "conv3", 3),
        ("conv_blocks", "conv4", 4),
    ]
    sweep = "results/ground/runs/ALL/week_unfiltered/adam_100"
    variants = "results/ground/variants/ALL/week_unfiltered/adam_"
    runs = plan.variant_run_dicts(paper)
    # learning_rate null = Adam's Keras default 0.001, and Table 2 has 3 blocks: the
    # optimizer sweep's adam run stands for both, trained once
    assert [r["metrics_json"] for r in runs] == [
        variants + "lr0.0001/metrics.json",
        sweep + "/metrics.json",
        variants + "lr0.01/metrics.json",
        variants + "conv2/metrics.json",
        sweep + "/metrics.json",
        variants + "conv4/metrics.json",
    ]
    assert [r["sweep_run"] for r in runs] == [False, True, False, False, True, False]
    assert [r["value"] for r in runs] == [0.0001, 0.001, 0.01, 2, 3, 4]
    assert len(plan.variant_run_files(paper)) == 6 * 3
    assert ("ALL", "week", "unfiltered", "adam", 100) in plan.all_cnn_runs(paper)
    assert plan.variant_training(paper, "lr0.01")["learning_rate"] == 0.01
    assert plan.variant_training(paper, "conv4") == dict(
        paper["ground_cnn"]["training"], conv_blocks=4
    )
    with pytest.raises(ValueError, match="learning_rates nor conv_blocks"):
        plan.variant_training(paper, "conv5")


def test_variants_appear_only_when_listed(default):
    config = copy.deepcopy(default)
    config["ground_cnn"]["experiments"]["learning_rates"] = [1e-05]
    config["ground_cnn"]["training"].update(optimizer="sgd", learning_rate=None)
    (run,) = plan.variant_run_dicts(config)
    assert run["history_csv"] == "results/ground/variants/ALL/day_filtered/sgd_lr1e-05/history.csv"
    assert re.fullmatch(plan.VARIANT, "lr1e-05") and re.fullmatch(plan.VARIANT, "conv12")
    assert plan.ground_cnn_targets(config) == [*GROUND_CNN_TARGETS, *VARIANT_TARGETS]
    # an explicit rate equal to the listed one is the sweep's run; SGD's default is 0.01
    config["ground_cnn"]["experiments"]["learning_rates"] = [0.01]
    assert plan.variant_run_dicts(config)[0]["sweep_run"]
    config["ground_cnn"]["training"]["learning_rate"] = 0.5
    assert not plan.variant_run_dicts(config)[0]["sweep_run"]
    config["ground_cnn"]["experiments"].update(learning_rates=[], conv_blocks=[12])
    config["ground_cnn"]["experiments"]["window"] = "hour"  # 60 samples: at most 6 blocks
    with pytest.raises(ValueError, match="ground_cnn.experiments.conv_blocks"):
        plan.variant_run_dicts(config)


def test_variant_vocabulary_matches_the_schema():
    experiments = yaml.safe_load(SCHEMA.read_text())["properties"]["ground_cnn"]["properties"][
        "experiments"
    ]["properties"]
    for key in plan.VARIANT_EXPERIMENTS:
        assert experiments[key]["default"] == []
    assert set(plan.KERAS_DEFAULT_LEARNING_RATE) == set(plan.OPTIMIZERS)


# ------------------------------------------------------------- paths and labels
def test_run_path_and_label():
    run = ("ALL", "week", "filtered", "sgd", 40)
    assert plan.run_path(run, "metrics.json") == (
        "results/ground/runs/ALL/week_filtered/sgd_40/metrics.json"
    )
    assert plan.run_label(run) == {
        "dataset": "ALL",
        "window": "week",
        "filter": "filtered",
        "optimizer": "sgd",
        "percent": 40,
    }


def test_shared_paths():
    assert plan.dataset_file("labels.csv") == (
        "results/ground/datasets/{dataset}/{window}_{filter}/labels.csv"
    )
    assert plan.dataset_file("windows.npy", "{obs}") == (
        "results/ground/datasets/{obs}/{window}_{filter}/windows.npy"
    )
    assert plan.dataset_file("report.json", "ALL") == (
        "results/ground/datasets/ALL/{window}_{filter}/report.json"
    )
    assert plan.figure_file("fig1_map", "pdf") == "results/figures/ground/fig1_map.pdf"
    assert plan.table_file("metrics", "md") == "results/tables/ground/metrics.md"
    assert plan.DECODED_NC.format(obs="DUR") == "results/decoded/ground/DUR.nc"
    assert plan.RAW_CATALOG.format(service="usgs", obs="IZN") == "resources/catalog/usgs/IZN.csv"


def test_run_files_of_an_experiment(weekly):
    files = plan.cnn_run_files(weekly, "windows")
    assert len(files) == 3 * 3
    assert files[:3] == [
        "results/ground/runs/ALL/hour_filtered/adam_100/history.csv",
        "results/ground/runs/ALL/hour_filtered/adam_100/metrics.json",
        "results/ground/runs/ALL/hour_filtered/adam_100/summary.json",
    ]


def test_run_dicts_label_each_run_by_what_its_figure_varies(weekly):
    histories = plan.cnn_run_dicts(weekly, "histories")
    assert [d["label"] for d in histories[:2]] == ["DUR unfiltered", "DUR filtered"]
    assert (histories[0]["row"], histories[0]["column"]) == ("DUR", "unfiltered")
    optimizers = plan.cnn_run_dicts(weekly, "optimizers")
    assert [d["label"] for d in optimizers] == ["adam", "adagrad", "adamax", "sgd", "rmsprop"]
    windows = plan.cnn_run_dicts(weekly, "windows")
    assert [d["label"] for d in windows] == ["hour", "day", "week"]
    day = "results/ground/runs/ALL/day_filtered/adam_100"
    assert windows[1]["summary_json"] == f"{day}/summary.json"


def test_named_filters(default):
    assert plan.cnn_filter(default, "unfiltered") is None
    spec = plan.cnn_filter(default, "filtered")
    assert spec == {"type": "highpass", "order": 4, "corners_cpd": [1.5], "padding_hours": 72}
    spec["order"] = 8
    assert default["ground_cnn"]["filters"]["filtered"]["order"] == 4


# ------------------------------------------------------------- dates and sites
def test_week_shade_starts_on_the_last_day_of_the_figure_week(default, paper):
    assert plan.figure_week_shade_start(default) == "2016-08-23"  # week of 2016-08-17
    assert plan.figure_week_shade_start(paper) == "2016-10-29"  # week of 2016-10-23
    config = copy.deepcopy(default)
    config["ground_cnn"]["figures"]["week_start"] = "2016-12-28"
    assert plan.figure_week_shade_start(config) == "2017-01-03"


def test_study_period_spans_every_observatory(default, paper):
    # default: DUR starts 2009-01-01, IZN ends 2023-12-31
    assert plan.study_period(default) == ("2009-01-01", "2023-12-31")
    # paper: DUR starts 2007-01-01, IZN ends 2021-12-31
    assert plan.study_period(paper) == ("2007-01-01", "2021-12-31")


def test_study_sites(default, tiny):
    dur = plan.study_sites(default)[0]
    assert dur == {
        "code": "DUR",
        "name": "Duronia",
        "country": "Italy",
        "provider": "synthetic (INGV via INTERMAGNET in the paper)",
        "latitude": 41.39,
        "longitude": 14.28,
        "radius_km": 200.0,
    }
    assert [s["radius_km"] for s in plan.study_sites(default)] == [200.0, 200.0, 100.0]
    # tests/config/test.yaml gives IZN no provider: its source stands in
    (izn,) = plan.study_sites(tiny)
    assert (izn["code"], izn["provider"]) == ("IZN", "synthetic")
    config = copy.deepcopy(tiny)
    del config["observatories"]["IZN"]["name"]
    assert plan.study_sites(config)[0]["name"] == "IZN"


# ------------------------------------------------------------ synthetic options
def test_synthetic_options(default, paper):
    ground = plan.synthetic_ground_options(default)
    assert ground["seed"] == 20161030
    assert ground["model"] is None
    assert ground["gaps"]["long_max_minutes"] == 1440
    assert ground["injection"]["amplitude_nT"] == 10.0
    assert plan.synthetic_ground_options(paper) == {
        "seed": 0,
        "gaps": None,
        "model": None,
        "injection": {"enabled": False},
    }
    cses = plan.synthetic_satellite_options(default, "CSES")
    assert cses == {
        "mission": "cses",
        "start": "2019-09-01",
        "end": "2019-10-31",
        "sample_s": 1.5,
        "seed": 20161030,
        "injection": default["synthetic"]["injection"]["satellite"],
        "event_kind": "independent",  # the satellite study labels CSES with its own catalog
    }
    assert default["satellites"]["CSES"]["source"] == "synthetic"  # not popped from config
    level1 = copy.deepcopy(default)
    level1["satellites"]["DEMETER"]["format"] = "demeter_l1"
    # the generator writes the layout the decoder will read: CDPP Level-1 binary, not CDF
    assert plan.synthetic_satellite_options(level1, "DEMETER")["file_format"] == "demeter_l1"
    assert "file_format" not in plan.synthetic_satellite_options(default, "DEMETER")


def test_synthetic_satellite_events_come_from_the_study_or_the_observatories(default):
    assert plan.synthetic_satellite_events(default, "CSES") == [
        "results/catalog/satellite/CSES_events.csv"
    ]
    without_study = {k: v for k, v in default.items() if k != "satellite_study"}
    assert plan.synthetic_satellite_events(without_study, "CSES") == [
        f"results/catalog/ground/{obs}.csv" for obs in ("BOU", "DUR", "IZN", "MLR")
    ]
    assert "event_kind" not in plan.synthetic_satellite_options(without_study, "CSES")


# ----------------------------------------------------------------------- targets
GROUND_CNN_TARGETS = [
    "results/tables/ground/metrics.csv",
    "results/tables/ground/table1_observatories.csv",
    "results/tables/ground/table2_model.csv",
    *[
        f"results/figures/ground/fig{n}.{ext}"
        for n in (
            "1_map",
            "2_week",
            "3_filter",
            "4_network",
            "5_histories",
            "6_optimizers",
            "7_windows",
            "8_learning_curve",
        )
        for ext in ("png", "pdf")
    ],
]


VARIANT_TARGETS = [
    "results/tables/ground/variants.csv",
    "results/figures/ground/figS1_variants.png",
    "results/figures/ground/figS1_variants.pdf",
]


def test_ground_cnn_targets(default, paper):
    assert plan.ground_cnn_targets() == GROUND_CNN_TARGETS
    assert len(GROUND_CNN_TARGETS) == 3 + 8 * 2
    assert plan.ground_cnn_targets(default) == GROUND_CNN_TARGETS  # no variants listed
    assert plan.ground_cnn_targets(paper) == [*GROUND_CNN_TARGETS, *VARIANT_TARGETS]


DEFAULT_DATA_TARGETS = [
    "results/decoded/ground/BOU.nc",
    "results/decoded/ground/DUR.nc",
    "results/decoded/ground/IZN.nc",
    "results/decoded/ground/MLR.nc",
    "results/catalog/ground/BOU.csv",
    "results/catalog/ground/DUR.csv",
    "results/catalog/ground/IZN.csv",
    "results/catalog/ground/MLR.csv",
    "results/kp/kp.csv",
    "resources/synthetic/satellite/CSES",
    "resources/synthetic/satellite/DEMETER",
    "results/decoded/satellite/CSES.nc",
    "results/decoded/satellite/DEMETER.nc",
]


def test_default_targets(default):
    assert plan.all_targets(default) == [
        *DEFAULT_DATA_TARGETS,
        "results/figures/synthetic/overview.png",
        *GROUND_CNN_TARGETS,
    ]


def test_targets_without_overview_or_ground_cnn(default, paper):
    config = copy.deepcopy(default)
    del config["synthetic"]["overview"]
    assert plan.all_targets(config) == [*DEFAULT_DATA_TARGETS, *GROUND_CNN_TARGETS]
    del config["ground_cnn"]
    assert plan.all_targets(config) == DEFAULT_DATA_TARGETS
    # paper: no overview; three observatories, two decoded local satellites and the study
    # with its learning-rate and conv-block figure and table
    assert len(plan.all_targets(paper)) == 3 + 3 + 1 + 2 + len(GROUND_CNN_TARGETS) + 3
    assert not [t for t in plan.all_targets(paper) if "synthetic" in t]
    assert "results/decoded/satellite/CSES.nc" in plan.all_targets(paper)


# -------------------------------------------------------------------- vocabulary
def schema_defs() -> dict:
    return yaml.safe_load(SCHEMA.read_text())["$defs"]


def test_window_names_match_the_schema_and_the_sample_table():
    assert schema_defs()["window"]["enum"] == list(plan.WINDOWS)
    from eqprecursors.ground.windows import window_samples

    assert [window_samples(w) for w in plan.WINDOWS] == [60, 24 * 60, 7 * 24 * 60, 30 * 24 * 60]
    assert plan.window_samples("week") == 7 * 24 * 60


def test_optimizer_names_match_the_schema_and_the_model():
    assert schema_defs()["optimizer"]["enum"] == list(plan.OPTIMIZERS)
    from eqprecursors.ground.model import OPTIMIZERS

    assert sorted(OPTIMIZERS) == sorted(plan.OPTIMIZERS)


def test_name_patterns_match_the_schema():
    schema = yaml.safe_load(SCHEMA.read_text())["properties"]
    filters = schema["ground_cnn"]["properties"]["filters"]
    assert filters["propertyNames"]["pattern"] == f"^{plan.FILTER_NAME}$"
    observatories = schema["observatories"]["propertyNames"]["pattern"]
    assert observatories == f"^(?!{plan.COMBINED}$){plan.OBSERVATORY_CODE}$"


def test_experiment_figures_have_their_plot_functions():
    module = importlib.import_module("eqprecursors.plots.ground_results")
    assert set(plan.FIGURE_FUNCTIONS) == set(plan.FIGURE_EXPERIMENTS)
    assert set(plan.FIGURE_EXPERIMENTS.values()) <= set(plan.EXPERIMENTS)
    for name in plan.FIGURE_FUNCTIONS.values():
        assert callable(getattr(module, name)), name
    assert set(plan.FIGURE_EXPERIMENTS) <= set(plan.FIGURES)


def test_the_plan_imports_only_the_standard_library():
    """The DAG imports it: numpy, pandas or keras there would slow every dry run."""
    for module in ("plan.py", "__init__.py"):
        tree = ast.parse((ROOT / "scripts/eqprecursors/ground" / module).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "__future__", (module, name)
