"""What a configuration asks the workflow for: ground CNN runs, shared paths and targets.

Pure functions of the validated config dict (``snakemake.utils.validate`` has filled in the
schema's defaults), standard library only, so building the DAG imports nothing heavy. The
rules reach them through thin functions in rules/common.smk; the tests call them directly.

The vocabulary below (windows, optimizers, experiments, figures) is the one list of each:
the wildcard constraints are built from it and tests/test_plan.py checks it against the
schema's enums, ``eqprecursors.ground.model.OPTIMIZERS`` and the window sample table.
A run is the tuple ``(dataset, window, filter, optimizer, percent)``: dataset is a study
observatory or ``ALL``, percent the share of the training part that is used (100 for
every experiment's run).  The learning curve (Figure 8) is planned apart: one job per seed
trains every fraction (``learning_curve_*`` below); so are the learning-rate and
conv-block variants of the sweep's run (``variant_*``, VARIANT_RUN_DIR), which no other
rule reads.
"""

from __future__ import annotations

from datetime import date, timedelta

# ------------------------------------------------------------------------- vocabulary
WINDOW_SAMPLES: dict[str, int] = {"hour": 60, "day": 1440, "week": 10080, "month": 43200}
"""Window lengths in samples at 1-minute cadence (month = 30 days)."""
WINDOWS = tuple(WINDOW_SAMPLES)
OPTIMIZERS = ("adam", "adagrad", "adamax", "sgd", "rmsprop")
"""The optimizers of the paper's comparison (Figure 6)."""
EXPERIMENTS = ("histories", "optimizers", "windows")
"""Experiments of single runs (RUN_DIR); the learning curve has its own jobs and paths."""
VARIANT_EXPERIMENTS = {"learning_rates": "lr", "conv_blocks": "conv"}
"""Experiments that vary one training setting of the sweep's run (the paper's learning-rate
and convolutional-layer-count trials): ``ground_cnn.experiments`` list -> the prefix of the
variant's name (``lr0.0001``, ``conv2``); an empty list trains nothing."""
VARIANT = "lr[0-9.e+-]+|conv[0-9]+"
"""The pattern of a variant's name (VARIANT_RUN_DIR)."""
TABLE2_CONV_BLOCKS = 3
"""Table 2's convolutional blocks (= eqprecursors.ground.model.TABLE2_CONV_BLOCKS)."""
KERAS_DEFAULT_LEARNING_RATE = {
    "adam": 0.001,
    "adagrad": 0.001,
    "adamax": 0.001,
    "sgd": 0.01,
    "rmsprop": 0.001,
}
"""What ``training.learning_rate: null`` means per optimizer (Keras 3; tests/test_models.py
checks it against Keras), so a listed rate equal to it reuses the sweep's run."""
OBSERVATORY_CODE = "[A-Z0-9]{3}"
"""An IAGA code; also the pattern of a dataset name (``ALL`` is the combined dataset)."""
COMBINED = "ALL"
FILTER_NAME = "[a-z0-9]+"
PERCENT = "[0-9]{1,3}"

FIGURE_EXPERIMENTS = {
    "fig5_histories": "histories",
    "fig6_optimizers": "optimizers",
    "fig7_windows": "windows",
}
"""Figures drawn by one rule (figure_ground_experiment) -> the experiment they show."""
FIGURE_FUNCTIONS = {
    "fig5_histories": "figure_histories",
    "fig6_optimizers": "figure_optimizers",
    "fig7_windows": "figure_windows",
}
"""Those figures -> their function in eqprecursors.plots.ground_results."""
FIGURES = (
    "fig1_map",
    "fig2_week",
    "fig3_filter",
    "fig4_network",
    *FIGURE_EXPERIMENTS,
    "fig8_learning_curve",
)
TABLES = ("metrics", "table1_observatories", "table2_model")
VARIANTS_FIGURE = "figS1_variants"
"""Accuracy and MCC vs learning rate and vs conv blocks: a target only when either list of
VARIANT_EXPERIMENTS is non-empty (not a figure of the paper, whose text reports the runs)."""
VARIANTS_TABLE = "variants"
"""The numbers of VARIANTS_FIGURE, one row per variant (written by the same rule)."""

