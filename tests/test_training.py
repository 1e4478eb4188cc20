"""Training: streaming input pipeline, tiny end-to-end run, learning-curve fit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from eqprecursors.evaluation import ground as evaluation
from eqprecursors.ground import learning_curve, store, training


def test_window_reader_keeps_requested_order(tiny_window_dataset):
    reader = store.WindowReader(tiny_window_dataset["windows"])
    full = np.load(tiny_window_dataset["windows"])
    rows = np.array([7, 2, 39, 2, 0])
    np.testing.assert_array_equal(reader.read(rows), full[rows])
    assert reader.n_samples == 60 and reader.read([]).shape == (0, 3, 60)


def test_pipeline_seeded_shuffle_covers_every_row(tiny_window_dataset):
    reader = store.WindowReader(tiny_window_dataset["windows"])
    full = np.load(tiny_window_dataset["windows"])
    rows = np.arange(10, 30)
    labels = rows % 2

    def epoch(ds):
        xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds], strict=True)
        return np.concatenate(xs), np.concatenate(ys)

    ds = training.make_pipeline(reader, rows, labels, 6, shuffle=True, seed=3)
    x1, y1 = epoch(ds)
    x2, _ = epoch(ds)
    x3, _ = epoch(training.make_pipeline(reader, rows, labels, 6, shuffle=True, seed=3))
    assert x1.shape == (20, 3, 60, 1) and y1.shape == (20, 2)
    # each epoch is a permutation of the rows, reshuffled per epoch, reproducible by seed
    lookup = {full[r].tobytes(): int(r) for r in rows}
    order = [lookup[xi[..., 0].tobytes()] for xi in x1]
    assert sorted(order) == rows.tolist()
    np.testing.assert_array_equal(y1.argmax(1), np.array(order) % 2)
    assert not np.array_equal(x1, x2)
    np.testing.assert_array_equal(x1, x3)


def test_stratified_subset():
    rows = np.arange(100)
    lab = (rows < 20).astype(int)
    r, l = training._stratified_subset(rows, lab, 0.5, seed=1)
    assert r.size == 50 and l.sum() == 10
    assert np.all(np.isin(r, rows)) and np.unique(r).size == 50
    r2, _ = training._stratified_subset(rows, lab, 0.5, seed=1)
    np.testing.assert_array_equal(r, r2)
    full, _ = training._stratified_subset(rows, lab, 1.0, seed=1)
    np.testing.assert_array_equal(full, rows)  # the whole part, in its order
    with pytest.raises(ValueError):
        training._stratified_subset(rows, lab, 0.0, seed=1)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_subsets_are_nested_and_keep_the_class_ratio(seed):
    rng = np.random.default_rng(100 + seed)
    rows = rng.permutation(1000)[:137] + 5  # row numbers of windows.npy, in split order
    lab = (rng.random(137) < 0.3).astype(int)
    n_cls = np.bincount(lab)
    fractions = [0.1, 0.2, 0.35, 0.5, 0.8, 1.0]
    subsets = [training._stratified_subset(rows, lab, f, seed=seed) for f in fractions]
    for f, (r, l) in zip(fractions, subsets, strict=True):
        assert np.unique(r).size == r.size and np.all(np.isin(r, rows))
        lookup = dict(zip(rows.tolist(), lab.tolist(), strict=True))
        assert l.tolist() == [lookup[x] for x in r.tolist()]  # labels travel with rows
        counts = np.bincount(l, minlength=2)
        np.testing.assert_array_equal(counts, np.maximum(1, np.round(f * n_cls)).astype(int))
    for (small, _), (large, _) in zip(subsets, subsets[1:], strict=False):
        assert set(small) < set(large)  # strictly nested: a larger fraction only adds rows
    other = training._stratified_subset(rows, lab, 0.5, seed=seed + 1)[0]
    assert set(other) != set(subsets[3][0])  # another seed, another subset


def test_nested_positions_do_not_depend_on_the_fractions_asked_before():
    lab = np.repeat([0, 1, 0, 1], [30, 10, 20, 15])
    alone = training.nested_subset_positions(lab, 0.4, seed=3)
    for f in (0.9, 0.1, 0.6):
        training.nested_subset_positions(lab, f, seed=3)
    np.testing.assert_array_equal(training.nested_subset_positions(lab, 0.4, seed=3), alone)
    assert set(training.nested_subset_positions(lab, 0.2, seed=3)) <= set(alone)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:TF runtime already initialised:RuntimeWarning")
def test_tiny_end_to_end_train_and_evaluate(tiny_window_dataset, tmp_path):
    from eqprecursors.ground import model as models

    d = tiny_window_dataset
    model_path = tmp_path / "out" / "model.keras"
    history = tmp_path / "out" / "history.csv"
    summary = training.train(
        d["windows"],
        d["labels"],
        d["split"],
        model_path,
        history,
        epochs=2,
        batch_size=8,
        seed=0,
        threads=1,
        verbose=0,
        predictions_csv=tmp_path / "out" / "pred.csv",
    )
    assert summary["split_method"] == "chronological"
    assert summary["n_train"] == 32 and summary["n_val"] == 8
    h = pd.read_csv(history)
    assert {"epoch", "accuracy", "loss", "val_accuracy", "val_loss"} <= set(h.columns)
    assert len(h) == 2 and h.epoch.tolist() == [0, 1]
    assert np.all(np.isfinite(h[["accuracy", "loss", "val_accuracy", "val_loss"]]))
    model = models.load_cnn(model_path)
    assert model.input_shape == (None, 3, 60, 1)

    metrics_json = tmp_path / "out" / "metrics.json"
    res = evaluation.evaluate_predictions(
        tmp_path / "out" / "pred.csv",
        d["labels"],
        d["split"],
        metrics_json,
        n_bootstrap=50,
        n_permutations=50,
        seed=0,
    )
    saved = json.loads(metrics_json.read_text())
    assert saved["split_method"] == "chronological" and saved["n_val"] == 8
    assert saved["class_counts"] == {"0": 4, "1": 4}
    for key in ("accuracy", "baseline_accuracy", "mcc", "f1", "roc_auc", "confusion_matrix"):
        assert key in saved
    assert set(saved["bootstrap_ci"]) == set(saved["permutation"]) >= {"accuracy", "mcc"}
    assert 0 < saved["permutation"]["accuracy"]["p_value"] <= 1
    # the model's own val accuracy agrees with evaluation on the same windows
    assert res["accuracy"] == pytest.approx(h.val_accuracy.iloc[-1], abs=1e-6)
    assert len(pd.read_csv(tmp_path / "out" / "pred.csv")) == 8

    # same seed -> same history (seeded init + seeded tf.data shuffle)
    again = tmp_path / "again"
    training.train(
        d["windows"],
        d["labels"],
        d["split"],
        again / "model.keras",
        again / "history.csv",
        epochs=2,
        batch_size=8,
        seed=0,
        threads=1,
        verbose=0,
    )
    pd.testing.assert_frame_equal(pd.read_csv(again / "history.csv"), h, rtol=1e-5)


def _assert_same_scores(new, old, tol=1e-9, where="metrics"):
    """Every number of ``new`` within ``tol`` of ``old``, every other value equal."""
    if isinstance(old, dict):
        assert set(new) == set(old), (where, set(new) ^ set(old))
        for k in old:
            _assert_same_scores(new[k], old[k], tol, f"{where}.{k}")
    elif isinstance(old, list):
        assert len(new) == len(old), where
        for k, (a, b) in enumerate(zip(new, old, strict=True)):
            _assert_same_scores(a, b, tol, f"{where}[{k}]")
    elif isinstance(old, float):
        assert (np.isnan(new) and np.isnan(old)) or abs(new - old) <= tol, (where, new, old)
    else:
        assert new == old, (where, new, old)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:TF runtime already initialised:RuntimeWarning")
def test_predictions_written_by_training_score_as_the_reloaded_model(tiny_window_dataset, tmp_path):
    """The training job's predictions.csv gives the metrics the model-reloading path gave."""
    from eqprecursors.evaluation.metrics import (
        bootstrap_ci,
        classification_metrics,
        permutation_pvalue,
    )
    from eqprecursors.ground import model as models

    d = tiny_window_dataset
    model_path = tmp_path / "model.keras"
    training.train(
        d["windows"], d["labels"], d["split"], model_path, tmp_path / "history.csv",
        epochs=3, batch_size=8, seed=2, verbose=0, predictions_csv=tmp_path / "predictions.csv",
    )  # fmt: skip
    options = dict(n_bootstrap=200, n_permutations=200, seed=1, block_gap_hours=24.0)
    new = evaluation.evaluate_predictions(
        tmp_path / "predictions.csv", d["labels"], d["split"], tmp_path / "metrics.json",
        **options,
    )  # fmt: skip
    # the old path: reload the model, model.predict the val windows, score them
    rows, y = training.load_split(d["labels"], d["split"])["val"]
    x = store.WindowReader(d["windows"]).read(rows)[..., None]
    p_old = models.load_cnn(model_path).predict(x, batch_size=64, verbose=0)[:, 1]
    p_new = pd.read_csv(tmp_path / "predictions.csv")["p_earthquake"].to_numpy()
    np.testing.assert_allclose(p_new, p_old, rtol=0, atol=1e-6)
    assert np.unique(p_old).size > 1  # a model that separates something, not a constant
    blocks = evaluation.part_blocks(d["labels"], d["split"], "val", 24.0)
    resample = dict(seed=1, blocks=blocks)
    old = {
        **classification_metrics(y, p_old),
        "bootstrap_ci": {
            m: bootstrap_ci(y, p_old, m, n=200, **resample) for m in evaluation.DEFAULT_METRICS
        },
        "permutation": {
            m: permutation_pvalue(y, p_old, m, n=200, **resample)
            for m in evaluation.DEFAULT_METRICS
        },
    }
    _assert_same_scores({k: new[k] for k in old}, old)
    # evaluate_model (reload + predict_on_batch, for callers without predictions.csv) agrees
    reloaded = evaluation.evaluate_model(
        model_path, d["windows"], d["labels"], d["split"], tmp_path / "reloaded.json", **options
    )
    assert reloaded["model"] == str(model_path) and reloaded["predictions"] is None
    _assert_same_scores(
        {k: reloaded[k] for k in new if k != "predictions"},
        {k: new[k] for k in new if k != "predictions"},
    )


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:TF runtime already initialised:RuntimeWarning")
def test_one_job_trains_every_fraction_of_a_seed(tiny_window_dataset, tmp_path):
    from eqprecursors.evaluation.learning_curve import train_learning_curve

    d = tiny_window_dataset
    fractions = [0.25, 0.5, 1.0]
    names = {"h": "history.csv", "s": "summary.json", "m": "metrics.json"}
    out = {k: [tmp_path / f"p{f}" / name for f in fractions] for k, name in names.items()}
    training_options = dict(epochs=2, batch_size=8, seed=99, verbose=0)
    evaluation_options = dict(n_bootstrap=20, n_permutations=20, seed=0, block_gap_hours=24.0)
    summaries = train_learning_curve(
        d["windows"], d["labels"], d["split"], fractions=fractions,
        history_csvs=out["h"], summary_jsons=out["s"], metrics_jsons=out["m"], seed=5,
        training=training_options, evaluation=evaluation_options,
    )  # fmt: skip
    assert [s["n_train"] for s in summaries] == [8, 16, 32]  # 16 per class in the 32 train
    assert all(s["seed"] == 5 and s["subset_seed"] == 5 for s in summaries)  # not 99
    for s, m in zip(out["s"], out["m"], strict=True):
        metrics = json.loads(m.read_text())
        assert metrics["n_val"] == 8 and metrics["block_gap_hours"] == 24.0
        summary = json.loads(s.read_text())
        assert summary["train_class_counts"]["0"] * 2 == summary["n_train"]  # ratio kept
    assert not list(tmp_path.rglob("*.keras"))  # models are scored, then not kept
    # the last point trained in the loop is the run a fresh process would train alone
    alone = training.train(
        d["windows"], d["labels"], d["split"], tmp_path / "alone.keras",
        tmp_path / "alone.csv", subset_fraction=1.0, subset_seed=5,
        **dict(training_options, seed=5),
    )  # fmt: skip
    assert alone["n_train"] == 32
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "alone.csv"), pd.read_csv(out["h"][-1]), rtol=1e-5
    )
    with pytest.raises(ValueError, match="one of each per fraction"):
        train_learning_curve(
            d["windows"], d["labels"], d["split"], fractions=fractions,
            history_csvs=out["h"][:2], summary_jsons=out["s"], metrics_jsons=out["m"], seed=5,
            training=training_options, evaluation=evaluation_options,
        )  # fmt: skip


