"""SeqNetQuake and the Keras baselines of Xiong et al. (2021), built from a parameter set.

The layers follow ``tools/models_build_train.py`` of PANXIONG-CN/SeqNetQuake:

* ``seqnetquake`` (their ``CNNBiLSTM``): the (T, 2) sequence is reshaped into ``n_steps``
  sub-sequences of T / n_steps samples; TimeDistributed(Conv1D) x ``num_cnn_layers`` (valid
  padding), TimeDistributed(Dropout), TimeDistributed(MaxPooling1D(2)),
  TimeDistributed(Flatten); Bidirectional(LSTM) x ``num_lstm_layers`` (all but the last
  return sequences); Dropout; Dense x (``num_fc_layers`` - 1); Dense(3, softmax).
* ``cnn``: Conv1D x k on the whole sequence, Dropout, MaxPooling1D(2), Flatten, the FC head.
* ``lstm``: LSTM x L, Dropout, the FC head (activation ``activation``).
* ``dnn``: the flattened sequence through ``num_layers`` x (Dense, Activation, Dropout,
  BatchNormalization), Dense(3, softmax); Adam or SGD with the drawn learning rate.

All use categorical cross-entropy; all but ``dnn`` use Adam with Keras' defaults. The
reshape into sub-sequences is the model's first layer, so every model takes (T, 2) input.
"""

from __future__ import annotations

from typing import Any

import keras
import pandas as pd

from eqprecursors.satellite.search import InfeasibleArchitecture

N_CLASSES = 3
UNROLL = True
"""LSTM loops unrolled: the same network and weights, 1.5-3x faster training on the short
sequences here (n_steps <= 5 steps for SeqNetQuake, T <= 50 for the LSTM baseline)."""
layers = keras.layers


def _conv_length(length: int, params: dict[str, Any], where: str) -> None:
    k, s = params["num_cnn_layers"], params["size_kernel_cnn"]
    left = length - k * (s - 1)
    if left < 2:
        raise InfeasibleArchitecture(
            f"{where}: {k} valid Conv1D layers of kernel {s} leave {left} of {length} samples "
            f"(MaxPooling1D(2) needs 2)"
        )


def _fc_head(x, params: dict[str, Any], activation: str):
    for i in range(1, params["num_fc_layers"]):
        x = layers.Dense(params["units_fc_layers"], activation=activation, name=f"fc{i}")(x)
    return layers.Dense(N_CLASSES, activation="softmax", name="output")(x)


def build_seqnetquake(params: dict[str, Any], seq_len: int, n_channels: int, n_steps: int):
    """The CNN+BiLSTM network (uncompiled)."""
    if n_steps < 1 or seq_len % n_steps:
        raise ValueError(
            f"satellite_study.tuning.n_steps: {n_steps} sub-sequences do not divide T = {seq_len}"
        )
    n_length = seq_len // n_steps
    _conv_length(n_length, params, f"sub-sequences of {n_length} (T = {seq_len} / {n_steps})")
    inputs = keras.Input(shape=(seq_len, n_channels), name="sequence")
    x = layers.Reshape((n_steps, n_length, n_channels), name="sub_sequences")(inputs)
    for i in range(1, params["num_cnn_layers"] + 1):
        conv = layers.Conv1D(
            params["num_filters_cnn"],
            params["size_kernel_cnn"],
            activation=params["activation_cnn"],
        )
        x = layers.TimeDistributed(conv, name=f"conv{i}")(x)
    x = layers.TimeDistributed(layers.Dropout(params["dropout"]), name="conv_dropout")(x)
    x = layers.TimeDistributed(layers.MaxPooling1D(pool_size=2), name="pool")(x)
    x = layers.TimeDistributed(layers.Flatten(), name="flatten")(x)
    n_lstm = params["num_lstm_layers"]
    for i in range(1, n_lstm + 1):
        lstm = layers.LSTM(params["units_lstm_layers"], return_sequences=i < n_lstm, unroll=UNROLL)
        x = layers.Bidirectional(lstm, name=f"bilstm{i}")(x)
    x = layers.Dropout(params["dropout"], name="dropout")(x)
    outputs = _fc_head(x, params, params["activation_fc"])
    return keras.Model(inputs, outputs, name="seqnetquake")