# ------------------------------------------------------------------------------ paths
# Files that more than one rule (or a rule and the targets) name; wildcards in braces.
INTERMAGNET_MONTH = "resources/intermagnet/{obs}/{obs}_{month}.min"
RAW_CATALOG = "resources/catalog/{service}/{obs}.csv"
RAW_SATELLITE_CATALOG = "resources/catalog/usgs/satellite_{sat}_{year}.csv"
RAW_KP = "resources/kp/{service}.txt"
SYNTHETIC_GROUND_DIR = "resources/synthetic/ground/{obs}"
SYNTHETIC_SATELLITE_DIR = "resources/synthetic/satellite/{mission}"
SYNTHETIC_OVERVIEW_PNG = "results/figures/synthetic/overview.png"
DECODED_NC = "results/decoded/ground/{obs}.nc"
DECODED_SATELLITE_NC = "results/decoded/satellite/{sat}.nc"
SATELLITE_EVENTS_CSV = "results/catalog/satellite/{sat}_events.csv"
SATELLITE_DECLUSTERING_JSON = "results/catalog/satellite/{sat}_declustering.json"
SATELLITE_DATASET_DIR = "results/satellite/datasets/{dataset}"
"""One labelled satellite dataset: sequences.npy, sequences.csv, report.json, split.csv."""
SATELLITE_DATASET_ID = "[0-9]{2}"
"""A key of ``satellite_study.datasets`` (the schema's propertyNames pattern)."""
SATELLITE_TUNING_DIR = "results/satellite/tuning/{dataset}/{model}"
"""One Optuna study: study.journal, workers/{worker}.json, trials.csv, best.json."""
SATELLITE_MODEL_DIR = "results/satellite/models/{dataset}/{model}"
"""One final model: model.keras (+ preprocessing.json) or model.joblib, predictions.csv,
summary.json, metrics.json."""
SATELLITE_TRANSFER_DIR = "results/satellite/transfer/{mode}"
"""One transfer mode (TL, IT, DT): predictions.csv, summary.json, metrics.json."""
CATALOG_CSV = "results/catalog/ground/{obs}.csv"
EXCLUSION_CSV = "results/catalog/ground/exclusion/{obs}.csv"
"""Every catalog event near one observatory that its quiet windows keep clear of."""
KP_CSV = "results/kp/kp.csv"
DATASET_DIR = "results/ground/datasets/{dataset}/{window}_{filter}"
SPLIT = "results/ground/splits/{dataset}/{window}_{filter}"
"""Stem of a split: ``.csv`` (train/test per window) and ``.json`` (its report)."""
RUN_DIR = "results/ground/runs/{dataset}/{window}_{filter}/{optimizer}_{percent}"
VARIANT_RUN_DIR = "results/ground/variants/{dataset}/{window}_{filter}/{optimizer}_{variant}"
"""One run of VARIANT_EXPERIMENTS (model.keras + RUN_FILES); the sweep's own setting is
not trained again here (:func:`variant_run_dicts` points it at RUN_DIR)."""
GROUND_BASELINES_JSON = "results/ground/baselines/{dataset}/{window}_{filter}.json"
"""Kp-only, date-only, majority and stratified baselines of one split (no optimizer)."""
SATELLITE_BASELINES_JSON = "results/satellite/baselines/{dataset}.json"
"""The same plus location-only on one satellite dataset's split (= satellite plan's)."""
GROUND_FIGURES_DIR = "results/figures/ground"
GROUND_TABLES_DIR = "results/tables/ground"
RUN_FILES = ("history.csv", "metrics.json", "summary.json")
"""What the figures read of each run."""
LEARNING_CURVE_DIR = (
    "results/ground/learning_curve/{dataset}/{window}_{filter}/{optimizer}/seed{seed}"
)
"""One learning-curve seed: ``percent{p}/`` + RUN_FILES per fraction (no model kept)."""
SEED = "[0-9]+"


def dataset_file(name: str, dataset: str = "{dataset}") -> str:
    """``name`` (windows.npy, labels.csv, report.json) of a labelled dataset.

    ``dataset`` is a wildcard by default; label_ground passes ``{obs}``, combine_ground
    ``ALL``. ``{window}`` and ``{filter}`` stay wildcards.
    """
    return f"{DATASET_DIR.replace('{dataset}', dataset)}/{name}"


