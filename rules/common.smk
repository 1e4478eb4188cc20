import calendar
import glob
import os
import sys
from datetime import date

from snakemake.utils import validate

# The domain package lives in scripts/; the DAG's input functions use it too.
sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))

from eqprecursors import download  # noqa: E402

validate(config, schema="../schemas/config.schema.yaml")


wildcard_constraints:
    obs="[A-Z0-9]{3}",
    mission="[A-Za-z0-9_]+",
    month="[0-9]{4}-[0-9]{2}",


OBSERVATORIES = sorted(config["observatories"])


def observatory(obs):
    return config["observatories"][obs]


def http_params():
    """Retry/backoff settings shared by every download rule."""
    return config["services"]["http"]


def observatory_months(obs):
    """First-of-month dates (YYYY-MM) of an observatory's period: one request per month."""
    site = observatory(obs)
    starts = download.month_starts(
        date.fromisoformat(site["start"]), date.fromisoformat(site["end"])
    )
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
        return f"resources/synthetic/ground/{wildcards.obs}"
    if site["source"] == "intermagnet":
        return expand(
            "resources/intermagnet/{obs}/{obs}_{month}.min",
            obs=wildcards.obs,
            month=observatory_months(wildcards.obs),
        )
    return local_iaga_files(site["path"])


def catalog_source_file(wildcards):
    """The catalog file that selection reads: bundled/local, or a per-observatory query."""
    source = config["catalog"]["source"]
    if source == "local":
        return config["catalog"]["path"]
    return f"resources/catalog/{source}/{wildcards.obs}.csv"


def kp_source_file(wildcards):
    source = config["kp"]["source"]
    if source == "local":
        return config["kp"]["path"]
    return f"resources/kp/{source}.txt"


SYNTHETIC = config.get("synthetic", {})
SATELLITES = sorted(SYNTHETIC.get("satellites", {}))


def synthetic_ground_options():
    """Generator settings shared by every synthetic observatory."""
    return dict(
        seed=SYNTHETIC.get("seed", 0),
        gaps=SYNTHETIC.get("gaps"),
        model=SYNTHETIC.get("ground_model"),
        injection=SYNTHETIC.get("injection", {}).get("ground"),
    )


def synthetic_satellite_options(wildcards):
    mission = dict(SYNTHETIC["satellites"][wildcards.mission])
    return dict(
        mission,
        seed=SYNTHETIC.get("seed", 0),
        injection=SYNTHETIC.get("injection", {}).get("satellite"),
    )


def overview():
    return SYNTHETIC["overview"]


def all_targets():
    targets = [
        expand("results/decoded/ground/{obs}.nc", obs=OBSERVATORIES),
        expand("results/catalog/ground/{obs}.csv", obs=OBSERVATORIES),
        "results/kp/kp.csv",
        expand("resources/synthetic/satellite/{mission}", mission=SATELLITES),
    ]
    if "overview" in SYNTHETIC:
        targets.append("results/figures/synthetic/overview.png")
    return targets


def study_period():
    """The union of every observatory's period, for period-wide queries (Kp)."""
    sites = config["observatories"].values()
    return min(s["start"] for s in sites), max(s["end"] for s in sites)


def intermagnet_month_url(wildcards):
    service = config["services"]["intermagnet"]
    first = date.fromisoformat(f"{wildcards.month}-01")
    return download.intermagnet_url(
        service["base_url"],
        iaga_code=wildcards.obs,
        start=first,
        duration_days=calendar.monthrange(first.year, first.month)[1],
        publication_state=service["publication_state"],
    )


def catalog_query_url(wildcards):
    from eqprecursors import catalog

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
        return catalog.usgs_fdsn_url(config["services"]["usgs"]["base_url"], **query)
    return catalog.isc_catcsv_url(config["services"]["isc"]["base_url"], **query)


def kp_url(wildcards):
    from eqprecursors import kp

    services = config["services"]
    if wildcards.service == "gfz":
        return services["gfz"]["file_url"]
    if wildcards.service == "celestrak":
        return services["celestrak"]["url"]
    start, end = study_period()
    return kp.gfz_json_url(services["gfz"]["json_url"], start, end)
