"""One small, real workflow run on a test config (the last step of `make test`).

The workflow is copied into a scratch directory so a user's results/ stay untouched, the
fake data services start on 127.0.0.1, and Snakemake runs the default target for real:
downloads, decode, catalog selection and Kp. The outputs are then checked, and a second
invocation must find nothing to do. With --report-out the HTML report is built and
checked as well (tests/report_check.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from fake_services import FakeServices
from report_check import check_report
from workflow_checks import check_values

from eqprecursors.io.catalogs import CATALOG_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_PARTS = [
    "Snakefile",
    "rules",
    "scripts",
    "envs",
    "schemas",
    "config",
    "profiles",
    "report",
    "data",
]
#: Generous limits, so a hung job fails the test instead of holding CI until it is killed.
RUN_TIMEOUT_S = 1800
DRY_RUN_TIMEOUT_S = 300


def copy_workflow(dest: Path) -> None:
    """Copy what a user's clone holds (no results/, resources/ or .snakemake/)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in WORKFLOW_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=ignore)
        else:
            shutil.copy2(src, dest / part)
    shutil.copytree(ROOT / "tests" / "data", dest / "tests" / "data", ignore=ignore)


def write_config(template: Path, dest: Path, base: str) -> Path:
    """Point every service of the template at the fake server's address."""
    text = template.read_text().replace("{base}", base)
    config = yaml.safe_load(text)
    path = dest / "test-config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake(workdir: Path, configfile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", str(configfile)]
    cmd += list(args)
    print("+", " ".join(cmd), flush=True)
    timeout_s = DRY_RUN_TIMEOUT_S if "--dry-run" in args else RUN_TIMEOUT_S
    return run_captured(cmd, workdir, timeout_s)


