"""What the injection-recovery sweeps ask for: the grid, its points, paths and targets.

Pure functions of the validated config dict (the schema has filled its defaults), standard
library only, so building the DAG imports nothing heavy; rules/sensitivity.smk calls them and
tests/test_sensitivity_plan.py checks them; what each rule passes to its function is
:mod:`eqprecursors.evaluation.sensitivity_options`. A *point* is one (years, shape, amplitude, seed)
of a study's grid: the generator writes that amount of data (``years``; the satellite's
``null`` = the mission period) with a precursor of that shape and amplitude (0 = none, the
null) and that seed, and the study's own pipeline labels, splits, trains and scores it on
held-out data. The null has no shape (:data:`NO_SHAPE`): one null per (years, seed) serves
every shape. Every amplitude and shape runs at the first ``years``; the others run at
``amplitudes_for_years`` only (null: every amplitude), so a second data amount costs little.

The ground sweep (``sensitivity.ground``) runs the ground CNN study's settings
(``ground_cnn.labelling``, ``split``, ``training``, ``evaluation`` and a named filter) with
the overrides written under ``sensitivity.ground``, on one synthetic site with a dense
Gutenberg-Richter catalog. The point's seed seeds everything that is random: the catalog,
the data, the quiet-window draw, the weights and the resampling. So the points of one seed
share their catalog and background field and differ only by the injected signal; the catalog
covers the longest ``years``, and a shorter amount selects the events of its own period.
"""

from __future__ import annotations

from datetime import date, timedelta

# ------------------------------------------------------------------------------ grid
STUDIES = ("ground", "satellite")
UNITS = {"ground": "nT", "satellite": "%"}
"""Amplitude unit of each study (the figure's axis)."""
AMPLITUDE_KEYS = {"ground": "amplitudes_nT", "satellite": "amplitudes_percent"}
AMPLITUDE = r"[0-9]+(\.[0-9]+)?"
"""Wildcard pattern of an amplitude as :func:`amplitude_label` writes it."""
SEED = "[0-9]+"
SHAPES = {"ground": ("ulf_burst", "polarization"), "satellite": ("step", "ramp")}
"""The generator's injection shapes (= synthetic.injection.GROUND_SHAPES, SATELLITE_SHAPES)."""
NO_SHAPE = "none"
"""The shape of the null: nothing is injected, so one null serves every shape."""
SHAPE = "|".join((NO_SHAPE, *SHAPES["ground"], *SHAPES["satellite"]))
MISSION = "mission"
"""The years label of the satellite's whole mission period (``years: [null]``)."""
YEARS = rf"{AMPLITUDE}y|{MISSION}"
"""Wildcard pattern of a data amount as :func:`years_label` writes it."""
# ------------------------------------------------------------------------------ paths
SENSITIVITY_DIR = "results/sensitivity"
GROUND_CATALOG = "resources/sensitivity/ground/seed{seed}/catalog.csv"
"""The generated Gutenberg-Richter catalog of one seed over the longest ``years`` (USGS csv,
reaching past the radius)."""
GROUND_EVENTS = "results/sensitivity/ground/{years}/seed{seed}/events.csv"
"""Its events under the site's selection in the period of ``years``: they get earthquake
windows and the precursor."""
GROUND_EXCLUSION = "results/sensitivity/ground/{years}/seed{seed}/exclusion.csv"
"""Every event in the site's exclusion radius (ground_cnn.labelling.exclude_all_catalog_events)."""
GROUND_RAW_DIR = "resources/sensitivity/ground/{years}/seed{seed}/{shape}/{amplitude}"
"""One point's daily IAGA-2002 files (temporary: removed once the point is scored)."""
GROUND_TRUTH = "results/sensitivity/ground/{years}/seed{seed}/{shape}/{amplitude}_truth.csv"
POINT_DIR = "results/sensitivity/{study}/points/{years}/{shape}/{amplitude}_seed{seed}"
"""One point's dataset, split, model, history and metrics (what the row was made from)."""
POINT_JSON = "results/sensitivity/{study}/points/{years}/{shape}/{amplitude}_seed{seed}.json"
"""One point's row of the table."""
TABLE_CSV = "results/sensitivity/{study}.csv"
SUMMARY_JSON = "results/sensitivity/{study}_summary.json"
SUMMARY_MD = "results/sensitivity/{study}_summary.md"
FIGURE_PNG = "results/figures/sensitivity/{study}.png"
FIGURE_PDF = "results/figures/sensitivity/{study}.pdf"
SUMMARY_FUNCTION = "eqprecursors.evaluation.sensitivity:write_sensitivity_summary"
"""The summary's entry point (scripts/figure.py calls it with the rule's files)."""


def amplitude_label(value) -> str:
    """The amplitude as paths spell it: ``0``, ``0.3``, ``30`` (no exponent, no sign)."""
    value = float(value)
    if value < 0:
        raise ValueError(f"amplitude must be >= 0, got {value}")
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def years_label(value) -> str:
    """A data amount as paths spell it: ``1y``, ``0.5y``; None (the mission period): mission."""
    return MISSION if value in (None, MISSION) else f"{amplitude_label(value)}y"


def years_value(label: str) -> float | None:
    """The amount a :func:`years_label` names (None: the mission period)."""
    return None if label == MISSION else float(label.removesuffix("y"))


def studies(config: dict) -> list[str]:
    """The studies with a sweep: the subsections of ``sensitivity`` that are written."""
    section = config.get("sensitivity") or {}
    return [s for s in STUDIES if s in section]


