"""What the injection-recovery sweeps ask for: points, paths, options and targets.

Pure functions of the validated config dict (the schema has filled its defaults), standard
library only, so building the DAG imports nothing heavy; rules/sensitivity.smk calls them and
tests/test_sensitivity_plan.py checks them. A *point* is one (amplitude, seed) of a study's
grid: the generator writes data with that precursor amplitude (0 = none, the null) and that
seed, and the study's own pipeline labels, splits, trains and scores it on held-out data.

The ground sweep (``sensitivity.ground``) runs the ground CNN study's settings
(``ground_cnn.labelling``, ``split``, ``training``, ``evaluation`` and a named filter) with
the overrides written under ``sensitivity.ground``, on one synthetic site with a dense
Gutenberg-Richter catalog. The point's seed seeds everything that is random: the catalog,
the data, the quiet-window draw, the weights and the resampling. So the points of one seed
share their catalog and background field and differ only by the injected signal.
"""

from __future__ import annotations

from datetime import date, timedelta

STUDIES = ("ground", "satellite")
UNITS = {"ground": "nT", "satellite": "%"}
"""Amplitude unit of each study (the figure's axis)."""
AMPLITUDE_KEYS = {"ground": "amplitudes_nT", "satellite": "amplitudes_percent"}
AMPLITUDE = r"[0-9]+(\.[0-9]+)?"
"""Wildcard pattern of an amplitude as :func:`amplitude_label` writes it."""
SEED = "[0-9]+"

# ------------------------------------------------------------------------------ paths
SENSITIVITY_DIR = "results/sensitivity"
GROUND_CATALOG = "resources/sensitivity/ground/seed{seed}/catalog.csv"
"""The generated Gutenberg-Richter catalog of one seed (USGS csv, reaching past the radius)."""
GROUND_EVENTS = "results/sensitivity/ground/seed{seed}/events.csv"
"""Its events under the site's selection: they get earthquake windows and the precursor."""
GROUND_EXCLUSION = "results/sensitivity/ground/seed{seed}/exclusion.csv"
"""Every event in the site's exclusion radius (ground_cnn.labelling.exclude_all_catalog_events)."""
GROUND_RAW_DIR = "resources/sensitivity/ground/seed{seed}/{amplitude}"
"""One point's daily IAGA-2002 files (temporary: removed once the point is scored)."""
GROUND_TRUTH = "results/sensitivity/ground/seed{seed}/{amplitude}_truth.csv"
POINT_DIR = "results/sensitivity/{study}/points/{amplitude}_seed{seed}"
"""One point's dataset, split, model, history and metrics (what the row was made from)."""
POINT_JSON = "results/sensitivity/{study}/points/{amplitude}_seed{seed}.json"
"""One point's row of the table."""
TABLE_CSV = "results/sensitivity/{study}.csv"
SUMMARY_JSON = "results/sensitivity/{study}_summary.json"
SUMMARY_MD = "results/sensitivity/{study}_summary.md"
FIGURE_PNG = "results/figures/sensitivity/{study}.png"
FIGURE_PDF = "results/figures/sensitivity/{study}.pdf"
SUMMARY_FUNCTION = "eqprecursors.evaluation.sensitivity:write_sensitivity_summary"
"""The summary's entry point (scripts/figure.py calls it with the rule's files)."""

LABELLING_ONLY_KEYS = ("exclude_all_catalog_events",)
"""ground_cnn.labelling keys that choose an input file, not arguments of make_dataset."""


def amplitude_label(value) -> str:
    """The amplitude as paths spell it: ``0``, ``0.3``, ``30`` (no exponent, no sign)."""
    value = float(value)
    if value < 0:
        raise ValueError(f"amplitude must be >= 0, got {value}")
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def studies(config: dict) -> list[str]:
    """The studies with a sweep: the subsections of ``sensitivity`` that are written."""
    section = config.get("sensitivity") or {}
    return [s for s in STUDIES if s in section]


