import calendar
import glob
import os
import sys
from datetime import date

from snakemake.utils import validate

# The domain package lives in scripts/; the DAG's input functions use it too.
sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))

from eqprecursors.sources import http as download  # noqa: E402

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
SATELLITES = sorted(config.get("satellites", {}))


def synthetic_ground_options():
    """Generator settings shared by every synthetic observatory."""
    return dict(
        seed=SYNTHETIC.get("seed", 0),
        gaps=SYNTHETIC.get("gaps"),
        model=SYNTHETIC.get("ground_model"),
        injection=SYNTHETIC.get("injection", {}).get("ground"),
    )


def synthetic_satellite_options(wildcards):
    mission = dict(config["satellites"][wildcards.mission])
    mission.pop("source")
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
    if CNN:
        targets += ground_cnn_targets()
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
    from eqprecursors.io import catalogs as catalog

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
    from eqprecursors.io import kp

    services = config["services"]
    if wildcards.service == "gfz":
        return services["gfz"]["file_url"]
    if wildcards.service == "celestrak":
        return services["celestrak"]["url"]
    start, end = study_period()
    return kp.gfz_json_url(services["gfz"]["json_url"], start, end)


# ---------------------------------------------------------------- ground CNN experiments
CNN = config.get("ground_cnn")
RUN_DIR = "results/ground/runs/{dataset}/{window}_{filter}/{optimizer}_{percent}"


wildcard_constraints:
    dataset="[A-Z0-9]{3}",
    window="hour|day|week|month",
    filter="[a-z0-9]+",
    optimizer="adam|adagrad|adamax|sgd|rmsprop",
    percent="[0-9]{1,3}",


def cnn_filter(name):
    """A named filter variant as labelling expects it (None = unfiltered)."""
    spec = dict(CNN["filters"][name])
    return None if spec["type"] == "none" else spec


def cnn_runs(experiment):
    """(dataset, window, filter, optimizer, percent) of each model an experiment trains."""
    e = CNN["experiments"]
    opt = CNN["training"]["optimizer"]
    week, sweep, filt = e["window"], e["sweep_dataset"], e["sweep_filter"]
    if experiment == "histories":
        datasets = CNN["observatories"] + ["ALL"]
        return [(d, week, f, opt, 100) for d in datasets for f in CNN["filters"]]
    if experiment == "optimizers":
        return [(sweep, week, filt, o, 100) for o in e["optimizers"]]
    if experiment == "windows":
        return [(sweep, w, filt, opt, 100) for w in e["windows"]]
    if experiment == "learning_curve":
        fractions = e["learning_curve_fractions"]
        return [(sweep, week, filt, opt, round(100 * f)) for f in fractions]
    raise ValueError(f"unknown experiment {experiment}")


def all_cnn_runs():
    runs = []
    for experiment in ("histories", "optimizers", "windows", "learning_curve"):
        runs += [r for r in cnn_runs(experiment) if r not in runs]
    return runs


def run_path(run, name):
    dataset, window, filt, optimizer, percent = run
    directory = RUN_DIR.format(
        dataset=dataset, window=window, filter=filt, optimizer=optimizer, percent=percent
    )
    return f"{directory}/{name}"


def run_label(run):
    dataset, window, filt, optimizer, percent = run
    return dict(dataset=dataset, window=window, filter=filt, optimizer=optimizer, percent=percent)


FIGURE_EXPERIMENTS = {
    "fig5_histories": "histories",
    "fig6_optimizers": "optimizers",
    "fig7_windows": "windows",
}
FIGURE_FUNCTIONS = {
    "fig5_histories": "plot_histories",
    "fig6_optimizers": "plot_optimizers",
    "fig7_windows": "plot_windows",
}


def window_samples(window):
    from eqprecursors.ground.labels import WINDOW_SAMPLES

    return WINDOW_SAMPLES[window]


def figure_week_shade_start():
    """The last day of the figure week: the day before the event in the default."""
    from datetime import timedelta

    start = date.fromisoformat(CNN["figures"]["week_start"])
    return (start + timedelta(days=6)).isoformat()


def ground_cnn_targets():
    figures = [
        "fig1_map",
        "fig2_week",
        "fig3_filter",
        "fig4_network",
        *FIGURE_EXPERIMENTS,
        "fig8_learning_curve",
    ]
    return [
        "results/tables/ground/metrics.csv",
        "results/tables/ground/table1_observatories.csv",
        "results/tables/ground/table2_model.csv",
        *[f"results/figures/ground/{name}.{ext}" for name in figures for ext in ("png", "pdf")],
    ]


def cnn_run_dicts(experiment):
    """What the figure functions need of each run of an experiment: label and files."""
    out = []
    for run in cnn_runs(experiment):
        dataset, window, filt, optimizer, percent = run
        label = {
            "histories": f"{dataset} {filt}",
            "optimizers": optimizer,
            "windows": window,
            "learning_curve": f"{percent} %",
        }[experiment]
        out.append(
            dict(
                label=label,
                row=dataset,
                column=filt,
                fraction=percent / 100,
                history_csv=run_path(run, "history.csv"),
                metrics_json=run_path(run, "metrics.json"),
                summary_json=run_path(run, "summary.json"),
            )
        )
    return out


def cnn_run_files(experiment):
    return [
        run_path(run, name)
        for run in cnn_runs(experiment)
        for name in ("history.csv", "metrics.json", "summary.json")
    ]


def study_sites():
    """The study observatories as the map and Table 1 take them."""
    return [
        dict(
            code=obs,
            name=observatory(obs).get("name", obs),
            country=observatory(obs).get("country", ""),
            provider=observatory(obs).get("provider", observatory(obs)["source"]),
            latitude=observatory(obs)["latitude"],
            longitude=observatory(obs)["longitude"],
            radius_km=observatory(obs)["selection"]["max_distance_km"],
        )
        for obs in CNN["observatories"]
    ]
