"""Cross-key config checks (eqprecursors.ground.config_checks): each fires on a minimally
broken copy of config/config.yaml, naming its key; every shipped configuration passes; the
workflow refuses a broken config before any job, listing every problem and no traceback."""

from __future__ import annotations

import ast
import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from configs import load
from snakemake.utils import validate

from eqprecursors.evaluation import alarm_plan, sensitivity_options
from eqprecursors.ground import config_checks, filters, windows
from eqprecursors.satellite import plan as satellite_plan

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas/config.schema.yaml"
sys.path.insert(0, str(ROOT / "tests"))
from run_rehearsal import PAPER, rehearsal_config, resolve_overlay  # noqa: E402

ROOM_CHECKS = (
    satellite_plan.check_config,
    alarm_plan.check_config,
    sensitivity_options.check_config,
)
"""What rules/common.smk passes to config_checks.check_config."""


def rehearsal(scale: str) -> dict:
    """paper.yaml with tests/config/rehearsal.yaml over it, as tests/run_rehearsal.py runs it."""
    overlay, thinned = resolve_overlay("http://127.0.0.1:1", Path("/tmp/standins"), scale)
    config = rehearsal_config(yaml.safe_load(PAPER.read_text()), overlay, thinned)
    validate(config, str(SCHEMA))
    return config


def check(config: dict) -> None:
    config_checks.check_config(config, *ROOM_CHECKS)


@pytest.fixture(scope="module")
def default_config():
    return load("config/config.yaml")


@pytest.fixture
def default(default_config):
    return copy.deepcopy(default_config)


# ------------------------------------------------------------------ shipped configs
@pytest.mark.parametrize(
    "config",
    [
        pytest.param(lambda: load("config/config.yaml"), id="config"),
        pytest.param(lambda: load("config/config.yaml", "config/null.yaml"), id="null"),
        pytest.param(lambda: load("config/paper.yaml"), id="paper"),
        pytest.param(lambda: load("tests/config/test.yaml"), id="test"),
        pytest.param(lambda: rehearsal("small"), id="rehearsal-small"),
        pytest.param(lambda: rehearsal("full"), id="rehearsal-full"),
    ],
)
def test_every_shipped_config_passes(config):
    config = config()
    assert config_checks.problems(config) == []
    check(config)


# -------------------------------------------------------------- one problem at a time
def _set(path: str, value):
    """A mutation: the dotted key ``path`` set to ``value``."""

    def mutate(config):
        *parents, key = path.split(".")
        node = config
        for name in parents:
            node = node[name]
        node[key] = value

    return mutate


def _shorten(obs: str, end: str):
    return _set(f"observatories.{obs}.end", end)


def _both(*mutations):
    def mutate(config):
        for m in mutations:
            m(config)

    return mutate


