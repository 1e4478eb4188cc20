import glob
import math
import os
import sys
from datetime import date, timedelta

from snakemake.utils import validate

# The domain package lives in scripts/; the DAG's input functions use it too.
sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))

from eqprecursors.sources import urls  # noqa: E402

# The plan (standard library only): shared paths, the run vocabulary, runs and targets.
from eqprecursors.ground import config_checks, plan  # noqa: E402
from eqprecursors.satellite import plan as satellite_plan  # noqa: E402
from eqprecursors.evaluation import alarm_plan, sensitivity_options  # noqa: E402
from eqprecursors.ground.plan import (  # noqa: E402
    CATALOG_CSV,
    DECODED_NC,
    DECODED_SATELLITE_NC,
    EXCLUSION_CSV,
    FIGURE_EXPERIMENTS,
    FIGURE_FUNCTIONS,
    INTERMAGNET_MONTH,
    KP_CSV,
    RAW_CATALOG,
    RAW_KP,
    RAW_SATELLITE_CATALOG,
    RUN_DIR,
    SATELLITE_DATASET_DIR,
    SATELLITE_DATASET_ID,
    SATELLITE_DECLUSTERING_JSON,
    SATELLITE_EVENTS_CSV,
    SPLIT,
    SYNTHETIC_GROUND_DIR,
    SYNTHETIC_OVERVIEW_PNG,
    SYNTHETIC_SATELLITE_DIR,
    dataset_file,
    figure_file,
    run_label,
    run_path,
    table_file,
    window_samples,
)

# Also fills in the schema's defaults: the rules and the plan read every key directly.
validate(config, schema="../schemas/config.schema.yaml")
# The cross-key checks of every room, all problems in one error (each names its key).
config_checks.check_config(
    config,
    satellite_plan.check_config,
    alarm_plan.check_config,
    sensitivity_options.check_config,
)


wildcard_constraints:
    obs=plan.OBSERVATORY_CODE,
    mission="[A-Za-z0-9_]+",
    sat="[A-Za-z0-9_]+",
    month="[0-9]{4}-[0-9]{2}",
    dataset=plan.OBSERVATORY_CODE,
    window="|".join(plan.WINDOWS),
    filter=plan.FILTER_NAME,
    optimizer="|".join(plan.OPTIMIZERS),
    percent=plan.PERCENT,


OBSERVATORIES = sorted(config["observatories"])
CNN = config["ground_cnn"]


def observatory(obs):
    return config["observatories"][obs]


def http_params():
    """Retry/backoff settings shared by every download rule."""
    return config["services"]["http"]


def observatory_months(obs):
    """First-of-month dates (YYYY-MM) of an observatory's period: one request per month."""
    site = observatory(obs)
    starts = urls.month_starts(date.fromisoformat(site["start"]), date.fromisoformat(site["end"]))
    return [d.strftime("%Y-%m") for d in starts]


def local_iaga_files(pattern):
    """Files named by a `local` source: a directory (every file in it) or a glob."""
    if os.path.isdir(pattern):
        pattern = os.path.join(pattern, "*")
    return sorted(p for p in glob.glob(pattern) if os.path.isfile(p))


def ground_raw_files(wildcards):
    """Raw IAGA-2002 inputs of one observatory, whatever its source."""
    site = observatory(wildcards.obs)
    if site["source"] == "synthetic":
        return SYNTHETIC_GROUND_DIR.format(obs=wildcards.obs)
    if site["source"] == "intermagnet":
        return expand(
            INTERMAGNET_MONTH,
            obs=wildcards.obs,
            month=observatory_months(wildcards.obs),
        )
    return local_iaga_files(site["path"])


def satellite_raw_files(wildcards):
    """Raw half-orbit files of one satellite: the generator's directory, or `path`."""
    mission = config["satellites"][wildcards.sat]
    if mission["source"] == "synthetic":
        return SYNTHETIC_SATELLITE_DIR.format(mission=wildcards.sat)
    return local_iaga_files(mission["path"])


def satellite_decode_options(wildcards):
    return plan.satellite_decode_options(config, wildcards.sat)


def catalog_entry(obs):
    """The catalog of one observatory: its own `catalog` key, else the top-level one."""
    site = observatory(obs)
    return site["catalog"] if "catalog" in site else config["catalog"]


def catalog_source_file(wildcards):
    """The catalog file that selection reads: bundled/local, or a per-observatory query."""
    entry = catalog_entry(wildcards.obs)
    if entry["source"] == "local":
        return entry["path"]
    return RAW_CATALOG.format(service=entry["source"], obs=wildcards.obs)


def exclude_all_catalog_events():
    return CNN["labelling"]["exclude_all_catalog_events"]


def exclusion_options(wildcards):
    """Keyword arguments of ground.events.exclusion_catalog_file for one observatory."""
    site = observatory(wildcards.obs)
    return dict(
        latitude=site["latitude"],
        longitude=site["longitude"],
        radius_km=site["exclusion"]["radius_km"] or site["selection"]["max_distance_km"],
        min_magnitude=site["exclusion"]["min_magnitude"],
        start=site["start"],
        end=site["end"],
        margin_hours=CNN["labelling"]["exclusion_hours"],
    )


