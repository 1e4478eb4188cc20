"""The paper rehearsal: `config/paper.yaml` end to end against local stand-ins (issue 11).

A scratch copy of the workflow runs `config/paper.yaml` with `tests/config/rehearsal.yaml` laid
over it (service URLs, periods and training sizes only; that file says what and why). Every
service the paper's configuration downloads from is a stand-in on 127.0.0.1
(tests/fake_services.py): BGS GIN serves generator-written IAGA-2002 months of DUR and IZN,
the FDSN event service answers its queries from a catalog made here (a synthetic
Gutenberg-Richter catalog around each observatory at the paper's density, beside the real
global USGS M >= 4.8 events of the mission periods), GFZ serves the real Kp history. The files
users obtain by hand - MLR from NIEP, DEMETER and CSES after registration - are written by the
generator in the real layouts into the `source: local` directories.

Checks: snakemake exits 0, every rule of the paper's DAG ran (a benchmark file per rule),
every figure and table of both papers exists, the paper-only paths ran (month windows, the
random split, the unfiltered sweep, the softmax Dense-64), every download went through the
stand-ins, and a second invocation has nothing to do.

`--scale full` serves the paper's own periods instead (`make rehearsal`, by hand; issue 11's
full-scale measurement): it writes a per-rule table of jobs, wall time and peak RSS.
`--until RULE ...` runs only the jobs those rules depend on (snakemake's --until), e.g. the
data layer with `--until split_ground split_satellite`; the checks then cover what that dry
run planned: its jobs all ran, the downloads went through the stand-ins, a second invocation
has nothing to do (the papers' figures and tables are not planned, so not checked).
`--period NAME=START:END` moves one observatory's or mission's period at full scale (a
scaled-down measurement, to extrapolate per month). `--dry-run-only` stops after planning.
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from fake_services import FakeServices
from run_workflow import copy_workflow, run_captured

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "config/paper.yaml"
OVERLAY = ROOT / "tests/config/rehearsal.yaml"
KP_SOURCE = ROOT / "data/kp/celestrak_SW-All.txt"
GLOBAL_CATALOGS = {
    # mission -> the bundled real USGS export that covers its period (M >= 4.8 / M >= 5)
    "DEMETER": ROOT
    / "data/catalog/usgs_M4.8plus_depth40_global_2004-07_2010-11_demeter-analysis.csv",
    "CSES": ROOT / "data/catalog/usgs_M5plus_global_2013-07_2024-07_webvalley_eq.csv",
}
# Mainshocks per year within 1.5 x the selection radius, chosen so that the selection keeps
# about the paper's events per year (DUR 119 in 2007-2020, IZN 132 in 2016-2021, MLR 40 in
# 2013-2019) in the draws of the seeds below: the outer ring holds 55 % of the area, and
# aftershock sequences add a variable share (tests/run_rehearsal.py prints the counts; at 45 a
# year IZN selected 110 on 2026-12-02, hence 54).
PAPER_DENSITY = {"DUR": 14.0, "IZN": 54.0, "MLR": 13.0}
# The small rehearsal holds half a year per observatory: at the paper's density MLR selected
# no event there (twice), and IZN's would leave no quiet week. It runs every observatory at
# 24 mainshocks a year instead, about 8 selected events in the half year each.
SMALL_RATE_PER_YEAR = 24.0
# Definitive observatory minute data have few gaps: one every 50 days, mostly under 3 min
# (the generator's default, 0.3 a day, leaves no month window without a long gap).
DEFINITIVE_GAPS = {"rate_per_day": 0.02, "short_fraction": 0.85}
# Periods of the full-scale rehearsal: the paper's text and Figure 1.
FULL_PERIODS = {
    "DUR": ("2007-01-01", "2020-12-31"),
    "IZN": ("2016-01-01", "2021-12-31"),
    "MLR": ("2013-01-01", "2019-12-31"),
    "DEMETER": ("2005-01-01", "2010-12-31"),
    "CSES": ("2018-08-01", "2020-06-30"),
}


def deep_merge(base: dict, over: dict) -> dict:
    """``over`` laid on ``base`` key by key, as Snakemake merges several --configfile."""
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_overlay(
    base: str, data: Path, scale: str, periods: dict[str, tuple[str, str]] | None = None
) -> tuple[dict, dict]:
    """The overlay with the stand-ins' address and data directory filled in, and the lists
    that the small scale replaces (``thinned_for_make_test``: dotted key -> value).
    ``periods`` (full scale only) replaces some of FULL_PERIODS."""
    text = OVERLAY.read_text().replace("{base}", base).replace("{data}", str(data))
    overlay = yaml.safe_load(text)
    thinned = overlay.pop("thinned_for_make_test")
    if scale == "full":
        chosen = {**FULL_PERIODS, **(periods or {})}
        for section in ("observatories", "satellites"):
            for name, entry in overlay[section].items():
                entry["start"], entry["end"] = chosen[name]
        thinned = {}
    elif periods:
        raise ValueError(f"--period {sorted(periods)}: only with --scale full")
    return overlay, thinned


def rehearsal_config(paper: dict, overlay: dict, thinned: dict) -> dict:
    """paper.yaml with the overlay laid over it, then the thinned lists put in place (a merge
    cannot drop a dataset of the paper's matrix)."""
    config = deep_merge(paper, overlay)
    for dotted, value in thinned.items():
        *parents, key = dotted.split(".")
        node = config
        for name in parents:
            node = node[name]
        if key not in node:
            raise KeyError(f"{OVERLAY}: thinned_for_make_test.{dotted} is not a paper.yaml key")
        node[key] = copy.deepcopy(value)
    return config


def standin_catalog(config: dict, out_csv: Path, scale: str = "full") -> pd.DataFrame:
    """The FDSN stand-in's catalog in the USGS csv layout: synthetic local seismicity around
    each observatory over its period, and the real global events of each mission period."""
    from eqprecursors.io.catalogs import read_catalog
    from eqprecursors.synthetic.earthquakes import simulate_catalog

    frames = []
    for number, (code, site) in enumerate(sorted(config["observatories"].items()), start=1):
        frames.append(
            simulate_catalog(
                latitude=site["latitude"],
                longitude=site["longitude"],
                radius_km=1.5 * site["selection"]["max_distance_km"],
                start=site["start"],
                end=site["end"],
                rate_per_year=PAPER_DENSITY[code] if scale == "full" else SMALL_RATE_PER_YEAR,
                min_magnitude=site["selection"]["min_magnitude"],
                seed=number,  # a catalog's event ids derive from its seed: one each
                site_name=site["name"],
            )
        )
    columns = list(frames[0].columns)
    for mission, entry in config["satellites"].items():
        events = read_catalog(GLOBAL_CATALOGS[mission], fmt="usgs_csv")
        t = events["time"]
        keep = (t >= pd.Timestamp(entry["start"], tz="UTC")) & (
            t < pd.Timestamp(entry["end"], tz="UTC") + pd.Timedelta(days=1)
        )
        frames.append(usgs_layout(events[keep], columns))
    catalog = pd.concat(frames, ignore_index=True).drop_duplicates("id")
    catalog = catalog.sort_values("time", ascending=False, ignore_index=True)
    catalog.to_csv(out_csv, index=False, lineterminator="\n")
    return catalog


def usgs_layout(events: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A read catalog (io.catalogs columns) back in the USGS csv columns ``columns``."""
    out = pd.DataFrame(index=events.index, columns=columns)
    out["time"] = events["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    for name, source in (("latitude",) * 2, ("longitude",) * 2, ("depth", "depth_km")):
        out[name] = events[source].to_numpy()
    out["mag"] = events["magnitude"].to_numpy()
    out["magType"] = events["mag_type"].to_numpy()
    out["id"] = events["event_id"].astype(str).to_numpy()
    out["type"] = "earthquake"
    out["place"] = "real USGS event (bundled export)"
    return out


def write_local_files(config: dict, catalog: pd.DataFrame, data: Path) -> None:
    """What users obtain by hand, written by the generator in the real layouts: MLR's IAGA-2002
    days from NIEP and the DEMETER / CSES half-orbit files."""
    from eqprecursors.io import kp as kp_io
    from eqprecursors.io.catalogs import read_catalog
    from eqprecursors.synthetic.ground import generate_ground
    from eqprecursors.synthetic.satellite import generate_satellite

    kp = kp_io.read_kp(KP_SOURCE, fmt="celestrak")
    events_csv = data / "standin_catalog.csv"
    events = read_catalog(events_csv, fmt="usgs_csv")
    defaults = yaml.safe_load((ROOT / "config/config.yaml").read_text())["synthetic"]
    for code, site in config["observatories"].items():
        if site["source"] != "local":
            continue
        out = Path(site["path"]).parent
        generate_ground(
            out,
            iaga_code=code,
            station_name=site["name"],
            latitude=site["latitude"],
            longitude=site["longitude"],
            elevation=site["elevation"],
            start=site["start"],
            end=site["end"],
            kp=kp,
            events=events,
            seed=defaults["seed"],
            gaps=DEFINITIVE_GAPS,
            injection=defaults["injection"]["ground"],
        )
    for entry in config["satellites"].values():
        generate_satellite(
            entry["path"],
            mission=entry["mission"],
            start=entry["start"],
            end=entry["end"],
            kp=kp,
            events=events,
            injection=defaults["injection"]["satellite"],
            seed=defaults["seed"],
            sample_s=config["satellite_study"]["cadence_s"],
            # the reader's format is the layout users obtain: DEMETER's Level-1 binary
            file_format="demeter_l1" if entry["format"] == "demeter_l1" else None,
        )


def snakemake(
    workdir: Path, configfiles: list[Path], *args: str, until: list[str] | None = None
) -> subprocess.CompletedProcess:
    """A snakemake run in ``workdir``; ``until``: only the jobs these rules depend on. Its
    process group is killed on a timeout (jobs inherit the output pipes)."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile"]
    cmd += [str(c) for c in configfiles] + list(args)
    if until:
        cmd += ["--until", *until]
    print("+", " ".join(cmd), flush=True)
    return run_captured(cmd, cwd=workdir, timeout_s=3 * 3600)


def write_config(workdir: Path, config: dict, name: str) -> Path:
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def dag_rules(
    workdir: Path, config: dict, name: str, until: list[str] | None = None
) -> dict[str, int]:
    """Rule -> jobs of a dry run of ``config`` (with the run's ``until``)."""
    dry = snakemake(workdir, [write_config(workdir, config, name)], "--dry-run", until=until)
    if until and "Out of jobs ready to be started" in dry.stdout + dry.stderr:
        # Snakemake 9.27 (snakemake#823) when one --until rule is upstream of another
        raise SystemExit(
            f"--until {' '.join(until)}: name only the last rules of what should run; a rule "
            "upstream of another named rule makes Snakemake stop with 'Out of jobs ready to "
            "be started' (e.g. baselines_ground beside metrics_table_ground, which needs it)"
        )
    assert dry.returncode == 0, dry.stdout[-4000:] + dry.stderr[-4000:]
    return job_counts(dry.stdout)


def job_counts(dry_run_output: str) -> dict[str, int]:
    """Rule -> jobs from the "Job stats" table that a dry run prints."""
    counts = {}
    table = dry_run_output.split("Job stats:")[1]
    for line in table.splitlines()[3:]:
        match = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if match is None or match[1] == "total":
            break
        counts[match[1]] = int(match[2])
    return counts


def nothing_to_do(dry_run_output: str) -> bool:
    """A dry run found no job: "Nothing to be done", or (with --until, which prints no
    such line) a "Job stats" table with no rule in it."""
    if "Nothing to be done" in dry_run_output:
        return True
    return "Job stats:" in dry_run_output and not job_counts(dry_run_output)


def executed_jobs(run_log: str) -> dict[str, list[str]]:
    """Rule -> the benchmark files of its jobs that this run executed (Snakemake's log
    prints each job as "rule X:" or "localrule X:" with its "benchmark:" line)."""
    jobs: dict[str, list[str]] = {}
    rule = None
    for line in run_log.splitlines():
        match = re.fullmatch(r"(?:local)?rule (\w+):", line.strip())
        if match:
            rule = match[1]
            jobs.setdefault(rule, [])
        elif rule and line.strip().startswith("benchmark: "):
            jobs[rule].append(line.strip().removeprefix("benchmark: "))
    return jobs


def check_rehearsal(
    workdir: Path, config: dict, rules: dict[str, int], jobs, requests, whole_dag: bool = True
):
    """Every planned job of every rule ran, every download went through the stand-ins, and,
    when the whole DAG ran (no --until), every figure and table of both papers exists and
    the paper-only paths ran."""
    ran = {rule: len(benchmarks) for rule, benchmarks in jobs.items()}
    assert {r: n for r, n in rules.items() if r != "all"} == {
        r: n for r, n in ran.items() if r != "all"
    }, f"planned {rules}, ran {ran}"
    check_requests(config, rules, requests)
    if whole_dag:
        check_papers(workdir)


def check_papers(workdir: Path) -> None:
    """Every figure and table of both papers exists, and the paper-only paths ran."""
    missing = [p for p in published_outputs() if not (workdir / p).exists()]
    assert not missing, f"figures or tables of the papers missing: {missing}"
    for path in published_outputs():
        if path.endswith(".pdf"):
            assert (workdir / path).read_bytes()[:5] == b"%PDF-", path
            assert (workdir / path).stat().st_size > 5000, f"{path}: an empty drawing?"
        else:
            assert len(pd.read_csv(workdir / path)) > 0, f"{path}: no rows"
    metrics = pd.read_csv(workdir / "results/tables/ground/metrics.csv")
    assert (metrics["split"] == "random").all(), metrics["split"].unique()
    assert "month" in set(metrics["window"]), metrics["window"].unique()
    assert "unfiltered" in set(metrics["filter"]), metrics["filter"].unique()
    table2 = pd.read_csv(workdir / "results/tables/ground/table2_model.csv")
    assert table2.astype(str).apply(lambda c: c.str.contains("softmax")).any().any(), table2


def check_requests(config: dict, rules: dict[str, int], requests) -> None:
    """The planned downloads went through the stand-ins: one GIN request per observatory
    month, the FDSN event service and GFZ's Kp file (each where its rule was planned)."""
    if "download_intermagnet" in rules:
        gin = {r for r in requests if "GINServices" in r}
        observatories = [c for c, s in config["observatories"].items() if s["source"] != "local"]
        expected_gin = sum(len(months(config["observatories"][c])) for c in observatories)
        assert len(gin) == expected_gin, f"{len(gin)} GIN requests, expected {expected_gin}"
    if {"download_catalog", "download_satellite_catalog"} & set(rules):
        assert any("fdsnws/event" in r for r in requests), "no FDSN request"
    if "download_kp" in rules:
        assert any("Kp_ap_Ap_SN_F107" in r for r in requests), "no GFZ Kp request"


def published_outputs() -> list[str]:
    """Every figure (as PDF) and table (as CSV) of both papers, from the planning code's own
    lists: the ground study's Figures 1-8, S1 and Tables 1-2 with the metrics table, the
    satellite study's Figures 1-8 and 7s and Tables 1, 2 and S1."""
    from eqprecursors.ground import plan as ground
    from eqprecursors.satellite import layout as satellite

    figures = [ground.figure_file(f, "pdf") for f in (*ground.FIGURES, ground.VARIANTS_FIGURE)]
    figures += [satellite.figure_file(f, "pdf") for f in satellite.FIGURES]
    tables = [ground.table_file(t, "csv") for t in (*ground.TABLES, ground.VARIANTS_TABLE)]
    tables += [satellite.table_file(t, "csv") for t in satellite.TABLES]
    return figures + tables


def months(site: dict) -> list[str]:
    return [str(p) for p in pd.period_range(site["start"], site["end"], freq="M")]


def selected_events(workdir: Path, config: dict) -> dict[str, int]:
    """Observatory -> events that the catalog selection kept (results/catalog/ground)."""
    counts = {}
    for code in config["observatories"]:
        path = workdir / f"results/catalog/ground/{code}.csv"
        if path.exists():
            counts[code] = len(pd.read_csv(path))
    return counts


def parse_period(text: str) -> tuple[str, tuple[str, str]]:
    """``NAME=START:END`` (--period) -> (NAME, (START, END))."""
    match = re.fullmatch(r"(\w+)=(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})", text)
    if match is None or match[1] not in FULL_PERIODS:
        raise argparse.ArgumentTypeError(
            f"--period {text!r}: expected NAME=YYYY-MM-DD:YYYY-MM-DD, NAME one of "
            f"{sorted(FULL_PERIODS)}"
        )
    return match[1], (match[2], match[3])


def benchmark_table(workdir: Path, jobs: dict[str, list[str]]) -> pd.DataFrame:
    """Per rule: jobs, summed and largest wall time (s), and the largest peak RSS (MB)."""
    rows = []
    for rule, files in jobs.items():
        if not files:
            continue
        done = [workdir / p for p in files if (workdir / p).exists()]  # a failed job has none
        if not done:
            continue
        bench = pd.concat([pd.read_csv(p, sep="\t") for p in done], ignore_index=True)
        rows.append(
            dict(
                rule=rule,
                jobs=len(done),
                wall_s_total=round(float(bench["s"].sum()), 1),
                wall_s_max=round(float(bench["s"].max()), 1),
                max_rss_mb=round(float(pd.to_numeric(bench["max_rss"], "coerce").max()), 1),
            )
        )
    columns = ["rule", "jobs", "wall_s_total", "wall_s_max", "max_rss_mb"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("wall_s_total", ascending=False, ignore_index=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=["small", "full"], default="small")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--table", type=Path, help="write the per-rule benchmark table here")
    parser.add_argument(
        "--until",
        nargs="+",
        metavar="RULE",
        help="run only the jobs these rules depend on (snakemake --until); name the last "
        "rules only, none upstream of another",
    )
    parser.add_argument(
        "--period",
        action="append",
        type=parse_period,
        default=[],
        metavar="NAME=START:END",
        help="full scale: this period for one observatory or mission instead of the paper's",
    )
    parser.add_argument(
        "--dry-run-only", action="store_true", help="plan (dry runs) and check the rule set only"
    )
    args = parser.parse_args()
    periods = dict(args.period)

    workdir = Path(tempfile.mkdtemp(prefix=f"eqprecursors-rehearsal-{args.scale}-"))
    data = workdir / "standin"
    data.mkdir()
    try:
        copy_workflow(workdir)
        paper = yaml.safe_load(PAPER.read_text())
        started = time.monotonic()
        plan = rehearsal_config(
            paper, *resolve_overlay("http://placeholder", data, args.scale, periods)
        )
        catalog = standin_catalog(plan, data / "standin_catalog.csv", args.scale)
        write_local_files(plan, catalog, data)
        print(f"stand-in data written in {time.monotonic() - started:.0f} s", flush=True)
        sites = {
            code: {k: site[k] for k in ("latitude", "longitude", "elevation", "start", "end")}
            for code, site in plan["observatories"].items()
            if site["source"] == "intermagnet"
        }
        with FakeServices(
            observatories=sites,
            catalog_csv=data / "standin_catalog.csv",
            gaps=DEFINITIVE_GAPS,
            full_kp_history=True,
        ) as svc:
            overlay, thinned = resolve_overlay(svc.base, data, args.scale, periods)
            paper_rules = dag_rules(
                workdir, deep_merge(paper, overlay), "paper-lists", until=args.until
            )
            config = rehearsal_config(paper, overlay, thinned)
            configs = [write_config(workdir, config, "rehearsal-config")]
            rules = dag_rules(workdir, config, "rehearsal-config", until=args.until)
            # the thinned lists must leave no rule of the paper's DAG out
            assert set(rules) == set(paper_rules), set(paper_rules) ^ set(rules)
            scope = f"until {' '.join(args.until)}" if args.until else "paper DAG"
            print(f"{scope}: {sum(rules.values())} jobs, {len(rules)} rules", flush=True)
            print("planned: " + ", ".join(f"{r} {n}" for r, n in sorted(rules.items())))
            if args.dry_run_only:
                print(f"rehearsal ({args.scale}): planned only (--dry-run-only)")
                return 0
            started = time.monotonic()
            run = snakemake(workdir, configs, "--keep-going", until=args.until)
            print(f"run took {time.monotonic() - started:.0f} s", flush=True)
            if run.returncode != 0:
                print(run.stdout[-6000:], run.stderr[-12000:], sep="\n")
                # what did finish, for a measurement that one failed job should not lose
                print(benchmark_table(workdir, executed_jobs(run.stderr)).to_string(index=False))
                print(f"rehearsal failed with exit status {run.returncode}", file=sys.stderr)
                return 1
            jobs = executed_jobs(run.stderr)
            table = benchmark_table(workdir, jobs)
            print(table.to_string(index=False))
            if args.table is not None:
                table.to_csv(args.table, index=False)
            print(f"selected events: {selected_events(workdir, config)}", flush=True)
            check_rehearsal(workdir, config, rules, jobs, svc.requests, whole_dag=not args.until)
            again = snakemake(workdir, configs, "--dry-run", until=args.until)
            assert nothing_to_do(again.stdout + again.stderr), again.stdout[-2000:]
        ran = (
            f"every job until {' '.join(args.until)}" if args.until else "every rule of both papers"
        )
        print(f"rehearsal ({args.scale}): OK, {ran} ran")
        return 0
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
