"""What the alarm evaluation asks of the DAG: alarm models, series, Molchan files, targets.

Pure functions of the validated config dict (the schema has filled its defaults), standard
library only (like ``ground/plan.py``), so building the DAG imports nothing heavy;
rules/alarms.smk calls them and tests/test_alarms.py checks them.

Ground (``ground_cnn.alarms``): one alarm model per window kind in ``windows`` (default the
main window ``ground_cnn.experiments.window``) -- the run ``(dataset, window, filter,
training optimizer, 100 %)`` with ``dataset`` each observatory itself (``dataset:
observatory``, the default: each model over its own held-out period) or the combined
``ALL`` model applied to each observatory (its split's one global boundary may leave an
observatory without held-out time; that is then reported).  A run that no experiment
trains is trained for the alarms.

Satellite (``satellite_study.alarms``): one model (default SeqNetQuake) trained on each
alarm dataset (default the reference dataset) is run over the dataset's continuous test
period -- every sequence of every half-orbit, one job per (dataset, model) -- and its
series is scored per (region cell, day) by a numpy job.
"""

from __future__ import annotations

from eqprecursors.ground import plan as ground_plan
from eqprecursors.satellite import plan as satellite_plan

# ------------------------------------------------------------------------------ paths
GROUND_SERIES_DIR = "results/alarms/ground/{dataset}/{window}_{filter}/{optimizer}_{percent}"
"""The alarm series of one trained run (``ground_plan.RUN_DIR``'s wildcards)."""
GROUND_SERIES = f"{GROUND_SERIES_DIR}/{{obs}}.csv"
"""window_start, window_end, score (P(earthquake)), status, max_kp of one observatory."""
GROUND_SERIES_JSON = f"{GROUND_SERIES_DIR}/{{obs}}.json"
"""Its held-out period, window counts per status and cutting settings."""
GROUND_MOLCHAN_JSON = "results/alarms/ground/molchan_{window}_{filter}.json"
GROUND_MOLCHAN_TABLE = "results/tables/alarms/ground_molchan_{window}_{filter}.csv"
GROUND_MOLCHAN_FIGURE = "results/figures/alarms/ground_molchan_{window}_{filter}.{ext}"
MODEL_DATASETS = ("observatory", ground_plan.COMBINED)
SKLEARN_MODELS = ("gbm", "rf")
"""Saved as model.joblib (= ``satellite.search.SKLEARN_MODELS``, checked by a test)."""
SATELLITE_AGGREGATE = "mean"
"""How a cell-day's alarm pools its sequences (``evaluation.alarms_satellite.cell_days``)."""
SATELLITE_SERIES = "results/alarms/satellite/series/{dataset}/{model}.csv"
"""start, end, latitude, longitude, local_time, orbit, p0, p1, p2 of every continuous
test-period sequence of one dataset (``satellite.continuous.SERIES_COLUMNS``)."""
SATELLITE_SERIES_JSON = "results/alarms/satellite/series/{dataset}/{model}.json"
"""Its test period, pass and sequence counts and cutting settings."""
SATELLITE_MOLCHAN_JSON = "results/alarms/satellite/molchan_{model}.json"
SATELLITE_MOLCHAN_TABLE = "results/tables/alarms/satellite_molchan_{model}.csv"
SATELLITE_MOLCHAN_FIGURE = "results/figures/alarms/satellite_molchan_{model}.{ext}"


# ----------------------------------------------------------------------------- ground
def ground_alarms(config: dict) -> dict | None:
    """``ground_cnn.alarms`` when the ground study runs and the alarms are enabled."""
    cnn = config.get("ground_cnn")
    if not cnn:
        return None
    alarms = cnn.get("alarms", {})
    return alarms if alarms.get("enabled", True) else None


def check_config(config: dict) -> None:
    """Cross-key checks the schema cannot express; errors name the key."""
    if satellite_alarms(config) is not None:
        satellite_alarm_inputs(config)  # the datasets and the model exist
    alarms = ground_alarms(config)
    if alarms is None:
        return
    filt = ground_alarm_filter(config)
    if filt not in config["ground_cnn"]["filters"]:
        raise ValueError(
            f"ground_cnn.alarms.filter = {filt!r} is not a key of ground_cnn.filters "
            f"({sorted(config['ground_cnn']['filters'])})"
        )
    if alarms.get("dataset", "observatory") not in MODEL_DATASETS:
        raise ValueError(f"ground_cnn.alarms.dataset must be one of {MODEL_DATASETS}")
    for window in ground_alarm_windows(config):
        if ground_stride_hours(config, window) <= 0:
            raise ValueError(f"ground_cnn.alarms.stride_hours.{window} must be > 0")


