"""Which runs each satellite figure and table shows, and where every file of the study lies.

Pure functions of the validated config dict (the schema has filled its defaults), standard
library only, so building the DAG imports nothing heavy; rules/satellite_figures.smk calls
them and tests/test_plots_satellite.py checks them. A *run* is one set of test-part
predictions: a classifier directly trained on a dataset (``mode`` DT), or a transfer mode
(IT, TL, DT) on the transfer target. Each run is a dict of plain values: ``key``, ``label``,
``dataset``, ``model``, ``mode``, ``satellite``, ``test_part``, ``predictions_csv``,
``metrics_json``.

The *reference* dataset is ``satellite_study.transfer.target`` (the paper's CSES night
T = 10, 3 deg: "01"), else the first dataset id. Figures 3-5 compare the datasets that differ
from it in one factor only (time of day, sequence length, spatial window), SeqNetQuake
trained directly on each; a comparison with a single member is drawn all the same and says
so in its title (:func:`comparison_note`).
"""

from __future__ import annotations

import re

# ------------------------------------------------------------------------------ paths
DECODED_NC = "results/decoded/satellite/{sat}.nc"
"""The decoded along-track series (= ``ground.plan.DECODED_SATELLITE_NC``, checked)."""
DATASET_DIR = "results/satellite/datasets/{dataset}"
"""A labelled dataset (= ``ground.plan.SATELLITE_DATASET_DIR``, checked)."""
DATASET_FILES = ("sequences.csv", "report.json", "split.csv")
"""What the dataset figures and Table S1 read of a dataset."""
TUNING_DIR = "results/satellite/tuning/{dataset}/{model}"
"""trials.csv, best.json, study.journal of one (dataset, model) search."""
MODEL_DIR = "results/satellite/models/{dataset}/{model}"
"""model.keras / model.joblib, predictions.csv, metrics.json of one final model."""
TRANSFER_DIR = "results/satellite/transfer/{mode}"
"""predictions.csv, metrics.json of one transfer mode on the target's test part."""
OPTIMISM_JSON = "results/satellite/optimism/{dataset}/{model}.json"
"""Every finished trial of a study refitted and scored on the test part (satellite.optimism)."""
OPTIMISM_TABLE = "table_optimism"
BASELINES_JSON = "results/satellite/baselines/{dataset}.json"
"""The baselines of one dataset's split (= ``ground.plan.SATELLITE_BASELINES_JSON``)."""
RUN_FILES = ("predictions.csv", "metrics.json")
"""What the result figures and tables read of each run."""
FIGURES_DIR = "results/figures/satellite"
TABLES_DIR = "results/tables/satellite"

