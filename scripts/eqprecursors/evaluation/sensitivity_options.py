"""What each injection-recovery rule passes to its function: the ground and satellite sweeps.

The upper half of the sweep planner: :mod:`eqprecursors.evaluation.sensitivity_plan` names
the grid (years, shapes, amplitudes, seeds), the paths and the targets; this module builds,
for one point, the keyword arguments of the generator, the catalog steps and the point's
pipeline, and makes the cross-key checks. Standard library only, like the plan: the DAG
imports it. The satellite labelling and split arguments are satellite.layout's, the same the
satellite study's rules pass.
"""

from __future__ import annotations

from eqprecursors.evaluation.sensitivity_plan import (
    AMPLITUDE_KEYS,
    GROUND_EXCLUSION,
    MISSION,
    SHAPES,
    UNITS,
    default_shape,
    period_of,
    period_years,
    point_shape,
    settings,
    shapes,
    studies,
    years_axis,
    years_value,
)
from eqprecursors.satellite import layout as satellite_layout

LABELLING_ONLY_KEYS = ("exclude_all_catalog_events",)
"""ground_cnn.labelling keys that choose an input file, not arguments of make_dataset."""


def row_years(config: dict, study: str, years=None) -> float:
    """The ``years`` column of a point's row: the amount (the mission period: its length in
    years of 365.25 days). None: the first of the axis."""
    if study == "ground":
        return _ground_years(config, years)
    years = years_axis(config, study)[0] if years is None else years
    value = years_value(years) if isinstance(years, str) else years
    return period_years(*satellite_period(config, years)) if value is None else float(value)


def combinations(config: dict, study: str) -> list[list]:
    """[years column, shape] of every curve of the summary and the figure, the main one
    (the first years and shape, which runs every amplitude) first."""
    return [
        [row_years(config, study, y), k]
        for y in years_axis(config, study)
        for k in shapes(config, study)
    ]


def figure_options(config: dict, study: str) -> dict:
    """Keyword arguments of the figure besides its files: the unit and a title."""
    spec = settings(config, study)
    amounts = ", ".join(y.removesuffix("y") for y in years_axis(config, study))
    if study == "ground":
        site = ground_site(config)
        what = (
            f"ground CNN, {spec['window']} windows, {site['code']}, "
            f"{amounts} synthetic year(s), {len(spec['seeds'])} seed(s)"
        )
    else:
        what = (
            f"SeqNetQuake, dataset {spec['dataset']}, "
            f"{len(spec['seeds'])} seed(s), fixed hyperparameters"
        )
        if years_axis(config, study) != [MISSION]:
            what += f", {amounts} year(s) of data"
    return {"unit": UNITS[study], "title": f"Injection-recovery: {what}"}


def summary_options(config: dict, study: str) -> dict:
    """Keyword arguments of the summary besides its files: the unit and the curves."""
    return {"unit": UNITS[study], "combinations": combinations(config, study)}


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


def _ground_years(config: dict, years) -> float:
    """A ground data amount (label or number); None: the first of the years axis."""
    if years is None:
        return float(settings(config, "ground")["years"][0])
    return years_value(years) if isinstance(years, str) else float(years)


def ground_period(config: dict, years=None) -> tuple[str, str]:
    """First and last day (inclusive) of ``years`` (None: the first of the axis) from
    ``sensitivity.ground.start``."""
    return period_of(settings(config, "ground")["start"], _ground_years(config, years))


def _site_with_period(config: dict, years=None) -> dict:
    site = ground_site(config)
    start, end = ground_period(config, years)
    return dict(site, start=start, end=end)


def ground_catalog_site(config: dict) -> dict:
    """The ``site`` of synthetic.files.generate_catalog_file: position, radius and the
    period of the longest ``years`` (a shorter amount selects its own events from it)."""
    return _site_with_period(config, max(settings(config, "ground")["years"]))


def ground_catalog_options(config: dict, seed) -> dict:
    """The generator's catalog settings (``sensitivity.ground.catalog``) with the seed."""
    return dict(settings(config, "ground")["catalog"], seed=int(seed))


def ground_selection_options(config: dict, years=None) -> dict:
    """Keyword arguments of ground.events.select_catalog_file besides files and format."""
    site = _site_with_period(config, years)
    return dict(
        latitude=site["latitude"],
        longitude=site["longitude"],
        start=site["start"],
        end=site["end"],
        selection=site["selection"],
    )