def settings(config: dict, study: str) -> dict:
    try:
        return config["sensitivity"][study]
    except KeyError:
        raise ValueError(f"config has no sensitivity.{study} section") from None


def points(config: dict, study: str) -> list[tuple[str, int]]:
    """(amplitude label, seed) of every point, amplitude-major, in the config's order."""
    spec = settings(config, study)
    return [
        (amplitude_label(a), int(s)) for a in spec[AMPLITUDE_KEYS[study]] for s in spec["seeds"]
    ]


def point_json(study: str, amplitude: str, seed) -> str:
    return POINT_JSON.format(study=study, amplitude=amplitude, seed=seed)


def point_files(config: dict, study: str) -> list[str]:
    return [point_json(study, a, s) for a, s in points(config, study)]


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


def figure_options(config: dict, study: str) -> dict:
    """Keyword arguments of the figure besides its files: the unit and a title."""
    spec = settings(config, study)
    if study == "ground":
        site = ground_site(config)
        what = (
            f"ground CNN, {spec['window']} windows, {site['code']}, "
            f"{spec['years']:g} synthetic year(s), {len(spec['seeds'])} seed(s)"
        )
    else:
        what = (
            f"SeqNetQuake, dataset {spec['dataset']}, "
            f"{len(spec['seeds'])} seed(s), fixed hyperparameters"
        )
    return {"unit": UNITS[study], "title": f"Injection-recovery: {what}"}


# -------------------------------------------------------------------------- the ground sweep
def ground_site(config: dict) -> dict:
    """The sweep's site: an observatory of the config (by code) or a written-out site.

    Returns code, name, latitude, longitude, elevation, selection and exclusion (radius_km,
    min_magnitude), the keys the generator, the selection and the exclusion read.
    """
    site = settings(config, "ground")["site"]
    if isinstance(site, str):
        try:
            entry = config["observatories"][site]
        except KeyError:
            raise ValueError(
                f"sensitivity.ground.site: {site!r} is not one of the observatories "
                f"{sorted(config['observatories'])}"
            ) from None
        code = site
        exclusion = entry.get("exclusion") or {}
    else:
        entry, code, exclusion = site, site.get("code", "SYN"), {}
    selection = dict(entry.get("selection") or PAPER_SELECTION)
    return {
        "code": code,
        "name": entry.get("name", code),
        "latitude": entry["latitude"],
        "longitude": entry["longitude"],
        "elevation": entry.get("elevation", 0.0),
        "selection": selection,
        "exclusion": {
            "radius_km": exclusion.get("radius_km") or selection["max_distance_km"],
            "min_magnitude": exclusion.get("min_magnitude"),
        },
    }


PAPER_SELECTION = {"min_magnitude": 4.0, "max_distance_km": 200.0, "max_depth_km": 30.0}
"""The paper's selection (M > 4, 200 km, 30 km): a written-out site without ``selection``."""


def ground_period(config: dict) -> tuple[str, str]:
    """First and last day (inclusive) of the sweep: ``years`` from ``start``.

    Whole years are calendar years (2016-01-01 + 1 -> 2016-12-31); a fraction counts days of
    365.25 (0.5 -> 183 days).
    """
    spec = settings(config, "ground")
    start = date.fromisoformat(spec["start"])
    years = float(spec["years"])
    if years.is_integer():
        year = start.year + int(years)
        day = min(start.day, 28) if (start.month, start.day) == (2, 29) else start.day
        end = start.replace(year=year, day=day) - timedelta(days=1)
    else:
        end = start + timedelta(days=max(1, round(years * 365.25)) - 1)
    return start.isoformat(), end.isoformat()


def _site_with_period(config: dict) -> dict:
    site = ground_site(config)
    start, end = ground_period(config)
    return dict(site, start=start, end=end)


def ground_catalog_site(config: dict) -> dict:
    """The ``site`` of synthetic.files.generate_catalog_file: position, radius and period."""
    return _site_with_period(config)