# ------------------------------------------------------------------------- vocabulary
MODES = ("IT", "TL", "DT")
"""Transfer modes in the order Figure 6 shows them."""
MODE_NAMES = {
    "IT": "initial training (source model on the target)",
    "TL": "transfer learning (source model fine-tuned on the target, all layers)",
    "DT": "direct training on the dataset",
}
MAIN_MODEL = "seqnetquake"
BASELINE_MODELS = ("gbm", "rf", "dnn", "cnn", "lstm")
MODEL_LABELS = {
    "seqnetquake": "SeqNetQuake",
    "gbm": "GBM",
    "rf": "RF",
    "dnn": "DNN",
    "cnn": "CNN",
    "lstm": "LSTM",
}
FACTORS = ("time_of_day", "sequence_length", "spatial_window")
"""The columns of the dataset matrix that Figures 3-5 vary (``satellite`` is held)."""
FACTOR_NAMES = {
    "time_of_day": "night vs day",
    "sequence_length": "sequence length T",
    "spatial_window": "spatial window",
}
COMPARISON_FIGURES = {
    "fig3_time_of_day": "time_of_day",
    "fig4_sequence_length": "sequence_length",
    "fig5_spatial_window": "spatial_window",
    "fig6_transfer": "transfer",
    "fig8_classifiers": "classifiers",
}
"""Figures drawn by one rule (ROC panels and metric bars) -> what they compare."""
TITLES = {
    "fig1_example": "Figure 1: labelled along-track example",
    "fig2_architecture": "Figure 2: SeqNetQuake",
    "fig3_time_of_day": "Figure 3: night vs day",
    "fig4_sequence_length": "Figure 4: sequence length",
    "fig5_spatial_window": "Figure 5: spatial window",
    "fig6_transfer": "Figure 6: IT / TL / DT",
    "fig7_ternary_tl": "Figure 7: SeqNetQuake-TL",
    "fig7s_ternary_dt": "Supplementary Figure 7: SeqNetQuake-DT",
    "fig8_classifiers": "Figure 8: SeqNetQuake against the baselines",
}
TERNARY_FIGURES = {"fig7_ternary_tl": "TL", "fig7s_ternary_dt": "DT"}
"""Figure 7 (TL) and its supplementary version (DT) -> the transfer mode they show."""
FIGURES = (
    "fig1_example",
    "fig2_architecture",
    "fig3_time_of_day",
    "fig4_sequence_length",
    "fig5_spatial_window",
    "fig6_transfer",
    "fig7_ternary_tl",
    "fig7s_ternary_dt",
    "fig8_classifiers",
)
NEEDS_TRANSFER = ("fig6_transfer", "fig7_ternary_tl", "fig7s_ternary_dt")
TABLES = ("table1_performance", "table2_classifiers", "tableS1_datasets")
FIGURE_NAME = "|".join(re.escape(f) for f in COMPARISON_FIGURES)
TERNARY_NAME = "|".join(re.escape(f) for f in TERNARY_FIGURES)


def figure_file(name: str, ext: str) -> str:
    """A satellite figure, e.g. ``figure_file("fig1_example", "png")``."""
    return f"{FIGURES_DIR}/{name}.{ext}"


def table_file(name: str, ext: str) -> str:
    """A satellite table, e.g. ``table_file("tableS1_datasets", "csv")``."""
    return f"{TABLES_DIR}/{name}.{ext}"


def dataset_path(dataset: str, name: str) -> str:
    return f"{DATASET_DIR.format(dataset=dataset)}/{name}"


def model_path(dataset: str, model: str, name: str) -> str:
    return f"{MODEL_DIR.format(dataset=dataset, model=model)}/{name}"


def tuning_path(dataset: str, model: str, name: str) -> str:
    return f"{TUNING_DIR.format(dataset=dataset, model=model)}/{name}"


def transfer_path(mode: str, name: str) -> str:
    return f"{TRANSFER_DIR.format(mode=mode)}/{name}"


# ------------------------------------------------------------------------ the matrix
def study(config: dict) -> dict:
    try:
        return config["satellite_study"]
    except KeyError:
        raise ValueError("config has no satellite_study section") from None


def check_config(config: dict) -> None:
    """Cross-key checks the schema cannot make; each error names the config key."""
    if "satellite_study" not in config:
        return
    sats = sorted(config.get("satellites", {}))
    spec = config["satellite_study"]
    for sat in spec["catalogs"]:
        if sat not in sats:
            raise ValueError(f"satellite_study.catalogs.{sat}: no satellite {sat!r} in {sats}")
    for key, row in spec["datasets"].items():
        if row["satellite"] not in sats:
            raise ValueError(
                f"satellite_study.datasets.{key}.satellite: {row['satellite']!r} is not one "
                f"of the satellites {sats}"
            )
        if row["satellite"] not in spec["catalogs"]:
            raise ValueError(
                f"satellite_study.catalogs: no catalog for {row['satellite']!r}, which "
                f"dataset {key} uses"
            )
    for end in ("source", "target"):
        key = spec.get("transfer", {}).get(end)
        if key is not None and key not in spec["datasets"]:
            raise ValueError(f"satellite_study.transfer.{end}: no dataset {key!r}")
    for key in spec.get("optimism", {}).get("datasets") or []:
        if key not in spec["datasets"]:
            raise ValueError(f"satellite_study.optimism.datasets: no dataset {key!r}")


def datasets(config: dict) -> dict[str, dict]:
    """Dataset id -> row of ``satellite_study.datasets``, in id order."""
    rows = study(config)["datasets"]
    return {k: rows[k] for k in sorted(rows)}


