"""Run every benchmark in ``benchmarks/`` and summarise their last lines.

Why: one command (``make bench``) gives the whole performance picture, each number next to
the baseline measured in the same run on the same machine, so a table from a loaded or
different machine still says something. Each benchmark runs as a subprocess (with a
timeout); its last ``<name>: ...`` line of stdout is parsed into a record ``{name, line,
metrics, baseline, ratio, seconds, exit_status, goal, met}``. Writes ``summary.json``
(records and the machine: CPU model, cores, memory, Python and TensorFlow versions, load,
date) and ``summary.md`` (the Markdown table for the README) to ``--out``.

Run from the repository root: ``.venv/bin/python benchmarks/run_all.py [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NUM = r"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"


@dataclass(frozen=True)
class Bench:
    """One benchmark script, the pattern of its last line and its goal (if issue 12 has one)."""

    name: str
    script: str
    pattern: str  # named groups become metrics; ``ratio`` is the in-run ratio
    baseline: str
    goal: str = ""
    timeout_s: int = 900

    def met(self, m: dict[str, float]) -> bool | None:
        """Whether the goal is met; None when there is no goal."""
        checks = {
            "decode_iaga": lambda: m["ratio"] >= 1.8,
            "generate": lambda: m["years_per_s"] > 0.1,
            "train_ground": lambda: m["ratio"] >= 0.5 and m["stall_pct"] < 5.0,
            "train_satellite": lambda: m["worst_s"] < 30.0,
            "dryrun_paper": lambda: m["seconds"] <= 10.0,
        }
        return checks[self.name]() if self.name in checks else None


BENCHES = [
    Bench(
        "decode_iaga",
        "decode_iaga.py",
        rf"decode_iaga: (?P<mb_per_s>{NUM}) MB/s, (?P<ratio>{NUM})x pandas",
        'pandas read_csv (C parser, sep=r"\\s+")',
        "≥ 1.8× pandas",
    ),
    Bench(
        "generate",
        "generate.py",
        rf"generate: (?P<years_per_s>{NUM}) years/s \((?P<ratio>{NUM})x the raw write of the "
        rf"same (?P<files>\d+) files, (?P<baseline_s>{NUM}) s\)",
        "raw write of the same files' bytes",
        "one year < 10 s",
    ),
    Bench(
        "label",
        "label.py",
        rf"label: (?P<seconds>{NUM}) s for (?P<windows>\d+) windows of a decoded year "
        rf"\((?P<ratio>{NUM})x the numpy read\+copy floor (?P<baseline_s>{NUM}) s\)",
        "numpy read of the netCDF + copy of the same windows",
    ),
    Bench(
        "train_ground",
        "train_ground.py",
        rf"train_ground: (?P<samples_per_s>{NUM}), (?P<gflops>{NUM}) = (?P<ratio>{NUM}) of "
        rf"GEMM peak, input stall (?P<stall_pct>{NUM})%",
        "float32 GEMM peak (tf.linalg.matmul)",
        "≥ 0.5 of GEMM peak, stall < 5 %",
    ),
    Bench(
        "train_satellite",
        "train_satellite.py",
        rf"train_satellite: (?P<sequences_per_s>{NUM}); tuning trial (?P<median_trial_s>{NUM}) s "
        rf"\(max (?P<max_trial_s>{NUM}) s of (?P<trials>\d+)\), worst case (?P<worst_s>{NUM}) s",
        "none in-run (see tuning_trial)",
        "worst-case trial < 30 s",
    ),
    Bench(
        "tuning_trial",
        "tuning_trial.py",
        rf"tuning_trial: (?P<seconds>{NUM}) s for one trial \((?P<ratio>{NUM})x the plain "
        rf"fit's (?P<baseline_s>{NUM}) s\)",
        "plain fit of the same drawn model",
    ),
    Bench(
        "dryrun_paper",
        "dryrun_paper.py",
        rf"dryrun_paper: (?P<seconds>{NUM}) s for (?P<jobs>\d+) jobs \((?P<ratio>{NUM})x the "
        rf"default's (?P<baseline_s>{NUM}) s for (?P<baseline_jobs>\d+) jobs\)",
        "dry run of config/config.yaml",
        "≤ 10 s",
    ),
]


def last_line(name: str, stdout: str) -> str | None:
    """The last stdout line that starts with ``<name>:`` (progress lines come before it)."""
    lines = [ln.strip() for ln in stdout.splitlines() if ln.strip().startswith(f"{name}:")]
    return lines[-1] if lines else None


def parse(bench: Bench, stdout: str, exit_status: int, seconds: float) -> dict[str, Any]:
    """One record from a benchmark's stdout; ``error`` says why a record has no metrics."""
    rec: dict[str, Any] = {
        "name": bench.name,
        "script": f"benchmarks/{bench.script}",
        "line": last_line(bench.name, stdout),
        "metrics": {},
        "baseline": bench.baseline,
        "ratio": None,
        "seconds": round(seconds, 2),
        "exit_status": exit_status,
        "goal": bench.goal or None,
        "met": None,
        "error": None,
    }
    if rec["line"] is None:
        rec["error"] = f"benchmarks/{bench.script} printed no line starting with {bench.name!r}:"
    elif (match := re.search(bench.pattern, rec["line"])) is None:
        rec["error"] = f"benchmarks/{bench.script}: last line does not match {bench.pattern!r}"
    else:
        rec["metrics"] = {k: float(v) for k, v in match.groupdict().items()}
        rec["ratio"] = rec["metrics"].get("ratio")
        rec["met"] = bench.met(rec["metrics"])
    if exit_status != 0 and rec["error"] is None:
        rec["error"] = f"benchmarks/{bench.script} exited with status {exit_status}"
    if rec["error"] is not None and bench.goal:
        rec["met"] = False  # a goal that could not be measured is not met
    return rec


