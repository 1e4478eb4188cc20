"""The closing lines of a run (eqprecursors.evaluation.study_summary, the Snakefile's
``onsuccess:``): one per study with its size and output folders, written out by hand from
config/config.yaml, and an honest line for a study whose outputs are not all there."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config, validate

from eqprecursors.evaluation import study_summary as ss

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def default() -> dict:
    config: dict = {}
    text = (ROOT / "config/config.yaml").read_text().replace("{base}", "http://127.0.0.1:1")
    update_config(config, yaml.safe_load(text))
    # the satellite sweep pinned here (3 amplitudes x 2 seeds, one period): its size is
    # what this test checks, not whatever the default sweep is this week
    sweep = config["sensitivity"]["satellite"]
    for key in ("years", "amplitudes_for_years"):
        sweep.pop(key, None)
    sweep.update(amplitudes_percent=[0, 10, 40], seeds=[1, 2])
    validate(config, str(ROOT / "schemas/config.schema.yaml"))
    return config


def test_where_groups_by_folder_kind():
    targets = [
        "results/tables/ground/metrics.csv",
        "results/figures/ground/fig1.png",
        "results/figures/ground/fig1.pdf",
        "results/sensitivity/ground_summary.json",
        "results/sensitivity/ground.csv",
        "results/alarms/satellite/molchan.json",
    ]
    assert ss.where(targets) == (
        "tables in results/tables/ground/, figures in results/figures/ground/, "
        "results in results/sensitivity/ and results/alarms/satellite/"
    )


def test_default_config_lines_when_every_output_exists(default):
    lines = ss.summary_lines(default, exists=lambda path: True)
    assert lines == [
        "ground study: finished, 14 runs, 15 learning-curve runs; tables in "
        "results/tables/ground/, figures in results/figures/ground/",
        # 5 datasets' SeqNetQuake + 5 baselines on dataset 01 + transfer IT, TL, DT
        "satellite study: finished, 13 runs; tables in results/tables/satellite/, "
        "figures in results/figures/satellite/",
        "sensitivity study: finished, 15 ground points, 6 satellite points; figures in "
        "results/figures/sensitivity/, results in results/sensitivity/",
        "alarms study: finished, 2 Molchan diagrams; tables in results/tables/alarms/, "
        "figures in results/figures/alarms/, results in results/alarms/ground/ and "
        "results/alarms/satellite/",
        "Report: `snakemake --report results/report.html` builds it (make run does that next)",
    ]


def test_missing_outputs_are_not_called_finished(default):
    absent = "results/figures/satellite/fig6_transfer.pdf"
    lines = ss.summary_lines(default, exists=lambda path: path != absent)
    satellite = [line for line in lines if line.startswith("satellite study")]
    assert satellite == [
        f"satellite study: not finished, 1 of 26 outputs missing (first: {absent})"
    ]
    assert lines[0].startswith("ground study: finished")


def test_a_config_without_a_study_prints_no_line_for_it(default):
    config = {k: v for k, v in default.items() if k not in ("ground_cnn", "satellite_study")}
    names = [line.split(" study")[0] for line in ss.summary_lines(config, exists=lambda p: True)]
    assert "ground" not in names and "satellite" not in names
