"""Cross-key checks of a configuration, made when the workflow starts.

The schema (schemas/config.schema.yaml) checks each key on its own; these check keys against
each other: names that must be defined elsewhere, periods, filter corners against the
Nyquist frequency of the minute data they filter, windows and experiments that could cut no
data. A broken config then fails before any job, with every problem listed at once and each
naming its key, instead of a traceback from an input function or a rule failing hours in.

:func:`check_config` is the one entry point (rules/common.smk): the ground problems of
:func:`problems` and those of the other rooms' ``check_config`` functions, passed in
(ground imports no other room), which stop at their first problem. Standard library only,
like :mod:`eqprecursors.ground.plan`: building the DAG imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from eqprecursors.ground import plan

GROUND_CADENCE_S = 60
"""Ground records are minute data (the config sets no other ground cadence); equal to
``eqprecursors.ground.windows.CADENCE_S`` (tests/test_config_checks.py)."""
NYQUIST_CPD = 86400 / GROUND_CADENCE_S / 2
"""720 cycles per day: a filter corner must lie below it."""
NYQUIST_MHZ = 1000 / GROUND_CADENCE_S / 2
"""8.33 mHz: the injected ULF band (``band_mhz``) must end at or below it."""
FILTER_CORNERS = {"highpass": 1, "lowpass": 1, "bandpass": 2}
"""Corners per filter type (= ``eqprecursors.ground.filters._FILTER_TYPES``)."""


def check_config(config: dict, *others: Callable[[dict], None]) -> None:
    """Raise one ValueError listing every problem of ``config`` (validated, defaults filled).

    ``others`` are the other rooms' checks (satellite, alarms, sensitivity): each raises a
    ValueError at its first problem, which joins the list. One that trips over a problem
    already listed (a name that is not defined) is cut short and says so.
    """
    found = problems(config)
    for check in others:
        try:
            check(config)
        except ValueError as exc:
            found.append(str(exc))
        except (KeyError, IndexError, TypeError) as exc:
            if not found:
                raise
            found.append(
                f"({check.__module__}.{check.__name__} stopped early at {exc}, most likely "
                "one of the problems above)"
            )
    found = list(dict.fromkeys(found))
    if found:
        listed = "\n".join(f"- {p}" for p in found)
        raise ValueError(f"config: {len(found)} problem(s), each naming its key:\n{listed}")


def problems(config: dict) -> list[str]:
    """Every ground-side problem: periods, names, filters, the figure weeks, windows."""
    records, found = periods(config)
    found += injection_band_problems(config)
    found += overview_problems(config, records)
    if "ground_cnn" in config:
        found += reference_problems(config)
        found += filter_problems(config)
        found += figure_week_problems(config, records)
        found += window_problems(config, records)
        for planner in (plan.figure_filter, plan.learning_curve_fractions, plan.variant_run_dicts):
            try:
                planner(config)
            except ValueError as exc:
                found.append(str(exc))
    return found


# ---------------------------------------------------------------------------- periods
def _date(value, key: str, found: list[str]) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        found.append(f"{key}: {value!r} is not a date (YYYY-MM-DD)")
        return None


def _period(entry: dict, where: str, found: list[str], keys: tuple[str, str] | None = None):
    """(first, last) day of ``entry``'s start and end, or None with a problem when one is
    not a date or the end comes before the start; ``keys`` name them where they do not
    both live under ``where``."""
    start_key, end_key = keys or (f"{where}.start", f"{where}.end")
    first = _date(entry["start"], start_key, found)
    last = _date(entry["end"], end_key, found)
    if first is None or last is None:
        return None
    if last < first:
        found.append(f"{end_key}: {last} is before {start_key} {first}")
        return None
    return first, last


def periods(config: dict) -> tuple[dict[str, tuple[date, date]], list[str]]:
    """The observatories' records (code -> first and last day, both inclusive) whose
    periods are sound, and the problems of every start/end pair of the config."""
    found: list[str] = []
    records = {}
    for obs, site in config["observatories"].items():
        period = _period(site, f"observatories.{obs}", found)
        if period is not None:
            records[obs] = period
    satellites = config.get("satellites") or {}
    for sat, entry in satellites.items():
        _period(entry, f"satellites.{sat}", found)
    sweep = (config.get("sensitivity") or {}).get("satellite") or {}
    mission = sweep.get("mission") or {}
    datasets = (config.get("satellite_study") or {}).get("datasets") or {}
    sat = datasets.get(sweep.get("dataset"), {}).get("satellite")
    if ({"start", "end"} & set(mission)) and sat in satellites:
        keys = tuple(
            f"sensitivity.satellite.mission.{k}" if k in mission else f"satellites.{sat}.{k}"
            for k in ("start", "end")
        )
        _period(dict(satellites[sat], **mission), "sensitivity.satellite.mission", found, keys)
    return records, found


def _record(obs: str, record: tuple[date, date]) -> str:
    first, last = record
    days = (last - first).days + 1
    return f"{obs} {first} to {last} ({days} days, observatories.{obs}.start/end)"


def _week_outside(start: date, record: tuple[date, date]) -> bool:
    """Does the week from ``start`` miss the record (no day in common)?"""
    first, last = record
    return not first - timedelta(days=6) <= start <= last


# ------------------------------------------------------------------------------ names
def _undefined(name: str, key: str, section: str, defined) -> str:
    return f"{key}: {name!r} is not defined under {section} ({', '.join(sorted(defined))})"


def reference_problems(config: dict) -> list[str]:
    """Observatories and filters that the study names must be defined."""
    cnn = config["ground_cnn"]
    defined = config["observatories"]
    found = [
        _undefined(obs, f"ground_cnn.observatories[{i}]", "observatories", defined)
        for i, obs in enumerate(cnn["observatories"])
        if obs not in defined
    ]
    obs = cnn["figures"]["observatory"]
    if obs not in defined:
        found.append(_undefined(obs, "ground_cnn.figures.observatory", "observatories", defined))
    e = cnn["experiments"]
    if e["sweep_dataset"] != plan.COMBINED and e["sweep_dataset"] not in cnn["observatories"]:
        found.append(
            f"ground_cnn.experiments.sweep_dataset: {e['sweep_dataset']!r} is neither "
            f"{plan.COMBINED} nor one of ground_cnn.observatories {cnn['observatories']}"
        )
    if e["sweep_filter"] not in cnn["filters"]:
        found.append(
            _undefined(
                e["sweep_filter"],
                "ground_cnn.experiments.sweep_filter",
                "ground_cnn.filters",
                cnn["filters"],
            )
        )
    return found


def overview_problems(config: dict, records: dict) -> list[str]:
    """The synthetic overview's observatory and satellite exist, its week meets the record."""
    overview = (config.get("synthetic") or {}).get("overview")
    if not overview:
        return []
    found = []
    obs, sat = overview["observatory"], overview["satellite"]
    if obs not in config["observatories"]:
        key = "synthetic.overview.observatory"
        found.append(_undefined(obs, key, "observatories", config["observatories"]))
    elif obs in records:
        start = _date(overview["start"], "synthetic.overview.start", found)
        if start is not None and _week_outside(start, records[obs]):
            found.append(
                f"synthetic.overview.start: the week from {start} is outside the record of "
                f"{_record(obs, records[obs])}"
            )
    satellites = config.get("satellites") or {}
    if sat not in satellites:
        found.append(_undefined(sat, "synthetic.overview.satellite", "satellites", satellites))
    return found


