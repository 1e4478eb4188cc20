"""The optimism of selecting on the test set, measured on the study's own trials.

Our tuning (:mod:`eqprecursors.satellite.tuning`) chooses a trial by its weighted F1 on an
inner validation part and meets the test part once. The authors' ``RunModel.py`` scored every
trial on the **test** set and reported the best. To put a number on the difference, every
finished trial of a (dataset, model) study is refitted here exactly as the final model is
(:func:`eqprecursors.satellite.training.fit_predict` on the whole training part, the same
seed and threads as ``train_satellite``) and scored on the test part. Then

* ``honest``: the test score of the trial the inner validation chose (best.json); it should
  equal the final model's test score (checked against its predictions.csv, and reported);
* ``selected_on_test``: the best test score over the trials (the authors' procedure);
* ``optimism = selected_on_test - honest`` (>= 0), per metric (each metric selects its own
  trial: weighted F1 is our objective, accuracy = micro-F1 was the authors').

The optimism grows with the number of trials: with the default's 3 it is small by
construction; ``config/paper.yaml``'s 100 trials is where it matters. PRUNED trials (an
architecture that cannot be built) are not refitted; FAIL trials (diverged on the inner fit)
are, and a refit that diverges again scores nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json, write_markdown
from eqprecursors.satellite.parts import load_part
from eqprecursors.satellite.tuning import _storage, weighted_f1

METRICS = ("weighted_f1", "mcc", "accuracy")
METRIC_NAMES = {"weighted_f1": "weighted F1", "mcc": "MCC", "accuracy": "accuracy"}
SELECTION_METRIC = "weighted_f1"
"""The metric the authors' procedure selects on (the paper's objective)."""
REFIT_STATES = ("COMPLETE", "FAIL")


def test_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Weighted F1 (the paper's objective), MCC and accuracy of predicted classes."""
    from sklearn.metrics import accuracy_score, matthews_corrcoef

    return {
        "weighted_f1": weighted_f1(y_true, y_pred),
        "mcc": float(matthews_corrcoef(y_true, y_pred)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
    }


# ------------------------------------------------------------------------- selection
def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _best(trials: Sequence[Mapping], score) -> Mapping | None:
    """The trial of highest finite ``score(trial)``; ties to the lowest number (as export)."""
    scored = [t for t in trials if _finite(score(t))]
    return max(scored, key=lambda t: (score(t), -t["number"])) if scored else None


def select(trials: Sequence[Mapping], chosen: int | None = None) -> dict[str, Any]:
    """Honest and selected-on-test scores of trials, each ``{number, value, test}``.

    ``value`` is the inner-validation objective (NaN or None: not complete), ``test`` maps a
    metric to the trial's test score (NaN: no score). The honest trial is the one of best
    ``value`` (the export's rule; ``chosen``, best.json's number, must agree); for each
    metric the selected trial is the one of best test score.
    """
    if not trials:
        raise ValueError("no trials to select from")
    honest = _best(trials, lambda t: t["value"])
    if honest is None:
        raise ValueError("no trial has a finite inner-validation objective (none completed)")
    if chosen is not None and honest["number"] != chosen:
        raise ValueError(
            f"best.json chose trial {chosen}, the trials' inner validation chooses trial "
            f"{honest['number']} (trials.csv and best.json of different studies?)"
        )
    out: dict[str, Any] = {"honest_trial": honest["number"], "by_metric": {}}
    for metric in METRICS:
        h = honest["test"].get(metric, math.nan)
        if not _finite(h):
            raise ValueError(f"trial {honest['number']} (the chosen one) has no test {metric}")
        best = _best(trials, lambda t, m=metric: t["test"].get(m, math.nan))
        scores = [t["test"][metric] for t in trials if _finite(t["test"].get(metric))]
        out["by_metric"][metric] = {
            "honest": h,
            "selected_on_test": best["test"][metric],
            "selected_trial": best["number"],
            "optimism": best["test"][metric] - h,
            "mean_over_trials": float(np.mean(scores)),
            "honest_rank": 1 + sum(s > h for s in scores),
            "n_scored": len(scores),
        }
    return out


# --------------------------------------------------------------------------- trials
def study_trials(best_json: str | Path, trials_csv: str | Path) -> tuple[dict, list[dict]]:
    """(best.json, every trial of its study from the Optuna journal: number, state, value,
    params), checked against trials.csv (same numbers, states and objective values)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    best = read_json(best_json)
    journal = Path(best["journal"])
    if not journal.is_file():
        raise ValueError(f"{best_json}: its journal {journal} does not exist")
    study = optuna.load_study(study_name=best["study_name"], storage=_storage(journal))
    trials = [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value if t.value is not None else math.nan,
            "params": t.user_attrs.get("params"),
        }
        for t in study.get_trials(deepcopy=False)
    ]
    table = pd.read_csv(trials_csv)
    mine = pd.DataFrame(trials)
    same = len(table) == len(mine) and (
        (table["number"].to_numpy() == mine["number"].to_numpy()).all()
        and (table["state"].to_numpy() == mine["state"].to_numpy()).all()
        and np.allclose(table["value"], mine["value"].astype(float), equal_nan=True)
    )
    if not same:
        raise ValueError(
            f"{trials_csv} and study {best['study_name']} of {journal} disagree "
            f"({len(table)} and {len(mine)} trials); re-export the tuning (tune_satellite)"
        )
    return best, trials


def _score_final(predictions_csv: str | Path, test) -> dict[str, Any]:
    frame = pd.read_csv(predictions_csv)
    if not np.array_equal(frame["index"].to_numpy(), test.index):
        raise ValueError(f"{predictions_csv}: its rows are not the test part of the dataset")
    return {"y_pred": frame["y_pred"].to_numpy(), **test_scores(test.y, frame["y_pred"])}


def measure(
    dataset_dir: str | Path,
    best_json: str | Path,
    trials_csv: str | Path,
    final_predictions_csv: str | Path,
    model_name: str,
    out_json: str | Path,
    *,
    seed: int,
    threads: int = 1,
    jit_compile: bool = False,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Refit every finished trial on the whole training part, score it on the test part,
    write ``out_json`` (per trial; honest, selected-on-test, optimism; the check against the
    final model)."""
    from eqprecursors.satellite.training import fit_predict, is_keras

    best, trials = study_trials(best_json, trials_csv)
    train, test = load_part(dataset_dir, "train"), load_part(dataset_dir, "test")
    # the chosen trial first: its refit then runs in the state closest to a fresh process
    todo = sorted(
        (t for t in trials if t["state"] in REFIT_STATES and t["params"] is not None),
        key=lambda t: (t["number"] != best["number"], t["number"]),
    )
    rows = {t["number"]: {**t, "test": {}, "refit": False} for t in trials}
    honest_pred = None
    for t in todo:
        t0 = time.perf_counter()
        proba, fitted, _ = fit_predict(
            model_name,
            t["params"],
            train,
            test.x,
            n_steps=best.get("n_steps"),
            seed=seed,
            threads=threads,
            jit_compile=jit_compile,
        )
        if is_keras(model_name):  # after the fit, as tuning does: TF's threads are set first
            import keras

            del fitted
            keras.backend.clear_session()
        row = rows[t["number"]]
        row["refit"], row["fit_seconds"] = True, time.perf_counter() - t0
        if not np.isfinite(proba).all():
            row["error"] = "non-finite probabilities (refit diverged)"
            continue
        y_pred = proba.argmax(axis=1)
        row["test"] = test_scores(test.y, y_pred)
        if t["number"] == best["number"]:
            honest_pred = y_pred
    ordered = [rows[n] for n in sorted(rows)]
    selection = select(ordered, chosen=best["number"])
    final = _score_final(final_predictions_csv, test)
    by = selection["by_metric"]
    result = {
        **dict(context or {}),
        "model": model_name,
        "dataset_dir": str(dataset_dir),
        "selection_metric": SELECTION_METRIC,
        "honest": by[SELECTION_METRIC]["honest"],
        "selected_on_test": by[SELECTION_METRIC]["selected_on_test"],
        "optimism": by[SELECTION_METRIC]["optimism"],
        "n_trials": len(trials),
        "n_refit": len(todo),
        "n_scored": by[SELECTION_METRIC]["n_scored"],
        "states": pd.Series([t["state"] for t in trials]).value_counts().to_dict(),
        **selection,
        "final_model": {
            "predictions_csv": str(final_predictions_csv),
            **{m: final[m] for m in METRICS},
            "honest_minus_final": {m: by[m]["honest"] - final[m] for m in METRICS},
            "prediction_agreement": float(np.mean(honest_pred == final["y_pred"])),
        },
        "seed": seed,
        "n_train": len(train),
        "n_test": len(test),
        "trials": [
            {
                "number": r["number"],
                "state": r["state"],
                "inner_validation": r["value"],
                "test": r["test"],
                "refit": r["refit"],
                **{k: r[k] for k in ("fit_seconds", "error") if k in r},
            }
            for r in ordered
        ],
    }
    write_json(result, out_json)
    return result


# ---------------------------------------------------------------------------- table
def optimism_table(optimism_jsons: Sequence[str | Path]) -> pd.DataFrame:
    """One row per (dataset, model): trials, and per metric honest / selected / optimism."""
    if not optimism_jsons:
        raise ValueError("no optimism measurements (satellite_study.optimism is empty)")
    rows = []
    for path in optimism_jsons:
        r = read_json(path)
        missing = [k for k in ("by_metric", "final_model", "n_trials") if k not in r]
        if missing:
            raise ValueError(f"{path}: lacks {missing} (not an optimism measurement)")
        row = {
            "dataset": r.get("dataset", ""),
            "model": r["model"],
            "n_trials": r["n_trials"],
            "n_scored": r["n_scored"],
            "honest_trial": r["honest_trial"],
        }
        for m in METRICS:
            b = r["by_metric"][m]
            row[f"{m}_honest"] = b["honest"]
            row[f"{m}_selected_on_test"] = b["selected_on_test"]
            row[f"{m}_optimism"] = b["optimism"]
            row[f"{m}_selected_trial"] = b["selected_trial"]
            row[f"{m}_mean_over_trials"] = b["mean_over_trials"]
        row["final_weighted_f1"] = r["final_model"]["weighted_f1"]
        row["honest_minus_final_weighted_f1"] = r["final_model"]["honest_minus_final"][
            "weighted_f1"
        ]
        rows.append(row)
    return pd.DataFrame(rows)


def write_table_optimism(
    optimism_jsons: Sequence[str | Path],
    out_csv: str | Path,
    out_md: str | Path,
    *,
    labels: Mapping[str, str],
    trials: int,
    data_kind: str,
    split_note: str,
) -> pd.DataFrame:
    """The optimism table as CSV (every number its own column) and Markdown."""
    table = optimism_table(list(optimism_jsons))
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False)
    md = pd.DataFrame(
        {
            "dataset": table["dataset"],
            "model": table["model"].map(lambda m: labels.get(m, m)),
            "trials (scored)": [
                f"{a} ({b})" for a, b in zip(table["n_trials"], table["n_scored"], strict=True)
            ],
        }
    )
    for m in METRICS:
        md[f"{METRIC_NAMES[m]}: honest / selected on test / optimism"] = [
            f"{h:.3f} / {s:.3f} / {o:+.3f}"
            for h, s, o in zip(
                table[f"{m}_honest"],
                table[f"{m}_selected_on_test"],
                table[f"{m}_optimism"],
                strict=True,
            )
        ]
    md["final model wF1 (honest - final)"] = [
        f"{f:.3f} ({d:+.3g})"
        for f, d in zip(
            table["final_weighted_f1"], table["honest_minus_final_weighted_f1"], strict=True
        )
    ]
    title = (
        "Optimism of selecting on the test set - honest: the test score of the trial chosen "
        "on the inner validation (our procedure); selected on test: the best test score over "
        "the same trials, each refitted on the whole training part (the authors' procedure); "
        f"optimism = selected - honest ({trials} trial{'s' * (trials != 1)} per study: the "
        f"optimism grows with the number of trials). {data_kind} data; {split_note}\n\n"
    )
    write_markdown(md, out_md, title=title)
    return table