def test_learning_curve_recovers_known_params():
    n = np.array([50, 100, 200, 400, 800, 1600, 3200])
    acc = learning_curve.inverse_power_law(n, 0.9, 2.0, 0.5)
    acc = acc + np.random.default_rng(0).normal(0, 1e-4, n.size)
    res = learning_curve.fit_learning_curve(n, acc, target_accuracy=0.85)
    assert res["meaningful"], res["reasons"]
    assert res["params"]["a"] == pytest.approx(0.9, abs=0.005)
    assert res["params"]["b"] == pytest.approx(2.0, rel=0.1)
    assert res["params"]["c"] == pytest.approx(0.5, abs=0.02)
    assert res["r2"] > 0.99
    assert res["n_for_target"] == pytest.approx((2.0 / 0.05) ** 2, rel=0.1)  # 1600


def test_learning_curve_flat_noise_not_meaningful():
    """The paper's case: accuracy stuck at the class ratio whatever n."""
    n = np.array([100, 200, 400, 800, 1600, 3200])
    acc = 0.62 + np.random.default_rng(1).normal(0, 0.01, n.size)
    res = learning_curve.fit_learning_curve(n, acc, target_accuracy=0.9)
    assert not res["meaningful"] and res["verdict"] == "not meaningful"
    assert res["n_for_target"] is None and res["reasons"]


