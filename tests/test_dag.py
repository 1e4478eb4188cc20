"""The DAG the workflow builds for configurations that make test does not run for real.

Every dry run builds the DAG of the checkout's Snakefile in a scratch working directory
(`--directory`) that holds only what a fresh clone has beside it: config/ (the default
config, read only when no `--configfile` is given), data/ and tests/data. So the counts
are those of a workflow with everything still to do, whatever a user's results/ and
resources/ hold and whichever directory pytest starts in.
"""

import functools
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

ROOT = Path(__file__).resolve().parents[1]
#: What a dry run reads from the working directory (linked, not copied, into the scratch one).
CLONE_INPUTS = ("config", "data", "tests/data")
DRY_RUN_TIMEOUT_S = 300


@functools.cache
def _scratch() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="eqprecursors-dag-")  # removed at exit


def scratch_workdir() -> Path:
    """An empty working directory but for links to the clone's inputs (CLONE_INPUTS)."""
    workdir = Path(_scratch().name)
    for name in CLONE_INPUTS:
        if not (workdir / name).is_symlink():
            (workdir / name).parent.mkdir(parents=True, exist_ok=True)
            (workdir / name).symlink_to(ROOT / name)
    return workdir


def dry_run(configfile: Path, *args: str) -> subprocess.CompletedProcess:
    """`snakemake --dry-run` of ROOT/Snakefile in the scratch working directory."""
    cmd = [sys.executable, "-m", "snakemake", "--dry-run", "--nolock", *args]
    cmd += ["--snakefile", str(ROOT / "Snakefile"), "--directory", str(scratch_workdir())]
    cmd += ["--configfile", str(configfile)]
    return subprocess.run(
        cmd, cwd=scratch_workdir(), capture_output=True, text=True, timeout=DRY_RUN_TIMEOUT_S
    )


def dry_run_jobs(config: dict, tmp_path: Path, *args: str) -> dict[str, int]:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    run = dry_run(path, "--quiet", "rules", *args)
    assert run.returncode == 0, run.stderr[-3000:]
    jobs = {}
    for line in run.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            jobs[parts[0]] = int(parts[1])
    return jobs


def shipped_config(*names: str) -> dict:
    """Configuration files merged as `--configfile a b` merges them ({base}: a dead port)."""
    config: dict = {}
    for name in names:
        text = (ROOT / name).read_text().replace("{base}", "http://127.0.0.1:1")
        update_config(config, yaml.safe_load(text))
    return config


@functools.cache
def shipped_jobs(*names: str) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        return dry_run_jobs(shipped_config(*names), Path(tmp))


# Counted by hand from each ground_cnn section: train = evaluate = distinct runs (see
# tests/test_plan.py); label = study observatories x the (window, filter) pairs of the runs
# on ALL; combine = those pairs; split = distinct (dataset, window, filter). The totals
# include the satellite study (counted in test_satellite_jobs_follow_the_dataset_matrix).
@pytest.mark.parametrize(
    "names, expected",
    [
        (
            ("config/config.yaml",),
            dict(label_ground=12, combine_ground=4, split_ground=10, train_ground=14, total=252),
        ),
        (
            ("config/config.yaml", "config/null.yaml"),
            dict(label_ground=12, combine_ground=4, split_ground=10, train_ground=14, total=252),
        ),
        (
            ("config/paper.yaml",),
            dict(label_ground=15, combine_ground=5, split_ground=11, train_ground=15, total=569),
        ),
        (
            ("tests/config/test.yaml",),
            dict(label_ground=1, combine_ground=1, split_ground=2, train_ground=2, total=89),
        ),
    ],
    ids=["default", "null", "paper", "workflow-test"],
)
def test_ground_cnn_jobs_follow_the_plan(names, expected):
    jobs = shipped_jobs(*names)
    assert {rule: jobs.get(rule) for rule in expected} == expected
    assert jobs["evaluate_ground"] == jobs["train_ground"]
    # every split has its baselines; one learning-curve job per seed
    assert jobs["baselines_ground"] == jobs["split_ground"]
    seeds = shipped_config(*names)["ground_cnn"]["experiments"]["learning_curve_seeds"]
    assert jobs["train_ground_learning_curve"] == len(seeds)
    assert jobs["figure_ground_experiment"] == 3