# ---------------------------------------------------------------------------- filters
def filter_problems(config: dict) -> list[str]:
    """Each of ``ground_cnn.filters`` as ``ground.filters.validate_filter`` will take it,
    corners below the Nyquist frequency of minute data (its padding is the rule's check)."""
    found = []
    for name, spec in config["ground_cnn"]["filters"].items():
        key = f"ground_cnn.filters.{name}"
        if spec["type"] == "none":
            continue
        given = [unit for unit in ("corners_cpd", "corners_hz") if unit in spec]
        if len(given) != 1:
            found.append(
                f"{key}: give corners_cpd or corners_hz, not both"
                if given
                else f"{key}: a {spec['type']} filter needs corners_cpd (cycles per day)"
            )
            continue
        unit = given[0]
        to_cpd = 86400.0 if unit == "corners_hz" else 1.0
        corners = [float(c) * to_cpd for c in spec[unit]]
        if len(corners) != FILTER_CORNERS[spec["type"]]:
            found.append(
                f"{key}.{unit}: a {spec['type']} filter needs {FILTER_CORNERS[spec['type']]} "
                f"corner(s), got {spec[unit]}"
            )
            continue
        for i, cpd in enumerate(corners):
            if cpd >= NYQUIST_CPD:
                found.append(
                    f"{key}.{unit}[{i}]: {cpd:g} cpd ({cpd / 86400:.4g} Hz) is at or above the "
                    f"Nyquist frequency {NYQUIST_CPD:g} cpd ({NYQUIST_CPD / 86400:.4g} Hz) of "
                    f"the {GROUND_CADENCE_S}-s ground data (e.g. a 1.5-cpd highpass removes "
                    "the diurnal variation)"
                )
        if spec["type"] == "bandpass" and not corners[0] < corners[1]:
            found.append(f"{key}.{unit}: bandpass corners must increase, got {spec[unit]}")
    return found