def test_learning_curve_other_verdicts():
    n = np.array([50, 100, 200, 400, 800])
    clean = learning_curve.inverse_power_law(n, 0.8, 1.0, 0.5)
    res = learning_curve.fit_learning_curve(n, clean, target_accuracy=0.95)
    assert not res["meaningful"]
    assert any("asymptote" in r for r in res["reasons"])
    res = learning_curve.fit_learning_curve(n[:3], clean[:3], target_accuracy=0.7)
    assert not res["meaningful"] and "too few points" in res["reasons"][0]
    res = learning_curve.fit_learning_curve(n, 1 - clean, target_accuracy=0.1)  # decreasing
    assert not res["meaningful"]
    res = learning_curve.fit_learning_curve(n, np.full(5, 0.5), target_accuracy=0.6)
    assert not res["meaningful"]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:TF runtime already initialised:RuntimeWarning")
def test_conv_blocks_and_learning_rate_reach_the_trained_model(tiny_window_dataset, tmp_path):
    from eqprecursors.ground import model as models

    d = tiny_window_dataset
    options = dict(epochs=1, batch_size=8, seed=0, threads=1, verbose=0)
    files = (d["windows"], d["labels"], d["split"])
    table2 = training.train(*files, tmp_path / "a.keras", tmp_path / "a.csv", **options)
    two = training.train(
        *files, tmp_path / "b.keras", tmp_path / "b.csv", conv_blocks=2, learning_rate=0.01,
        **options,
    )  # fmt: skip
    assert table2["conv_blocks"] == 3 and table2["learning_rate"] is None
    assert two["conv_blocks"] == 2 and two["learning_rate"] == 0.01
    model = models.load_cnn(tmp_path / "b.keras")
    assert [layer.name for layer in model.layers if layer.name.startswith("conv")] == [
        "conv1",
        "conv2",
    ]
    # one pooling fewer: twice the flattened width feeds the Dense 64
    assert two["n_params"] > table2["n_params"]
    assert model.count_params() == two["n_params"]
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