def figure_file(name: str, ext: str) -> str:
    """A ground CNN figure, e.g. ``figure_file("fig1_map", "png")``."""
    return f"{GROUND_FIGURES_DIR}/{name}.{ext}"


def table_file(name: str, ext: str) -> str:
    """A ground CNN table, e.g. ``table_file("metrics", "csv")``."""
    return f"{GROUND_TABLES_DIR}/{name}.{ext}"


# ------------------------------------------------------------------ data and synthetic
def study_period(config: dict) -> tuple[str, str]:
    """The union of every observatory's period, for period-wide queries (Kp)."""
    sites = config["observatories"].values()
    return min(s["start"] for s in sites), max(s["end"] for s in sites)


def satellites(config: dict) -> list[str]:
    return sorted(config["satellites"])


def synthetic_ground_options(config: dict) -> dict:
    """Generator settings shared by every synthetic observatory."""
    synthetic = config["synthetic"]
    return dict(
        seed=synthetic["seed"],
        gaps=synthetic["gaps"],
        model=synthetic["ground_model"],
        injection=synthetic["injection"]["ground"],
    )


SATELLITE_READER_KEYS = ("source", "format", "path", "variables", "valid_range", "fill_values")
"""Keys of a ``satellites`` entry that only the decoder reads (not the generator)."""


def synthetic_satellite_options(config: dict, mission: str) -> dict:
    """One mission's generator settings (without the reader keys) with the generator's seed."""
    entry = config["satellites"][mission]
    options = {k: v for k, v in entry.items() if k not in SATELLITE_READER_KEYS}
    if entry.get("format") == "demeter_l1":  # the generator writes what the decoder reads
        options["file_format"] = "demeter_l1"
    synthetic = config["synthetic"]
    if satellite_study_catalog(config, mission):
        options["event_kind"] = "independent"
    return dict(options, seed=synthetic["seed"], injection=synthetic["injection"]["satellite"])


def satellite_study_catalog(config: dict, mission: str) -> bool:
    """Does the satellite study label ``mission`` with its own (declustered) catalog?"""
    return mission in config.get("satellite_study", {}).get("catalogs", {})


def synthetic_satellite_events(config: dict, mission: str) -> list[str]:
    """Events that get a precursor: the study's independent events, else the observatories'."""
    if satellite_study_catalog(config, mission):
        return [SATELLITE_EVENTS_CSV.format(sat=mission)]
    return [CATALOG_CSV.format(obs=obs) for obs in sorted(config["observatories"])]


def satellite_decode_options(config: dict, sat: str) -> dict:
    """Keyword arguments of ``eqprecursors.satellite.decode.decode_satellite`` for ``sat``.

    The study's cadence and gap come from ``satellite_study`` when the section is there
    (the schema fills its defaults); without it the decoder's own defaults apply.
    """
    entry = config["satellites"][sat]
    keys = ("source", "mission", "format", "variables", "valid_range", "fill_values")
    options = {k: entry[k] for k in (*keys, "start", "end") if k in entry}
    study = config.get("satellite_study", {})
    for key, name in (("cadence_s", "cadence_s"), ("max_interpolation_gap_s", "max_gap_s")):
        if key in study:
            options[name] = study[key]
    return dict(options, satellite=sat)


def all_targets(config: dict) -> list[str]:
    """What ``rule all`` asks for: decoded data, catalogs, Kp, satellites, figures, tables."""
    observatories = sorted(config["observatories"])
    targets = [DECODED_NC.format(obs=obs) for obs in observatories]
    targets += [CATALOG_CSV.format(obs=obs) for obs in observatories]
    targets.append(KP_CSV)
    missions = config["satellites"]
    targets += [
        SYNTHETIC_SATELLITE_DIR.format(mission=m)
        for m in satellites(config)
        if missions[m]["source"] == "synthetic"
    ]
    targets += [DECODED_SATELLITE_NC.format(sat=m) for m in satellites(config)]
    if "overview" in config["synthetic"]:
        targets.append(SYNTHETIC_OVERVIEW_PNG)
    if "ground_cnn" in config:
        targets += ground_cnn_targets(config)
    return targets


