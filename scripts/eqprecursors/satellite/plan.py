"""Which runs each satellite figure and table shows, and where every file of the study lies.

Pure functions of the validated config dict (the schema has filled its defaults), standard
library only, so building the DAG imports nothing heavy; rules/satellite_figures.smk calls
them and tests/test_plots_satellite.py checks them. Paths, vocabulary, the dataset matrix and
a dataset's labelling and split arguments live in :mod:`eqprecursors.satellite.layout`; every
name of it is re-exported here, so the rules read one module. A *run* is one set of test-part
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

# Every public name of layout, re-exported: the rules and tests read satellite_plan.X.
from eqprecursors.satellite.layout import (  # noqa: F401
    BASELINE_MODELS,
    BASELINES_JSON,
    COMPARISON_FIGURES,
    DATASET_DIR,
    DATASET_FILES,
    DECODED_NC,
    FACTOR_NAMES,
    FACTORS,
    FIGURE_NAME,
    FIGURES,
    FIGURES_DIR,
    MAIN_MODEL,
    MODE_NAMES,
    MODEL_DIR,
    MODEL_LABELS,
    MODES,
    NEEDS_TRANSFER,
    OPTIMISM_JSON,
    OPTIMISM_TABLE,
    RUN_FILES,
    TABLES,
    TABLES_DIR,
    TERNARY_FIGURES,
    TERNARY_NAME,
    TITLES,
    TRANSFER_DIR,
    TUNING_DIR,
    check_config,
    comparison_datasets,
    data_kind,
    dataset_path,
    dataset_row,
    datasets,
    factor_label,
    figure_file,
    label_options,
    model_path,
    models,
    reference_dataset,
    split_note,
    split_options,
    study,
    table_file,
    test_part,
    transfer,
    transfer_path,
    tuning_path,
    window_label,
)


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
