"""The lines a finished workflow run ends with: each study, its size and where its outputs are.

The Snakefile's ``onsuccess:`` handler prints them, so ``make run`` and a plain
``snakemake --cores N`` both end by saying what finished and where to look. The outputs are
``rule all``'s own target lists (the plans'), so the lines cannot drift from the DAG; a study
whose targets are not all on disk (a run asked for only part of the DAG) says how many are
missing instead of claiming it finished. Standard library only, like the plans.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from eqprecursors.evaluation import alarm_plan, sensitivity_plan
from eqprecursors.ground import plan as ground_plan
from eqprecursors.satellite import plan as satellite_plan

REPORT = "results/report.html"


def _kind(path: str) -> str:
    """``figures``, ``tables`` or ``results``: by the folder the file is in."""
    parts = path.split("/")[:-1]
    for kind in ("figures", "tables"):
        if kind in parts:
            return kind
    return "results"


def where(targets: Iterable[str]) -> str:
    """``tables in results/tables/ground/, figures in results/figures/ground/``."""
    dirs: dict[str, dict[str, None]] = {}
    for path in targets:
        dirs.setdefault(_kind(path), {})[os.path.dirname(path) + "/"] = None
    return ", ".join(
        f"{kind} in {' and '.join(dirs[kind])}"
        for kind in ("tables", "figures", "results")
        if kind in dirs
    )


def study_line(
    name: str,
    targets: Sequence[str],
    counts: dict[str, int],
    *,
    exists: Callable[[str], bool] = os.path.exists,
) -> str | None:
    """One study's line (None when the config has no such study).

    ``counts`` maps a unit (``runs``, ``points``) to how many; zero counts are left out.
    """
    if not targets:
        return None
    size = ", ".join(f"{n} {unit}" for unit, n in counts.items() if n)
    missing = [t for t in targets if not exists(t)]
    if missing:
        return (
            f"{name} study: not finished, {len(missing)} of {len(targets)} outputs missing "
            f"(first: {missing[0]})"
        )
    return f"{name} study: finished{', ' + size if size else ''}; {where(targets)}"


def satellite_runs(config: dict) -> int:
    """Classifiers trained and scored once each: every Table 1, Table 2 and Figure 6 run."""
    if "satellite_study" not in config:
        return 0
    runs = (
        satellite_plan.performance_runs(config)
        + satellite_plan.classifier_runs(config, with_main=True)
        + satellite_plan.transfer_runs(config)
    )
    return len({r["key"] for r in runs})


def studies(config: dict) -> list[tuple[str, list[str], dict[str, int]]]:
    """(name, rule all's targets of the study, its counts) for the four studies."""
    ground = "ground_cnn" in config
    return [
        (
            "ground",
            ground_plan.ground_cnn_targets(config) if ground else [],
            {
                "runs": len(ground_plan.all_cnn_runs(config)) if ground else 0,
                "learning-curve runs": len(ground_plan.learning_curve_run_dicts(config))
                if ground
                else 0,
            },
        ),
        (
            "satellite",
            satellite_plan.targets(config) if "satellite_study" in config else [],
            {"runs": satellite_runs(config)},
        ),
        (
            "sensitivity",
            sensitivity_plan.targets(config),
            {
                f"{s} points": len(sensitivity_plan.points(config, s))
                for s in sensitivity_plan.studies(config)
            },
        ),
        ("alarms", alarm_plan.targets(config), {"Molchan diagrams": _molchan(config)}),
    ]


def _molchan(config: dict) -> int:
    return sum(t.endswith(".json") for t in alarm_plan.targets(config))


def summary_lines(config: dict, *, exists: Callable[[str], bool] = os.path.exists) -> list[str]:
    """The study lines, then how the report is built (``make run`` then says where it is).

    The report is built after the run, by a second snakemake call, so an existing
    ``results/report.html`` here may be an old one; the line says how to build it.
    """
    lines = [
        line
        for name, targets, counts in studies(config)
        if (line := study_line(name, targets, counts, exists=exists)) is not None
    ]
    lines.append(f"Report: `snakemake --report {REPORT}` builds it (make run does that next)")
    return lines