def run_captured(cmd: list[str], cwd: Path, timeout_s: float) -> subprocess.CompletedProcess:
    """subprocess.run(capture_output=True) whose timeout also ends the jobs snakemake started.

    They share its output pipes, so killing snakemake alone would leave the pipes open and
    the wait for them unbounded: the command runs in its own process group, killed whole on
    a timeout or when this script is interrupted.
    """
    proc = subprocess.Popen(
        cmd, cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, process_group=0
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate(timeout=60)
        raise AssertionError(
            f"{' '.join(cmd)} (in {cwd}) did not finish within {timeout_s} s; killed it and "
            f"its jobs:\n{out[-4000:]}\n{err[-8000:]}"
        ) from None
    except BaseException:  # Ctrl-C, or SIGTERM turned into SystemExit by main()
        _kill_group(proc)
        proc.communicate(timeout=60)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # the group had already gone
        pass


def check_outputs(workdir: Path, config: dict) -> None:
    for obs in config["observatories"]:
        with xr.open_dataset(workdir / f"results/decoded/ground/{obs}.nc") as ds:
            assert ds.attrs["iaga_code"] == obs, ds.attrs
            assert {"X", "Y", "Z"} <= set(ds.data_vars), list(ds.data_vars)
            assert ds.sizes["time"] > 0
            assert ds["time"].to_index().is_monotonic_increasing
        events = pd.read_csv(workdir / f"results/catalog/ground/{obs}.csv")
        assert list(events.columns) == CATALOG_COLUMNS, list(events.columns)
    kp = pd.read_csv(workdir / "results/kp/kp.csv")
    assert list(kp.columns) == ["time", "kp"] and len(kp) > 0
    synthetic = [
        obs for obs, site in config["observatories"].items() if site["source"] == "synthetic"
    ]
    for obs in synthetic:
        truth = pd.read_csv(workdir / f"results/synthetic/truth/ground_{obs}.csv")
        selected = pd.read_csv(workdir / f"results/catalog/ground/{obs}.csv")
        assert set(truth["event_id"]) <= set(selected["event_id"]) and len(truth) > 0, truth
    for mission in config.get("satellites", {}):
        assert any((workdir / f"resources/synthetic/satellite/{mission}").iterdir())
    if "ground_cnn" in config:
        check_quiet_windows_clear_of_precursors(workdir, config, synthetic)
        metrics = pd.read_csv(workdir / "results/tables/ground/metrics.csv")
        assert len(metrics) >= 1 and (metrics["split"] == "chronological").all(), metrics
        assert metrics["baseline_accuracy"].between(0.5, 1).all(), metrics
        for name in ("fig1_map", "fig4_network", "fig5_histories", "fig8_learning_curve"):
            assert (workdir / f"results/figures/ground/{name}.pdf").stat().st_size > 1000
        table2 = pd.read_csv(workdir / "results/tables/ground/table2_model.csv")
        # hour input: Flatten 3 x 15 x 64 = 2,880 features into Dense 64
        trainable = table2.loc[table2["params"] > 0, "params"].iloc[:5].tolist()
        assert trainable == [320, 6208, 12352, 184_384, 130], table2
    if "satellite_study" in config:
        check_satellite_outputs(workdir, config)
    if "overview" in config.get("synthetic", {}):
        assert (workdir / "results/figures/synthetic/overview.png").stat().st_size > 10_000
    check_values(workdir, config)  # values against their sources (tests/workflow_checks.py)


def check_quiet_windows_clear_of_precursors(workdir: Path, config: dict, synthetic) -> None:
    """The labelling rules stay meaningful: quiet windows exist, and none of them overlaps
    an injected precursor interval of the truth table (exclusion_hours covers the lead)."""
    cnn = config["ground_cnn"]
    checked = 0
    for obs in set(cnn["observatories"]) & set(synthetic):
        truth = pd.read_csv(workdir / f"results/synthetic/truth/ground_{obs}.csv")
        t0 = pd.to_datetime(truth["window_start"], utc=True).to_numpy()
        t1 = pd.to_datetime(truth["window_end"], utc=True).to_numpy()
        assert len(truth) > 0, obs
        datasets = sorted((workdir / "results/ground/datasets" / obs).glob("*/labels.csv"))
        assert datasets, f"no datasets of {obs}"
        for path in datasets:
            labels = pd.read_csv(path)
            quiet = labels[labels["label"] == 0]
            assert len(quiet) > 0, f"{path}: no quiet windows"
            start = pd.to_datetime(quiet["start"], utc=True).to_numpy()[:, None]
            end = pd.to_datetime(quiet["end"], utc=True).to_numpy()[:, None]
            overlap = (start < t1[None, :]) & (end > t0[None, :])
            assert not overlap.any(), f"{path}: quiet windows hold a precursor\n{quiet}"
            checked += 1
    assert checked > 0, "no synthetic ground dataset to check"


def check_satellite_outputs(workdir: Path, config: dict) -> None:
    """Values, not only files: cadence, event kinds, labels against the split, metrics
    recomputed from predictions.csv."""
    study = config["satellite_study"]
    cadence_ns = int(study["cadence_s"] * 1e9)
    for sat in config["satellites"]:
        with xr.open_dataset(workdir / f"results/decoded/satellite/{sat}.nc") as ds:
            assert {"latitude", "longitude", "altitude", "ne", "te", "local_time"} <= set(
                ds.data_vars
            ), list(ds.data_vars)
            steps = np.diff(ds["time"].values.astype("int64"))
            assert (steps > 0).all() and np.median(steps) == cadence_ns, np.median(steps)
            assert float(ds["local_time"].min()) >= 0 and float(ds["local_time"].max()) < 24
        events = pd.read_csv(workdir / f"results/catalog/satellite/{sat}_events.csv")
        kinds = events["kind"].value_counts()
        assert kinds["artificial"] == kinds["independent"] > 0, kinds  # per_real = 1
    for dataset in study["datasets"]:
        d = workdir / f"results/satellite/datasets/{dataset}"
        table = pd.read_csv(d / "sequences.csv")
        windows = np.load(d / "sequences.npy", mmap_mode="r")
        T = study["datasets"][dataset]["sequence_length"]
        assert windows.shape == (len(table), T, 2) and np.isfinite(windows).all()
        assert set(table["label"]) <= {0, 1, 2}
        assert (table.loc[table["label"] == 2, "max_kp"] > study.get("kp_threshold", 3)).all()
        split = pd.read_csv(d / "split.csv")
        assert len(split) == len(table)
        train = pd.to_datetime(table["end"][split["split"] == "train"]).max()
        test = pd.to_datetime(table["start"][split["split"] == "test"]).min()
        assert train < test, (train, test)  # chronological, no sequence spans the boundary
    target = study["transfer"]["target"]
    test_rows = pd.read_csv(workdir / f"results/satellite/datasets/{target}/split.csv")
    test_rows = set(test_rows.loc[test_rows["split"] == "test", "index"])
    for model in study["models"]:
        run = workdir / f"results/satellite/models/{target}/{model}"
        predictions = pd.read_csv(run / "predictions.csv")
        assert set(predictions["index"]) == test_rows, model
        metrics = json.loads((run / "metrics.json").read_text())
        accuracy = float((predictions["y_true"] == predictions["y_pred"]).mean())
        assert abs(metrics["accuracy"] - accuracy) < 1e-9, (metrics["accuracy"], accuracy)
    for mode in ("TL", "IT", "DT"):
        assert (workdir / f"results/satellite/transfer/{mode}/metrics.json").exists()
    for name in ("fig1_example", "fig2_architecture", "fig6_transfer", "fig7_ternary_tl"):
        assert (workdir / f"results/figures/satellite/{name}.pdf").stat().st_size > 1000
    s1 = pd.read_csv(workdir / "results/tables/satellite/tableS1_datasets.csv")
    assert sorted(s1["dataset"].astype(str).str.zfill(2)) == sorted(study["datasets"]), s1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configfile", type=Path, default=ROOT / "tests/config/test.yaml")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument(
        "--report-out",
        type=Path,
        help="also build and check the HTML report (tests/report_check.py); keep report.html "
        "and report_screenshot.png in this directory",
    )
    args = parser.parse_args()
    # CI cancels with SIGTERM: exit through `finally`, ending a running snakemake's group too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    workdir = Path(tempfile.mkdtemp(prefix="eqprecursors-workflow-"))
    try:
        copy_workflow(workdir)
        with FakeServices() as services:
            configfile = write_config(args.configfile.resolve(), workdir, services.base)
            run = snakemake(workdir, configfile)
            print(run.stdout[-4000:], run.stderr[-8000:], sep="\n")
            if run.returncode != 0:
                print(f"workflow run failed with exit status {run.returncode}", file=sys.stderr)
                return 1
            gin = [r for r in services.requests if "GINServices" in r]
            assert len(gin) == 1, f"expected one GIN request per observatory-month: {gin}"
            check_outputs(workdir, yaml.safe_load(configfile.read_text()))
            again = snakemake(workdir, configfile, "--dry-run")
            assert "Nothing to be done" in again.stdout + again.stderr, again.stdout
            if args.report_out is not None:
                check_report(workdir, configfile, snakemake, args.report_out.resolve())
        print("workflow-test: OK, outputs checked and a second run has nothing to do")
        return 0
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
