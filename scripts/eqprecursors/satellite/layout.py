"""Where every file of the satellite study lies, its vocabulary, and the dataset matrix.

The lower half of the satellite plan (:mod:`eqprecursors.satellite.plan` builds runs, rule
arguments and targets on it and re-exports every name here, so the rules keep one module to
read). Pure functions of the validated config dict (the schema has filled its defaults),
standard library only: building the DAG imports nothing heavy. The option builders at the end
are the one place the labelling and split arguments of a dataset are made, for the study's
rules and for the injection-recovery sweep (evaluation.sensitivity_plan) alike.
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


# ------------------------------------------------------------- a dataset's arguments
def label_options(config: dict, dataset: str) -> dict:
    """Keyword arguments of satellite.sequences.make_dataset for one dataset: its row of
    ``satellite_study.datasets`` and the study's labelling keys."""
    spec = study(config)
    row = dataset_row(config, dataset)
    return dict(
        satellite=row["satellite"],
        sequence_length=row["sequence_length"],
        spatial_window=row["spatial_window"],
        time_of_day=row["time_of_day"],
        night_hours=spec["night_hours"],
        pre_seismic_days=spec["pre_seismic_days"],
        kp_threshold=spec["kp_threshold"],
        storm_scope=spec["storm_scope"],
        cadence_s=spec["cadence_s"],
    )


def split_options(config: dict) -> dict:
    """Keyword arguments of satellite.split.make_split besides its files:
    ``satellite_study.split`` and the study's pre-seismic days."""
    spec = study(config)
    return dict(spec["split"], pre_seismic_days=spec["pre_seismic_days"])
