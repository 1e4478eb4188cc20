"""Ground evaluation from predictions.csv: no TensorFlow, the same scores, stale files refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eqprecursors.evaluation import ground
from eqprecursors.evaluation.metrics import bootstrap_ci, classification_metrics, permutation_pvalue
from eqprecursors.ground.training import PREDICTION_COLUMNS, load_split, write_predictions

FAST = dict(n_bootstrap=40, n_permutations=40, seed=3)


def _val_predictions(d, path, seed=0):
    """predictions.csv of the val part with seeded P(earthquake) leaning to the label."""
    rows, y = load_split(d["labels"], d["split"])["val"]
    rng = np.random.default_rng(seed)
    p = np.clip(0.35 * y + 0.65 * rng.random(y.size), 0, 1)
    return write_predictions(path, rows, y, p, part="val"), rows, y, p


def test_evaluation_imports_and_runs_without_tensorflow(tiny_window_dataset, tmp_path):
    d = tiny_window_dataset
    csv, *_ = _val_predictions(d, tmp_path / "predictions.csv")
    out = tmp_path / "metrics.json"
    code = (
        "import sys; from eqprecursors.evaluation import ground; "
        f"ground.evaluate_predictions({str(csv)!r}, {str(d['labels'])!r}, {str(d['split'])!r}, "
        f"{str(out)!r}, n_bootstrap=30, n_permutations=30, seed=1); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')); "
        "assert not bad, bad[:5]"
    )
    scripts = Path(__file__).resolve().parents[1] / "scripts"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=scripts,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["n_val"] == result["n"] == 8 and result["part"] == "val"
    assert result["split_method"] == "chronological"


def test_scores_are_the_metrics_of_the_file_in_split_order(tiny_window_dataset, tmp_path):
    """What the model-reloading path computed from (y, p): same functions, same blocks."""
    d = tiny_window_dataset
    csv, rows, y, p = _val_predictions(d, tmp_path / "predictions.csv", seed=4)
    frame = pd.read_csv(csv)
    assert list(frame.columns) == list(PREDICTION_COLUMNS)
    np.testing.assert_array_equal(frame["p_earthquake"].to_numpy(), p)  # exact round trip
    np.testing.assert_array_equal(frame["y_pred"], (p > 0.5).astype(int))
    for gap in (24.0, 0.5, None):
        got = ground.evaluate_predictions(
            csv, d["labels"], d["split"], tmp_path / "m.json", block_gap_hours=gap, **FAST
        )
        blocks = ground.part_blocks(d["labels"], d["split"], "val", gap)
        assert (blocks is None) == (gap is None)
        want = classification_metrics(y, p)
        for key, value in want.items():
            assert got[key] == value, key
        for m in ground.DEFAULT_METRICS:
            ci = bootstrap_ci(y, p, m, n=40, seed=3, blocks=blocks)
            pv = permutation_pvalue(y, p, m, n=40, seed=3, blocks=blocks)
            assert json.dumps(got["bootstrap_ci"][m]) == json.dumps(ci)
            assert json.dumps(got["permutation"][m]) == json.dumps(pv)
        assert got["class_counts"] == {"0": int((y == 0).sum()), "1": int((y == 1).sum())}
    # rows in another order are realigned to the split's (the blocks follow that order)
    shuffled = tmp_path / "shuffled.csv"
    frame.iloc[::-1].to_csv(shuffled, index=False)
    again = ground.evaluate_predictions(
        shuffled, d["labels"], d["split"], tmp_path / "s.json", **FAST
    )
    first = ground.evaluate_predictions(csv, d["labels"], d["split"], tmp_path / "f.json", **FAST)
    for key in ("accuracy", "mcc", "roc_auc", "bootstrap_ci", "permutation"):
        assert again[key] == first[key], key


def test_stale_or_malformed_predictions_are_refused(tiny_window_dataset, tmp_path):
    d = tiny_window_dataset
    csv, rows, y, p = _val_predictions(d, tmp_path / "predictions.csv")
    frame = pd.read_csv(csv)

    def refused(edit, match):
        bad = tmp_path / "bad.csv"
        edit(frame.copy()).to_csv(bad, index=False)
        with pytest.raises(ValueError, match=match):
            ground.evaluate_predictions(bad, d["labels"], d["split"], tmp_path / "x.json", **FAST)

    refused(lambda f: f.iloc[:-1], r"bad\.csv .*7 windows are not the 8 of the split part")
    refused(lambda f: f.assign(index=f["index"] - 1), "not the 8 of the split part")
    refused(lambda f: f.assign(y_true=1 - f["y_true"], y_pred=f["y_pred"]), "differs from labels")
    refused(lambda f: f.assign(part="train"), "not the 32 of the split part")
    refused(lambda f: f.assign(p_earthquake=f["p_earthquake"].where(f.index != 2)), r"bad\.csv:4")
    refused(
        lambda f: f.assign(y_true=f["y_true"].where(f.index != 0, 2)), r"bad\.csv:2: bad y_true"
    )
    refused(lambda f: f.drop(columns="part"), r"missing columns \['part'\]")
    refused(lambda f: f.iloc[:0], "no predictions")
    with pytest.raises(ValueError, match="non-finite"):
        write_predictions(tmp_path / "n.csv", rows, y, np.where(y == 1, np.nan, p), part="val")