def dataset_row(config: dict, dataset: str) -> dict:
    rows = study(config)["datasets"]
    if dataset not in rows:
        raise ValueError(f"satellite_study.datasets has no dataset {dataset!r} ({sorted(rows)})")
    return rows[dataset]


def transfer(config: dict) -> dict | None:
    """``satellite_study.transfer`` (source, target), checked against the matrix; or None."""
    spec = study(config).get("transfer")
    if spec is None:
        return None
    for role in ("source", "target"):
        if spec[role] not in study(config)["datasets"]:
            raise ValueError(
                f"satellite_study.transfer.{role} = {spec[role]!r} is not a key of "
                f"satellite_study.datasets ({sorted(study(config)['datasets'])})"
            )
    return spec


def reference_dataset(config: dict) -> str:
    """The transfer target, else the first dataset id."""
    spec = transfer(config)
    return spec["target"] if spec else next(iter(datasets(config)))


def models(config: dict) -> list[str]:
    return list(study(config)["models"])


def data_kind(config: dict, satellites) -> str:
    """The data kind of ``satellites``: synthetic (precursor injected or nothing
    injected) or real; one phrase when they agree, else one per satellite."""
    sats = list(dict.fromkeys(satellites))
    kinds = {}
    for sat in sats:
        source = config["satellites"][sat]["source"]
        if source == "synthetic":
            injected = config["synthetic"]["injection"]["satellite"]["enabled"]
            kinds[sat] = (
                "synthetic (precursor injected)" if injected else "synthetic (nothing injected)"
            )
        else:
            kinds[sat] = f"real ({source} files)"
    if len(set(kinds.values())) == 1:
        return next(iter(kinds.values()))
    return "; ".join(f"{sat} {kind}" for sat, kind in kinds.items())


def test_part(config: dict, dataset: str) -> str:
    """The test part's name: TS0 (transfer source), TS1 (target), else "test of <id>"."""
    spec = transfer(config)
    if spec and dataset == spec["source"]:
        return "TS0"
    if spec and dataset == spec["target"]:
        return "TS1"
    return f"test part of {dataset}"


def split_note(config: dict) -> str:
    split = study(config)["split"]
    train = round(100 * split["train_fraction"])
    return (
        f"chronological split: first {train} % of the time trains, the last "
        f"{100 - train} % tests, {split['guard_hours']:g} h guard"
    )


def window_label(value) -> str:
    return "Dobrovolsky" if value == "dobrovolsky" else f"{value:g} deg"


def factor_label(factor: str, value) -> str:
    if factor == "sequence_length":
        return f"T = {value}"
    if factor == "spatial_window":
        return window_label(value)
    return str(value)


def _factor_key(factor: str, value):
    if factor == "time_of_day":
        return (0, ("night", "day").index(value), "")
    if factor == "spatial_window" and value == "dobrovolsky":
        return (1, 0, "")
    return (0, float(value), "")


def comparison_datasets(config: dict, factor: str) -> list[str]:
    """Datasets like the reference in everything but ``factor`` (reference included),
    ordered by ``factor`` (night, day; T ascending; radii ascending, Dobrovolsky last)."""
    if factor not in FACTORS:
        raise ValueError(f"unknown factor {factor!r}; expected one of {FACTORS}")
    rows = datasets(config)
    ref = rows[reference_dataset(config)]
    held = [k for k in ("satellite", *FACTORS) if k != factor]
    same = [d for d, row in rows.items() if all(row[k] == ref[k] for k in held)]
    # one dataset per value of the factor: the first id wins (duplicates add nothing)
    by_value: dict = {}
    for d in same:
        by_value.setdefault(rows[d][factor], d)
    return sorted(by_value.values(), key=lambda d: _factor_key(factor, rows[d][factor]))