# -------------------------------------------------------------------- ground CNN study
def ground_cnn_targets(config: dict | None = None) -> list[str]:
    """The study's tables (CSV) and figures (PNG and PDF), with the variants' figure and
    its table when ``config`` lists any variant."""
    targets = [table_file(name, "csv") for name in TABLES] + [
        figure_file(name, ext) for name in FIGURES for ext in ("png", "pdf")
    ]
    if config is not None and cnn_variants(config):
        targets += [table_file(VARIANTS_TABLE, "csv")]
        targets += [figure_file(VARIANTS_FIGURE, ext) for ext in ("png", "pdf")]
    return targets


def cnn_filter(config: dict, name: str) -> dict | None:
    """A named filter variant as labelling expects it (a copy; None = unfiltered)."""
    spec = dict(config["ground_cnn"]["filters"][name])
    return None if spec["type"] == "none" else spec


FIGURE_FILTER_TYPES = ("highpass", "bandpass")
"""Filter types that remove the diurnal (Sq) variation: what Figure 3 shows being removed."""


def figure_filter(config: dict) -> dict:
    """Figure 3's filter: the first high-pass or band-pass of ``ground_cnn.filters``.

    Figure 3 compares filtered with unfiltered data, so it needs a filter whatever
    ``experiments.sweep_filter`` the sweeps train on (the paper's is ``unfiltered``).
    Raises at DAG build time, naming the key, when no such filter exists.
    """
    filters = config["ground_cnn"]["filters"]
    for spec in filters.values():
        if spec["type"] in FIGURE_FILTER_TYPES:
            return dict(spec)
    types = {name: spec["type"] for name, spec in filters.items()}
    raise ValueError(
        f"ground_cnn.filters: Figure 3 (figure_ground_filter) needs a filter of type "
        f"{' or '.join(FIGURE_FILTER_TYPES)} to compare with the unfiltered data; "
        f"found {types}"
    )


def cnn_runs(config: dict, experiment: str) -> list[tuple]:
    """The runs an experiment trains, in the order its figure shows them.

    histories: every study observatory and ALL x every filter at the main window;
    optimizers, windows: the sweep dataset and filter, varying one thing.
    """
    cnn = config["ground_cnn"]
    e = cnn["experiments"]
    opt = cnn["training"]["optimizer"]
    week, sweep, filt = e["window"], e["sweep_dataset"], e["sweep_filter"]
    if experiment == "histories":
        datasets = [*cnn["observatories"], COMBINED]
        return [(d, week, f, opt, 100) for d in datasets for f in cnn["filters"]]
    if experiment == "optimizers":
        return [(sweep, week, filt, o, 100) for o in e["optimizers"]]
    if experiment == "windows":
        return [(sweep, w, filt, opt, 100) for w in e["windows"]]
    raise ValueError(f"unknown experiment {experiment!r}; expected one of {EXPERIMENTS}")


def all_cnn_runs(config: dict) -> list[tuple]:
    """Every run of every experiment once, in experiment order (shared runs train once)."""
    runs: list[tuple] = []
    for experiment in EXPERIMENTS:
        runs += [r for r in cnn_runs(config, experiment) if r not in runs]
    return runs


def run_path(run: tuple, name: str) -> str:
    dataset, window, filt, optimizer, percent = run
    directory = RUN_DIR.format(
        dataset=dataset, window=window, filter=filt, optimizer=optimizer, percent=percent
    )
    return f"{directory}/{name}"


def baselines_path(run: tuple) -> str:
    """The baselines of a run's (dataset, window, filter) split; shared by its optimizers."""
    dataset, window, filt = run[:3]
    return GROUND_BASELINES_JSON.format(dataset=dataset, window=window, filter=filt)


def cnn_baseline_files(config: dict) -> list[str]:
    """The baselines of every run's split, each once, in run order (the metrics table's)."""
    return list(dict.fromkeys(baselines_path(run) for run in all_cnn_runs(config)))


def ground_baseline_options(config: dict) -> dict:
    """Keyword arguments of ``evaluation.baselines.ground_baselines`` but the files and
    the split's names: the labelling's Kp threshold, the CNN's resampling, the trees."""
    cnn = config["ground_cnn"]
    evaluation = cnn["evaluation"]
    return dict(
        kp_threshold=cnn["labelling"]["kp_threshold"],
        n_bootstrap=evaluation["n_bootstrap"],
        n_permutations=evaluation["n_permutations"],
        seed=evaluation["seed"],
        **cnn["baselines"],
    )


