"""Real runs of the smallest training chain: seeded runs repeat, a killed run recovers.

``tests/config/tiny.yaml`` reaches one ``train_ground`` -> ``evaluate_ground`` chain (one
synthetic observatory, hour windows, eight epochs) in well under a minute. Each run is a
fresh scratch copy of the workflow (``tests/run_workflow.py``) against the local stand-in
services, and asks Snakemake only for the labels, the split and that run's metrics.json:

* **Determinism**: two clean runs give byte-identical windows, labels and split, and
  metrics that agree to 1e-6 in every numeric leaf.
* **Interruption**: a run whose whole process group (snakemake and the training job) is
  SIGKILLed while ``train_ground`` fits, then rerun with ``--rerun-incomplete``, ends with
  the metrics of the uninterrupted run.

No upstream outputs are shared between the runs: the synthetic generator reads
results/kp/kp.csv and the selected catalog, so copied raw files under resources/ would be
regenerated anyway and would save only the Kp download (about 1 s).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))
from fake_services import FakeServices  # noqa: E402
from run_workflow import copy_workflow, run_captured, write_config  # noqa: E402

from eqprecursors.ground import plan  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("interruption")]  # one run A

TINY_CONFIG = TESTS / "config" / "tiny.yaml"
# The one run that tiny.yaml's experiments train (IZN, hour, filtered, adam, 100 %).
RUN_KEY = ("IZN", "hour", "filtered", "adam", 100)
DATASET = plan.DATASET_DIR.format(dataset="IZN", window="hour", filter="filtered")
SPLIT = plan.SPLIT.format(dataset="IZN", window="hour", filter="filtered")
RUN = plan.run_path(RUN_KEY, "").rstrip("/")
TRAIN_LOG = "logs/train_ground/IZN_hour_filtered_adam_100.log"  # rules/ground.smk
TARGETS = (f"{DATASET}/labels.csv", f"{SPLIT}.csv", f"{RUN}/metrics.json")
SAME_BYTES = (f"{DATASET}/windows.npy", f"{DATASET}/labels.csv", f"{SPLIT}.csv", f"{SPLIT}.json")
#: The suite's bound on one workflow run; on expiry the whole process group is killed.
RUN_TIMEOUT_S = 900
TOLERANCE = 1e-6


def snakemake_cmd(configfile: Path, *extra: str) -> list[str]:
    # the targets come first: --configfile takes every following word as a config file
    return [sys.executable, "-m", "snakemake", *TARGETS, "--cores", "2", "--configfile"] + [
        str(configfile),
        *extra,
    ]


def prepare(workdir: Path, services: FakeServices) -> Path:
    """A fresh copy of the workflow and tiny.yaml pointed at the stand-ins."""
    workdir.mkdir(parents=True)
    copy_workflow(workdir)
    return write_config(TINY_CONFIG, workdir, services.base)


def run_clean(workdir: Path, services: FakeServices) -> subprocess.CompletedProcess:
    configfile = prepare(workdir, services)
    run = run_captured(snakemake_cmd(configfile), workdir, RUN_TIMEOUT_S)
    assert run.returncode == 0, f"clean run in {workdir} failed:\n{run.stderr[-6000:]}"
    return run


def leaves(value, path: str = "") -> dict[str, object]:
    """Every leaf of a JSON document by its path, so two documents compare leaf by leaf."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            out.update(leaves(item, f"{path}.{key}"))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(leaves(item, f"{path}[{i}]"))
        return out
    return {path: value}


def metrics_differences(a: dict, b: dict, tolerance: float = TOLERANCE) -> list[str]:
    """Leaves that differ: numbers by more than ``tolerance``, anything else at all."""
    left, right = leaves(a), leaves(b)
    problems = [f"{p}: only in one document" for p in sorted(set(left) ^ set(right))]
    for p in sorted(set(left) & set(right)):
        x, y = left[p], right[p]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
            same = abs(x - y) <= tolerance or (math.isnan(x) and math.isnan(y))
        else:
            same = x == y
        if not same:
            problems.append(f"{p}: {x!r} != {y!r}")
    return problems


def read_metrics(workdir: Path) -> dict:
    return json.loads((workdir / RUN / "metrics.json").read_text())


def test_metrics_differences_sees_every_kind_of_change():
    base = {"a": 1.0, "b": {"c": [1, 2.5]}, "d": None, "e": "x", "f": float("nan")}
    assert metrics_differences(base, json.loads(json.dumps(base))) == []
    assert metrics_differences(base, dict(base, a=1.0 + 5e-7)) == []
    assert metrics_differences(base, dict(base, a=1.000002)) == [".a: 1.0 != 1.000002"]
    assert metrics_differences(base, dict(base, b={"c": [1, 2.6]})) == [".b.c[1]: 2.5 != 2.6"]
    assert metrics_differences(base, dict(base, d=0.0)) == [".d: None != 0.0"]
    assert metrics_differences(base, dict(base, f=0.0)) == [".f: nan != 0.0"]
    assert metrics_differences(base, dict(base, e="y")) == [".e: 'x' != 'y'"]
    assert metrics_differences(base, {k: v for k, v in base.items() if k != "e"}) == [
        ".e: only in one document"
    ]