# ----------------------------------------------------------------------------- runs
def model_run(config: dict, dataset: str, model: str, label: str | None = None) -> dict:
    """A classifier trained directly on ``dataset`` and scored on its test part."""
    return dict(
        key=f"{dataset}/{model}",
        label=label or MODEL_LABELS[model],
        dataset=dataset,
        model=model,
        mode="DT",
        satellite=dataset_row(config, dataset)["satellite"],
        test_part=test_part(config, dataset),
        predictions_csv=model_path(dataset, model, "predictions.csv"),
        metrics_json=model_path(dataset, model, "metrics.json"),
    )


def transfer_run(config: dict, mode: str) -> dict:
    """SeqNetQuake in transfer mode ``mode`` on the target's test part (TS1)."""
    if mode not in MODES:
        raise ValueError(f"unknown transfer mode {mode!r}; expected one of {MODES}")
    spec = transfer(config)
    if spec is None:
        raise ValueError(f"transfer mode {mode} needs satellite_study.transfer")
    target = spec["target"]
    return dict(
        key=f"transfer/{mode}",
        label=f"{MODEL_LABELS[MAIN_MODEL]}-{mode}",
        dataset=target,
        model=MAIN_MODEL,
        mode=mode,
        satellite=dataset_row(config, target)["satellite"],
        test_part=test_part(config, target),
        predictions_csv=transfer_path(mode, "predictions.csv"),
        metrics_json=transfer_path(mode, "metrics.json"),
    )


def comparison_runs(config: dict, factor: str) -> list[dict]:
    """Figures 3-5: SeqNetQuake trained on each dataset of the comparison."""
    rows = datasets(config)
    return [
        model_run(config, d, MAIN_MODEL, f"{factor_label(factor, rows[d][factor])} ({d})")
        for d in comparison_datasets(config, factor)
    ]


def transfer_runs(config: dict) -> list[dict]:
    """Figure 6: IT, TL and DT on TS1 (none without satellite_study.transfer)."""
    return [transfer_run(config, m) for m in MODES] if transfer(config) else []


def classifier_runs(config: dict, *, with_main: bool = False) -> list[dict]:
    """Figure 8 (``with_main`` False) and Table 2 (True) on the reference's test part.

    First SeqNetQuake-TL (SeqNetQuake directly trained when there is no transfer), then,
    for Table 2, the directly trained SeqNetQuake, then each configured baseline.
    """
    ref = reference_dataset(config)
    configured = models(config)
    runs = []
    if transfer(config):
        runs.append(transfer_run(config, "TL"))
    elif MAIN_MODEL in configured:
        runs.append(model_run(config, ref, MAIN_MODEL))
    if with_main and transfer(config) and MAIN_MODEL in configured:
        runs.append(model_run(config, ref, MAIN_MODEL, f"{MODEL_LABELS[MAIN_MODEL]}-DT"))
    runs += [model_run(config, ref, m) for m in configured if m != MAIN_MODEL]
    return runs


def performance_runs(config: dict) -> list[dict]:
    """Table 1: SeqNetQuake directly trained on every dataset, then IT and TL on TS1."""
    rows = datasets(config)
    runs = [model_run(config, d, MAIN_MODEL, f"{MODEL_LABELS[MAIN_MODEL]}-DT") for d in rows]
    if transfer(config):
        runs += [transfer_run(config, m) for m in ("IT", "TL")]
    return runs


def figure_runs(config: dict, figure: str) -> list[dict]:
    """The runs of one comparison figure (Figures 3-6 and 8) or Figure 7 / 7s (one run)."""
    if figure in TERNARY_FIGURES:
        return [transfer_run(config, TERNARY_FIGURES[figure])] if transfer(config) else []
    what = COMPARISON_FIGURES.get(figure)
    if what is None:
        raise ValueError(f"{figure!r} is not a comparison figure ({sorted(COMPARISON_FIGURES)})")
    if what == "transfer":
        return transfer_runs(config)
    if what == "classifiers":
        return classifier_runs(config)
    return comparison_runs(config, what)


def run_files(runs: list[dict]) -> list[str]:
    """predictions.csv and metrics.json of every run, each once, in run order."""
    return list(dict.fromkeys(r[k] for r in runs for k in ("predictions_csv", "metrics_json")))


