"""The workflow on a real SLURM cluster, through snakemake-executor-plugin-slurm.

tests/slurm/cluster.sh brings up a single-node SLURM cluster on 127.0.0.1 (munge, MariaDB,
slurmdbd, slurmctld, slurmd from the Debian packages, installed with apt if missing). Snakemake
then runs with `--workflow-profile profiles/slurm`, unchanged, plus the test cluster's values:
partition `debug` and account `eqprecursors` for the profile's $EQP_SLURM_PARTITION and
$EQP_SLURM_ACCOUNT placeholders, and a 2 s status-check interval. Two scenarios run at once,
each in its own scratch copy of the workflow:

1. A small part of the real DAG (Kp, one decode and one catalog selection, on
   tests/config/test.yaml with the fake data services): every job must be COMPLETED in
   `sacct`, in the right partition and account, and the downloads must run as localrules
   (not in SLURM). The same targets also run locally (`--cores 2`, profiles/default) in a
   third scratch copy with the same config, at the same time: every file the SLURM run
   wrote under results/ (benchmarks aside) must equal the local one by content (CSV and
   JSON parsed, netCDF values and attributes), exactly: same code, inputs and interpreter,
   so any difference is the cluster's doing (a node-side environment, a half-copied file).
2. A rule that always fails (tests/slurm/failing.smk, a stand-in named `train_ground`):
   snakemake exits non-zero and says so, and `sacct` shows retries + 1 FAILED attempts whose
   requested memory grows with the attempt, as profiles/slurm configures.

Needs root (daemons, apt-get); skipped with the reason otherwise, or with SKIP_SLURM=1.
`make test-slurm` (tests/slurm/run_test.sh) prints a banner with the reason when skipped.
The cluster is torn down (each daemon by the PID it wrote) whatever happens. Run with
`pytest -s -m slurm` to see the sacct lines.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_services import FakeServices
from run_workflow import copy_workflow, write_config

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CLUSTER_SH = ROOT / "tests" / "slurm" / "cluster.sh"
PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
PACKAGES = ["munge", "slurmctld", "slurmd", "slurm-client", "slurmdbd", "mariadb-server"]
PARTITION = "debug"  # the test cluster's only partition
ACCOUNT = "eqprecursors"  # created in slurmdbd by cluster.sh
DAG_TARGETS = [
    "results/kp/kp.csv",
    "results/decoded/ground/WIC.nc",
    "results/catalog/ground/WIC.csv",
]
DAG_RULES = ["decode_ground", "kp", "select_catalog"]  # one SLURM job each
SACCT_FIELDS = (
    "JobID,JobName%36,Comment%34,Account%12,Partition,ReqMem,ReqCPUS,State,ExitCode,Elapsed"
)
SNAKEMAKE_TIMEOUT_S = 240


def _missing_packages() -> list[str]:
    missing = []
    for pkg in PACKAGES:
        query = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True, timeout=120
        )
        if "install ok installed" not in query.stdout:
            missing.append(pkg)
    return missing


def _skip_reason() -> str | None:
    if os.environ.get("SKIP_SLURM") == "1":
        return "SKIP_SLURM=1 is set"
    if not sys.platform.startswith("linux"):
        return f"a SLURM test cluster needs Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return "not root: starting (and installing) the SLURM daemons needs root"
    if shutil.which("dpkg-query") is None:
        return "not a Debian/Ubuntu system (no dpkg): the SLURM packages cannot be installed"
    missing = _missing_packages()
    if missing and shutil.which("apt-get") is None:
        return f"no apt-get to install the missing packages {' '.join(missing)}"
    return None


def _cluster(action: str) -> subprocess.CompletedProcess:
    # `up` may apt-get install the SLURM packages first
    return subprocess.run(
        ["bash", str(CLUSTER_SH), action], text=True, capture_output=True, timeout=1800
    )


def _sacct(job_ids: list[str], fields: str, parsable: bool) -> str:
    cmd = ["sacct", "-X", "-j", ",".join(job_ids), "-o", fields]
    cmd += ["-n", "-P"] if parsable else []
    return subprocess.run(cmd, text=True, capture_output=True, check=True, timeout=120).stdout


@pytest.fixture(scope="module")
def slurm_cluster():
    """Bring the cluster up once; tear it down in `finally`, on SIGTERM and at exit."""
    reason = _skip_reason()
    if reason:
        pytest.skip(f"SLURM test skipped: {reason}")

    state = {"up": False}

    def teardown():
        if state["up"]:
            state["up"] = False
            down = _cluster("down")
            print(down.stderr, end="", file=sys.stderr)

    # SIGTERM (e.g. CI cancelling the job) would otherwise skip the `finally` below.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    atexit.register(teardown)
    try:
        state["up"] = True  # set before `up`: a half-started cluster is torn down too
        t0 = time.monotonic()
        up = _cluster("up")
        print(f"\nSLURM bring-up ({time.monotonic() - t0:.0f}s):\n{up.stderr}{up.stdout}")
        assert up.returncode == 0, (
            "tests/slurm/cluster.sh up failed (SKIP_SLURM=1 skips this test):\n"
            f"{up.stdout}\n{up.stderr}"
        )
        yield
    finally:
        teardown()
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Run:
    """One finished snakemake run in its own scratch copy of the workflow."""

    workdir: Path
    returncode: int
    log: str

    def submitted(self) -> dict[str, str]:
        """SLURM job id -> rule, from the executor's 'submitted with SLURM jobid' lines."""
        found = re.finditer(r"SLURM jobid (\d+) \(log: \S*/logs/slurm/rule_(\w+?)/", self.log)
        return {m.group(1): m.group(2) for m in found}


