import glob
import os
import sys
from datetime import date

from snakemake.utils import validate

# The domain package lives in scripts/; the DAG's input functions use it too.
sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))

from eqprecursors.sources import urls  # noqa: E402

# The plan (standard library only): shared paths, the run vocabulary, runs and targets.
from eqprecursors.ground import plan  # noqa: E402
from eqprecursors.ground.plan import (  # noqa: E402
    CATALOG_CSV,
    DECODED_NC,
    FIGURE_EXPERIMENTS,
    FIGURE_FUNCTIONS,
    INTERMAGNET_MONTH,
    KP_CSV,
    RAW_CATALOG,
    RAW_KP,
    RUN_DIR,
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


wildcard_constraints:
    obs=plan.OBSERVATORY_CODE,
    mission="[A-Za-z0-9_]+",
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


def catalog_source_file(wildcards):
    """The catalog file that selection reads: bundled/local, or a per-observatory query."""
    source = config["catalog"]["source"]
    if source == "local":
        return config["catalog"]["path"]
    return RAW_CATALOG.format(service=source, obs=wildcards.obs)


def kp_source_file(wildcards):
    source = config["kp"]["source"]
    if source == "local":
        return config["kp"]["path"]
    return RAW_KP.format(service=source)


def synthetic_ground_options():
    return plan.synthetic_ground_options(config)


def synthetic_satellite_options(wildcards):
    return plan.synthetic_satellite_options(config, wildcards.mission)


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
    site = observatory(wildcards.obs)
    query = dict(
        start=site["start"],
        end=site["end"],
        latitude=site["latitude"],
        longitude=site["longitude"],
        max_radius_km=site["selection"]["max_distance_km"],
        min_magnitude=site["selection"]["min_magnitude"],
        max_depth_km=site["selection"]["max_depth_km"],
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