def comparison_note(config: dict, figure: str) -> str:
    """What a comparison figure shows (its title carries the figure's name), and whether
    it has anything to compare."""
    runs = figure_runs(config, figure)
    what = COMPARISON_FIGURES.get(figure, "")
    if what == "transfer":
        spec = transfer(config)
        return (
            f"source {spec['source']} (TR0) -> target {spec['target']} (TS1): IT the source "
            "model as it is, TL fine-tuned on TR1 (all layers), DT trained on TR1 only"
        )
    if len(runs) < 2:
        where = "satellite_study.datasets" if what in FACTORS else "satellite_study.models"
        return f"only {runs[0]['label']} in {where}, nothing to compare"
    if what in FACTORS:
        return f"{', '.join(r['label'] for r in runs)} (SeqNetQuake, direct training)"
    return f"{runs[0]['label']} against {', '.join(r['label'] for r in runs[1:])}"


# ---------------------------------------------------------------- figure 1, 2 and S1
def example_dataset(config: dict) -> str:
    """The dataset of Figure 1: the reference."""
    return reference_dataset(config)


def architecture_dataset(config: dict) -> str:
    """The dataset whose tuned SeqNetQuake Figure 2 draws: the transfer source (its
    hyperparameters are the ones TL fine-tunes with), else the reference."""
    spec = transfer(config)
    return spec["source"] if spec else reference_dataset(config)


def architecture_best_json(config: dict) -> str:
    return tuning_path(architecture_dataset(config), MAIN_MODEL, "best.json")


def matrix_rows(config: dict) -> list[dict]:
    """Table S1's configuration columns: one dict per dataset, in id order."""
    return [
        dict(
            dataset=d,
            satellite=row["satellite"],
            time_of_day=row["time_of_day"],
            sequence_length=row["sequence_length"],
            spatial_window=window_label(row["spatial_window"]),
            test_part=test_part(config, d),
        )
        for d, row in datasets(config).items()
    ]


def matrix_files(config: dict, name: str) -> list[str]:
    """``name`` (sequences.csv, report.json, split.csv) of every dataset, in id order."""
    return [dataset_path(d, name) for d in datasets(config)]


# -------------------------------------------------- what each rule passes to its function
def runs_kind(config: dict, runs: list[dict]) -> str:
    return data_kind(config, [r["satellite"] for r in runs])


def example_inputs(config: dict) -> dict:
    """Figure 1's files: the decoded series and sequences.csv of the example dataset."""
    dataset = example_dataset(config)
    sat = dataset_row(config, dataset)["satellite"]
    return dict(
        decoded_nc=DECODED_NC.format(sat=sat),
        sequences_csv=dataset_path(dataset, "sequences.csv"),
    )


def example_kwargs(config: dict) -> dict:
    dataset = example_dataset(config)
    row = dataset_row(config, dataset)
    return dict(dataset=dataset, row=row, data_kind=data_kind(config, [row["satellite"]]))


def architecture_kwargs(config: dict) -> dict:
    dataset = architecture_dataset(config)
    row = dataset_row(config, dataset)
    return dict(
        dataset=dataset,
        sequence_length=row["sequence_length"],
        # used only when best.json does not record its sub-sequence count
        n_steps=study(config).get("tuning", {}).get("n_steps"),
        data_kind=data_kind(config, [row["satellite"]]),
    )


def comparison_kwargs(config: dict, figure: str) -> dict:
    """Figures 3-6 and 8: the runs, the title and what the text says of them."""
    runs = figure_runs(config, figure)
    return dict(
        runs=runs,
        title=TITLES[figure],
        note=comparison_note(config, figure),
        data_kind=runs_kind(config, runs),
        split_note=split_note(config),
        roc=figure != "fig8_classifiers",
    )


def ternary_kwargs(config: dict, figure: str) -> dict:
    runs = figure_runs(config, figure)
    return dict(
        runs=runs,
        title=TITLES[figure],
        data_kind=runs_kind(config, runs),
        split_note=split_note(config),
    )


