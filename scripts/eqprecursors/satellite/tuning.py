"""Bayesian hyperparameter search (Optuna TPE) on the training part only.

The objective is the paper's: weighted F1, here of the argmax class on an **inner
validation** part, the last ``inner_validation_fraction`` (20 %) of the training part by
sequence start; the model of a trial is fitted on the earlier 80 %. Two departures from the
authors' ``RunModel.py``, both deliberate:

1. their objective was ``f1_score(average="micro")``, which for one label per sequence is
   plain accuracy; the paper names weighted F1, so weighted F1 it is;
2. they scored every trial on the **test** set, so the test score of the chosen model was
   selected on the test set itself. Here the test part is never loaded while tuning
   (:func:`eqprecursors.satellite.parts.load_part` is asked for ``"train"`` only); the
   chosen parameters meet the test set once, in
   :func:`eqprecursors.satellite.training.train_and_predict`.

The study lives in an Optuna journal file (``JournalFileBackend``, file-lock safe on shared
file systems), so several workers (SLURM jobs) can add trials to one study at once; each
worker stops when the study holds ``trials`` finished trials. The study's name carries a
hash of the search space, the settings and the training data, so a changed configuration
or dataset starts a new study in the same journal instead of resuming a stale one.
A drawn architecture that cannot be built (convolutions longer than a sub-sequence) is
recorded as PRUNED; a training that diverges (non-finite probabilities) as FAIL.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_path
from eqprecursors.core.progress import Progress
from eqprecursors.core.reports import read_json, write_json
from eqprecursors.satellite import search
from eqprecursors.satellite.parts import chronological_holdout, load_part

OBJECTIVE = "weighted F1 of the argmax class on the inner validation part"
DEPARTURES = (
    "objective: weighted F1 (the paper's); the authors' code maximised micro-F1 = accuracy",
    "trials scored on an inner validation part (last fraction of the training part by start "
    "time); the authors' code scored every trial on the test set",
)


def n_steps_for(seq_len: int, n_steps: dict | int | None) -> int:
    """Sub-sequences for sequences of T = ``seq_len`` from config ``tuning.n_steps``.

    ``n_steps`` maps T -> sub-sequence count (keys may be strings, as YAML/JSON write them),
    or is one count for every T. T / n_steps must be whole.
    """
    key = "satellite_study.tuning.n_steps"
    if isinstance(n_steps, dict):
        table = {int(k): int(v) for k, v in n_steps.items()}
        if seq_len not in table:
            raise ValueError(f"{key} has no entry for T = {seq_len} (has {sorted(table)})")
        value = table[seq_len]
    elif n_steps is None:
        raise ValueError(f"{key} is not set; seqnetquake needs it")
    else:
        value = int(n_steps)
    if value < 1 or seq_len % value:
        raise ValueError(f"{key}: {value} sub-sequences do not divide T = {seq_len}")
    return value


def weighted_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Support-weighted mean of the per-class F1 (the paper's objective)."""
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, labels=[0, 1, 2], average="weighted", zero_division=0))


def study_name(model: str, settings: dict[str, Any], train) -> str:
    """``model-<hash>`` of the settings and the training data (index, labels, values)."""
    h = hashlib.sha256(json.dumps({"model": model, **settings}, sort_keys=True).encode())
    for arr in (train.index, train.y, np.ascontiguousarray(train.x, dtype=np.float32)):
        h.update(np.ascontiguousarray(arr).tobytes())
    return f"{model}-{h.hexdigest()[:16]}"


def _storage(journal: str | Path):
    import optuna

    Path(journal).parent.mkdir(parents=True, exist_ok=True)
    backend = optuna.storages.journal.JournalFileBackend(str(journal))
    return optuna.storages.JournalStorage(backend)


FINISHED = ("COMPLETE", "PRUNED", "FAIL")