def settings(config: dict, study: str) -> dict:
    try:
        return config["sensitivity"][study]
    except KeyError:
        raise ValueError(f"config has no sensitivity.{study} section") from None


def years_axis(config: dict, study: str) -> list[str]:
    """The labels of ``sensitivity.<study>.years``, in the config's order (the first runs
    every amplitude)."""
    return [years_label(y) for y in settings(config, study)["years"]]


def satellite_source_years(config: dict) -> str:
    """The years label whose generated mission every satellite point reads: the longest
    amount of the axis (``mission`` when present). A shorter amount decodes its own period
    from the start of the same files, so the amounts are nested: the shorter's data are the
    first part of the longer's, the same precursors included, and no second generator job
    runs."""
    labels = years_axis(config, "satellite")
    if MISSION in labels:
        return MISSION
    return max(labels, key=lambda label: years_value(label))


def satellite_source(config: dict, path: str, wildcards) -> str:
    """``path`` (a generated-mission pattern) at the point's seed, shape and amplitude and
    the axis's longest years (:func:`satellite_source_years`)."""
    return path.format(
        years=satellite_source_years(config),
        seed=wildcards.seed,
        shape=wildcards.shape,
        amplitude=wildcards.amplitude,
    )


def default_shape(config: dict, study: str) -> str:
    """The sweep's ``injection.shape``, else synthetic.injection.<study>'s, else the
    generator's first shape."""
    base = (config.get("synthetic") or {}).get("injection", {}).get(study) or {}
    override = settings(config, study)["injection"].get("shape")
    return override or base.get("shape") or SHAPES[study][0]


def shapes(config: dict, study: str) -> list[str]:
    """``sensitivity.<study>.shapes``; null: the one shape of :func:`default_shape`."""
    return list(settings(config, study)["shapes"] or [default_shape(config, study)])


def amplitudes_at(config: dict, study: str, years: str) -> list[str]:
    """Amplitude labels run at ``years``: every amplitude at the first, else those of
    ``amplitudes_for_years`` (null: every amplitude)."""
    spec = settings(config, study)
    every = spec[AMPLITUDE_KEYS[study]]
    subset = spec["amplitudes_for_years"]
    chosen = every if subset is None or years == years_axis(config, study)[0] else subset
    return [amplitude_label(a) for a in chosen]


def points(config: dict, study: str) -> list[tuple[str, str, str, int]]:
    """(years, shape, amplitude, seed) labels of every point: years in the config's order,
    then amplitude, shape and seed; amplitude 0 once per (years, seed), shape :data:`NO_SHAPE`."""
    spec = settings(config, study)
    out = []
    for years in years_axis(config, study):
        for amplitude in amplitudes_at(config, study, years):
            kinds = [NO_SHAPE] if float(amplitude) == 0 else shapes(config, study)
            out += [(years, k, amplitude, int(s)) for k in kinds for s in spec["seeds"]]
    return out


def point_json(study: str, years: str, shape: str, amplitude: str, seed) -> str:
    return POINT_JSON.format(study=study, years=years, shape=shape, amplitude=amplitude, seed=seed)


def point_files(config: dict, study: str) -> list[str]:
    return [point_json(study, *p) for p in points(config, study)]


def point_shape(shape: str, amplitude) -> str | None:
    """The injection shape of a point, None for the null; a null with a shape, or a signal
    without one, is not a point of any sweep."""
    null = float(amplitude) == 0
    if null != (shape == NO_SHAPE):
        raise ValueError(
            f"sensitivity point amplitude {amplitude}, shape {shape!r}: the null (amplitude 0) "
            f"has shape {NO_SHAPE!r} and every other amplitude one of the injection shapes"
        )
    return None if null else shape


def study_files(study: str) -> dict[str, str]:
    """The table, summary and figure of one study."""
    return {
        "table": TABLE_CSV.format(study=study),
        "summary": SUMMARY_JSON.format(study=study),
        "summary_md": SUMMARY_MD.format(study=study),
        "figure": FIGURE_PNG.format(study=study),
        "figure_pdf": FIGURE_PDF.format(study=study),
    }


def targets(config: dict) -> list[str]:
    """What ``rule all`` asks for: per study, its table, summary (JSON, Markdown) and figure."""
    return [f for study in studies(config) for f in study_files(study).values()]


def period_of(start: str, years: float) -> tuple[str, str]:
    """First and last day (inclusive) of ``years`` from ``start``.

    Whole years are calendar years (2016-01-01 + 1 -> 2016-12-31); a fraction counts days of
    365.25 (0.5 -> 183 days).
    """
    start = date.fromisoformat(start)
    years = float(years)
    if years.is_integer():
        year = start.year + int(years)
        day = min(start.day, 28) if (start.month, start.day) == (2, 29) else start.day
        end = start.replace(year=year, day=day) - timedelta(days=1)
    else:
        end = start + timedelta(days=max(1, round(years * 365.25)) - 1)
    return start.isoformat(), end.isoformat()


SATELLITE_RAW_DIR = "resources/sensitivity/satellite/{years}/seed{seed}/{shape}/{amplitude}"
"""One point's half-orbit files (temporary: removed once the point is scored)."""
SATELLITE_TRUTH = "results/sensitivity/satellite/{years}/seed{seed}/{shape}/{amplitude}_truth.csv"


def period_years(start: str, end: str) -> float:
    """Length of an inclusive (first day, last day) period in years of 365.25 days."""
    return ((date.fromisoformat(end) - date.fromisoformat(start)).days + 1) / 365.25