HIGHPASS = {"type": "highpass", "order": 4}
BROKEN = {
    "undefined study observatory": (
        _set("ground_cnn.observatories", ["DUR", "IZN", "XYZ"]),
        "ground_cnn.observatories[2]: 'XYZ' is not defined under observatories",
    ),
    "undefined figure observatory": (
        _set("ground_cnn.figures.observatory", "XYZ"),
        "ground_cnn.figures.observatory: 'XYZ' is not defined under observatories",
    ),
    "sweep dataset outside the study": (
        _set("ground_cnn.experiments.sweep_dataset", "BOU"),
        "ground_cnn.experiments.sweep_dataset: 'BOU' is neither ALL nor one of",
    ),
    "undefined sweep filter": (
        _set("ground_cnn.experiments.sweep_filter", "smooth"),
        "ground_cnn.experiments.sweep_filter: 'smooth' is not defined under ground_cnn.filters",
    ),
    "undefined overview observatory": (
        _set("synthetic.overview.observatory", "XYZ"),
        "synthetic.overview.observatory: 'XYZ' is not defined under observatories",
    ),
    "undefined overview satellite": (
        _set("synthetic.overview.satellite", "SWARM"),
        "synthetic.overview.satellite: 'SWARM' is not defined under satellites",
    ),
    "observatory ends before it starts": (
        _set("observatories.MLR.start", "2017-01-01"),
        "observatories.MLR.end: 2016-12-31 is before observatories.MLR.start 2017-01-01",
    ),
    "satellite ends before it starts": (
        _set("satellites.CSES.end", "2019-08-31"),
        "satellites.CSES.end: 2019-08-31 is before satellites.CSES.start 2019-09-01",
    ),
    "sweep mission ends before it starts": (
        _set("sensitivity.satellite.mission", {"orbits_per_day": 7, "end": "2019-08-01"}),
        "sensitivity.satellite.mission.end: 2019-08-01 is before satellites.CSES.start 2019-09-01",
    ),
    "a day that does not exist": (
        _set("observatories.IZN.end", "2023-02-30"),
        "observatories.IZN.end: '2023-02-30' is not a date",
    ),
    "corner above the Nyquist frequency": (
        _set("ground_cnn.filters.filtered", dict(HIGHPASS, corners_cpd=[1000.0])),
        "ground_cnn.filters.filtered.corners_cpd[0]: 1000 cpd (0.01157 Hz) is at or above "
        "the Nyquist frequency 720 cpd",
    ),
    "the paper's 0.02 Hz corner": (
        _set("ground_cnn.filters.filtered", dict(HIGHPASS, corners_hz=[0.02])),
        "ground_cnn.filters.filtered.corners_hz[0]: 1728 cpd (0.02 Hz) is at or above",
    ),
    "a corner at the Nyquist frequency": (
        _set("ground_cnn.filters.filtered", dict(HIGHPASS, corners_cpd=[720.0])),
        "ground_cnn.filters.filtered.corners_cpd[0]: 720 cpd",
    ),
    "bandpass with one corner": (
        _set("ground_cnn.filters.filtered", dict(HIGHPASS, type="bandpass", corners_cpd=[1.5])),
        "ground_cnn.filters.filtered.corners_cpd: a bandpass filter needs 2 corner(s)",
    ),
    "bandpass corners falling": (
        _set("ground_cnn.filters.filtered", dict(HIGHPASS, type="bandpass", corners_cpd=[9, 2])),
        "ground_cnn.filters.filtered.corners_cpd: bandpass corners must increase",
    ),
    "both corner units": (
        _set("ground_cnn.filters.filtered", dict(HIGHPASS, corners_cpd=[1.5], corners_hz=[1e-5])),
        "ground_cnn.filters.filtered: give corners_cpd or corners_hz, not both",
    ),
    "no corners": (
        _set("ground_cnn.filters.filtered", dict(HIGHPASS)),
        "ground_cnn.filters.filtered: a highpass filter needs corners_cpd",
    ),
    "injected band above the Nyquist frequency": (
        _set("synthetic.injection.ground.band_mhz", [1.0, 10.0]),
        "synthetic.injection.ground.band_mhz: [1.0, 10.0] mHz ends above the Nyquist "
        "frequency 8.333 mHz",
    ),
    "sweep's injected band above the Nyquist frequency": (
        _set("sensitivity.ground.injection", {"lead_hours": 24, "band_mhz": [9.0, 12.0]}),
        "sensitivity.ground.injection.band_mhz: [9.0, 12.0] mHz ends above",
    ),
    "figure week after the record": (
        _set("ground_cnn.figures.week_start", "2018-01-01"),
        "ground_cnn.figures.week_start: the week from 2018-01-01 is outside DUR's record "
        "(2009-01-01 to 2017-12-31, observatories.DUR.start/end)",
    ),
    "overview week before the record": (
        _set("synthetic.overview.start", "2008-12-25"),
        "synthetic.overview.start: the week from 2008-12-25 is outside the record of DUR",
    ),
    "main window longer than a record": (
        _both(_set("ground_cnn.experiments.window", "week"), _shorten("MLR", "2016-01-05")),
        "ground_cnn.experiments.window: a week window (7 days) is longer than the record of "
        "MLR 2016-01-01 to 2016-01-05 (5 days, observatories.MLR.start/end), so MLR's dataset "
        "has no data",
    ),
    "swept window longer than the sweep observatory's record": (
        _both(
            _set("ground_cnn.experiments.sweep_dataset", "MLR"),
            _set("ground_cnn.experiments.windows", ["hour", "day", "month"]),
            _shorten("MLR", "2016-01-20"),
        ),
        "ground_cnn.experiments.windows[2]: a month window (30 days) is longer than the "
        "record of MLR 2016-01-01 to 2016-01-20",
    ),
    "alarm window longer than a record": (
        _both(_set("ground_cnn.alarms.windows", ["day", "month"]), _shorten("MLR", "2016-01-20")),
        "ground_cnn.alarms.windows[1]: a month window (30 days) is longer than the record of "
        "MLR 2016-01-01 to 2016-01-20 (20 days, observatories.MLR.start/end), so the alarm "
        "model of MLR has no data",
    ),
    "no diurnal filter for Figure 3": (
        _set("ground_cnn.filters.filtered", dict(HIGHPASS, type="lowpass", corners_cpd=[90])),
        "ground_cnn.filters: Figure 3 (figure_ground_filter) needs a filter of type highpass",
    ),
    "more conv blocks than the window can pool": (
        _set("ground_cnn.experiments.conv_blocks", [3, 12]),
        "ground_cnn.experiments.conv_blocks: 12 blocks pool a day window (1440 samples)",
    ),
    "learning-curve fractions on one percent": (
        _set("ground_cnn.experiments.learning_curve_fractions", [0.291, 0.294, 1.0]),
        "ground_cnn.experiments.learning_curve_fractions: [0.291, 0.294, 1.0] round to "
        "repeated percents",
    ),
}