def run(bench: Bench, python: str) -> dict[str, Any]:
    """Run one benchmark; its output goes to our stderr too, so a long run shows progress."""
    cmd = [python, str(ROOT / "benchmarks" / bench.script)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, text=True, capture_output=True, timeout=bench.timeout_s
        )
        stdout, status = proc.stdout, proc.returncode
        sys.stderr.write(proc.stderr[-2000:])
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        status = 124
    seconds = time.perf_counter() - t0
    sys.stderr.write(stdout)
    rec = parse(bench, stdout, status, seconds)
    if status == 124:
        rec["error"] = f"benchmarks/{bench.script} timed out after {bench.timeout_s} s"
    return rec


def _proc_fields(path: str) -> dict[str, str]:
    """The first value of each ``key: value`` line ("model" and "model name" kept apart)."""
    fields: dict[str, str] = {}
    try:
        for line in Path(path).read_text().splitlines():
            name, sep, value = line.partition(":")
            if sep:
                fields.setdefault(name.strip(), value.strip())
    except OSError:
        pass
    return fields


def cpu_generation(cpuinfo: str | dict[str, str] = "/proc/cpuinfo") -> str | None:
    """CPU family/model and widest SIMD: "AMD EPYC" alone hides why GEMM peaks differ 2x.

    On two draws of this project's machine, both "AMD EPYC", one thread's GEMM peak was
    229 and 111 GFLOP/s, and training's share of it differed with the backward kernels.
    ``cpuinfo``: a path, or its fields already read.
    """
    fields = _proc_fields(cpuinfo) if isinstance(cpuinfo, str) else cpuinfo
    family, model = fields.get("cpu family"), fields.get("model")
    flags = set(fields.get("flags", "").split())
    simd = next(
        (f for f in ("avx512f", "avx2", "avx", "sse4_2", "neon", "asimd") if f in flags), None
    )
    parts = [f"family {family} model {model}" if family and model else None, simd]
    return ", ".join(p for p in parts if p) or None


def machine() -> dict[str, Any]:
    """What the numbers were measured on; load average says how busy it was."""
    mem = _proc_fields("/proc/meminfo").get("MemTotal")
    cpuinfo = _proc_fields("/proc/cpuinfo")
    tf = None
    for dist in ("tensorflow", "tensorflow-cpu", "tensorflow-intel"):  # one module, many wheels
        try:
            tf = metadata.version(dist)
            break
        except metadata.PackageNotFoundError:
            continue
    return {
        "cpu": cpuinfo.get("model name") or platform.processor() or None,
        "cpu_generation": cpu_generation(cpuinfo),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": round(int(mem.split()[0]) / 1024**2, 1) if mem else None,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3g}"


def markdown(records: list[dict[str, Any]], host: dict[str, Any]) -> str:
    """The README table: result line, in-run baseline, ratio, goal and whether it is met."""
    met = {True: "pass", False: "**fail**", None: "—"}
    rows = [
        f"Measured {host['date']} on {host['cpu']} ("
        + (f"{host['cpu_generation']}; " if host.get("cpu_generation") else "")
        + f"{host['cores']} cores, "
        f"{host['memory_gib']} GiB, load average {host['load_average_1m']} at the start), "
        f"Python {host['python']}, TensorFlow {host['tensorflow']}.",
        "",
        "| benchmark | last line | in-run baseline | ratio | goal | met | wall s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        line = f"`{r['line']}`" if r["line"] else f"({r['error']})"
        if r["line"] and r["error"]:
            line += f" ({r['error']})"
        line = line.replace("|", "\\|")
        rows.append(
            f"| {r['name']} | {line} | {r['baseline']} | {_fmt(r['ratio'])} "
            f"| {r['goal'] or '—'} | {met[r['met']]} | {r['seconds']:.0f} |"
        )
    return "\n".join(rows) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks")
    ap.add_argument("--only", nargs="+", choices=[b.name for b in BENCHES], default=None)
    ap.add_argument(
        "--table-from", type=Path, default=None, help="re-render summary.md from a summary.json"
    )
    args = ap.parse_args(argv)
    if args.table_from is not None:
        saved = json.loads(args.table_from.read_text())
        table = markdown(saved["benchmarks"], saved["machine"])
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "summary.md").write_text(table)
        print(table, end="")
        return 0
    host = machine()
    records = [run(b, sys.executable) for b in BENCHES if not args.only or b.name in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(
        json.dumps({"machine": host, "benchmarks": records}, indent=2, ensure_ascii=False) + "\n"
    )
    table = markdown(records, host)
    (args.out / "summary.md").write_text(table)
    print(table, end="")
    failed = [r["name"] for r in records if r["error"]]
    if failed:
        print(f"benchmarks that did not finish cleanly: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