def ground_alarm_filter(config: dict) -> str:
    """The filter variant of the alarm models (default the sweep filter)."""
    cnn = config["ground_cnn"]
    return cnn.get("alarms", {}).get("filter") or cnn["experiments"]["sweep_filter"]


def ground_alarm_windows(config: dict) -> list[str]:
    """One alarm model per window kind (default the main window), each once."""
    cnn = config["ground_cnn"]
    windows = cnn.get("alarms", {}).get("windows") or [cnn["experiments"]["window"]]
    return list(dict.fromkeys(windows))


def ground_stride_hours(config: dict, window: str) -> float:
    """Hours between alarm windows of one window kind (``ground_cnn.alarms.stride_hours``)."""
    return float(config["ground_cnn"]["alarms"]["stride_hours"][window])


def ground_alarm_run(config: dict, obs: str, window: str) -> tuple:
    """The trained run whose model raises the alarms of ``obs`` at ``window``."""
    cnn = config["ground_cnn"]
    dataset = obs if cnn["alarms"]["dataset"] == "observatory" else ground_plan.COMBINED
    return (dataset, window, ground_alarm_filter(config), cnn["training"]["optimizer"], 100)


def _series_path(pattern: str, run: tuple, obs: str) -> str:
    dataset, window, filt, optimizer, percent = run
    return pattern.format(
        dataset=dataset, window=window, filter=filt, optimizer=optimizer, percent=percent, obs=obs
    )


def ground_alarm_series(config: dict, window: str) -> list[dict]:
    """Per study observatory: its alarm run and the series CSV and report it writes."""
    out = []
    for obs in config["ground_cnn"]["observatories"]:
        run = ground_alarm_run(config, obs, window)
        out.append(
            dict(
                obs=obs,
                run=run,
                csv=_series_path(GROUND_SERIES, run, obs),
                json=_series_path(GROUND_SERIES_JSON, run, obs),
            )
        )
    return out


def ground_series_files(config: dict, window: str, key: str) -> list[str]:
    """``key`` (csv or json) of every observatory's series at ``window``, in study order."""
    return [s[key] for s in ground_alarm_series(config, window)]


def ground_catalog_files(config: dict, window: str) -> list[str]:
    """The observatories' selected catalogs, in the order of their series."""
    return [
        ground_plan.CATALOG_CSV.format(obs=s["obs"]) for s in ground_alarm_series(config, window)
    ]


def ground_alarm_runs(config: dict) -> list[tuple]:
    """Every run the alarms need, each once (runs no experiment trains are added)."""
    if ground_alarms(config) is None:
        return []
    runs = [
        s["run"]
        for window in ground_alarm_windows(config)
        for s in ground_alarm_series(config, window)
    ]
    return list(dict.fromkeys(runs))


def ground_predict_options(config: dict, window: str) -> dict:
    """Keyword arguments of ``evaluation.alarms.predict_ground_alarms`` but files and names."""
    alarms = config["ground_cnn"]["alarms"]
    return dict(stride_hours=ground_stride_hours(config, window), batch_size=alarms["batch_size"])


def ground_molchan_options(config: dict, window: str, filt: str) -> dict:
    """Keyword arguments of ``evaluation.alarms.ground_molchan`` but the files."""
    cnn = config["ground_cnn"]
    alarms = cnn["alarms"]
    return dict(
        observatories=list(cnn["observatories"]),
        window=window,
        filter=filt,
        model_dataset=alarms["dataset"],
        lead_time_minutes=cnn["labelling"]["lead_time_minutes"],
        operating_tau=alarms["operating_tau"],
        bandwidth_hours=alarms["reference_bandwidth_hours"],
        n_simulations=alarms["n_simulations"],
        seed=alarms["seed"],
        data_kind=cnn["data_kind"],
    )


def ground_molchan_files(window: str, filt: str) -> dict[str, str]:
    """The Molchan JSON, summary table and figure (PNG, PDF) of one window kind."""
    return dict(
        json=GROUND_MOLCHAN_JSON.format(window=window, filter=filt),
        table=GROUND_MOLCHAN_TABLE.format(window=window, filter=filt),
        png=GROUND_MOLCHAN_FIGURE.format(window=window, filter=filt, ext="png"),
        pdf=GROUND_MOLCHAN_FIGURE.format(window=window, filter=filt, ext="pdf"),
    )


def ground_targets(config: dict) -> list[str]:
    """The ground alarm targets: per window kind the Molchan JSON, table and figure."""
    if ground_alarms(config) is None:
        return []
    filt = ground_alarm_filter(config)
    return [
        path
        for window in ground_alarm_windows(config)
        for path in ground_molchan_files(window, filt).values()
    ]


