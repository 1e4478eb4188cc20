"""The DAG the workflow builds for configurations that make test does not run for real."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def dry_run_jobs(config: dict, tmp_path: Path) -> dict[str, int]:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--dry-run", "--quiet", "rules"]
        + ["--configfile", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    jobs = {}
    for line in run.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            jobs[parts[0]] = int(parts[1])
    return jobs


def test_synthetic_catalog_is_generated_once_per_observatory(tmp_path):
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["catalog"] = {
        "source": "synthetic",
        "format": "usgs_csv",
        "synthetic": {"rate_per_year": 30, "min_magnitude": 4.0, "seed": 3},
    }
    jobs = dry_run_jobs(config, tmp_path)
    assert jobs["generate_catalog"] == len(config["observatories"])
    assert "download_catalog" not in jobs


def test_paper_config_requests_every_observatory_month(tmp_path):
    config = yaml.safe_load((ROOT / "config/paper.yaml").read_text())
    jobs = dry_run_jobs(config, tmp_path)
    # DUR 2007-2020 (168 months) and IZN 2016-2021 (72 months) via INTERMAGNET
    assert jobs.get("download_intermagnet") == 168 + 72
    assert jobs["download_catalog"] == 3
    assert "generate_ground" not in jobs