def ground_catalog_options(config: dict, seed) -> dict:
    """The generator's catalog settings (``sensitivity.ground.catalog``) with the seed."""
    return dict(settings(config, "ground")["catalog"], seed=int(seed))


def ground_selection_options(config: dict) -> dict:
    """Keyword arguments of ground.events.select_catalog_file besides files and format."""
    site = _site_with_period(config)
    return dict(
        latitude=site["latitude"],
        longitude=site["longitude"],
        start=site["start"],
        end=site["end"],
        selection=site["selection"],
    )


def ground_exclusion_options(config: dict) -> dict:
    """Keyword arguments of ground.events.exclusion_catalog_file besides files and format."""
    site = _site_with_period(config)
    return dict(
        latitude=site["latitude"],
        longitude=site["longitude"],
        radius_km=site["exclusion"]["radius_km"],
        min_magnitude=site["exclusion"]["min_magnitude"],
        start=site["start"],
        end=site["end"],
        margin_hours=ground_labelling(config)["exclusion_hours"],
    )


def ground_injection(config: dict, amplitude) -> dict:
    """The point's injection: synthetic.injection.ground, the sweep's overrides, the amplitude."""
    base = dict((config.get("synthetic") or {}).get("injection", {}).get("ground") or {})
    base.update(settings(config, "ground")["injection"])
    value = float(amplitude)
    return dict(base, enabled=value > 0, amplitude_nT=value)


def ground_generator_options(config: dict, amplitude, seed) -> dict:
    """Keyword arguments of synthetic.files.generate_ground_files besides its files."""
    site = _site_with_period(config)
    synthetic = config.get("synthetic") or {}
    return dict(
        iaga_code=site["code"],
        site={k: site[k] for k in ("name", "latitude", "longitude", "elevation")},
        start=site["start"],
        end=site["end"],
        seed=int(seed),
        gaps=synthetic.get("gaps"),
        model=synthetic.get("ground_model"),
        injection=ground_injection(config, amplitude),
    )


def _merged(config: dict, section: str) -> dict:
    """ground_cnn.<section> with sensitivity.ground.<section> written over it."""
    base = dict(config["ground_cnn"][section])
    overrides = settings(config, "ground")[section]
    unknown = sorted(set(overrides) - set(base))
    if unknown:
        raise ValueError(
            f"sensitivity.ground.{section}: {unknown} are not keys of ground_cnn.{section} "
            f"{sorted(base)}"
        )
    return dict(base, **overrides)


def ground_labelling(config: dict) -> dict:
    return _merged(config, "labelling")


def exclude_all_events(config: dict) -> bool:
    return bool(ground_labelling(config).get("exclude_all_catalog_events", False))


def ground_exclusion_inputs(config: dict) -> str | list:
    """The point's exclusion events: every event of its seed when the study keeps quiet
    windows clear of all catalog events (ground_cnn.labelling.exclude_all_catalog_events),
    else none. A single path, not a one-item list, so the rule's input is that path."""
    return GROUND_EXCLUSION if exclude_all_events(config) else []


def ground_filter_name(config: dict) -> str:
    name = settings(config, "ground")["filter"]
    return config["ground_cnn"]["experiments"]["sweep_filter"] if name is None else name


def ground_filter(config: dict) -> dict | None:
    """The named filter variant as labelling takes it (None = unfiltered)."""
    name = ground_filter_name(config)
    filters = config["ground_cnn"]["filters"]
    if name not in filters:
        raise ValueError(f"sensitivity.ground.filter: {name!r} is not one of {sorted(filters)}")
    spec = dict(filters[name])
    return None if spec["type"] == "none" else spec