# A job that Snakemake spawns (every SLURM job, any `--mode remote` executor) reads the
# Snakefile again, given the config files as `--configfiles` but none of the workflow
# profile's flags: it must see the config the submit host planned with. (With the profile's
# `replace-workflow-config`, which spawned jobs never got, they merged config/config.yaml
# under the given file: the SLURM jobs of the test config failed its cross-key checks.)
@pytest.mark.parametrize("name", ["config/paper.yaml", "tests/config/test.yaml"])
def test_spawned_jobs_plan_with_the_submit_hosts_config(name, tmp_path):
    host = shipped_jobs(name)
    spawned = dry_run_jobs(shipped_config(name), tmp_path, "--workflow-profile", "none")
    assert spawned == host


def test_satellites_and_overview_may_be_left_out(tmp_path):
    config = shipped_config("config/config.yaml")
    del config["satellites"]
    del config["satellite_study"]
    del config["synthetic"]["overview"]
    del config["sensitivity"]["satellite"]  # its sweep runs a satellite_study dataset
    jobs = dry_run_jobs(config, tmp_path)
    assert "generate_satellite" not in jobs
    assert "figure_synthetic_overview" not in jobs
    assert jobs["total"] == 147  # the ground study, its evaluation suite and the data layer


def test_a_satellite_study_without_its_satellites_names_the_key(tmp_path):
    config = shipped_config("config/config.yaml")
    del config["satellites"]["DEMETER"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    run = dry_run(path)
    assert run.returncode != 0
    assert "satellite_study.catalogs.DEMETER: no satellite 'DEMETER'" in run.stdout + run.stderr


def test_synthetic_catalog_is_generated_once_per_observatory(tmp_path):
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["catalog"] = {
        "source": "synthetic",
        "format": "usgs_csv",
        "synthetic": {"rate_per_year": 30, "min_magnitude": 4.0, "seed": 3},
    }
    jobs = dry_run_jobs(config, tmp_path)
    # an observatory's own `catalog` overrides the top-level one: DUR reads the INGV bulletin
    own = [obs for obs, site in config["observatories"].items() if "catalog" in site]
    assert own == ["DUR"]
    assert jobs["generate_catalog"] == len(config["observatories"]) - len(own)
    assert "download_catalog" not in jobs


def test_paper_config_requests_every_observatory_month():
    jobs = shipped_jobs("config/paper.yaml")
    # DUR 2007-2020 (168 months) and IZN 2016-2021 (72 months) via INTERMAGNET
    assert jobs.get("download_intermagnet") == 168 + 72
    assert jobs["download_catalog"] == 3
    assert "generate_ground" not in jobs


# Counted by hand from each satellite_study section: label = split = datasets; SeqNetQuake
# is tuned and trained on every dataset and each baseline on the transfer target only
# (Keras: seqnetquake, dnn, cnn, lstm; scikit-learn: gbm, rf); one TL, one IT, one DT.
@pytest.mark.parametrize(
    "names, datasets, keras, sklearn, downloads",
    [
        (("config/config.yaml",), 5, 5 + 3, 2, 0),
        (("config/paper.yaml",), 12, 12 + 3, 2, 3 + 7),  # CSES 2018-2020, DEMETER 2005-2011
        (("tests/config/test.yaml",), 2, 2, 1, 0),
    ],
    ids=["default", "paper", "workflow-test"],
)
def test_satellite_jobs_follow_the_dataset_matrix(names, datasets, keras, sklearn, downloads):
    jobs = shipped_jobs(*names)
    assert jobs["label_satellite"] == jobs["split_satellite"] == datasets
    assert jobs["tune_satellite"] == jobs["evaluate_satellite"] == keras + sklearn
    assert jobs["train_satellite"] == keras
    assert jobs.get("train_satellite_sklearn", 0) == sklearn
    assert jobs["decode_satellite"] == jobs["catalog_satellite"] == 2
    assert jobs.get("download_satellite_catalog", 0) == downloads
    for mode in ("tl", "it", "dt"):
        assert jobs[f"transfer_satellite_{mode}"] == 1