def table_runs(config: dict, table: str) -> list[dict]:
    """Table 1 (``table1_performance``) or Table 2 (``table2_classifiers``)."""
    if table == "table1_performance":
        return performance_runs(config)
    if table == "table2_classifiers":
        return classifier_runs(config, with_main=True)
    raise ValueError(f"{table!r} is not a results table (table1_performance, table2_classifiers)")


def table_kwargs(config: dict, table: str) -> dict:
    runs = table_runs(config, table)
    out = dict(runs=runs, data_kind=runs_kind(config, runs), split_note=split_note(config))
    if table == "table1_performance":
        out["matrix"] = matrix_rows(config)
    return out


def table_baseline_files(config: dict, table: str) -> list[str]:
    """The baselines of every dataset that a results table shows, each once, in row order."""
    runs = table_runs(config, table)
    return list(dict.fromkeys(BASELINES_JSON.format(dataset=r["dataset"]) for r in runs))


def baseline_options(config: dict) -> dict:
    """Keyword arguments of ``evaluation.baselines.satellite_baselines`` but the files and
    the dataset: the labelling's Kp threshold, the models' resampling, the trees."""
    spec = study(config)
    evaluation = spec["evaluation"]
    return dict(
        kp_threshold=spec["kp_threshold"],
        n_bootstrap=evaluation["n_bootstrap"],
        n_permutations=evaluation["n_permutations"],
        seed=evaluation["seed"],
        **spec["baselines"],
    )


def matrix_inputs(config: dict) -> dict:
    """Table S1's files: sequences.csv, report.json and split.csv of every dataset."""
    return dict(
        sequences_csvs=matrix_files(config, "sequences.csv"),
        report_jsons=matrix_files(config, "report.json"),
        split_csvs=matrix_files(config, "split.csv"),
    )


def matrix_kwargs(config: dict) -> dict:
    rows = matrix_rows(config)
    return dict(
        rows=rows,
        data_kind=data_kind(config, [r["satellite"] for r in rows]),
        split_note=split_note(config),
    )


# ---------------------------------------------------------------------------- targets
def figures(config: dict) -> list[str]:
    """The figures this config can draw: those of transfer modes only with a transfer,
    Figure 8 only with a classifier to show."""
    if "satellite_study" not in config:
        return []
    has_transfer = transfer(config) is not None
    out = [f for f in FIGURES if has_transfer or f not in NEEDS_TRANSFER]
    return [f for f in out if f != "fig8_classifiers" or classifier_runs(config)]


def tables(config: dict) -> list[str]:
    if "satellite_study" not in config:
        return []
    return [t for t in TABLES if t != "table2_classifiers" or classifier_runs(config)]


def optimism_pairs(config: dict) -> list[tuple[str, str]]:
    """(dataset, model) of ``satellite_study.optimism``: its datasets (null: the reference)
    times those of its models that ``satellite_study.models`` holds; [] when absent."""
    spec = study(config).get("optimism")
    if not spec:
        return []
    names = spec.get("datasets")
    names = [reference_dataset(config)] if names is None else names
    return [(d, m) for d in names for m in spec.get("models", []) if m in models(config)]


def optimism_kwargs(config: dict) -> dict:
    """What the optimism table's title and caption say (model labels, trials, data)."""
    sats = [dataset_row(config, d)["satellite"] for d, _ in optimism_pairs(config)]
    return dict(
        labels=MODEL_LABELS,
        trials=study(config)["tuning"]["trials"],
        data_kind=data_kind(config, sats),
        split_note=split_note(config),
    )


def optimism_files(config: dict) -> list[str]:
    """The optimism table's inputs: one JSON per (dataset, model) pair."""
    return [OPTIMISM_JSON.format(dataset=d, model=m) for d, m in optimism_pairs(config)]


def targets(config: dict) -> list[str]:
    """Every satellite figure (PNG, PDF) and table (CSV, Markdown) of this config."""
    extra = [OPTIMISM_TABLE] if "satellite_study" in config and optimism_pairs(config) else []
    return [figure_file(f, ext) for f in figures(config) for ext in ("png", "pdf")] + [
        table_file(t, ext) for t in [*tables(config), *extra] for ext in ("csv", "md")
    ]
