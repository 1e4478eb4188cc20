"""Hyperparameter spaces of the authors' code and their sampling with Optuna.

The sets are those of ``tools/hyper_spaces.py`` in PANXIONG-CN/SeqNetQuake (the paper's
code; SeqNetQuake is its ``CNNBiLSTM``), with the authors' parameter names:

* ``seqnetquake``: CNN layers {2,3,4}, filters {2,3,4}, kernel {2,3}, CNN and FC
  activations {relu, tanh, sigmoid}, BiLSTM layers 1-5 of {64,128,256,512} units, FC layers
  2-6 of {64,...,512} units, dropout {0.25,0.5,0.75}, batch {10,...,100}, epochs {10,50,100},
  scale and normalise on/off. ``n_steps`` (the authors' space lists {2, 4} but their code
  fixes 2 x 10 for T = 20) comes from config, not from the search.
* ``cnn`` and ``lstm`` (LSTM layers 1-6, one ``activation`` for the FC layers), ``dnn``
  (2-6 Dense layers with their own units and dropout; Adam or SGD with a log-uniform
  learning rate), ``gbm`` and ``rf`` (scikit-learn).

"FC layers" counts the softmax output layer, as the authors' loops do
(``for _ in range(1, num_fc_layers)`` hidden Dense layers, then the softmax).
The authors' ``hp.choice(range(...))`` sets become ordered integer ranges with the same
values (Optuna's TPE then treats them as ordinal). GBM's ``min_samples_split`` is drawn from
[0, 0.5] as theirs; scikit-learn rejects a fraction of 0, and 0 is passed as its minimum, 2.

Departures for a small offline run, each a config key and off by default (see
:func:`restrict`): ``max_epochs``, ``max_units`` and ``max_estimators`` drop the larger values
of the epochs, units and ``n_estimators`` sets, and ``fixed`` pins parameters to one value of
their set. Every restricted set stays a subset of the authors'. Standard library only.
"""

from __future__ import annotations

import math
from typing import Any

BATCH = [10, 20, 40, 60, 80, 100]
EPOCHS = [10, 50, 100]
UNITS = [64, 128, 256, 512]
DROPOUT = [0.25, 0.5, 0.75]
ACTIVATIONS = ["relu", "tanh", "sigmoid"]
ON_OFF = [0, 1]


def _cat(*values) -> dict:
    return {"kind": "categorical", "choices": list(values)}


def _int(low: int, high: int, step: int = 1) -> dict:
    return {"kind": "int", "low": low, "high": high, "step": step}


def _float(low: float, high: float, log: bool = False) -> dict:
    return {"kind": "float", "low": low, "high": high, "log": log}


_PREPROCESSING = {"scale": _cat(*ON_OFF), "normalize": _cat(*ON_OFF)}
_FIT = {"batch_size": _cat(*BATCH), "nb_epochs": _cat(*EPOCHS)}
_CNN = {
    "num_cnn_layers": _cat(2, 3, 4),
    "num_filters_cnn": _cat(2, 3, 4),
    "size_kernel_cnn": _cat(2, 3),
    "activation_cnn": _cat(*ACTIVATIONS),
}
_FC = {
    "num_fc_layers": _cat(2, 3, 4, 5, 6),
    "units_fc_layers": _cat(*UNITS),
    "activation_fc": _cat(*ACTIVATIONS),
    "dropout": _cat(*DROPOUT),
}
DNN_MAX_LAYERS = 6

SPACES: dict[str, dict[str, dict]] = {
    "seqnetquake": {
        **_CNN,
        "num_lstm_layers": _cat(1, 2, 3, 4, 5),
        "units_lstm_layers": _cat(*UNITS),
        **_FC,
        **_FIT,
        **_PREPROCESSING,
    },
    "cnn": {**_CNN, **_FC, **_FIT, **_PREPROCESSING},
    "lstm": {
        "num_lstm_layers": _cat(1, 2, 3, 4, 5, 6),
        "units_lstm_layers": _cat(*UNITS),
        "num_fc_layers": _cat(2, 3, 4, 5, 6),
        "units_fc_layers": _cat(*UNITS),
        "dropout": _cat(*DROPOUT),
        "activation": _cat(*ACTIVATIONS),
        **_FIT,
        **_PREPROCESSING,
    },
    "dnn": {
        "num_layers": _cat(2, 3, 4, 5, 6),
        **{f"units{i}": _cat(*UNITS) for i in range(1, DNN_MAX_LAYERS + 1)},
        **{f"dropout{i}": _cat(*DROPOUT) for i in range(1, DNN_MAX_LAYERS + 1)},
        "optimizer": _cat("adam", "sgd"),
        "learning_rate_adam": _float(math.exp(-10), 1.0, log=True),
        "learning_rate_sgd": _float(math.exp(-15), math.exp(1), log=True),
        "momentum": _float(0.0, 1.0),
        "activation": _cat(*ACTIVATIONS),
        **_FIT,
        **_PREPROCESSING,
    },
    "gbm": {
        "learning_rate": _float(0.01, 0.2),
        "subsample": _float(0.8, 1.0),
        "max_depth": _int(2, 10),
        "max_features": _cat("sqrt", "log2", None),
        "min_samples_leaf": _float(0.1, 0.5),
        "min_samples_split": _float(0.0, 0.5),
        "n_estimators": _cat(10, 100, 1000),
        **_PREPROCESSING,
    },
    "rf": {
        "max_depth": _int(1, 27),
        "max_features": _int(1, 9),
        "n_estimators": _int(2, 298, 2),
        "min_samples_split": _int(2, 149),
        "min_samples_leaf": _int(1, 59),
        "max_leaf_nodes": _int(2, 59),
        "min_weight_fraction_leaf": _cat(0.1, 0.2, 0.3, 0.4),
        "criterion": _cat("gini", "entropy"),
        "bootstrap": _cat(True, False),
        **_PREPROCESSING,
    },
}
"""The authors' search space of each model: parameter -> distribution."""