@pytest.mark.parametrize("mutate, message", BROKEN.values(), ids=BROKEN.keys())
def test_each_check_fires_naming_its_key(default, mutate, message):
    mutate(default)
    found = config_checks.problems(default)
    assert len(found) == 1 and found[0].startswith(message), found
    with pytest.raises(ValueError, match="config: 1 problem") as raised:
        config_checks.check_config(default)
    assert f"\n- {message}" in str(raised.value)


def test_the_figure_week_must_share_a_day_with_the_figure_observatorys_record():
    """The paper rehearsal moved DUR to 2020 and Figures 2-3 failed hours in, on the paper's
    2016-10-23 week: the check now says so when the workflow starts, naming the key."""
    paper = load("config/paper.yaml")
    assert config_checks.figure_week_problems(paper, config_checks.periods(paper)[0]) == []
    paper["observatories"]["DUR"].update(start="2020-01-01", end="2020-06-30")

    def week(start):
        paper["ground_cnn"]["figures"]["week_start"] = start
        return config_checks.figure_week_problems(paper, config_checks.periods(paper)[0])

    assert week("2016-10-23") == [
        "ground_cnn.figures.week_start: the week from 2016-10-23 is outside DUR's record "
        "(2020-01-01 to 2020-06-30, observatories.DUR.start/end)"
    ]
    assert week("2020-07-01") != []  # the day after the record
    assert week("2020-06-30") == week("2019-12-26") == []  # the figure draws what there is
    assert week("2019-12-25") != []


def test_the_combined_dataset_needs_one_observatory_that_holds_the_window(default):
    """ALL cuts its windows from any study observatory: one short record starves nothing."""
    default["ground_cnn"]["experiments"]["windows"] = ["hour", "month"]
    default["ground_cnn"]["alarms"].update(dataset="ALL", windows=["month"])
    default["observatories"]["MLR"]["end"] = "2016-01-20"
    assert default["ground_cnn"]["experiments"]["sweep_dataset"] == "ALL"
    assert config_checks.problems(default) == []
    for obs in ("DUR", "IZN"):  # now no study observatory holds a month
        site = default["observatories"][obs]
        site["end"] = site["start"][:8] + "20"
    default["ground_cnn"]["figures"]["week_start"] = "2009-01-01"
    default["synthetic"]["overview"]["start"] = "2009-01-01"
    found = config_checks.problems(default)
    assert [p.split(":")[0] for p in found] == [
        "ground_cnn.experiments.windows[1]",
        "ground_cnn.alarms.windows[0]",
    ]
    assert all("DUR" in p and "IZN" in p and "MLR" in p for p in found)


def test_a_window_fits_a_record_of_exactly_its_length(default):
    default["ground_cnn"]["experiments"]["window"] = "week"
    default["observatories"]["MLR"]["end"] = "2016-01-07"  # 7 days, start and end inclusive
    assert config_checks.problems(default) == []
    default["observatories"]["MLR"]["end"] = "2016-01-06"
    assert [p.split(":")[0] for p in config_checks.problems(default)] == [
        "ground_cnn.experiments.window"
    ]


# ------------------------------------------------------------------- all at once
def test_every_problem_of_every_room_in_one_error(default):
    default["ground_cnn"]["observatories"] = ["DUR", "IZN", "XYZ"]
    default["observatories"]["MLR"]["end"] = "2015-01-01"
    default["ground_cnn"]["filters"]["filtered"]["corners_cpd"] = [1000.0]
    default["ground_cnn"]["experiments"]["sweep_filter"] = "smooth"
    default["satellite_study"]["datasets"]["02"]["satellite"] = "SWARM"
    with pytest.raises(ValueError) as raised:
        check(default)
    lines = str(raised.value).splitlines()
    assert lines[0] == f"config: {len(lines) - 1} problem(s), each naming its key:"
    keys = [line[2:].split(":")[0].split(" = ")[0] for line in lines[1:]]
    assert keys[:4] == [
        "observatories.MLR.end",
        "ground_cnn.observatories[2]",
        "ground_cnn.experiments.sweep_filter",
        "ground_cnn.filters.filtered.corners_cpd[0]",
    ]
    assert keys[4:] == [
        "satellite_study.datasets.02.satellite",  # the satellite room's
        "ground_cnn.alarms.filter",  # the alarms' (default: the sweep filter)
        "sensitivity.ground.filter",  # the sweep's (default: the sweep filter)
    ]


