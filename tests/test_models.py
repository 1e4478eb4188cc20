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
    # 2 x MACs x 3: conv 8.7 M + 92.9 M + 92.9 M, dense 31.0 M MACs
    assert models.training_flops_per_sample(model) == 6 * (
        3 * 10080 * 32 * 9 + 3 * 5040 * 64 * 96 + 3 * 2520 * 64 * 192 + 483840 * 64 + 64 * 2
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