def injection_band_problems(config: dict) -> list[str]:
    """The injected ULF band of the synthetic minute data, and the sweep's override of it,
    lie below the Nyquist frequency (a band beyond it is silently cut, or empty)."""
    injection = ((config.get("synthetic") or {}).get("injection") or {}).get("ground") or {}
    sweep = ((config.get("sensitivity") or {}).get("ground") or {}).get("injection") or {}
    found = []
    for key, band in (
        ("synthetic.injection.ground.band_mhz", injection.get("band_mhz")),
        ("sensitivity.ground.injection.band_mhz", sweep.get("band_mhz")),
    ):
        if band is None:
            continue
        low, high = (float(b) for b in band)
        if not low < high:
            found.append(f"{key}: {band} must be low < high")
        elif high > NYQUIST_MHZ:
            found.append(
                f"{key}: {band} mHz ends above the Nyquist frequency {NYQUIST_MHZ:.4g} mHz of "
                f"the {GROUND_CADENCE_S}-s ground data"
            )
    return found


# --------------------------------------------------------------------- weeks, windows
def figure_week_problems(config: dict, records: dict) -> list[str]:
    """Figures 2-3's week must share days with ``figures.observatory``'s record."""
    figures = config["ground_cnn"]["figures"]
    obs = figures["observatory"]
    found: list[str] = []
    if obs not in records:  # not defined, or a broken period: said elsewhere
        return found
    start = _date(figures["week_start"], "ground_cnn.figures.week_start", found)
    if start is not None and _week_outside(start, records[obs]):
        first, last = records[obs]
        found.append(
            f"ground_cnn.figures.week_start: the week from {start} is outside {obs}'s "
            f"record ({first} to {last}, observatories.{obs}.start/end)"
        )
    return found


def _span(window: str) -> str:
    samples = plan.WINDOW_SAMPLES[window]
    minutes = samples * GROUND_CADENCE_S // 60
    return f"{minutes // 1440} days" if minutes >= 1440 else f"{minutes} min"


def _holds(record: tuple[date, date], window: str) -> bool:
    first, last = record
    days = (last - first).days + 1
    return plan.WINDOW_SAMPLES[window] * GROUND_CADENCE_S <= days * 86400


def window_problems(config: dict, records: dict) -> list[str]:
    """Every window a dataset is cut in fits in the records it is cut from.

    The histories cut every study observatory at the main window; the window sweep cuts
    ``sweep_dataset`` (ALL: any study observatory will do); the alarms cut each study
    observatory (``dataset: observatory``) or ALL at each of their windows.
    """
    cnn = config["ground_cnn"]
    study = {obs: records[obs] for obs in cnn["observatories"] if obs in records}
    found = []

    def short(dataset: str, window: str) -> list[str]:
        sites = study if dataset == plan.COMBINED else {dataset: study[dataset]}
        if dataset == plan.COMBINED and any(_holds(r, window) for r in sites.values()):
            return []
        return [_record(o, r) for o, r in sites.items() if not _holds(r, window)]

    def complain(key: str, window: str, dataset: str, what: str) -> None:
        if dataset != plan.COMBINED and dataset not in study:
            return  # not defined, or a broken period: said elsewhere
        records_short = short(dataset, window)
        if records_short:
            found.append(
                f"{key}: a {window} window ({_span(window)}) is longer than the record of "
                f"{'; '.join(records_short)}, so {what} has no data"
            )

    e = cnn["experiments"]
    for obs in study:
        complain("ground_cnn.experiments.window", e["window"], obs, f"{obs}'s dataset")
    for i, window in enumerate(e["windows"]):
        sweep = e["sweep_dataset"]
        key = f"ground_cnn.experiments.windows[{i}]"
        complain(key, window, sweep, f"the window sweep on {sweep}")
    alarms = cnn.get("alarms") or {}
    if alarms.get("enabled", True):
        datasets = list(study) if alarms.get("dataset") != plan.COMBINED else [plan.COMBINED]
        for i, window in enumerate(alarms.get("windows") or []):
            for dataset in datasets:
                key = f"ground_cnn.alarms.windows[{i}]"
                complain(key, window, dataset, f"the alarm model of {dataset}")
    return found