def ground_exclusion_options(config: dict, years=None) -> dict:
    """Keyword arguments of ground.events.exclusion_catalog_file besides files and format."""
    site = _site_with_period(config, years)
    return dict(
        latitude=site["latitude"],
        longitude=site["longitude"],
        radius_km=site["exclusion"]["radius_km"],
        min_magnitude=site["exclusion"]["min_magnitude"],
        start=site["start"],
        end=site["end"],
        margin_hours=ground_labelling(config)["exclusion_hours"],
    )


def _injection_shape(config: dict, study: str, shape, amplitude) -> str:
    """The shape the generator gets: the point's, or (the null, or no shape asked) the
    sweep's default (the null injects nothing, whatever its shape)."""
    if shape is None:
        return default_shape(config, study)
    return point_shape(shape, amplitude) or default_shape(config, study)


def ground_injection(config: dict, amplitude, shape: str | None = None) -> dict:
    """The point's injection: synthetic.injection.ground, the sweep's overrides, the point's
    shape (None: the sweep's default) and amplitude."""
    base = dict((config.get("synthetic") or {}).get("injection", {}).get("ground") or {})
    base.update(settings(config, "ground")["injection"])
    value = float(amplitude)
    kind = _injection_shape(config, "ground", shape, amplitude)
    return dict(base, enabled=value > 0, amplitude_nT=value, shape=kind)


