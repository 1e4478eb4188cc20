"""Fit a tuned classifier on a training part and predict class probabilities.

Preprocessing follows the authors' ``scale_normalize``: NaN -> 0, then optionally each
flattened sequence scaled to unit L2 norm (``normalize``, scikit-learn's ``Normalizer``),
then optionally every flattened feature standardised (``scale``, ``StandardScaler``) with
the mean and standard deviation of the *training* sequences only. The fitted values are
stored with the model (``preprocessing.json`` beside ``model.keras``; inside
``model.joblib``), so a model is applied later exactly as it was trained.

Keras models (seqnetquake, cnn, lstm, dnn) start TensorFlow; GBM and RF never import it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_path
from eqprecursors.core.progress import Progress
from eqprecursors.core.reports import read_json, write_json
from eqprecursors.satellite.parts import N_CLASSES, Part, load_part
from eqprecursors.satellite.search import KERAS_MODELS, SKLEARN_MODELS, check_params

PREDICTION_COLUMNS = ["index", "y_true", "p0", "p1", "p2", "y_pred"]
PREPROCESSING_KEYS = ("scale", "normalize")


@dataclass
class Preprocessing:
    """NaN -> 0, optional row L2 normalisation, optional standardisation fitted on train."""

    normalize: bool
    scale: bool
    mean: np.ndarray | None = field(default=None, repr=False)
    std: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Preprocessing:
        return cls(normalize=bool(params["normalize"]), scale=bool(params["scale"]))

    def _flat(self, x: np.ndarray) -> np.ndarray:
        flat = np.nan_to_num(np.asarray(x, dtype=np.float64).reshape(len(x), -1))
        if self.normalize:
            norm = np.linalg.norm(flat, axis=1, keepdims=True)
            flat = flat / np.where(norm == 0, 1.0, norm)
        return flat

    def fit(self, x: np.ndarray) -> Preprocessing:
        flat = self._flat(x)
        if self.scale:
            self.mean = flat.mean(axis=0)
            std = flat.std(axis=0)
            self.std = np.where(std == 0, 1.0, std)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """(n, T, C) -> (n, T, C) float32, the authors' order: normalise, then scale."""
        flat = self._flat(x)
        if self.scale:
            if self.mean is None:
                raise RuntimeError("Preprocessing.transform before fit")
            flat = (flat - self.mean) / self.std
        return flat.reshape(np.shape(x)).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {
            "normalize": self.normalize,
            "scale": self.scale,
            "mean": None if self.mean is None else self.mean.tolist(),
            "std": None if self.std is None else self.std.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Preprocessing:
        mean, std = (
            None if v is None else np.asarray(v, dtype=np.float64) for v in (d["mean"], d["std"])
        )
        return cls(bool(d["normalize"]), bool(d["scale"]), mean, std)


def is_keras(model_name: str) -> bool:
    if model_name in KERAS_MODELS:
        return True
    if model_name in SKLEARN_MODELS:
        return False
    raise ValueError(f"unknown model {model_name!r}; choose from {KERAS_MODELS + SKLEARN_MODELS}")


def sklearn_estimator(model_name: str, params: dict[str, Any], seed: int, threads: int = 1):
    """GradientBoostingClassifier or RandomForestClassifier with the drawn parameters."""
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    p = {k: v for k, v in params.items() if k not in PREPROCESSING_KEYS}
    if model_name == "gbm":
        p["max_depth"] = int(p["max_depth"])
        if p["min_samples_split"] <= 0:  # the authors' range starts at 0; sklearn's minimum
            p["min_samples_split"] = 2
        return GradientBoostingClassifier(random_state=seed, **p)
    if model_name == "rf":
        return RandomForestClassifier(random_state=seed, n_jobs=threads, **p)
    raise ValueError(f"{model_name!r} is not a scikit-learn model (gbm, rf)")


def full_proba(estimator, x: np.ndarray) -> np.ndarray:
    """(n, 3) probabilities even when a class was absent from the training labels."""
    proba = np.zeros((len(x), N_CLASSES))
    proba[:, np.asarray(estimator.classes_, dtype=int)] = estimator.predict_proba(x)
    return proba


def start_keras(threads: int, seed: int):
    """Pin TensorFlow's thread pools, seed every generator, return the ``keras`` module."""
    from eqprecursors.core.runtime import configure_threads

    configure_threads(threads)
    import keras

    keras.utils.set_random_seed(seed)
    return keras


def fit_keras(
    net,
    params: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    verbose: int = 0,
    *,
    log_epochs: bool = True,
):
    """Train ``net`` on one-hot labels with the drawn batch size and epochs (shuffled).

    ``log_epochs`` writes an epoch line with the time left to stderr (the job's log) about
    every tenth of the epochs; tuning turns it off and logs its trials instead.
    """
    import keras

    onehot = np.eye(N_CLASSES, dtype=np.float32)[np.asarray(y, dtype=np.int64)]
    epochs = int(params["nb_epochs"])
    callbacks = []
    if log_epochs:
        progress = Progress(epochs, "epoch", every=0.1)
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=progress.epoch_end))
    net.fit(
        x,
        onehot,
        epochs=epochs,
        batch_size=int(params["batch_size"]),
        shuffle=True,
        verbose=verbose,
        callbacks=callbacks,
    )
    return net