def _start(workdir: Path, *args: str, local: bool = False) -> subprocess.Popen:
    """Snakemake on the SLURM profile, with the test cluster's values for the placeholders.

    With `local`, the same command runs on this machine instead (`--cores 2`, the workflow's
    own profiles/default), the reference for the SLURM run's outputs.
    """
    env = dict(os.environ)
    # Jobs run `python -m snakemake` on the node with this interpreter; shell rules and the
    # job scripts find the same environment first on PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["EQP_SLURM_PARTITION"] = PARTITION
    env["EQP_SLURM_ACCOUNT"] = ACCOUNT
    cmd = [sys.executable, "-m", "snakemake", *args]
    if local:
        cmd += ["--cores", "2"]
    else:
        cmd += ["--workflow-profile", "profiles/slurm"]
        cmd += ["--slurm-init-seconds-before-status-checks", "2"]
    print(f"+ (cd {workdir} && {' '.join(cmd)})", flush=True)
    with open(workdir / "snakemake.log", "w") as log:
        return subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)


def _finish(proc: subprocess.Popen, workdir: Path, deadline: float) -> Run:
    try:
        returncode = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()  # its SLURM jobs are cancelled by `cluster.sh down`
        proc.wait(timeout=60)
        log = (workdir / "snakemake.log").read_text()
        pytest.fail(f"snakemake did not finish in {SNAKEMAKE_TIMEOUT_S}s:\n{log[-6000:]}")
    return Run(workdir, returncode, (workdir / "snakemake.log").read_text())