def ground_generator_options(
    config: dict, amplitude, seed, *, years=None, shape: str | None = None
) -> dict:
    """Keyword arguments of synthetic.files.generate_ground_files besides its files."""
    site = _site_with_period(config, years)
    synthetic = config.get("synthetic") or {}
    return dict(
        iaga_code=site["code"],
        site={k: site[k] for k in ("name", "latitude", "longitude", "elevation")},
        start=site["start"],
        end=site["end"],
        seed=int(seed),
        gaps=synthetic.get("gaps"),
        model=synthetic.get("ground_model"),
        injection=ground_injection(config, amplitude, shape),
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


def ground_point_options(config: dict, seed, *, years=None, shape: str | None = None) -> dict:
    """Keyword arguments of evaluation.sensitivity_ground.run_point besides files and amplitude.

    The point's seed replaces the seeds of labelling, split, training and evaluation; its
    years and shape label its row (None: the first of each axis).
    """
    seed = int(seed)
    labelling = {k: v for k, v in ground_labelling(config).items() if k not in LABELLING_ONLY_KEYS}
    evaluation = dict(_merged(config, "evaluation"), seed=seed)
    code, window = ground_site(config)["code"], settings(config, "ground")["window"]
    return dict(
        seed=seed,
        years=_ground_years(config, years),
        shape=shapes(config, "ground")[0] if shape is None else shape,
        iaga_code=code,
        window=window,
        filter=ground_filter(config),
        labelling=dict(labelling, seed=seed),
        split=dict(_merged(config, "split"), seed=seed),
        training=dict(_merged(config, "training"), seed=seed),
        evaluation=evaluation,
        baselines=ground_baseline_options(config, evaluation, code, window),
        max_fill_gap_minutes=config["decode"]["max_fill_gap_minutes"],
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


SATELLITE_MODEL = "seqnetquake"


# ----------------------------------------------------------------------- the satellite sweep
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


def satellite_period(config: dict, years=None) -> tuple[str, str]:
    """First and last day of a satellite data amount: the mission period (``mission``), or
    ``years`` from its start, which must end inside it (the study's catalog covers only the
    mission period). None: the first of the years axis."""
    mission = _mission(config)
    if years is None:
        years = years_axis(config, "satellite")[0]
    value = years_value(years) if isinstance(years, str) else float(years)
    if value is None:
        return mission["start"], mission["end"]
    start, end = period_of(mission["start"], value)
    if end > mission["end"]:
        raise ValueError(
            f"sensitivity.satellite.years: {value:g} year(s) from {start} end on {end}, after "
            f"the mission period's end {mission['end']} (null: the whole period)"
        )
    return start, end


def satellite_te_per_ne(config: dict) -> float:
    """Te change per percent of Ne change: the sweep's, else synthetic.injection.satellite's."""
    spec = settings(config, "satellite")
    if spec["te_per_ne"] is not None:
        return float(spec["te_per_ne"])
    base = (config.get("synthetic") or {}).get("injection", {}).get("satellite") or {}
    ne, te = base.get("ne_percent", 20.0), base.get("te_percent", -10.0)
    return float(te) / float(ne) if ne else -0.5


def satellite_injection(config: dict, amplitude, shape: str | None = None) -> dict:
    """synthetic.injection.satellite, the sweep's overrides, the point's shape (None: the
    sweep's default), Ne = the amplitude, Te in step."""
    base = dict((config.get("synthetic") or {}).get("injection", {}).get("satellite") or {})
    base.update(settings(config, "satellite")["injection"])
    value = float(amplitude)
    te = value * satellite_te_per_ne(config)
    kind = _injection_shape(config, "satellite", shape, amplitude)
    return dict(base, enabled=value > 0, ne_percent=value, te_percent=te, shape=kind)


def satellite_generator_options(
    config: dict, amplitude, seed, *, years=None, shape: str | None = None
) -> dict:
    """Keyword arguments of synthetic.files.generate_satellite_files besides its files."""
    from eqprecursors.ground.plan import SATELLITE_READER_KEYS

    options = {k: v for k, v in _mission(config).items() if k not in SATELLITE_READER_KEYS}
    start, end = satellite_period(config, years)
    return dict(
        options,
        start=start,
        end=end,
        event_kind="independent",
        seed=int(seed),
        injection=satellite_injection(config, amplitude, shape),
    )


def satellite_events_file(config: dict) -> str:
    """The study's event table of the dataset's satellite (independent + artificial)."""
    from eqprecursors.ground.plan import SATELLITE_EVENTS_CSV

    return SATELLITE_EVENTS_CSV.format(sat=satellite_name(config))


def satellite_point_options(config: dict, seed, *, years=None, shape: str | None = None) -> dict:
    """Keyword arguments of evaluation.sensitivity_satellite.run_point besides its files.

    Decode, label and split options as the satellite study's rules build them for the
    dataset (satellite.layout's builders); SeqNetQuake with the sweep's fixed ``params``; the
    point's seed, period, years (the mission period: its length) and shape.
    """
    from eqprecursors.satellite.search import check_params

    seed = int(seed)
    study = config["satellite_study"]
    dataset, row = satellite_dataset(config)
    sat, mission = row["satellite"], _mission(config)
    keys = ("source", "mission", "format", "variables", "valid_range", "fill_values")
    start, end = satellite_period(config, years)
    decode = {k: mission[k] for k in keys if k in mission}
    decode.update(satellite=sat, cadence_s=study["cadence_s"], start=start, end=end)
    decode["max_gap_s"] = study["max_interpolation_gap_s"]
    params = dict(settings(config, "satellite")["params"])
    try:
        check_params(SATELLITE_MODEL, params)
    except ValueError as exc:
        raise ValueError(f"sensitivity.satellite.params: {exc}") from exc
    evaluation = dict(study["evaluation"], **settings(config, "satellite")["evaluation"])
    return dict(
        seed=seed,
        years=row_years(config, "satellite", years),
        shape=shapes(config, "satellite")[0] if shape is None else shape,
        dataset=dataset,
        decode=decode,
        labelling=satellite_layout.label_options(config, dataset),
        split=satellite_layout.split_options(config),
        model=SATELLITE_MODEL,
        params=params,
        n_steps=_n_steps(study, row["sequence_length"]),
        evaluation=dict(evaluation, seed=seed),
    )


def _n_steps(study: dict, sequence_length: int) -> int:
    table = {int(k): int(v) for k, v in study["tuning"]["n_steps"].items()}
    if sequence_length not in table:
        raise ValueError(
            f"satellite_study.tuning.n_steps has no entry for T = {sequence_length} "
            f"(the sweep's dataset): {sorted(table)}"
        )
    return table[sequence_length]


def check_axes(config: dict, study: str) -> None:
    """The years, shapes and amplitudes_for_years of one sweep fit together."""
    spec = settings(config, study)
    every = {float(a) for a in spec[AMPLITUDE_KEYS[study]]}
    subset = spec["amplitudes_for_years"]
    if subset is not None and not {float(a) for a in subset} <= every:
        raise ValueError(
            f"sensitivity.{study}.amplitudes_for_years: {sorted(set(subset) - every)} are not "
            f"in sensitivity.{study}.{AMPLITUDE_KEYS[study]}"
        )
    if spec["shapes"] and spec["injection"].get("shape"):
        raise ValueError(
            f"sensitivity.{study}.injection.shape and sensitivity.{study}.shapes are both "
            "set: the shapes axis names every shape (leave injection.shape out)"
        )
    unknown = [k for k in shapes(config, study) if k not in SHAPES[study]]
    if unknown:
        raise ValueError(
            f"sensitivity.{study}.shapes: {unknown} are not {study} injection shapes "
            f"{list(SHAPES[study])}"
        )
    if study == "satellite":
        for years in years_axis(config, study):
            satellite_period(config, years)


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
    for study in studies(config):
        check_axes(config, study)
