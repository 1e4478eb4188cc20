"""SeqNetQuake and the baselines: layer shapes and parameter counts, sub-sequences, the
authors' search spaces, preprocessing (builds only; tests/test_satellite_tuning.py trains)."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from eqprecursors.satellite import search, training, tuning

SMALL = {
    "num_cnn_layers": 2,
    "num_filters_cnn": 2,
    "size_kernel_cnn": 2,
    "activation_cnn": "relu",
    "num_lstm_layers": 1,
    "units_lstm_layers": 64,
    "num_fc_layers": 2,
    "units_fc_layers": 64,
    "activation_fc": "relu",
    "activation": "relu",
    "dropout": 0.25,
}


@pytest.fixture(scope="module")
def model():
    training.start_keras(threads=1, seed=0)  # pin the thread pools before TF starts
    from eqprecursors.satellite import model

    yield model
    model.keras.backend.clear_session()


def _params(table):
    return dict(zip(table.layer, table.params, strict=True))


def _shapes(table):
    return dict(zip(table.layer, table.output_shape, strict=True))


def test_seqnetquake_layers_for_T20(model):
    net = model.build("seqnetquake", SMALL, 20, n_steps=2)
    table = model.model_table(net)
    shapes = _shapes(table)
    # 2 sub-sequences of 10; two valid convolutions of kernel 2: 10 -> 9 -> 8; pool 2 -> 4
    assert shapes["sub_sequences"] == "2 x 10 x 2"
    assert shapes["conv1"] == "2 x 9 x 2" and shapes["conv2"] == "2 x 8 x 2"
    assert shapes["pool"] == "2 x 4 x 2" and shapes["flatten"] == "2 x 8"
    assert shapes["bilstm1"] == "128" and shapes["output"] == "3"
    assert table.type[table.layer == "bilstm1"].item() == "Bidirectional(LSTM)"
    assert table.type[table.layer == "conv1"].item() == "TimeDistributed(Conv1D)"
    params = _params(table)
    # Conv1D: kernel 2 x 2 channels x 2 filters + 2 biases
    assert params["conv1"] == params["conv2"] == 2 * 2 * 2 + 2
    # LSTM(64) on 8 inputs: 4 gates x (64 x (8 + 64) + 64); two directions
    assert params["bilstm1"] == 2 * 4 * (64 * (8 + 64) + 64)
    # 2 FC layers = one hidden Dense(64) on 128 + the softmax output
    assert params["fc1"] == 128 * 64 + 64 and params["output"] == 64 * 3 + 3
    assert "fc2" not in params
    assert net.count_params() == 10 + 10 + 37_376 + 8_256 + 195


def test_stacked_bilstm_returns_sequences_but_the_last(model):
    net = model.build("seqnetquake", dict(SMALL, num_lstm_layers=2), 20, n_steps=2)
    table = model.model_table(net)
    assert _shapes(table)["bilstm1"] == "2 x 128" and _shapes(table)["bilstm2"] == "128"
    assert _params(table)["bilstm2"] == 2 * 4 * (64 * (128 + 64) + 64)


def test_sub_sequences_are_consecutive_halves(model):
    net = model.build("seqnetquake", SMALL, 20, n_steps=2)
    sub = model.keras.Model(net.input, net.get_layer("sub_sequences").output)
    x = np.arange(40, dtype=np.float32).reshape(1, 20, 2)
    out = np.asarray(sub(x))
    assert out.shape == (1, 2, 10, 2)
    np.testing.assert_array_equal(out[0, 0], x[0, :10])
    np.testing.assert_array_equal(out[0, 1], x[0, 10:])


def test_n_steps_from_config():
    assert tuning.n_steps_for(20, {"10": 1, "20": 2}) == 2
    assert tuning.n_steps_for(30, {10: 1, 30: 3}) == 3
    assert tuning.n_steps_for(40, 4) == 4
    with pytest.raises(ValueError, match=r"satellite_study.tuning.n_steps has no entry for T = 50"):
        tuning.n_steps_for(50, {"10": 1})
    with pytest.raises(ValueError, match=r"n_steps: 3 sub-sequences do not divide T = 20"):
        tuning.n_steps_for(20, {"20": 3})


def test_infeasible_convolutions_are_reported(model):
    # T = 10 in 2 x 5: four kernel-2 convolutions leave 1 sample, the pooling needs 2
    with pytest.raises(search.InfeasibleArchitecture, match="leave 1 of 5 samples"):
        model.build("seqnetquake", dict(SMALL, num_cnn_layers=4), 10, n_steps=2)
    model.build("seqnetquake", dict(SMALL, num_cnn_layers=3), 10, n_steps=2)


def test_baseline_layers(model):
    cnn = model.model_table(model.build("cnn", SMALL, 20))
    # 20 -> 19 -> 18, pool -> 9 x 2 = 18 features
    assert _shapes(cnn)["flatten"] == "18"
    assert _params(cnn)["fc1"] == 18 * 64 + 64
    lstm = model.model_table(model.build("lstm", SMALL, 20))
    assert _params(lstm)["lstm1"] == 4 * (64 * (2 + 64) + 64)
    dnn_params = {
        "num_layers": 2,
        "units1": 64,
        "units2": 128,
        "dropout1": 0.5,
        "dropout2": 0.25,
        "activation": "tanh",
        "optimizer": "sgd",
        "learning_rate_sgd": 0.01,
        "momentum": 0.9,
    }
    dnn_net = model.build("dnn", dnn_params, 20)
    dnn = model.model_table(dnn_net)
    assert _params(dnn)["fc1"] == 40 * 64 + 64 and _params(dnn)["fc2"] == 64 * 128 + 128
    assert _params(dnn)["batch_norm2"] == 4 * 128 and _params(dnn)["output"] == 128 * 3 + 3
    assert type(dnn_net.optimizer).__name__ == "SGD"
    assert float(dnn_net.optimizer.momentum) == pytest.approx(0.9)


# The sets of tools/hyper_spaces.py (PANXIONG-CN/SeqNetQuake), written out independently
AUTHORS = {
    "seqnetquake": {
        "num_cnn_layers": {2, 3, 4},
        "num_filters_cnn": {2, 3, 4},
        "size_kernel_cnn": {2, 3},
        "activation_cnn": {"relu", "tanh", "sigmoid"},
        "num_lstm_layers": {1, 2, 3, 4, 5},
        "units_lstm_layers": {64, 128, 256, 512},
        "num_fc_layers": {2, 3, 4, 5, 6},
        "units_fc_layers": {64, 128, 256, 512},
        "activation_fc": {"relu", "tanh", "sigmoid"},
        "dropout": {0.25, 0.5, 0.75},
        "batch_size": {10, 20, 40, 60, 80, 100},
        "nb_epochs": {10, 50, 100},
        "scale": {0, 1},
        "normalize": {0, 1},
    },
    "lstm": {"num_lstm_layers": {1, 2, 3, 4, 5, 6}, "activation": {"relu", "tanh", "sigmoid"}},
    "rf": {
        "n_estimators": set(range(2, 300, 2)),
        "max_depth": set(range(1, 28)),
        "min_weight_fraction_leaf": {0.1, 0.2, 0.3, 0.4},
        "bootstrap": {True, False},
    },
    "gbm": {"n_estimators": {10, 100, 1000}, "max_features": {"sqrt", "log2", None}},
}


def _draw(model_name, space, n=40, seed=0):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    draws = []
    for _ in range(n):
        trial = study.ask()
        draws.append(search.suggest(trial, model_name, space))
        study.tell(trial, 0.0)
    return draws


@pytest.mark.parametrize("model_name", sorted(AUTHORS))
def test_sampled_parameters_stay_in_the_authors_sets(model_name):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    draws = _draw(model_name, search.restrict(model_name))
    for name, allowed in AUTHORS[model_name].items():
        seen = {d[name] for d in draws}
        assert seen <= allowed, (name, seen - allowed)
        assert len(seen) > 1, f"{name} never varied"
    if model_name == "seqnetquake":
        assert set(draws[0]) == set(AUTHORS["seqnetquake"])
    if model_name == "gbm":
        assert all(
            0.01 <= d["learning_rate"] <= 0.2 and 0 <= d["min_samples_split"] <= 0.5 for d in draws
        )


def test_dnn_draws_only_the_layers_it_uses():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for d in _draw("dnn", search.restrict("dnn"), n=30):
        k = d["num_layers"]
        assert 2 <= k <= 6
        assert {f"units{i}" for i in range(1, k + 1)} <= set(d)
        assert f"units{k + 1}" not in d and f"dropout{k + 1}" not in d
        assert ("momentum" in d) == (d["optimizer"] == "sgd")
        lr = d["learning_rate_adam"] if d["optimizer"] == "adam" else d["learning_rate_sgd"]
        assert np.exp(-15) <= lr <= np.e
        search.check_params("dnn", d)


def test_config_caps_and_pins_narrow_the_sets():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = search.restrict(
        "seqnetquake", max_epochs=10, max_units=128, fixed={"scale": 1, "batch_size": 40}
    )
    draws = _draw("seqnetquake", space, n=20)
    assert {d["nb_epochs"] for d in draws} == {10}
    assert {d["units_lstm_layers"] for d in draws} | {d["units_fc_layers"] for d in draws} == {
        64,
        128,
    }
    assert {d["scale"] for d in draws} == {1} and {d["batch_size"] for d in draws} == {40}
    rf = search.restrict("rf", max_estimators=51)
    assert rf["n_estimators"]["high"] == 50
    with pytest.raises(ValueError, match=r"satellite_study.tuning.fixed.seqnetquake.dropout"):
        search.restrict("seqnetquake", fixed={"dropout": 0.3})
    with pytest.raises(ValueError, match=r"fixed.cnn.units_lstm_layers: cnn has no parameter"):
        search.restrict("cnn", fixed={"units_lstm_layers": 64})
    with pytest.raises(ValueError, match=r"satellite_study.tuning.max_epochs = 5 is below"):
        search.restrict("lstm", max_epochs=5)
    with pytest.raises(ValueError, match="unknown model 'svm'"):
        search.restrict("svm")
    with pytest.raises(ValueError, match="dropout = 0.3 is outside"):
        search.check_params("cnn", dict(_draw("cnn", search.restrict("cnn"), n=1)[0], dropout=0.3))


def test_preprocessing_is_fitted_on_training_sequences_only():
    train = np.array([[[3.0, 4.0]], [[6.0, 8.0]]])  # (2, T=1, C=2); both rows normalise alike
    prep = training.Preprocessing(normalize=True, scale=False).fit(train)
    np.testing.assert_allclose(prep.transform(train)[:, 0], [[0.6, 0.8], [0.6, 0.8]])
    scaled = training.Preprocessing(normalize=False, scale=True).fit(train)
    # mean (4.5, 6), std (1.5, 2): a test row is standardised with the training values
    np.testing.assert_allclose(scaled.transform(np.array([[[6.0, 2.0]]]))[0, 0], [1.0, -2.0])
    np.testing.assert_allclose(scaled.transform(train)[:, 0], [[-1, -1], [1, 1]])
    with_nan = training.Preprocessing(False, False).fit(train).transform(np.array([[[np.nan, 1]]]))
    np.testing.assert_array_equal(with_nan, [[[0.0, 1.0]]])
    back = training.Preprocessing.from_dict(scaled.to_dict())
    np.testing.assert_allclose(back.transform(train), scaled.transform(train))


def test_sklearn_estimators_follow_the_parameters():
    gbm = training.sklearn_estimator(
        "gbm",
        {
            "learning_rate": 0.1,
            "subsample": 0.9,
            "max_depth": 3.0,
            "max_features": None,
            "min_samples_leaf": 0.2,
            "min_samples_split": 0.0,
            "n_estimators": 10,
            "scale": 1,
            "normalize": 0,
        },
        seed=3,
    )
    assert gbm.min_samples_split == 2 and gbm.max_depth == 3 and gbm.random_state == 3
    assert not hasattr(gbm, "scale")
    assert not training.is_keras("rf") and training.is_keras("seqnetquake")