def run_worker(
    dataset_dir: str | Path,
    model: str,
    journal: str | Path,
    worker_json: str | Path,
    *,
    trials: int,
    seed: int,
    inner_validation_fraction: float,
    n_steps: dict | int | None = None,
    max_epochs: int | None = None,
    max_units: int | None = None,
    max_estimators: int | None = None,
    fixed: dict[str, dict[str, Any]] | None = None,
    worker: int = 0,
    workers: int = 1,
    threads: int = 1,
    jit_compile: bool = False,
) -> dict[str, Any]:
    """Add trials to the (dataset, model) study until it holds ``trials`` finished ones.

    Reads only the training part of ``dataset_dir``. Writes ``worker_json`` (the study name
    and this worker's trial numbers). Worker ``w`` of ``workers`` seeds its TPE sampler with
    ``seed + w``, so workers started together do not draw the same parameters. A worker that
    was killed leaves its trial RUNNING: listed in trials.csv, not counted as finished, so
    the next worker replaces it.
    """
    if not 0 <= worker < workers:
        raise ValueError(f"worker {worker} outside satellite_study.tuning.workers = {workers}")
    import optuna

    from eqprecursors.satellite.training import fit_predict, is_keras

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if trials < 1:
        raise ValueError(f"satellite_study.tuning.trials must be >= 1, got {trials}")
    train = load_part(dataset_dir, "train")
    fit, val = chronological_holdout(train, inner_validation_fraction)
    space = search.restrict(
        model,
        max_epochs=max_epochs,
        max_units=max_units,
        max_estimators=max_estimators,
        fixed=(fixed or {}).get(model),
    )
    steps = n_steps_for(train.x.shape[1], n_steps) if model == "seqnetquake" else None
    settings = {
        "space": space,
        "n_steps": steps,
        "inner_validation_fraction": inner_validation_fraction,
        "seed": seed,
    }
    name = study_name(model, settings, train)
    study = optuna.create_study(
        study_name=name,
        storage=_storage(journal),
        sampler=optuna.samplers.TPESampler(seed=seed + worker),
        direction="maximize",
        load_if_exists=True,
    )
    for key, value in (
        ("model", model),
        ("dataset_dir", str(dataset_dir)),
        ("n_steps", steps),
        ("n_fit", len(fit)),
        ("n_validation", len(val)),
    ):
        study.set_user_attr(key, value)
    ran: list[int] = []

    def objective(trial) -> float:
        params = search.suggest(trial, model, space)
        trial.set_user_attr("params", params)
        ran.append(trial.number)
        t0 = time.perf_counter()
        try:
            proba, fitted, _ = fit_predict(
                model,
                params,
                fit,
                val.x,
                n_steps=steps,
                seed=seed + trial.number,
                threads=threads,
                jit_compile=jit_compile,
                log_epochs=False,  # one line per trial instead (trial_logger)
            )
        except search.InfeasibleArchitecture as exc:
            trial.set_user_attr("error", str(exc))
            raise optuna.TrialPruned(str(exc)) from exc
        finally:
            trial.set_user_attr("fit_seconds", time.perf_counter() - t0)
        if is_keras(model):
            import keras

            del fitted
            keras.backend.clear_session()
        if not np.isfinite(proba).all():
            trial.set_user_attr("error", "non-finite probabilities (training diverged)")
            return float("nan")  # Optuna records the trial as FAIL
        return weighted_f1(val.y, proba.argmax(axis=1))

    done = _count(study, FINISHED)
    if done < trials:
        states = tuple(getattr(optuna.trial.TrialState, s) for s in FINISHED)
        study.optimize(
            objective,
            n_trials=trials - done,
            callbacks=[
                optuna.study.MaxTrialsCallback(trials, states=states),
                trial_logger(Progress(trials - done, f"{model} trial")),
            ],
            gc_after_trial=True,
        )
    report = {
        "study_name": name,
        "journal": str(journal),
        "model": model,
        "worker": worker,
        "trials_run": ran,
        "n_finished": _count(study, FINISHED),
    }
    write_json(report, worker_json)
    return report


def trial_logger(progress: Progress):
    """An Optuna callback: one progress line per trial, with its state, value and the best."""

    def log(study, trial) -> None:
        detail = f"#{trial.number} {trial.state.name}"
        if trial.value is not None:
            detail += f", weighted F1 {trial.value:.4g}"
        complete = [t.value for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
        if complete:
            detail += f", best {max(complete):.4g}"
        progress.step(detail=detail)

    return log


def _count(study, states: tuple[str, ...]) -> int:
    return sum(t.state.name in states for t in study.get_trials(deepcopy=False))


def trials_frame(study) -> pd.DataFrame:
    """One row per trial: number, value, every drawn or pinned parameter, state, duration."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        duration = t.duration.total_seconds() if t.duration is not None else math.nan
        rows.append(
            {
                "number": t.number,
                "value": t.value if t.value is not None else math.nan,
                **t.user_attrs.get("params", t.params),
                "state": t.state.name,
                "duration_s": duration,
                "error": t.user_attrs.get("error", ""),
            }
        )
    frame = pd.DataFrame(rows)
    for col in frame.columns:  # a DNN's units4 is unset for 3 layers: keep ints as ints
        values = [r[col] for r in rows if col in r]
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[col] = frame[col].astype("Int64")
    head, tail = ["number", "value"], ["state", "duration_s", "error"]
    return frame[head + [c for c in frame.columns if c not in head + tail] + tail]


def export(
    worker_jsons: list[str | Path],
    trials_csv: str | Path,
    best_json: str | Path,
) -> dict[str, Any]:
    """trials.csv (every trial of the study) and best.json (best complete trial) from the
    journal that the workers wrote to."""
    import optuna

    reports = [read_json(p) for p in worker_jsons]
    names = {(r["journal"], r["study_name"]) for r in reports}
    if len(names) != 1:
        raise ValueError(f"{list(map(str, worker_jsons))} name different studies: {names}")
    (journal, name), model = names.pop(), reports[0]["model"]
    study = optuna.load_study(study_name=name, storage=_storage(journal))
    frame = trials_frame(study)
    with atomic_path(trials_csv, suffix=".csv") as tmp:
        frame.to_csv(tmp, index=False)
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if not complete:
        counts = frame["state"].value_counts().to_dict()
        raise ValueError(
            f"{journal}: no trial of study {name} completed ({counts}; see {trials_csv}); "
            "raise satellite_study.tuning.trials or choose satellite_study.tuning.n_steps so "
            "that T / n_steps >= 10"
        )
    best = max(complete, key=lambda t: (t.value, -t.number))
    attrs = study.user_attrs
    result = {
        "model": model,
        "params": best.user_attrs["params"],
        "value": best.value,
        "number": best.number,
        "n_trials": len(frame),
        "n_complete": len(complete),
        "n_steps": attrs.get("n_steps"),
        "objective": OBJECTIVE,
        "n_fit": attrs.get("n_fit"),
        "n_validation": attrs.get("n_validation"),
        "study_name": name,
        "journal": str(journal),
        "departures": list(DEPARTURES),
    }
    write_json(result, best_json)
    return result


def tune(
    dataset_dir: str | Path,
    model: str,
    out_dir: str | Path,
    **tuning: Any,
) -> dict[str, Any]:
    """One worker then the export, in ``out_dir``: study.journal, trials.csv, best.json."""
    out = Path(out_dir)
    worker_json = out / "workers" / f"{tuning.get('worker', 0)}.json"
    run_worker(dataset_dir, model, out / "study.journal", worker_json, **tuning)
    return export([worker_json], out / "trials.csv", out / "best.json")