def run_label(run: tuple) -> dict:
    dataset, window, filt, optimizer, percent = run
    return dict(dataset=dataset, window=window, filter=filt, optimizer=optimizer, percent=percent)


def cnn_run_files(config: dict, experiment: str) -> list[str]:
    return [run_path(run, name) for run in cnn_runs(config, experiment) for name in RUN_FILES]


def cnn_run_dicts(config: dict, experiment: str) -> list[dict]:
    """What the figure functions need of each run of an experiment: label and files."""
    out = []
    for run in cnn_runs(config, experiment):
        dataset, window, filt, optimizer, percent = run
        label = {
            "histories": f"{dataset} {filt}",
            "optimizers": optimizer,
            "windows": window,
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


# ------------------------------------------------------- learning-rate and conv-block runs
def variant_name(experiment: str, value) -> str:
    """A variant's directory name: ``lr`` + the rate as Python writes it (exact round trip:
    0.0001, 1e-05), or ``conv`` + the block count."""
    if experiment == "learning_rates":
        return f"lr{float(value)!r}"
    if experiment == "conv_blocks":
        return f"conv{int(value)}"
    raise ValueError(
        f"unknown variant experiment {experiment!r}; expected {list(VARIANT_EXPERIMENTS)}"
    )


def cnn_variants(config: dict) -> list[tuple[str, str, float]]:
    """(experiment, name, value) of every listed learning rate and conv-block count, in
    config order (rates first); empty when both lists are (the default)."""
    e = config["ground_cnn"]["experiments"]
    return [
        (experiment, variant_name(experiment, value), value)
        for experiment in VARIANT_EXPERIMENTS
        for value in e.get(experiment) or []
    ]


def _variant_setting(experiment: str, value) -> dict:
    """The training keys a variant overrides (learning_rate or conv_blocks)."""
    if experiment == "learning_rates":
        return {"learning_rate": float(value)}
    return {"conv_blocks": int(value)}


def variant_is_sweep_run(config: dict, experiment: str, value) -> bool:
    """Is the variant the sweep's own run: Table 2's block count, or the rate it trains with
    (``learning_rate``, or the optimizer's Keras default where that is null)?"""
    training = config["ground_cnn"]["training"]
    if experiment == "conv_blocks":
        return int(value) == TABLE2_CONV_BLOCKS
    rate = training.get("learning_rate")
    if rate is None:
        rate = KERAS_DEFAULT_LEARNING_RATE[training["optimizer"]]
    return float(value) == float(rate)


def variant_training(config: dict, variant: str) -> dict:
    """The training keyword arguments of variant ``variant`` (the rule's wildcard)."""
    for experiment, name, value in cnn_variants(config):
        if name == variant:
            return dict(config["ground_cnn"]["training"], **_variant_setting(experiment, value))
    known = [name for _, name, _ in cnn_variants(config)]
    raise ValueError(
        f"variant {variant!r} is in neither ground_cnn.experiments.learning_rates nor "
        f"conv_blocks (variants: {known})"
    )


def variant_run_dicts(config: dict) -> list[dict]:
    """What the variants' figure needs of each variant: experiment, value, label, files.

    Variants run on the sweep dataset, main window and sweep filter with the training
    optimizer; the one equal to the sweep's setting reads the sweep's run (RUN_DIR).
    """
    dataset, window, filt, optimizer = learning_curve_sweep(config)
    out = []
    for experiment, name, value in cnn_variants(config):
        if experiment == "conv_blocks" and 2 ** (int(value) - 1) > WINDOW_SAMPLES[window]:
            raise ValueError(
                f"ground_cnn.experiments.conv_blocks: {value} blocks pool a {window} window "
                f"({WINDOW_SAMPLES[window]} samples) {int(value) - 1} times, below one sample"
            )
        if variant_is_sweep_run(config, experiment, value):
            directory = RUN_DIR.format(
                dataset=dataset, window=window, filter=filt, optimizer=optimizer, percent=100
            )
        else:
            directory = VARIANT_RUN_DIR.format(
                dataset=dataset, window=window, filter=filt, optimizer=optimizer, variant=name
            )
        label = f"lr {float(value):g}" if experiment == "learning_rates" else f"{int(value)} blocks"
        out.append(
            dict(
                experiment=experiment,
                value=float(value) if experiment == "learning_rates" else int(value),
                label=label,
                sweep_run=variant_is_sweep_run(config, experiment, value),
                history_csv=f"{directory}/history.csv",
                metrics_json=f"{directory}/metrics.json",
                summary_json=f"{directory}/summary.json",
            )
        )
    return out


def variant_run_files(config: dict) -> list[str]:
    """Every file the variants' figure reads (RUN_FILES of every variant)."""
    runs = variant_run_dicts(config)
    return [r[name.replace(".", "_")] for r in runs for name in RUN_FILES]


def learning_curve_sweep(config: dict) -> tuple[str, str, str, str]:
    """(dataset, window, filter, optimizer) of the learning curve: the sweep's, main window."""
    cnn = config["ground_cnn"]
    e = cnn["experiments"]
    return e["sweep_dataset"], e["window"], e["sweep_filter"], cnn["training"]["optimizer"]


def learning_curve_fractions(config: dict) -> list[float]:
    """The curve's fractions, ascending, each naming its own directory (``percent{p}``)."""
    key = "ground_cnn.experiments.learning_curve_fractions"
    fractions = sorted(
        float(f) for f in config["ground_cnn"]["experiments"]["learning_curve_fractions"]
    )
    percents = [learning_curve_percent(f) for f in fractions]
    if len(set(percents)) != len(percents):
        raise ValueError(f"{key}: {fractions} round to repeated percents {percents}")
    return fractions


def learning_curve_percent(fraction: float) -> int:
    """A fraction's directory number: rounded, not truncated (0.29 * 100 = 28.999...)."""
    return round(100 * fraction)


def learning_curve_seeds(config: dict) -> list[int]:
    return list(config["ground_cnn"]["experiments"]["learning_curve_seeds"])


def learning_curve_outputs(config: dict, name: str) -> list[str]:
    """``name`` (a RUN_FILES entry) of every fraction of one seed; the job's wildcards stay."""
    return [
        f"{LEARNING_CURVE_DIR}/percent{learning_curve_percent(f)}/{name}"
        for f in learning_curve_fractions(config)
    ]


def learning_curve_run_dicts(config: dict) -> list[dict]:
    """Every (seed, fraction) point of Figure 8, seed-major, with its files."""
    dataset, window, filt, optimizer = learning_curve_sweep(config)
    out = []
    for seed in learning_curve_seeds(config):
        directory = LEARNING_CURVE_DIR.format(
            dataset=dataset, window=window, filter=filt, optimizer=optimizer, seed=seed
        )
        for fraction in learning_curve_fractions(config):
            point = f"{directory}/percent{learning_curve_percent(fraction)}"
            out.append(
                dict(
                    label=f"seed {seed}, {learning_curve_percent(fraction)} %",
                    seed=seed,
                    fraction=fraction,
                    history_csv=f"{point}/history.csv",
                    metrics_json=f"{point}/metrics.json",
                    summary_json=f"{point}/summary.json",
                )
            )
    return out


def learning_curve_files(config: dict) -> list[str]:
    """Every file that Figure 8 reads (RUN_FILES of every point)."""
    runs = learning_curve_run_dicts(config)
    return [r[name.replace(".", "_")] for r in runs for name in RUN_FILES]


def window_samples(window: str) -> int:
    return WINDOW_SAMPLES[window]


def figure_week_shade_start(config: dict) -> str:
    """The last day of the figure week: the day before the event in the default."""
    start = date.fromisoformat(config["ground_cnn"]["figures"]["week_start"])
    return (start + timedelta(days=6)).isoformat()


def study_sites(config: dict) -> list[dict]:
    """The study observatories as the map and Table 1 take them.

    A site without a name is shown by its code, one without a provider by its source.
    """
    sites = []
    for obs in config["ground_cnn"]["observatories"]:
        site = config["observatories"][obs]
        sites.append(
            dict(
                code=obs,
                name=site.get("name", obs),
                country=site["country"],
                provider=site.get("provider", site["source"]),
                latitude=site["latitude"],
                longitude=site["longitude"],
                radius_km=site["selection"]["max_distance_km"],
            )
        )
    return sites