def exclusion_catalog_input(wildcards):
    """label_ground's `exclusion` input: the exclusion catalog, or none when switched off."""
    return EXCLUSION_CSV if exclude_all_catalog_events() else []


def ground_labelling_options():
    """ground_cnn.labelling as keyword arguments of ground.labels.make_dataset."""
    return {k: v for k, v in CNN["labelling"].items() if k != "exclude_all_catalog_events"}


def kp_source_file(wildcards):
    source = config["kp"]["source"]
    if source == "local":
        return config["kp"]["path"]
    return RAW_KP.format(service=source)


def synthetic_ground_options():
    return plan.synthetic_ground_options(config)


def synthetic_satellite_options(wildcards):
    return plan.synthetic_satellite_options(config, wildcards.mission)


def synthetic_satellite_events(wildcards):
    return plan.synthetic_satellite_events(config, wildcards.mission)


def overview():
    """The week of the synthetic overview figure (a target only when set)."""
    return config["synthetic"]["overview"]


def study_period():
    return plan.study_period(config)


def intermagnet_month_url(wildcards):
    service = config["services"]["intermagnet"]
    first = date.fromisoformat(f"{wildcards.month}-01")
    return urls.intermagnet_url(
        service["base_url"],
        iaga_code=wildcards.obs,
        start=first,
        duration_days=urls.days_in_month(first),
        publication_state=service["publication_state"],
    )


def catalog_query_url(wildcards):
    """The circle query of one observatory; widened to its exclusion events when those count."""
    site = observatory(wildcards.obs)
    sel = site["selection"]
    query = dict(
        start=site["start"],
        end=site["end"],
        latitude=site["latitude"],
        longitude=site["longitude"],
        max_radius_km=sel["max_distance_km"],
        min_magnitude=sel["min_magnitude"],
        max_depth_km=sel["max_depth_km"],
    )
    if exclude_all_catalog_events() and wildcards.obs in CNN["observatories"]:
        margin = timedelta(days=math.ceil(CNN["labelling"]["exclusion_hours"] / 24))
        excl = exclusion_options(wildcards)
        floor = sel["min_magnitude"] if excl["min_magnitude"] is None else excl["min_magnitude"]
        query.update(
            start=(date.fromisoformat(site["start"]) - margin).isoformat(),
            end=(date.fromisoformat(site["end"]) + margin).isoformat(),
            max_radius_km=max(sel["max_distance_km"], excl["radius_km"]),
            min_magnitude=min(floor, sel["min_magnitude"]),
            max_depth_km=None,
        )
    if wildcards.service == "usgs":
        return urls.usgs_fdsn_url(config["services"]["usgs"]["base_url"], **query)
    return urls.isc_catcsv_url(config["services"]["isc"]["base_url"], **query)


def kp_url(wildcards):
    services = config["services"]
    if wildcards.service == "gfz":
        return services["gfz"]["file_url"]
    if wildcards.service == "celestrak":
        return services["celestrak"]["url"]
    start, end = study_period()
    return urls.gfz_json_url(services["gfz"]["json_url"], start, end)


# ---------------------------------------------------------------- ground CNN experiments
# Thin input functions over eqprecursors.ground.plan (runs are (dataset, window, filter,
# optimizer, percent) tuples; run_path, run_label and window_samples need no config).
def cnn_filter(name):
    return plan.cnn_filter(config, name)


def all_cnn_runs():
    return plan.all_cnn_runs(config)


def cnn_run_files(experiment):
    return plan.cnn_run_files(config, experiment)


def cnn_run_dicts(experiment):
    return plan.cnn_run_dicts(config, experiment)


def figure_week_shade_start():
    return plan.figure_week_shade_start(config)


def study_sites():
    return plan.study_sites(config)


def study_dataset_files(name):
    """`name` of every study observatory's dataset, for ALL ({window}_{filter} stay open)."""
    return expand(dataset_file(name, "{obs}"), obs=CNN["observatories"], allow_missing=True)


# ---------------------------------------------------------------- satellite study
# Config glue. Keys read (the schema fills every default):
#   satellites.{sat}.start, .end                          -> the period of the catalog
#   satellite_study.catalogs.{sat}.source, path, format, min_magnitude, max_depth_km
#   satellite_study.decluster.box_deg, days
#   satellite_study.artificial.seed, per_real, exclusion_deg, exclusion_days, latitude_range
#   satellite_study.pre_seismic_days, kp_threshold, night_hours, cadence_s
#   satellite_study.datasets.{dataset}.satellite, time_of_day, sequence_length, spatial_window
#   satellite_study.split.train_fraction, guard_hours
def satellite_catalog_entry(sat):
    return config["satellite_study"]["catalogs"][sat]


def satellite_catalog_file(wildcards):
    """The catalog file of one satellite (source local: its path)."""
    entry = satellite_catalog_entry(wildcards.sat)
    if entry["source"] == "local":
        return entry["path"]
    years = satellite_catalog_years(wildcards.sat)
    return expand(RAW_SATELLITE_CATALOG, sat=wildcards.sat, year=sorted(years))


