"""The satellite plan's split (satellite.layout under satellite.plan) and the one builder of a
dataset's labelling and split arguments, which the study's rules and the sweep share."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from eqprecursors.evaluation import sensitivity_options
from eqprecursors.satellite import layout, plan

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def default():
    text = (ROOT / "config/config.yaml").read_text().replace("{base}", "http://127.0.0.1:1")
    config = yaml.safe_load(text)
    validate(config, str(ROOT / "schemas/config.schema.yaml"))
    return config


def test_plan_re_exports_every_public_name_of_layout():
    public = [n for n in vars(layout) if not n.startswith("_") and n != "annotations"]
    public = [n for n in public if n not in ("re",)]
    missing = [n for n in public if getattr(plan, n, None) is not getattr(layout, n)]
    assert public and missing == []


def test_label_options_of_the_default_dataset(default):
    # written out from config/config.yaml's satellite_study and dataset 01
    assert layout.label_options(default, "01") == {
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
    assert layout.split_options(default) == {
        "train_fraction": 0.8,
        "guard_hours": 24,
        "pre_seismic_days": 15,
    }


def test_label_options_name_a_missing_dataset(default):
    with pytest.raises(ValueError, match="satellite_study.datasets has no dataset '99'"):
        layout.label_options(default, "99")


def test_the_sweep_labels_and_splits_as_the_study_does(default):
    options = sensitivity_options.satellite_point_options(default, 1)
    dataset = default["sensitivity"]["satellite"]["dataset"]
    assert options["labelling"] == layout.label_options(default, dataset)
    assert options["split"] == layout.split_options(default)


def test_the_rules_call_the_one_builder():
    common = (ROOT / "rules/common.smk").read_text()
    assert "satellite_plan.label_options(config, wildcards.dataset)" in common
    assert "satellite_plan.split_options(config)" in common
    assert "night_hours=" not in common  # no second copy of the labelling arguments