MODELS = tuple(SPACES)
KERAS_MODELS = ("seqnetquake", "cnn", "lstm", "dnn")
SKLEARN_MODELS = ("gbm", "rf")
LIMITS = {"max_epochs": "nb_epochs", "max_units": "units", "max_estimators": "n_estimators"}
"""Config cap -> the parameters it caps (``units`` caps every parameter naming units)."""


class InfeasibleArchitecture(ValueError):
    """Drawn convolutions leave fewer samples than the pooling needs (trial is pruned)."""


def _check_model(model: str) -> None:
    if model not in SPACES:
        raise ValueError(f"satellite_study.models: unknown model {model!r}; choose from {MODELS}")


def _caps(name: str, limits: dict[str, Any]) -> list[tuple[str, int]]:
    """(config key, cap) of every set cap that applies to parameter ``name``."""
    out = []
    for key, cap in limits.items():
        target = LIMITS[key]
        if cap is not None and (target in name if key == "max_units" else target == name):
            out.append((key, cap))
    return out


def restrict(
    model: str,
    *,
    max_epochs: int | None = None,
    max_units: int | None = None,
    max_estimators: int | None = None,
    fixed: dict[str, Any] | None = None,
) -> dict[str, dict]:
    """The model's space with the config's caps and pinned values (errors name the key)."""
    _check_model(model)
    limits = {"max_epochs": max_epochs, "max_units": max_units, "max_estimators": max_estimators}
    space = {}
    for name, dist in SPACES[model].items():
        dist = dict(dist)
        for key, cap in _caps(name, limits):
            if dist["kind"] == "categorical":
                dist["choices"] = [v for v in dist["choices"] if v <= cap]
                ok = bool(dist["choices"])
            else:
                dist["high"] = min(dist["high"], cap - (cap - dist["low"]) % dist["step"])
                ok = dist["high"] >= dist["low"]
            if not ok:
                raise ValueError(
                    f"satellite_study.tuning.{key} = {cap} is below every value of {model} "
                    f"{name} in the authors' space {SPACES[model][name]}"
                )
        space[name] = dist
    for name, value in (fixed or {}).items():
        where = f"satellite_study.tuning.fixed.{model}.{name}"
        if name not in space:
            raise ValueError(f"{where}: {model} has no parameter {name!r} ({sorted(space)})")
        if not contains(space[name], value):
            raise ValueError(f"{where} = {value!r} is outside its space {space[name]}")
        space[name] = {"kind": "fixed", "value": value}
    return space


def contains(dist: dict, value: Any) -> bool:
    """Whether ``value`` lies in the distribution's set (True is not taken for 1)."""
    kind = dist["kind"]
    if kind == "fixed":
        return value == dist["value"] and isinstance(value, bool) == isinstance(dist["value"], bool)
    if kind == "categorical":
        return any(
            value == c and isinstance(value, bool) == isinstance(c, bool) for c in dist["choices"]
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if kind == "int":
        return (
            float(value).is_integer()
            and dist["low"] <= value <= dist["high"]
            and (value - dist["low"]) % dist["step"] == 0
        )
    return dist["low"] <= value <= dist["high"]


def active(model: str, name: str, params: dict[str, Any]) -> bool:
    """Whether a conditional parameter is used, given the ones drawn before it (DNN only)."""
    if model != "dnn":
        return True
    for prefix in ("units", "dropout"):
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            return int(name[len(prefix) :]) <= params["num_layers"]
    if name == "learning_rate_adam":
        return params["optimizer"] == "adam"
    if name in ("learning_rate_sgd", "momentum"):
        return params["optimizer"] == "sgd"
    return True


def suggest(trial, model: str, space: dict[str, dict]) -> dict[str, Any]:
    """Draw one parameter set from ``space`` (see :func:`restrict`) with an Optuna trial.

    Parameters that a DNN of fewer layers or the other optimizer does not use are not drawn.
    Pinned (``fixed``) parameters are set without being drawn.
    """
    params: dict[str, Any] = {}
    for name, dist in space.items():
        if not active(model, name, params):
            continue
        kind = dist["kind"]
        if kind == "fixed":
            params[name] = dist["value"]
        elif kind == "categorical":
            params[name] = trial.suggest_categorical(name, dist["choices"])
        elif kind == "int":
            params[name] = trial.suggest_int(name, dist["low"], dist["high"], step=dist["step"])
        else:
            params[name] = trial.suggest_float(name, dist["low"], dist["high"], log=dist["log"])
    return params


def check_params(model: str, params: dict[str, Any]) -> None:
    """Every used parameter present and inside the authors' space (a best.json read back)."""
    _check_model(model)
    for name, dist in SPACES[model].items():
        if not active(model, name, params):
            continue
        if name not in params:
            raise ValueError(f"{model} parameters lack {name!r}")
        if not contains(dist, params[name]):
            raise ValueError(f"{model} {name} = {params[name]!r} is outside {dist}")