@pytest.fixture(scope="module")
def services():
    with FakeServices() as svc:
        yield svc


@pytest.fixture(scope="module")
def run_a(tmp_path_factory, services) -> Path:
    """Run A: one clean, uninterrupted run, the reference of both tests."""
    workdir = tmp_path_factory.mktemp("tiny") / "run_a"
    run_clean(workdir, services)
    return workdir


def test_two_clean_runs_with_one_seed_agree(run_a, tmp_path, services):
    """Seeded labelling, split and training: a second clean run repeats the first."""
    run_b = tmp_path / "run_b"
    run_clean(run_b, services)
    for name in SAME_BYTES:
        assert (run_a / name).read_bytes() == (run_b / name).read_bytes(), name
    split = (run_a / f"{SPLIT}.json").read_text()
    counts = json.loads(split)["class_counts"]
    # both classes on both sides, or the metrics would not test the model at all
    assert all(int(counts[part][c]) > 0 for part in ("train", "val") for c in "01"), counts
    assert prediction_differences(run_a, run_b) == []
    assert metrics_differences(read_metrics(run_a), read_metrics(run_b)) == []


def prediction_differences(a: Path, b: Path, tolerance: float = TOLERANCE) -> list[str]:
    """predictions.csv rows that differ: the model's P(earthquake) is the sharpest witness
    of the trained weights (a metric such as accuracy can agree by chance)."""
    import pandas as pd

    left, right = (pd.read_csv(p / RUN / "predictions.csv") for p in (a, b))
    if list(left["index"]) != list(right["index"]):
        return [f"rows {list(left['index'])} != {list(right['index'])}"]
    x, y = left["p_earthquake"], right["p_earthquake"]
    far = ~((x - y).abs() <= tolerance)
    return [
        f"row {i}: p_earthquake {a!r} != {b!r}"
        for i, a, b in zip(left["index"][far], x[far], y[far], strict=True)
    ]


def wait_for_training(proc: subprocess.Popen, log: Path, timeout_s: float) -> bool:
    """True once train_ground's log shows Keras's first epoch line (the model is fitting:
    built, compiled, history.csv opened, nothing saved); False if snakemake ended first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if log.exists() and "Epoch 1/" in log.read_text(errors="replace"):
            return True
        time.sleep(0.05)
    return False


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # start_new_session: its pid is the group's id
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)


def test_run_killed_while_training_recovers_with_rerun_incomplete(run_a, tmp_path, services):
    """SIGKILL snakemake and its training job mid-fit; the rerun retrains from scratch.

    Exact equality with run A is expected, not only within 1e-6: the rerun does not resume
    from a checkpoint but repeats the whole job with the same seed, data and thread count
    (profiles/default: train_ground 1 thread), which determinism above already requires;
    the tolerance only keeps the comparison the same as there.
    """
    run_c = tmp_path / "run_c"
    configfile = prepare(run_c, services)
    output = tmp_path / "killed_run.txt"
    with output.open("w") as out:
        proc = subprocess.Popen(
            snakemake_cmd(configfile),
            cwd=run_c,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            fitting = wait_for_training(proc, run_c / TRAIN_LOG, RUN_TIMEOUT_S)
        finally:
            kill_group(proc)
    assert fitting, f"train_ground never reached its first epoch:\n{output.read_text()[-6000:]}"
    assert proc.returncode == -signal.SIGKILL, proc.returncode
    for name in ("model.keras", "predictions.csv", "summary.json", "metrics.json"):
        assert not (run_c / RUN / name).exists(), f"{name} exists: the kill came too late"
    # CSVLogger opened it before the first epoch: an output of the killed job that
    # Snakemake has marked incomplete and must not trust
    assert (run_c / RUN / "history.csv").exists()
    upstream = {name: (run_c / name).stat().st_mtime_ns for name in SAME_BYTES}

    # a SIGKILLed snakemake leaves its lock behind: the user's first step is --unlock
    unlock = run_captured(snakemake_cmd(configfile, "--unlock"), run_c, RUN_TIMEOUT_S)
    assert unlock.returncode == 0, unlock.stderr[-4000:]
    rerun = run_captured(snakemake_cmd(configfile, "--rerun-incomplete"), run_c, RUN_TIMEOUT_S)
    log = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, f"rerun failed:\n{log[-6000:]}"
    assert "rule train_ground:" in log and "rule evaluate_ground:" in log, log[-6000:]
    # only the interrupted job and its consumer ran again: labels and split are untouched
    assert {name: (run_c / name).stat().st_mtime_ns for name in SAME_BYTES} == upstream
    for name in SAME_BYTES:
        assert (run_a / name).read_bytes() == (run_c / name).read_bytes(), name
    assert prediction_differences(run_a, run_c) == []
    assert metrics_differences(read_metrics(run_a), read_metrics(run_c)) == []