@pytest.fixture(scope="module")
def runs(slurm_cluster):
    """All three runs at once, each in its own scratch copy of the workflow (like users):
    the DAG part on SLURM, the same targets locally, and the failing rule on SLURM."""
    scratch = Path(tempfile.mkdtemp(prefix="eqprecursors-slurm-"))
    try:
        dag_dir, local_dir, fail_dir = scratch / "dag", scratch / "local", scratch / "failing"
        for workdir in (dag_dir, local_dir, fail_dir):
            workdir.mkdir()
            copy_workflow(workdir)
        shutil.copytree(ROOT / "tests" / "slurm", fail_dir / "tests" / "slurm")
        t0 = time.monotonic()
        deadline = t0 + SNAKEMAKE_TIMEOUT_S
        with FakeServices() as services:
            configs = [
                write_config(ROOT / "tests/config/test.yaml", d, services.base)
                for d in (dag_dir, local_dir)
            ]
            # the same config: only the directory it is written to differs
            assert configs[0].read_text() == configs[1].read_text()
            procs = {
                "dag": (dag_dir, _start(dag_dir, *DAG_TARGETS, "--configfile", str(configs[0]))),
                "local": (
                    local_dir,
                    _start(local_dir, *DAG_TARGETS, "--configfile", str(configs[1]), local=True),
                ),
                "failing": (fail_dir, _start(fail_dir, "--snakefile", "tests/slurm/failing.smk")),
            }
            try:
                result = {name: _finish(proc, d, deadline) for name, (d, proc) in procs.items()}
            finally:
                for _, proc in procs.values():
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait(timeout=60)
        print(f"the three snakemake runs finished in {time.monotonic() - t0:.0f}s")
        yield result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def wait_for_sacct(job_ids: list[str], done: set[str], timeout_s: float = 30) -> list[dict]:
    """sacct rows of the jobs, once every job has reached a state in `done`."""
    keys = ["JobID", "Comment", "Account", "Partition", "ReqMem", "ReqCPUS", "State", "ExitCode"]
    deadline = time.monotonic() + timeout_s
    while True:
        out = _sacct(job_ids, ",".join(keys), parsable=True)
        rows = [dict(zip(keys, line.split("|"), strict=True)) for line in out.splitlines()]
        if len(rows) == len(job_ids) and all(r["State"] in done for r in rows):
            break
        if time.monotonic() > deadline:
            break
        time.sleep(1)
    return sorted(rows, key=lambda r: int(r["JobID"]))


def show(title: str, job_ids: list[str]) -> None:
    print(f"\n{title}\n$ sacct -X -j {','.join(job_ids)} -o {SACCT_FIELDS}")
    print(_sacct(job_ids, SACCT_FIELDS, parsable=False), flush=True)


def test_dag_part_runs_through_slurm(runs):
    run = runs["dag"]
    assert run.returncode == 0, f"snakemake failed on SLURM:\n{run.log[-6000:]}"

    jobs = run.submitted()
    assert sorted(jobs.values()) == DAG_RULES, (
        f"expected exactly {DAG_RULES} as SLURM jobs (downloads are localrules), "
        f"got {jobs}:\n{run.log[-4000:]}"
    )
    for rule in ("download_kp", "download_catalog"):
        assert f"localrule {rule}:" in run.log, f"{rule} did not run as a localrule"
    rows = wait_for_sacct(list(jobs), {"COMPLETED"})
    show("SLURM jobs of the DAG run:", list(jobs))
    assert len(rows) == len(jobs), rows
    for row in rows:
        assert row["State"] == "COMPLETED" and row["ExitCode"] == "0:0", row
        assert row["Partition"] == PARTITION and row["Account"] == ACCOUNT, row
        assert row["Comment"].startswith(f"rule_{jobs[row['JobID']]}"), row
    for target in DAG_TARGETS:
        assert (run.workdir / target).stat().st_size > 0, target


def result_files(workdir: Path) -> list[str]:
    """Paths under results/ relative to workdir; benchmarks (wall times) aside."""
    files = (workdir / "results").rglob("*")
    paths = [p.relative_to(workdir).as_posix() for p in files if p.is_file()]
    return sorted(p for p in paths if not p.startswith("results/benchmarks/"))