def test_a_room_check_cut_short_by_a_listed_problem_says_so(default):
    """The sweep's satellite comes from dataset 01's row: undefined, the sweep's check
    cannot go on; the satellite room's problem is the cause and comes first."""
    default["satellite_study"]["datasets"]["01"]["satellite"] = "SWARM"
    with pytest.raises(ValueError) as raised:
        check(default)
    assert str(raised.value).splitlines()[1:] == [
        "- satellite_study.datasets.01.satellite: 'SWARM' is not one of the satellites "
        "['CSES', 'DEMETER']",
        "- (eqprecursors.evaluation.sensitivity_options.check_config stopped early at "
        "'SWARM', most likely one of the problems above)",
    ]


def test_a_room_check_that_trips_without_a_listed_problem_is_a_bug_and_raises(default):
    def broken(config):
        return config["no such section"]

    with pytest.raises(KeyError, match="no such section"):
        config_checks.check_config(default, broken)
    default["ground_cnn"]["figures"]["observatory"] = "XYZ"
    with pytest.raises(ValueError, match=r"stopped early at 'no such section'"):
        config_checks.check_config(default, broken)


def test_a_problem_two_rooms_report_alike_is_listed_once(default):
    def echo(config):
        raise ValueError(config_checks.problems(config)[0])

    default["satellites"]["CSES"]["end"] = "2019-08-31"
    with pytest.raises(ValueError, match="config: 1 problem"):
        config_checks.check_config(default, echo)


# ------------------------------------------------------------- the same as the rules
def test_the_checks_use_the_cadence_and_corner_counts_of_the_filters():
    assert config_checks.GROUND_CADENCE_S == windows.CADENCE_S
    assert config_checks.FILTER_CORNERS == filters._FILTER_TYPES
    assert config_checks.NYQUIST_CPD == 720.0


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "none"},
        dict(HIGHPASS, corners_cpd=[1.5]),
        dict(HIGHPASS, corners_cpd=[719.9]),
        dict(HIGHPASS, corners_cpd=[720.0]),
        dict(HIGHPASS, corners_hz=[0.0083]),
        dict(HIGHPASS, corners_hz=[0.02]),
        dict(HIGHPASS, type="lowpass", corners_cpd=[100.0, 200.0]),
        dict(HIGHPASS, type="bandpass", corners_cpd=[1.5, 100.0]),
        dict(HIGHPASS, type="bandpass", corners_cpd=[100.0, 1.5]),
        dict(HIGHPASS, type="bandpass", corners_cpd=[1.5, 800.0]),
        dict(HIGHPASS, corners_cpd=[1.5], corners_hz=[1e-5]),
        dict(HIGHPASS),
    ],
)
def test_a_filter_passes_the_check_exactly_when_the_rules_accept_its_response(default, spec):
    """Checked at start = accepted when the labelling runs (its padding aside)."""
    default["ground_cnn"]["filters"]["other"] = spec
    passes = config_checks.filter_problems(default) == []
    try:
        filters._validate_response(spec)
        accepted = True
    except ValueError:
        accepted = False
    assert passes == accepted


def test_the_checks_import_only_the_standard_library():
    """rules/common.smk imports them: numpy or scipy there would slow every dry run."""
    tree = ast.parse((ROOT / "scripts/eqprecursors/ground/config_checks.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in ("__future__", "eqprecursors")
                if top == "eqprecursors":
                    assert name == "eqprecursors.ground" and node.names[0].name == "plan"


# -------------------------------------------------------------------- the workflow
def test_the_workflow_refuses_a_broken_config_naming_every_key(tmp_path):
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["ground_cnn"]["observatories"] = ["DUR", "IZN", "XYZ"]
    config["ground_cnn"]["filters"]["filtered"]["corners_cpd"] = [1000.0]
    config["satellites"]["CSES"]["end"] = "2019-08-31"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(config))
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--nolock", "--configfile", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = run.stdout + run.stderr
    assert run.returncode != 0, out
    # the short CSES period also cuts the satellite sweep's 30-day amount: a fourth problem
    assert "config: 4 problem(s), each naming its key:" in out
    assert "- sensitivity.satellite.years: 0.0833 year(s) from 2019-09-01" in out
    assert "- ground_cnn.observatories[2]: 'XYZ' is not defined under observatories" in out
    assert "- ground_cnn.filters.filtered.corners_cpd[0]: 1000 cpd" in out
    assert "- satellites.CSES.end: 2019-08-31 is before satellites.CSES.start" in out
    assert "KeyError" not in out and "Traceback" not in out