# -------------------------------------------------------------------------- satellite
def satellite_alarms(config: dict) -> dict | None:
    """``satellite_study.alarms`` when the satellite study runs and the alarms are enabled."""
    study = config.get("satellite_study")
    if not study:
        return None
    alarms = study.get("alarms", {})
    return alarms if alarms.get("enabled", True) else None


def satellite_alarm_datasets(config: dict) -> list[str]:
    """The datasets whose test predictions raise alarms (default the reference dataset)."""
    alarms = satellite_alarms(config) or {}
    datasets = alarms.get("datasets") or [satellite_plan.reference_dataset(config)]
    for key in datasets:
        satellite_plan.dataset_row(config, key)  # names the key when it is not a dataset
    return list(datasets)


def satellite_alarm_model(config: dict) -> str:
    """``satellite_study.alarms.model``, checked to be one the study trains."""
    model = config["satellite_study"]["alarms"]["model"]
    if model not in satellite_plan.models(config):
        raise ValueError(
            f"satellite_study.alarms.model = {model!r} is not trained "
            f"(satellite_study.models: {satellite_plan.models(config)})"
        )
    return model


def satellite_model_file(model: str) -> str:
    """The saved model's file name (``satellite.training.model_file``)."""
    return "model.joblib" if model in SKLEARN_MODELS else "model.keras"


def satellite_alarm_inputs(config: dict) -> dict[str, list[str]]:
    """Per alarm dataset, in order: continuous series, its report, the event catalog."""
    model = satellite_alarm_model(config)
    datasets = satellite_alarm_datasets(config)
    return {
        "series": [SATELLITE_SERIES.format(dataset=d, model=model) for d in datasets],
        "reports": [SATELLITE_SERIES_JSON.format(dataset=d, model=model) for d in datasets],
        "events": [
            ground_plan.SATELLITE_EVENTS_CSV.format(
                sat=satellite_plan.dataset_row(config, d)["satellite"]
            )
            for d in datasets
        ],
    }


def satellite_predict_inputs(config: dict, dataset: str, model: str) -> dict[str, str]:
    """What the continuous prediction of one (dataset, model) reads."""
    row = satellite_plan.dataset_row(config, dataset)
    files = {
        "model": satellite_plan.model_path(dataset, model, satellite_model_file(model)),
        "nc": satellite_plan.DECODED_NC.format(sat=row["satellite"]),
        "split": satellite_plan.dataset_path(dataset, "split.json"),
    }
    if model not in SKLEARN_MODELS:
        files["preprocessing"] = satellite_plan.model_path(dataset, model, "preprocessing.json")
    return files


def satellite_predict_options(config: dict, dataset: str) -> dict:
    """Keyword arguments of ``satellite.continuous.predict_continuous`` but files, model."""
    study = config["satellite_study"]
    row = satellite_plan.dataset_row(config, dataset)
    return dict(
        dataset=dataset,
        sequence_length=row["sequence_length"],
        time_of_day=row["time_of_day"],
        night_hours=study["night_hours"],
        cadence_s=study["cadence_s"],
        seed=study["tuning"]["seed"],
    )


def satellite_molchan_options(config: dict) -> dict:
    """Keyword arguments of ``evaluation.alarms_satellite.satellite_molchan`` but the files."""
    study = config["satellite_study"]
    alarms = study["alarms"]
    datasets = satellite_alarm_datasets(config)
    sats = [satellite_plan.dataset_row(config, d)["satellite"] for d in datasets]
    return dict(
        datasets=datasets,
        model=alarms["model"],
        cell_deg=alarms["cell_deg"],
        horizon_days=study["pre_seismic_days"],
        operating_tau=alarms["operating_tau"],
        bandwidth_days=alarms["reference_bandwidth_days"],
        n_simulations=alarms["n_simulations"],
        seed=alarms["seed"],
        aggregate=SATELLITE_AGGREGATE,
        data_kind=satellite_plan.data_kind(config, sats),
    )


def satellite_targets(config: dict) -> list[str]:
    """The satellite alarm targets: the Molchan JSON, table and figure of the model."""
    alarms = satellite_alarms(config)
    if alarms is None:
        return []
    model = alarms["model"]
    return [
        SATELLITE_MOLCHAN_JSON.format(model=model),
        SATELLITE_MOLCHAN_TABLE.format(model=model),
        *(SATELLITE_MOLCHAN_FIGURE.format(model=model, ext=e) for e in ("png", "pdf")),
    ]


def targets(config: dict) -> list[str]:
    """What ``rule all`` asks of the alarm evaluation."""
    return ground_targets(config) + satellite_targets(config)