def build_cnn(params: dict[str, Any], seq_len: int, n_channels: int):
    _conv_length(seq_len, params, f"sequences of T = {seq_len}")
    inputs = keras.Input(shape=(seq_len, n_channels), name="sequence")
    x = inputs
    for i in range(1, params["num_cnn_layers"] + 1):
        x = layers.Conv1D(
            params["num_filters_cnn"],
            params["size_kernel_cnn"],
            activation=params["activation_cnn"],
            name=f"conv{i}",
        )(x)
    x = layers.Dropout(params["dropout"], name="conv_dropout")(x)
    x = layers.MaxPooling1D(pool_size=2, name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, _fc_head(x, params, params["activation_fc"]), name="cnn")


def build_lstm(params: dict[str, Any], seq_len: int, n_channels: int):
    inputs = keras.Input(shape=(seq_len, n_channels), name="sequence")
    x = inputs
    n_lstm = params["num_lstm_layers"]
    for i in range(1, n_lstm + 1):
        lstm = layers.LSTM(
            params["units_lstm_layers"], return_sequences=i < n_lstm, unroll=UNROLL, name=f"lstm{i}"
        )
        x = lstm(x)
    x = layers.Dropout(params["dropout"], name="dropout")(x)
    return keras.Model(inputs, _fc_head(x, params, params["activation"]), name="lstm")


def build_dnn(params: dict[str, Any], seq_len: int, n_channels: int):
    inputs = keras.Input(shape=(seq_len, n_channels), name="sequence")
    x = layers.Flatten(name="flatten")(inputs)
    for i in range(1, params["num_layers"] + 1):
        x = layers.Dense(params[f"units{i}"], kernel_initializer="glorot_uniform", name=f"fc{i}")(x)
        x = layers.Activation(params["activation"], name=f"activation{i}")(x)
        x = layers.Dropout(params[f"dropout{i}"], name=f"dropout{i}")(x)
        x = layers.BatchNormalization(name=f"batch_norm{i}")(x)
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="dnn")


def optimizer(model_name: str, params: dict[str, Any]) -> keras.optimizers.Optimizer:
    """Adam with Keras' defaults, or for the DNN the drawn Adam / SGD (authors' space)."""
    if model_name != "dnn":
        return keras.optimizers.Adam()
    if params["optimizer"] == "adam":
        return keras.optimizers.Adam(learning_rate=params["learning_rate_adam"])
    return keras.optimizers.SGD(
        learning_rate=params["learning_rate_sgd"], momentum=params["momentum"]
    )


def build(
    model_name: str,
    params: dict[str, Any],
    seq_len: int,
    n_channels: int = 2,
    *,
    n_steps: int | None = None,
    jit_compile: bool | str = False,
) -> keras.Model:
    """The compiled network ``model_name`` for (T, n_channels) sequences."""
    if model_name == "seqnetquake":
        if n_steps is None:
            raise ValueError("seqnetquake needs n_steps (satellite_study.tuning.n_steps)")
        net = build_seqnetquake(params, seq_len, n_channels, n_steps)
    elif model_name == "cnn":
        net = build_cnn(params, seq_len, n_channels)
    elif model_name == "lstm":
        net = build_lstm(params, seq_len, n_channels)
    elif model_name == "dnn":
        net = build_dnn(params, seq_len, n_channels)
    else:
        raise ValueError(f"{model_name!r} is not a Keras model (seqnetquake, cnn, lstm, dnn)")
    compile_model(net, model_name, params, jit_compile=jit_compile)
    return net


STEPS_PER_EXECUTION = 32
"""Training steps per compiled call: the same steps, a fraction of the Python overhead
(these networks are small, so per-step overhead would dominate: about 2x faster)."""


def compile_model(net, model_name: str, params: dict[str, Any], *, jit_compile=False):
    """Categorical cross-entropy with the model's optimizer (a fresh optimizer state)."""
    net.compile(
        optimizer=optimizer(model_name, params),
        loss="categorical_crossentropy",
        jit_compile=jit_compile,
        steps_per_execution=STEPS_PER_EXECUTION,
    )


def model_table(net: keras.Model) -> pd.DataFrame:
    """One row per layer: name, type (wrapped layer in brackets), output shape, parameters."""
    rows = []
    for layer in net.layers:
        kind = type(layer).__name__
        inner = getattr(layer, "layer", None) or getattr(layer, "forward_layer", None)
        if inner is not None:
            kind = f"{kind}({type(inner).__name__})"
        rows.append(
            {
                "layer": layer.name,
                "type": kind,
                "output_shape": " x ".join(str(d) for d in layer.output.shape[1:]),
                "params": int(layer.count_params()),
            }
        )
    return pd.DataFrame(rows, columns=["layer", "type", "output_shape", "params"])