def assert_same_content(path: str, slurm: Path, local: Path) -> None:
    """One output of the SLURM run equals the local run's, exactly (see the module doc)."""
    kind = Path(path).suffix
    if kind == ".csv":
        pd.testing.assert_frame_equal(pd.read_csv(slurm), pd.read_csv(local), check_exact=True)
    elif kind == ".json":
        assert json.loads(slurm.read_text()) == json.loads(local.read_text()), path
    elif kind == ".nc":
        with xr.open_dataset(slurm) as a, xr.open_dataset(local) as b:
            # values (NaN = NaN), dims, coords and every attribute, global and per variable
            assert a.load().identical(b.load()), f"{path}: SLURM\n{a}\nlocal\n{b}"
    else:
        raise AssertionError(f"{path}: no content comparison for {kind!r} files; add one here")


def test_dag_part_on_slurm_equals_local_run(runs):
    slurm, local = runs["dag"], runs["local"]
    assert local.returncode == 0, f"the local reference run failed:\n{local.log[-6000:]}"
    assert slurm.returncode == 0, f"snakemake failed on SLURM:\n{slurm.log[-6000:]}"
    assert "SLURM jobid" not in local.log, "the local run submitted SLURM jobs"
    files = result_files(slurm.workdir)
    assert files == result_files(local.workdir), "SLURM and local runs wrote different files"
    assert set(DAG_TARGETS) <= set(files), files
    for path in files:
        assert_same_content(path, slurm.workdir / path, local.workdir / path)
    print(f"SLURM outputs equal the local run's: {', '.join(files)}")


def test_failing_rule_is_retried_and_reported(runs):
    profile = yaml.safe_load(PROFILE.read_text())
    attempts = int(profile["retries"]) + 1
    mem_expr = str(profile["set-resources"]["train_ground"]["mem_mb"])
    expected_mem = [
        eval(mem_expr, {"__builtins__": {}}, {"attempt": a}) for a in range(1, attempts + 1)
    ]
    assert all(a < b for a, b in pairwise(expected_mem)), (
        f"{PROFILE}: set-resources.train_ground.mem_mb = {mem_expr!r} must grow with the "
        f"attempt, gives {expected_mem}"
    )
    threads = str(profile["set-threads"]["train_ground"])

    run = runs["failing"]
    assert run.returncode != 0, f"a failing rule must fail the run:\n{run.log[-4000:]}"
    jobs = run.submitted()
    assert list(jobs.values()) == ["train_ground"] * attempts, (jobs, run.log[-6000:])
    for job_id in jobs:
        assert f"SLURM-job '{job_id}' failed, SLURM status is: 'FAILED'" in run.log, job_id
        # SLURM's own log of a failed job is kept, under the profile's slurm-logdir
        assert (run.workdir / f"logs/slurm/rule_train_ground/{job_id}.log").is_file(), job_id
    assert run.log.count("Trying to restart job") == attempts - 1, run.log[-6000:]
    assert "Error in rule train_ground" in run.log
    assert "At least one job did not complete successfully" in run.log
    assert not (run.workdir / "results/slurm-test/train_ground.done").exists()

    rows = wait_for_sacct(list(jobs), {"FAILED"})
    show(f"SLURM jobs of the failing rule ({attempts} attempts):", list(jobs))
    assert [r["State"] for r in rows] == ["FAILED"] * attempts, rows
    assert [r["ReqMem"] for r in rows] == [f"{mem}M" for mem in expected_mem], rows
    # what SLURM was asked for, attempt by attempt (sacct rows are sorted by job id)
    requested = [int(r["ReqMem"].removesuffix("M")) for r in rows]
    assert all(a < b for a, b in pairwise(requested)), (
        f"attempt 2 must request more memory than attempt 1: {requested} MB"
    )
    assert all(r["ReqCPUS"] == threads for r in rows), rows
    # the rule's own log, written on the node by the last attempt
    rule_log = (run.workdir / "logs/slurm-test/train_ground.log").read_text()
    assert f"deliberate failure: mem_mb={expected_mem[-1]}" in rule_log, rule_log