def predict_keras(net, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Softmax outputs, by direct calls in inference mode (no traced predict function)."""
    out = [
        np.asarray(net(x[a : a + batch_size], training=False)) for a in range(0, len(x), batch_size)
    ]
    return np.concatenate(out).astype(np.float64) if out else np.empty((0, N_CLASSES))


def fit_predict(
    model_name: str,
    params: dict[str, Any],
    train: Part,
    x_eval: np.ndarray,
    *,
    n_steps: int | None,
    seed: int,
    threads: int = 1,
    jit_compile: bool = False,
    log_epochs: bool = True,
) -> tuple[np.ndarray, Any, Preprocessing]:
    """Fit on ``train`` and return (eval probabilities (n, 3), fitted model, preprocessing).

    ``log_epochs``: Keras models log their epochs (:func:`fit_keras`)."""
    prep = Preprocessing.from_params(params).fit(train.x)
    x_train, x_ev = prep.transform(train.x), prep.transform(x_eval)
    if is_keras(model_name):
        start_keras(threads, seed)
        from eqprecursors.satellite.model import build

        net = build(
            model_name,
            params,
            x_train.shape[1],
            x_train.shape[2],
            n_steps=n_steps,
            jit_compile=jit_compile,
        )
        fit_keras(net, params, x_train, train.y, log_epochs=log_epochs)
        return predict_keras(net, x_ev), net, prep
    est = sklearn_estimator(model_name, params, seed, threads)
    est.fit(x_train.reshape(len(x_train), -1), train.y)
    return full_proba(est, x_ev.reshape(len(x_ev), -1)), est, prep


# ----------------------------------------------------------------------- model files
def model_file(model_dir: str | Path, model_name: str) -> Path:
    """``model.keras`` for Keras models, ``model.joblib`` for scikit-learn ones."""
    return Path(model_dir) / ("model.keras" if is_keras(model_name) else "model.joblib")


def save_model(path: str | Path, model_name: str, fitted, prep: Preprocessing) -> None:
    """Keras: ``path`` (.keras) + ``preprocessing.json`` beside it; sklearn: one .joblib."""
    path = Path(path)
    if is_keras(model_name):
        if path.suffix != ".keras":
            raise ValueError(f"{path}: a Keras model file must end in .keras")
        with atomic_path(path, suffix=".keras") as tmp:
            fitted.save(tmp)
        write_json(prep.to_dict(), path.with_name("preprocessing.json"))
        return
    import joblib

    with atomic_path(path, suffix=".joblib") as tmp:
        joblib.dump({"estimator": fitted, "preprocessing": prep.to_dict()}, tmp)


def load_model(path: str | Path, model_name: str, *, threads: int = 1, seed: int = 0):
    """(fitted model, preprocessing) saved by :func:`save_model`."""
    path = Path(path)
    if is_keras(model_name):
        keras = start_keras(threads, seed)
        prep = Preprocessing.from_dict(read_json(path.with_name("preprocessing.json")))
        return keras.models.load_model(path), prep
    import joblib

    bundle = joblib.load(path)
    return bundle["estimator"], Preprocessing.from_dict(bundle["preprocessing"])


def predict(model_name: str, fitted, prep: Preprocessing, x: np.ndarray) -> np.ndarray:
    xt = prep.transform(x)
    if is_keras(model_name):
        return predict_keras(fitted, xt)
    return full_proba(fitted, xt.reshape(len(xt), -1))


def write_predictions(path: str | Path, part: Part, proba: np.ndarray) -> pd.DataFrame:
    """predictions.csv: index, y_true, p0, p1, p2, y_pred (argmax); finite or an error."""
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape != (len(part), N_CLASSES) or not np.isfinite(proba).all():
        raise ValueError(
            f"{path}: predictions of shape {proba.shape} with "
            f"{int((~np.isfinite(proba)).sum())} non-finite values (training diverged?)"
        )
    frame = pd.DataFrame(
        {
            "index": part.index,
            "y_true": part.y,
            **{f"p{k}": proba[:, k] for k in range(N_CLASSES)},
            "y_pred": proba.argmax(axis=1),
        },
        columns=PREDICTION_COLUMNS,
    )
    with atomic_path(path, suffix=".csv") as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
    return frame


def class_counts(y: np.ndarray) -> dict[str, int]:
    return {str(c): int((np.asarray(y) == c).sum()) for c in range(N_CLASSES)}


def read_best(best_json: str | Path, model_name: str) -> dict[str, Any]:
    """The parameters of a tuning's best.json, checked against the authors' space."""
    best = read_json(best_json)
    if best.get("model", model_name) != model_name:
        raise ValueError(f"{best_json}: tuned for {best['model']!r}, not {model_name!r}")
    try:
        check_params(model_name, best["params"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{best_json}: {exc}") from exc
    return best


def train_and_predict(
    dataset_dir: str | Path,
    best_json: str | Path,
    model_name: str,
    out_model: str | Path,
    predictions_csv: str | Path,
    *,
    seed: int,
    threads: int = 1,
    jit_compile: bool = False,
    summary_json: str | Path | None = None,
) -> dict[str, Any]:
    """The final model: fit on the whole train part with the best parameters, predict the
    test part once, write the model file and ``predictions.csv``."""
    best = read_best(best_json, model_name)
    train, test = load_part(dataset_dir, "train"), load_part(dataset_dir, "test")
    if Path(out_model) != model_file(Path(out_model).parent, model_name):
        raise ValueError(f"{out_model}: {model_name} is saved as {model_file('.', model_name)}")
    t0 = time.perf_counter()
    proba, fitted, prep = fit_predict(
        model_name,
        best["params"],
        train,
        test.x,
        n_steps=best.get("n_steps"),
        seed=seed,
        threads=threads,
        jit_compile=jit_compile,
    )
    seconds = time.perf_counter() - t0
    write_predictions(predictions_csv, test, proba)
    save_model(out_model, model_name, fitted, prep)
    summary = {
        "model": model_name,
        "dataset_dir": str(dataset_dir),
        "params": best["params"],
        "n_steps": best.get("n_steps"),
        "seed": seed,
        "threads": threads,
        "n_train": len(train),
        "n_test": len(test),
        "train_class_counts": class_counts(train.y),
        "test_class_counts": class_counts(test.y),
        "fit_predict_seconds": seconds,
    }
    if is_keras(model_name):
        summary["n_params"] = int(fitted.count_params())
    if summary_json is not None:
        write_json(summary, summary_json)
    return summary
