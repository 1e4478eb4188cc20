"""Transfer learning from the source dataset (DEMETER, TR0/TS0) to the target (CSES, TR1/TS1).

Three modes, each writing ``predictions.csv`` for the target's test part TS1:

* **IT** (initial training): the source model -- trained on TR0 with the parameters tuned on
  the source, the model whose TS0 score is the source's own evaluation -- applied to TS1 as
  it is, with the preprocessing fitted on TR0.
* **TL** (transfer learning): that model fine-tuned on TR1 with **all** layers trainable
  (none frozen) and the same hyperparameters (batch size, epochs, optimizer; a fresh
  optimizer state), the preprocessing refitted on TR1 (it is fitted on the training data of
  each fit, as everywhere else), then applied to TS1.
* **DT** (direct training): the target's own model, trained on TR1 with the parameters tuned
  on the target; its predictions are those of the target's final model, copied (no second
  training).

Source and target must have the same sequence length T (one network reads both).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from eqprecursors.core.reports import write_json
from eqprecursors.satellite.parts import load_part
from eqprecursors.satellite.training import (
    class_counts,
    fit_keras,
    is_keras,
    load_model,
    predict,
    read_best,
    save_model,
    start_keras,
    write_predictions,
)

MODES = ("TL", "IT", "DT")


def initial(
    source_model: str | Path,
    target_dir: str | Path,
    predictions_csv: str | Path,
    *,
    model_name: str = "seqnetquake",
    threads: int = 1,
    seed: int = 0,
    summary_json: str | Path | None = None,
) -> dict[str, Any]:
    """IT: the source model and its preprocessing applied to the target's test part."""
    test = load_part(target_dir, "test")
    fitted, prep = load_model(source_model, model_name, threads=threads, seed=seed)
    if tuple(fitted.input_shape[1:]) != tuple(test.x.shape[1:]):
        raise ValueError(
            f"satellite_study.transfer: {source_model} takes {fitted.input_shape[1:]}, "
            f"{target_dir} has sequences {test.x.shape[1:]}"
        )
    write_predictions(predictions_csv, test, predict(model_name, fitted, prep, test.x))
    summary = {
        "mode": "IT",
        "model": model_name,
        "source_model": str(source_model),
        "target_dir": str(target_dir),
        "n_test": len(test),
        "test_class_counts": class_counts(test.y),
    }
    if summary_json is not None:
        write_json(summary, summary_json)
    return summary


def fine_tune(
    source_model: str | Path,
    source_best_json: str | Path,
    source_dir: str | Path,
    target_dir: str | Path,
    out_model: str | Path,
    predictions_csv: str | Path,
    *,
    model_name: str = "seqnetquake",
    seed: int,
    threads: int = 1,
    summary_json: str | Path | None = None,
) -> dict[str, Any]:
    """TL: fine-tune every layer of the source model on the target's training part."""
    if not is_keras(model_name):
        raise ValueError(f"satellite_study.transfer: {model_name} is not a Keras model")
    best = read_best(source_best_json, model_name)
    params = best["params"]
    train, test = load_part(target_dir, "train"), load_part(target_dir, "test")
    keras = start_keras(threads, seed)
    from eqprecursors.satellite.model import compile_model

    net, source_prep = load_model(source_model, model_name, threads=threads, seed=seed)
    if tuple(net.input_shape[1:]) != tuple(train.x.shape[1:]):
        raise ValueError(
            f"satellite_study.transfer: {source_model} (trained on {source_dir}) takes "
            f"{net.input_shape[1:]}, {target_dir} has sequences {train.x.shape[1:]}"
        )
    for layer in net.layers:
        layer.trainable = True
    compile_model(net, model_name, params)
    prep = type(source_prep).from_params(params).fit(train.x)
    keras.utils.set_random_seed(seed)
    t0 = time.perf_counter()
    fit_keras(net, params, prep.transform(train.x), train.y)
    seconds = time.perf_counter() - t0
    write_predictions(predictions_csv, test, predict(model_name, net, prep, test.x))
    save_model(out_model, model_name, net, prep)
    summary = {
        "mode": "TL",
        "model": model_name,
        "source_model": str(source_model),
        "source_dir": str(source_dir),
        "target_dir": str(target_dir),
        "params": params,
        "frozen_layers": [layer.name for layer in net.layers if not layer.trainable],
        "trainable_params": int(sum(w.numpy().size for w in net.trainable_weights)),
        "n_train": len(train),
        "n_test": len(test),
        "train_class_counts": class_counts(train.y),
        "test_class_counts": class_counts(test.y),
        "fine_tune_seconds": seconds,
        "seed": seed,
    }
    if summary_json is not None:
        write_json(summary, summary_json)
    return summary


def direct(
    target_predictions: str | Path,
    predictions_csv: str | Path,
    *,
    summary_json: str | Path | None = None,
) -> dict[str, Any]:
    """DT: the target's directly trained model's predictions, copied (no TensorFlow)."""
    Path(predictions_csv).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target_predictions, predictions_csv)
    summary = {"mode": "DT", "predictions_of": str(target_predictions)}
    if summary_json is not None:
        write_json(summary, summary_json)
    return summary


def run_mode(
    mode: str,
    inputs: dict[str, str],
    outputs: dict[str, str],
    *,
    model_name: str = "seqnetquake",
    seed: int = 0,
    threads: int = 1,
) -> dict[str, Any]:
    """One mode from a Snakemake job's named inputs and outputs (see rules/satellite_models.smk)."""
    if mode == "IT":
        return initial(
            inputs["source_model"],
            inputs["target_dir"],
            outputs["predictions"],
            model_name=model_name,
            threads=threads,
            seed=seed,
            summary_json=outputs["summary"],
        )
    if mode == "TL":
        return fine_tune(
            inputs["source_model"],
            inputs["source_best"],
            inputs["source_dir"],
            inputs["target_dir"],
            outputs["model"],
            outputs["predictions"],
            model_name=model_name,
            seed=seed,
            threads=threads,
            summary_json=outputs["summary"],
        )
    if mode == "DT":
        return direct(
            inputs["target_predictions"], outputs["predictions"], summary_json=outputs["summary"]
        )
    raise ValueError(f"transfer mode must be one of {MODES}, got {mode!r}")