def ground_point_options(config: dict, seed) -> dict:
    """Keyword arguments of evaluation.sensitivity_ground.run_point besides files and amplitude.

    The point's seed replaces the seeds of labelling, split, training and evaluation.
    """
    seed = int(seed)
    labelling = {k: v for k, v in ground_labelling(config).items() if k not in LABELLING_ONLY_KEYS}
    evaluation = dict(_merged(config, "evaluation"), seed=seed)
    start, end = ground_period(config)
    code, window = ground_site(config)["code"], settings(config, "ground")["window"]
    return dict(
        seed=seed,
        iaga_code=code,
        window=window,
        filter=ground_filter(config),
        labelling=dict(labelling, seed=seed),
        split=dict(_merged(config, "split"), seed=seed),
        training=dict(_merged(config, "training"), seed=seed),
        evaluation=evaluation,
        baselines=ground_baseline_options(config, evaluation, code, window),
        max_fill_gap_minutes=config["decode"]["max_fill_gap_minutes"],
        period=[start, end],
    )


BASELINE_EVALUATION_KEYS = ("n_bootstrap", "n_permutations", "seed", "block_gap_hours")
"""ground_cnn.evaluation keys that the baselines share with the CNN (same resampling)."""


def ground_baseline_options(config: dict, evaluation: dict, code: str, window: str) -> dict:
    """Keyword arguments of evaluation.baselines.ground_baselines besides its files.

    The point's resampling and seed, the labelling's Kp threshold and ground_cnn.baselines.
    """
    shared = {k: evaluation[k] for k in BASELINE_EVALUATION_KEYS if k in evaluation}
    return dict(
        shared,
        dataset=code,
        window=window,
        filter=ground_filter_name(config),
        kp_threshold=ground_labelling(config)["kp_threshold"],
        **config["ground_cnn"].get("baselines", {}),
    )


# ----------------------------------------------------------------------- the satellite sweep
SATELLITE_RAW_DIR = "resources/sensitivity/satellite/seed{seed}/{amplitude}"
"""One point's half-orbit files (temporary: removed once the point is scored)."""
SATELLITE_TRUTH = "results/sensitivity/satellite/seed{seed}/{amplitude}_truth.csv"
SATELLITE_MODEL = "seqnetquake"


def satellite_dataset(config: dict) -> tuple[str, dict]:
    """The dataset id of the sweep and its row of satellite_study.datasets."""
    dataset = settings(config, "satellite")["dataset"]
    return dataset, config["satellite_study"]["datasets"][dataset]


def satellite_name(config: dict) -> str:
    return satellite_dataset(config)[1]["satellite"]


def _mission(config: dict) -> dict:
    """The dataset's satellite entry with the sweep's ``mission`` overrides written over it."""
    sat = satellite_name(config)
    return dict(config["satellites"][sat], **settings(config, "satellite")["mission"])


def satellite_te_per_ne(config: dict) -> float:
    """Te change per percent of Ne change: the sweep's, else synthetic.injection.satellite's."""
    spec = settings(config, "satellite")
    if spec["te_per_ne"] is not None:
        return float(spec["te_per_ne"])
    base = (config.get("synthetic") or {}).get("injection", {}).get("satellite") or {}
    ne, te = base.get("ne_percent", 20.0), base.get("te_percent", -10.0)
    return float(te) / float(ne) if ne else -0.5


def satellite_injection(config: dict, amplitude) -> dict:
    """synthetic.injection.satellite, the sweep's overrides, Ne = the amplitude, Te in step."""
    base = dict((config.get("synthetic") or {}).get("injection", {}).get("satellite") or {})
    base.update(settings(config, "satellite")["injection"])
    value = float(amplitude)
    te = value * satellite_te_per_ne(config)
    return dict(base, enabled=value > 0, ne_percent=value, te_percent=te)


def satellite_generator_options(config: dict, amplitude, seed) -> dict:
    """Keyword arguments of synthetic.files.generate_satellite_files besides its files."""
    from eqprecursors.ground.plan import SATELLITE_READER_KEYS

    options = {k: v for k, v in _mission(config).items() if k not in SATELLITE_READER_KEYS}
    return dict(
        options,
        event_kind="independent",
        seed=int(seed),
        injection=satellite_injection(config, amplitude),
    )


def satellite_events_file(config: dict) -> str:
    """The study's event table of the dataset's satellite (independent + artificial)."""
    from eqprecursors.ground.plan import SATELLITE_EVENTS_CSV

    return SATELLITE_EVENTS_CSV.format(sat=satellite_name(config))


