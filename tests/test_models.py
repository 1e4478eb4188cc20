"""Model: paper Table 2 parameter counts (build only, never trained here)."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from eqprecursors.ground import model as models
from eqprecursors.ground import plan


def test_week_model_table2_parameter_counts():
    model = models.build_cnn(10080)
    table = models.model_table(model)
    with_params = table[table.params > 0]
    assert with_params.params.tolist() == [320, 6_208, 12_352, 30_965_824, 130]
    assert with_params.type.tolist() == ["Conv2D", "Conv2D", "Conv2D", "Dense", "Dense"]
    assert model.count_params() == 30_984_834
    shapes = dict(zip(table.layer, table.output_shape, strict=True))
    assert shapes["conv1"] == "3 x 10080 x 32"
    assert shapes["pool2"] == "3 x 2520 x 64"
    assert shapes["flatten"] == "483840"
    assert shapes["output"] == "2"
    # 2 x MACs x 3 passes: conv 92.9 M + 92.9 M, dense 31.0 M MACs; conv1 (8.7 M MACs)
    # has no input gradient, so 2 passes
    assert models.training_flops_per_sample(model) == 4 * 3 * 10080 * 32 * 9 + 6 * (
        3 * 5040 * 64 * 96 + 3 * 2520 * 64 * 192 + 483840 * 64 + 64 * 2
    )
    del model
    keras.backend.clear_session()


def test_hour_model_predicts_probabilities():
    model = models.build_cnn(60, dense_activation="softmax")
    assert model.get_layer("dense1").activation.__name__ == "softmax"
    p = model.predict(np.zeros((2, 3, 60, 1), np.float32), verbose=0)
    assert p.shape == (2, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_optimizers():
    assert set(models.OPTIMIZERS) == {"adam", "adagrad", "adamax", "sgd", "rmsprop"}
    opt = models.make_optimizer("SGD", 0.01)
    assert isinstance(opt, keras.optimizers.SGD)
    assert float(opt.learning_rate) == pytest.approx(0.01)
    with pytest.raises(ValueError):
        models.make_optimizer("lbfgs")


def test_conv_blocks_change_the_layer_stack_and_parameter_count():
    table2 = models.model_table(models.build_cnn(10080, conv_blocks=3))
    pd.testing.assert_frame_equal(table2, models.model_table(models.build_cnn(10080)))
    two = models.model_table(models.build_cnn(10080, conv_blocks=2))
    four = models.model_table(models.build_cnn(10080, conv_blocks=4))
    assert [r for r in two.layer if r.startswith(("conv", "pool"))] == ["conv1", "pool1", "conv2"]
    assert [r for r in four.layer if r.startswith(("conv", "pool"))] == [
        "conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "conv4",
    ]  # fmt: skip
    flat = {n: dict(zip(t.layer, t.output_shape, strict=True))["flatten"] for n, t in
            ((2, two), (3, table2), (4, four))}  # fmt: skip
    assert flat == {2: str(3 * 5040 * 64), 3: "483840", 4: str(3 * 1260 * 64)}
    # each block halves the time axis once more: the Dense 64 shrinks, one conv is added
    dense = 64 + 1
    assert two.params.sum() == 320 + 6_208 + (3 * 5040 * 64) * 64 + 64 + dense * 2
    assert four.params.sum() == 320 + 2 * 12_352 + 6_208 + (3 * 1260 * 64) * 64 + 64 + dense * 2
    one = models.build_cnn(8, conv_blocks=1)
    assert [layer.name for layer in one.layers] == [
        "window",
        "conv1",
        "flatten",
        "dense1",
        "output",
    ]
    models.build_cnn(32, conv_blocks=6)  # 32 -> 1 sample after five poolings
    with pytest.raises(ValueError, match="n_samples must be >= 64"):
        models.build_cnn(60, conv_blocks=7)
    with pytest.raises(ValueError, match="conv_blocks must be >= 1"):
        models.build_cnn(60, conv_blocks=0)
    keras.backend.clear_session()


def test_the_plan_knows_the_model_defaults():
    assert plan.TABLE2_CONV_BLOCKS == models.TABLE2_CONV_BLOCKS
    for name, rate in plan.KERAS_DEFAULT_LEARNING_RATE.items():
        assert float(models.make_optimizer(name).learning_rate) == pytest.approx(rate), name


def _conv_pair(kernel_size, seed=0):
    """This module's Conv2D and Keras' own with the same random weights, bias included."""
    rng = np.random.default_rng(seed)
    ours = models.Conv2D(8, kernel_size, padding="same", activation="relu")
    keras_own = keras.layers.Conv2D(8, kernel_size, padding="same", activation="relu")
    x = rng.normal(size=(4, 3, 40, 5)).astype(np.float32)
    ours.build(x.shape)
    keras_own.build(x.shape)
    weights = [rng.normal(size=w.shape).astype(np.float32) for w in keras_own.get_weights()]
    ours.set_weights(weights)
    keras_own.set_weights(weights)
    return ours, keras_own, x


@pytest.mark.parametrize("kernel_size", [(3, 3), (1, 3)])
def test_conv2d_computes_what_keras_conv2d_computes(kernel_size):
    import tensorflow as tf

    ours, keras_own, x = _conv_pair(kernel_size)
    x = tf.constant(x)
    results = []
    for layer in (ours, keras_own):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x) ** 2)
        results.append([layer(x), *tape.gradient(loss, [x, *layer.trainable_variables])])
    for a, b, what in zip(
        *results, ["output", "input grad", "kernel grad", "bias grad"], strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4, err_msg=what)
    assert ours.count_params() == keras_own.count_params()
    assert type(ours).__name__ == "Conv2D"  # Table 2 and Figure 4 name the layer type


def test_conv2d_bias_gradient_is_a_sum_not_biasaddgrad():
    """BiasAddGrad is what oneDNN merges into its slow filter-gradient-with-bias kernel."""
    import tensorflow as tf

    def gradient_ops(layer, x):
        @tf.function
        def grads(v):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(v) ** 2)
            return tape.gradient(loss, layer.trainable_variables)

        graph = grads.get_concrete_function(tf.constant(x)).graph
        return {op.type for op in graph.get_operations()}

    ours, keras_own, x = _conv_pair((1, 3))
    assert "BiasAddGrad" in gradient_ops(keras_own, x)  # the pattern being avoided exists
    ops = gradient_ops(ours, x)
    assert "BiasAddGrad" not in ops and "Conv2DBackpropFilter" in ops


def test_fused_adam_follows_keras_adam_and_uses_the_fused_kernel():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    start = [rng.normal(size=s).astype(np.float32) for s in [(50, 7), (7,)]]
    grads = [[rng.normal(size=w.shape).astype(np.float32) for w in start] for _ in range(4)]
    finals = []
    for cls in (models.FusedAdam, keras.optimizers.Adam):
        opt = cls(learning_rate=0.01)
        variables = [keras.Variable(w) for w in start]
        for g in grads:
            opt.apply_gradients(zip([tf.constant(v) for v in g], variables, strict=True))
        finals.append([v.numpy() for v in variables])
        assert int(opt.iterations) == len(grads)
    for a, b in zip(*finals, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert not np.allclose(finals[0][0], start[0])  # the weights did move

    opt = models.FusedAdam()
    variables = [keras.Variable(w) for w in start]
    opt.build(variables)

    @tf.function
    def apply(g):
        opt.apply_gradients(zip(g, variables, strict=True))

    graph = apply.get_concrete_function([tf.constant(v) for v in grads[0]]).graph
    assert "ResourceApplyAdam" in {op.type for op in graph.get_operations()}
    assert isinstance(models.make_optimizer("adam"), models.FusedAdam)


def test_saved_cnn_loads_in_a_fresh_process(tmp_path):
    """A job that only predicts loads the model through load_cnn, with nothing else imported."""
    import subprocess
    import sys
    from pathlib import Path

    model = models.build_cnn(60)
    model.compile(optimizer=models.make_optimizer("adam"), loss="categorical_crossentropy")
    x = np.random.default_rng(2).normal(size=(3, 3, 60, 1)).astype(np.float32)
    model.fit(x, np.eye(2, dtype=np.float32)[[0, 1, 0]], epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "p.npy", model.predict(x, verbose=0))
    scripts = Path(models.__file__).resolve().parents[2]
    code = (
        "import sys, numpy as np\n"
        f"sys.path.insert(0, {str(scripts)!r})\n"
        "from eqprecursors.ground.model import load_cnn\n"
        f"d = {str(tmp_path)!r}\n"
        "for compile in (False, True):\n"
        "    m = load_cnn(d + '/model.keras', compile=compile)\n"
        "    np.testing.assert_allclose(m.predict(np.load(d + '/x.npy'), verbose=0),\n"
        "                               np.load(d + '/p.npy'), rtol=0, atol=1e-6)\n"
        "print(type(m.optimizer).__name__, type(m.get_layer('conv2')).__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["FusedAdam", "eqprecursors.ground.model"]
