"""VGG-like CNN of Petrescu & Moldovan (2022, doi:10.3390/make4040046), Table 2, Keras 3.

Input is one normalised window as a 3 x N greyscale image (components x time x 1 channel).
Pooling is 1 x 2 (time only) because there are just three component rows.
"""

from __future__ import annotations

from pathlib import Path

import keras
import pandas as pd

from eqprecursors.core.reports import write_markdown


@keras.saving.register_keras_serializable(package="eqprecursors")
class Conv2D(keras.layers.Conv2D):
    """Keras' Conv2D whose bias is added with a plain broadcast add, so its gradient is a sum.

    Keras' TensorFlow backend turns the bias add into ``BiasAdd``; its gradient,
    ``BiasAddGrad``, is merged by TensorFlow's oneDNN layout pass with the filter gradient
    into ``Conv2DBackpropFilterWithBias``, which on this project's machines took 2x the time
    of the filter gradient plus a separate sum (conv2 of the week model, batch 64: 265 ms
    against 126 ms) and was half of a training step. Same parameters, same arithmetic (the
    bias gradient is the same sum, taken in another order). This is Keras' ``BaseConv.call``
    with ``tf.math.add`` in place of ``keras.ops.add``, which is what rewrites the add.
    """

    def call(self, inputs):
        import tensorflow as tf

        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            if self.data_format == "channels_last":
                bias_shape = (1,) * (self.rank + 1) + (self.filters,)
            else:
                bias_shape = (1, self.filters) + (1,) * self.rank
            outputs = tf.math.add(outputs, tf.reshape(self.bias, bias_shape))
        if self.activation is not None:
            return self.activation(outputs)
        return outputs


@keras.saving.register_keras_serializable(package="eqprecursors")
class FusedAdam(keras.optimizers.Adam):
    """Keras' Adam, each dense update done by TensorFlow's one fused ``ResourceApplyAdam``.

    Keras applies Adam as seven element-wise ops per variable, each a pass over memory; for
    the 31 M weights of the week model that was 72-80 ms a step, the fused kernel 29 ms. The
    kernel computes Keras' formula in Keras' order (alpha = lr sqrt(1 - b2^t) / (1 - b1^t),
    m += (g - m)(1 - b1), v += (g^2 - v)(1 - b2), w -= alpha m / (sqrt(v) + eps)). AMSGrad and
    sparse gradients keep Keras' own update.
    """

    def update_step(self, gradient, variable, learning_rate):
        import tensorflow as tf

        if self.amsgrad or isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].value.handle,
            v=self._velocities[index].value.handle,
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype),
            beta1=beta_1,
            beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
            use_locking=False,
        )


def load_cnn(path: str | Path, *, compile: bool = True) -> keras.Model:
    """A saved CNN of this module; importing it registers :class:`Conv2D` and :class:`FusedAdam`."""
    return keras.models.load_model(path, compile=compile)


OPTIMIZERS = {
    "adam": FusedAdam,
    "adagrad": keras.optimizers.Adagrad,
    "adamax": keras.optimizers.Adamax,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
}
"""Optimizer names used in the paper's comparison -> Keras classes."""


def make_optimizer(name: str, learning_rate: float | None = None) -> keras.optimizers.Optimizer:
    """Optimizer by name; ``learning_rate=None`` keeps Keras' default for that optimizer."""
    try:
        cls = OPTIMIZERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose from {sorted(OPTIMIZERS)}") from None
    return cls() if learning_rate is None else cls(learning_rate=learning_rate)


TABLE2_CONV_BLOCKS = 3
"""Convolutional blocks of the paper's Table 2 network (conv1, conv2, conv3)."""


