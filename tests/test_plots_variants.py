"""Figure S1 (accuracy and MCC vs learning rate and conv blocks) and its table, from fake runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eqprecursors.core import splits
from eqprecursors.core.reports import write_json
from eqprecursors.plots import ground_results


def fake_run(d, experiment, value, *, acc, mcc, base, method="chronological", sweep=False):
    """A history CSV and a metrics.json in evaluate_model's format, with chosen numbers."""
    name = f"{experiment}_{value}"
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"epoch": [0, 1], "accuracy": [0.5, acc + 0.1], "loss": [0.7, 0.5],
         "val_accuracy": [0.5, acc], "val_loss": [0.69, 0.6]}
    ).to_csv(d / f"{name}_history.csv", index=False)  # fmt: skip
    ci = {"accuracy": {"low": acc - 0.1, "high": acc + 0.05}, "mcc": {"low": mcc - 0.2,
          "high": mcc + 0.1}}  # fmt: skip
    write_json(
        {"split_method": method, "n_val": 30, "accuracy": acc, "mcc": mcc,
         "baseline_accuracy": base, "bootstrap_ci": ci,
         "permutation": {"mcc": {"p_value": 0.04}}},
        d / f"{name}_metrics.json",
    )  # fmt: skip
    return {
        "experiment": experiment, "value": value, "label": name, "sweep_run": sweep,
        "history_csv": d / f"{name}_history.csv", "metrics_json": d / f"{name}_metrics.json",
    }  # fmt: skip


@pytest.fixture
def caught(monkeypatch):
    """The figures the entry point hands to ``save`` (then saved as usual)."""
    figures = []
    real_save = ground_results.save

    def spy(fig, *args, **kwargs):
        figures.append(fig)
        return real_save(fig, *args, **kwargs)

    monkeypatch.setattr(ground_results, "save", spy)
    return figures


def test_figure_s1_draws_both_experiments_from_the_given_runs(tmp_path, caught):
    runs = [
        fake_run(tmp_path, "learning_rates", 0.01, acc=0.55, mcc=0.05, base=0.6),
        fake_run(tmp_path, "learning_rates", 0.0001, acc=0.7, mcc=0.4, base=0.6),
        fake_run(tmp_path, "learning_rates", 0.001, acc=0.8, mcc=0.6, base=0.6, sweep=True),
        fake_run(tmp_path, "conv_blocks", 4, acc=0.65, mcc=0.3, base=0.55),
        fake_run(tmp_path, "conv_blocks", 2, acc=0.62, mcc=0.2, base=0.5),
    ]
    out = tmp_path / "s1.png", tmp_path / "s1.pdf", tmp_path / "variants.csv"
    png, pdf = ground_results.figure_variants(runs, *out, data_kind="synthetic")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and pdf.read_bytes()[:5] == b"%PDF-"
    table = pd.read_csv(out[2])
    assert table.label.tolist() == [r["label"] for r in runs]  # the given order
    assert table.accuracy.tolist() == [0.55, 0.7, 0.8, 0.65, 0.62]
    assert table.mcc.tolist() == [0.05, 0.4, 0.6, 0.3, 0.2]
    assert table.baseline_accuracy.tolist() == [0.6, 0.6, 0.6, 0.55, 0.5]
    np.testing.assert_allclose(table.mcc_low, table.mcc - 0.2)
    assert (table.mcc_p_value == 0.04).all() and (table.n_val == 30).all()

    (fig,) = caught
    axes = fig.axes
    assert len(axes) == 4  # accuracy and MCC rows x learning-rate and conv-block columns
    acc_lr, acc_conv, mcc_lr, mcc_conv = axes
    # ascending values along x, the sweep's own run named in its tick
    ticks = [t.get_text().split("\n")[0] for t in acc_lr.get_xticklabels()]
    assert ticks == ["0.0001", "0.001 (sweep run)", "0.01"]
    assert [t.get_text().split("\n")[0] for t in mcc_conv.get_xticklabels()] == ["2", "4"]
    # validation accuracy and MCC in that order, each beside its chance level
    (acc_points,) = [c for c in acc_lr.containers if hasattr(c, "lines")]
    np.testing.assert_allclose(acc_points.lines[0].get_ydata(), [0.7, 0.8, 0.55])
    (mcc_points,) = [c for c in mcc_conv.containers if hasattr(c, "lines")]
    np.testing.assert_allclose(mcc_points.lines[0].get_ydata(), [0.2, 0.3])
    baselines = [c for c in acc_conv.collections if c.get_label() == "majority baseline"]
    np.testing.assert_allclose([s[0][1] for s in baselines[0].get_segments()], [0.5, 0.55])
    assert any(line.get_ydata()[0] == 0.0 for line in mcc_lr.get_lines())  # MCC chance
    texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "p=0.04" in texts and "n_val=30" in texts
    assert splits.leakage_warning("random") not in " ".join(texts.split())


def test_figure_s1_one_experiment_one_column_and_the_random_split_warns(tmp_path, caught):
    runs = [
        fake_run(tmp_path, "conv_blocks", n, acc=0.6, mcc=0.1, base=0.5, method="random")
        for n in (2, 3)
    ]
    out = tmp_path / "s1.png", tmp_path / "s1.pdf", tmp_path / "v.csv"
    ground_results.figure_variants(runs, *out, data_kind="synthetic")
    (fig,) = caught
    assert len(fig.axes) == 2
    texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert splits.leakage_warning("random") in " ".join(texts.split())
    with pytest.raises(ValueError, match="no run of"):
        ground_results.plot_variants([], *out[:2], data_kind="synthetic")