def satellite_point_options(config: dict, seed) -> dict:
    """Keyword arguments of evaluation.sensitivity_satellite.run_point besides its files.

    Decode, label and split options as the satellite study's rules build them for the
    dataset; SeqNetQuake with the sweep's fixed ``params``; the point's seed.
    """
    from eqprecursors.satellite.search import check_params

    seed = int(seed)
    study = config["satellite_study"]
    dataset, row = satellite_dataset(config)
    sat, mission = row["satellite"], _mission(config)
    keys = ("source", "mission", "format", "variables", "valid_range", "fill_values")
    decode = {k: mission[k] for k in (*keys, "start", "end") if k in mission}
    decode.update(satellite=sat, cadence_s=study["cadence_s"])
    decode["max_gap_s"] = study["max_interpolation_gap_s"]
    label = dict(
        satellite=sat,
        sequence_length=row["sequence_length"],
        spatial_window=row["spatial_window"],
        time_of_day=row["time_of_day"],
        night_hours=study["night_hours"],
        pre_seismic_days=study["pre_seismic_days"],
        kp_threshold=study["kp_threshold"],
        storm_scope=study["storm_scope"],
        cadence_s=study["cadence_s"],
    )
    params = dict(settings(config, "satellite")["params"])
    try:
        check_params(SATELLITE_MODEL, params)
    except ValueError as exc:
        raise ValueError(f"sensitivity.satellite.params: {exc}") from exc
    evaluation = dict(study["evaluation"], **settings(config, "satellite")["evaluation"])
    return dict(
        seed=seed,
        dataset=dataset,
        decode=decode,
        labelling=label,
        split=dict(study["split"], pre_seismic_days=study["pre_seismic_days"]),
        model=SATELLITE_MODEL,
        params=params,
        n_steps=_n_steps(study, row["sequence_length"]),
        evaluation=dict(evaluation, seed=seed),
        period=[mission["start"], mission["end"]],
    )


def _n_steps(study: dict, sequence_length: int) -> int:
    table = {int(k): int(v) for k, v in study["tuning"]["n_steps"].items()}
    if sequence_length not in table:
        raise ValueError(
            f"satellite_study.tuning.n_steps has no entry for T = {sequence_length} "
            f"(the sweep's dataset): {sorted(table)}"
        )
    return table[sequence_length]


def check_config(config: dict) -> None:
    """Cross-key checks the schema cannot make; each error names the config key."""
    if "ground" in studies(config):
        ground_site(config)
        ground_filter(config)
        ground_point_options(config, 0)
        labelling = ground_labelling(config)
        injection = ground_injection(config, 1.0)
        lead = injection.get("lead_hours", 168.0)
        if labelling["exclusion_hours"] < lead:
            raise ValueError(
                f"sensitivity.ground.labelling.exclusion_hours ({labelling['exclusion_hours']}) "
                f"is shorter than the injection's lead_hours ({lead}): quiet windows could "
                "hold the injected precursor"
            )
    if "satellite" in studies(config):
        spec = settings(config, "satellite")
        datasets = (config.get("satellite_study") or {}).get("datasets", {})
        if spec["dataset"] not in datasets:
            raise ValueError(
                f"sensitivity.satellite.dataset: {spec['dataset']!r} is not one of the "
                f"satellite_study.datasets {sorted(datasets)}"
            )
        mission = _mission(config)
        if mission["source"] != "synthetic":
            raise ValueError(
                f"sensitivity.satellite.mission: {satellite_name(config)} has source "
                f"{mission['source']!r}; the sweep generates its data (set source: synthetic "
                "and the generator's keys there)"
            )
        unknown = sorted(set(spec["evaluation"]) - set(config["satellite_study"]["evaluation"]))
        if unknown:
            raise ValueError(f"sensitivity.satellite.evaluation: unknown keys {unknown}")
        satellite_point_options(config, 0)