def build_cnn(
    n_samples: int,
    *,
    dense_activation: str = "relu",
    n_classes: int = 2,
    conv_blocks: int = TABLE2_CONV_BLOCKS,
    name: str = "petrescu2022_cnn",
) -> keras.Model:
    """Paper Table 2 network for windows of ``n_samples`` (week: 10080).

    Conv2D 32 3x3 same ReLU -> MaxPool 1x2 -> Conv2D 64 1x3 same ReLU -> MaxPool 1x2 ->
    Conv2D 64 1x3 same ReLU -> Flatten -> Dense 64 -> Dense n_classes softmax.
    The paper's table lists softmax for the hidden Dense 64; that is almost certainly a
    typo (softmax squashes 64 hidden units onto a simplex), so ``relu`` is the default and
    ``dense_activation="softmax"`` reproduces the table literally.

    ``conv_blocks`` sets how many convolutional blocks the network has (the paper also
    tried fewer and more than Table 2's three): block 1 is the Conv2D 32 3x3, every further
    block a MaxPool 1x2 followed by a Conv2D 64 1x3, so one block is one convolutional layer
    and the default is Table 2 exactly.
    """
    if conv_blocks < 1:
        raise ValueError(f"conv_blocks must be >= 1, got {conv_blocks}")
    min_samples = 2 ** (conv_blocks - 1)
    if n_samples < min_samples:
        raise ValueError(
            f"n_samples must be >= {min_samples} for {conv_blocks - 1} 1x2 poolings, "
            f"got {n_samples}"
        )
    layers = keras.layers
    inputs = keras.Input(shape=(3, n_samples, 1), name="window")
    x = Conv2D(32, (3, 3), padding="same", activation="relu", name="conv1")(inputs)
    for block in range(2, conv_blocks + 1):
        x = layers.MaxPooling2D(pool_size=(1, 2), name=f"pool{block - 1}")(x)
        x = Conv2D(64, (1, 3), padding="same", activation="relu", name=f"conv{block}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(64, activation=dense_activation, name="dense1")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def model_table(model: keras.Model) -> pd.DataFrame:
    """One row per layer (layer, type, output_shape without batch dim, params) for Table 2."""
    rows = []
    for layer in model.layers:
        shape = tuple(layer.output.shape[1:])
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output_shape": " x ".join(str(d) for d in shape),
                "params": int(layer.count_params()),
            }
        )
    return pd.DataFrame(rows, columns=["layer", "type", "output_shape", "params"])


def layer_details(layer: keras.layers.Layer) -> str:
    """Type-specific configuration of a layer in words (kernel, pool, activation)."""
    kind = type(layer).__name__
    act = getattr(layer, "activation", None)
    act = getattr(act, "__name__", "") if act is not None else ""
    if kind == "Conv2D":
        k = "x".join(str(v) for v in layer.kernel_size)
        return f"{layer.filters} filters, kernel {k}, padding {layer.padding}, {act}"
    if kind.startswith("MaxPooling"):
        return f"pool {'x'.join(str(v) for v in layer.pool_size)}"
    if kind == "Dense":
        return f"{layer.units} units, {act}"
    if kind == "InputLayer":
        return "components x time x 1"
    return ""


def layer_rows(n_samples: int, dense_activation: str = "relu") -> tuple[pd.DataFrame, int]:
    """:func:`model_table` of the built network plus ``details``, and its parameter total.

    Read off the built Keras model (not written by hand), so Figure 4 and Table 2 show what
    is trained: output shapes and parameter counts are Keras' own.
    """
    model = build_cnn(int(n_samples), dense_activation=dense_activation)
    table = model_table(model)
    table["details"] = [layer_details(layer) for layer in model.layers]
    return table, int(model.count_params())


def write_table_model(
    n_samples: int, out_csv: str | Path, out_md: str | Path, *, dense_activation: str = "relu"
) -> pd.DataFrame:
    """Table 2: layers, output shapes and parameter counts of the built model, plus total."""
    table, total = layer_rows(n_samples, dense_activation)
    table = table[["layer", "type", "details", "output_shape", "params"]]
    total_row = pd.DataFrame(
        [{"layer": "total", "type": "", "details": "", "output_shape": "", "params": total}]
    )
    table = pd.concat([table, total_row], ignore_index=True)
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False)
    title = (
        f"Table 2: CNN of Petrescu & Moldovan (2022) for N = {int(n_samples):,} samples "
        f"(hidden Dense activation {dense_activation})\n\n"
    )
    write_markdown(
        table.assign(params=table["params"].map(lambda v: f"{int(v):,}")), out_md, title=title
    )
    return table


def training_flops_per_sample(model: keras.Model) -> int:
    """Training FLOPs per sample of the Conv2D/Dense layers: 2 x MACs for each pass.

    Three passes (forward, input gradient, weight gradient) for every layer but the first,
    whose input gradient nobody asks for, so it has two: counting three there too would
    credit the step with work it never does.
    """
    flops = 0
    first = True
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            out = layer.output.shape[1:]  # (H, W, C_out)
            kh, kw = layer.kernel_size
            macs = out[0] * out[1] * out[2] * kh * kw * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            macs = layer.input.shape[-1] * layer.units
        else:
            continue
        flops += 2 * macs * (2 if first else 3)
        first = False
    return int(flops)