def satellite_catalog_years(sat):
    """{year: (start, end)} of the global queries: the period plus the pre-seismic days."""
    mission = config["satellites"][sat]
    end = date.fromisoformat(mission["end"]) + timedelta(
        days=math.ceil(config["satellite_study"]["pre_seismic_days"])
    )
    periods = urls.year_periods(mission["start"], end.isoformat())
    return {p[0][:4]: p for p in periods}


def satellite_catalog_url(wildcards):
    entry = satellite_catalog_entry(wildcards.sat)
    start, end = satellite_catalog_years(wildcards.sat)[wildcards.year]
    return urls.usgs_fdsn_global_url(
        config["services"]["usgs"]["base_url"],
        start=start,
        end=end,
        min_magnitude=entry["min_magnitude"],
        max_depth_km=entry["max_depth_km"],
    )


def satellite_catalog_options(wildcards):
    """Keyword arguments of eqprecursors.satellite.events.make_events for one satellite."""
    study = config["satellite_study"]
    entry = satellite_catalog_entry(wildcards.sat)
    mission = config["satellites"][wildcards.sat]
    artificial = study["artificial"]
    return dict(
        fmt=entry["format"],
        start=mission["start"],
        end=mission["end"],
        min_magnitude=entry["min_magnitude"],
        max_depth_km=entry["max_depth_km"],
        latitude_range=artificial["latitude_range"],
        pre_seismic_days=study["pre_seismic_days"],
        box_deg=study["decluster"]["box_deg"],
        decluster_days=study["decluster"]["days"],
        reference=study["decluster"]["reference"],
        seed=artificial["seed"],
        per_real=artificial["per_real"],
        exclusion_deg=artificial["exclusion_deg"],
        exclusion_days=artificial["exclusion_days"],
    )


def satellite_dataset(wildcards):
    return config["satellite_study"]["datasets"][wildcards.dataset]


def satellite_dataset_input(pattern):
    """Input function: `pattern` ({sat}) for the satellite of a dataset."""
    return lambda wildcards: pattern.format(sat=satellite_dataset(wildcards)["satellite"])


def satellite_label_options(wildcards):
    """Keyword arguments of eqprecursors.satellite.sequences.make_dataset for one dataset."""
    return satellite_plan.label_options(config, wildcards.dataset)


def satellite_split_options(wildcards):
    return satellite_plan.split_options(config)


def satellite_dataset_file(name):
    return f"{SATELLITE_DATASET_DIR}/{name}"


# ---------------------------------------------------------- satellite study: models
# Config read by rules/satellite_models.smk (through these functions, lazily):
#   satellite_study.tuning.trials, seed, inner_validation_fraction, n_steps, workers,
#                          max_epochs, max_units, max_estimators, fixed
#   satellite_study.evaluation.n_bootstrap, n_permutations, seed
#   satellite_study.transfer.source, target
SATELLITE_TRANSFER_MODEL = "seqnetquake"
SATELLITE_DATASET_FILES = {
    "sequences": "sequences.npy",
    "table": "sequences.csv",
    "split": "split.csv",
}


def satellite_tuning():
    return config["satellite_study"]["tuning"]


def satellite_evaluation():
    return config["satellite_study"]["evaluation"]


def satellite_dataset_files():
    """The dataset files that tuning and training read ({dataset} stays a wildcard)."""
    return {k: satellite_dataset_file(v) for k, v in SATELLITE_DATASET_FILES.items()}


def satellite_tuning_workers(wildcards):
    """The worker reports of one study: satellite_study.tuning.workers of them."""
    return expand(
        f"{plan.SATELLITE_TUNING_DIR}/workers/{{worker}}.json",
        worker=range(satellite_tuning()["workers"]),
        dataset=wildcards.dataset,
        model=wildcards.model,
    )


def satellite_transfer_dataset(role):
    """The dataset id of satellite_study.transfer.source or .target."""
    return config["satellite_study"]["transfer"][role]


def satellite_transfer_input(role, pattern, name):
    """Input function: `name` in `pattern` for the transfer's source or target dataset."""
    return lambda wildcards: f"{pattern}/{name}".format(
        dataset=satellite_transfer_dataset(role), model=SATELLITE_TRANSFER_MODEL
    )


def satellite_transfer_dataset_inputs(role):
    """The dataset files of the transfer's source or target (keys prefixed by the role)."""
    return {
        f"{role}_{key}": satellite_transfer_input(role, SATELLITE_DATASET_DIR, name)
        for key, name in SATELLITE_DATASET_FILES.items()
    }


def satellite_transfer_dirs(wildcards):
    return {
        f"{role}_dir": SATELLITE_DATASET_DIR.format(dataset=satellite_transfer_dataset(role))
        for role in ("source", "target")
    }


def satellite_transfer_file(mode, name):
    return f"{plan.SATELLITE_TRANSFER_DIR.format(mode=mode)}/{name}"
