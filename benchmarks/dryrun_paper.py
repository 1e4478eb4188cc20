"""Benchmark: the dry run of `config/paper.yaml` (issue 11: at most 10 s, printing the job count).

Why: users plan a paper-scale run from this dry run, and every Snakemake invocation (each
SLURM job included) pays the DAG's parse and planning time. The in-run baseline is the dry
run of the default `config/config.yaml` on the same checkout, so the ratio says what the
paper's DAG costs beyond the default's. Best of three rounds each, interleaved.

Last line printed: ``dryrun_paper: <s> s for <jobs> jobs (<ratio>x the default's <s> s for
<jobs> jobs)``. Run from the repository root: ``.venv/bin/python benchmarks/dryrun_paper.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3


def dry_run(configfile: str) -> tuple[float, int]:
    """Wall seconds and the job total of one `snakemake -n` (no lock, so a run may go on)."""
    cmd = [sys.executable, "-m", "snakemake", "-n", "--nolock", "--configfile", configfile]
    start = time.perf_counter()
    run = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, timeout=300)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"dry run of {configfile} failed:\n{run.stderr[-3000:]}")
    match = re.search(r"^total\s+(\d+)$", run.stdout, flags=re.MULTILINE)
    if match is None:
        raise SystemExit(f"dry run of {configfile} printed no job total")
    return elapsed, int(match[1])


def main() -> None:
    paper, default = [], []
    for _ in range(ROUNDS):
        paper.append(dry_run("config/paper.yaml"))
        default.append(dry_run("config/config.yaml"))
    (p_s, p_jobs), (d_s, d_jobs) = min(paper), min(default)
    print(
        f"dryrun_paper: {p_s:.2f} s for {p_jobs} jobs "
        f"({p_s / d_s:.2f}x the default's {d_s:.2f} s for {d_jobs} jobs)"
    )


if __name__ == "__main__":
    main()
