"""Molchan and sensitivity figures draw what they are given: lines, markers, labels, files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eqprecursors.evaluation import molchan
from eqprecursors.evaluation.sensitivity import summarize_sensitivity
from eqprecursors.plots import evaluation as plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def drawn(monkeypatch):
    """Every figure handed to ``save``, kept open for inspection (files are still written)."""
    figs = []
    real_save = plots.save

    def spy(fig, *args, **kwargs):
        figs.append(fig)  # closing the pyplot window keeps the Figure inspectable
        return real_save(fig, *args, **kwargs)

    monkeypatch.setattr(plots, "save", spy)
    return figs


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def molchan_curves():
    rng = np.random.default_rng(0)
    score = rng.uniform(size=500)
    events = rng.poisson(0.02 + 0.1 * score)
    out = []
    for label, s in (("model", score), ("random", rng.uniform(size=500))):
        c = molchan.molchan_curve(s, events)
        op = molchan.operating_point(c, tau=0.2)
        out.append(
            {
                "label": label,
                "tau": c["tau"],
                "nu": c["nu"],
                "n_events": c["n_events"],
                "ass": molchan.area_skill_score(c["tau"], c["nu"]),
                "gain_point": op,
            }
        )
    return out


def test_molchan_figure_draws_diagonal_bound_curves_and_gain(tmp_path, drawn):
    curves = molchan_curves()
    paths = plots.figure_molchan(
        curves, tmp_path / "m.png", out_pdf=tmp_path / "m.pdf", title="Molchan: DUR"
    )
    assert paths[0].read_bytes()[:8] == PNG_MAGIC and paths[1].read_bytes()[:5] == b"%PDF-"
    (ax,) = drawn[0].axes
    assert len(by_gid(ax, "diagonal")) == 1
    (diag,) = by_gid(ax, "diagonal")
    np.testing.assert_array_equal(diag.get_xdata(), [0, 1])
    np.testing.assert_array_equal(diag.get_ydata(), [1, 0])
    # one bound (both curves share N), equal to the binomial bound
    (bound,) = by_gid(ax, "null_bound")
    n = curves[0]["n_events"]
    np.testing.assert_allclose(
        bound.get_ydata(), molchan.molchan_null_bound(n, bound.get_xdata(), 0.05)
    )
    lines = by_gid(ax, "curve")
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_xdata(), curves[0]["tau"])
    assert lines[0].get_label().startswith(f"model: ASS {curves[0]['ass']:.2f}")
    gains = by_gid(ax, "gain_point")
    assert len(gains) == 2 and gains[0].get_xdata()[0] == pytest.approx(
        curves[0]["gain_point"]["tau"]
    )
    texts = [t.get_text() for t in ax.texts]
    assert f"G = {curves[0]['gain_point']['gain']:.2g}" in texts
    assert ax.get_ylabel() == "miss rate ν" and "alarm fraction" in ax.get_xlabel()
    assert ax.get_title() == "Molchan: DUR"


def test_molchan_figure_given_bounds_and_no_bounds(tmp_path, drawn):
    curves = molchan_curves()
    given = [{"tau": [0, 0.5, 1], "nu": [1, 0.3, 0], "label": "mine"}]
    plots.figure_molchan(curves[:1], tmp_path / "a.png", null_bounds=given)
    plots.figure_molchan(curves[:1], tmp_path / "b.png", null_bounds=[])
    (bound,) = by_gid(drawn[0].axes[0], "null_bound")
    assert bound.get_label() == "mine"
    assert by_gid(drawn[1].axes[0], "null_bound") == []
    with pytest.raises(ValueError, match="no curves"):
        plots.figure_molchan([], tmp_path / "c.png")


def sensitivity_summary(null_p=0.5):
    amps = [0, 0.5, 1, 2, 4, 8]
    rows = []
    rng = np.random.default_rng(0)
    for a in amps:
        for s in range(6):
            detected = a > 0 and rng.uniform() < 1 / (1 + (1.5 / a) ** 3)
            p = 0.001 if detected else (null_p if a == 0 else rng.uniform(0.1, 1))
            mcc = rng.normal(0.08 * a, 0.04)
            rows.append(
                {"amplitude": a, "seed": s, "n": 100, "mcc": mcc, "f1": 0.5, "auc": 0.5, "p": p}
            )
    return summarize_sensitivity(pd.DataFrame(rows), n_bootstrap=40)


def test_sensitivity_figure_marks_a50_a90_mda_and_null(tmp_path, drawn):
    s = sensitivity_summary()
    assert s["minimum_detectable_amplitude"] is not None and np.isfinite(s["fit"]["A50"])
    plots.figure_sensitivity(
        s, tmp_path / "s.png", out_pdf=tmp_path / "s.pdf", unit="nT", title="Ground CNN"
    )
    assert (tmp_path / "s.pdf").read_bytes()[:5] == b"%PDF-"
    fig = drawn[0]
    ax0, ax, ax2 = fig.axes
    assert ax.get_xscale() == "log" and ax0.get_xscale() == "linear"
    assert ax.get_xlabel() == "injected precursor amplitude (nT)"
    assert "MCC" in ax0.get_ylabel() and "detection probability" in ax2.get_ylabel()
    (a50,) = by_gid(ax2, "A50")
    np.testing.assert_allclose(a50.get_xdata(), s["fit"]["A50"])
    (a90,) = by_gid(ax2, "A90")
    np.testing.assert_allclose(a90.get_xdata(), s["fit"]["A90"])
    (mda,) = by_gid(ax, "MDA")
    np.testing.assert_allclose(mda.get_xdata(), s["minimum_detectable_amplitude"])
    (mean,) = by_gid(ax, "mcc_mean")
    pos = [r for r in s["per_amplitude"] if r["amplitude"] > 0]
    np.testing.assert_allclose(mean.get_xdata(), [r["amplitude"] for r in pos])
    np.testing.assert_allclose(mean.get_ydata(), [r["mcc_mean"] for r in pos])
    (band,) = by_gid(ax, "mcc_band")
    verts = band.get_paths()[0].vertices
    assert verts[:, 1].max() == pytest.approx(max(r["mcc_high"] for r in pos))
    (fit,) = by_gid(ax2, "fit")
    np.testing.assert_allclose(fit.get_ydata(), s["fit"]["curve"]["detection_probability"])
    (null,) = ax0.containers  # the errorbar of the amplitude-0 point
    assert null.lines[0].get_xdata()[0] == 0
    assert null.lines[0].get_ydata()[0] == pytest.approx(s["null"]["mcc_mean"])
    bar = null.lines[2][0].get_segments()[0][:, 1]
    np.testing.assert_allclose(bar, [s["null"]["mcc_low"], s["null"]["mcc_high"]])
    assert "chance" in ax0.get_title() and "NOT" not in ax0.get_title()
    assert len(by_gid(ax, "chance")) == len(by_gid(ax0, "chance")) == 1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("A50 = ") and "nT" in t for t in legend)
    assert any(t.startswith("minimum detectable amplitude") for t in legend)


def test_sensitivity_figure_shows_a_failed_null_and_missing_marks(tmp_path, drawn):
    s = sensitivity_summary(null_p=0.001)
    s["fit"] = {**s["fit"], "A50": float("nan"), "A90": float("nan"), "curve": None}
    s["minimum_detectable_amplitude"] = None
    plots.figure_sensitivity(s, tmp_path / "s.png", unit="nT", title="leaky")
    ax0, ax, ax2 = drawn[0].axes
    assert "NOT chance" in ax0.get_title()
    assert by_gid(ax2, "A50") == [] and by_gid(ax, "MDA") == [] and by_gid(ax2, "fit") == []
    assert "NULL FAILS" in drawn[0].get_suptitle()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "no amplitude detectable (MCC CI above 0)" in legend


def test_sensitivity_figure_draws_a_single_seed_summary_read_back_from_json(tmp_path, drawn):
    """One seed per amplitude (the paper rehearsal's sweep) has no spread: its CI bounds are
    NaN, written as JSON null; the figure draws the means and leaves the band empty."""
    import json

    rows = [
        {"amplitude": a, "seed": 1, "n": 40, "mcc": m, "f1": 0.5, "auc": 0.5, "p": p}
        for a, m, p in ((0, 0.02, 0.6), (10, 0.3, 0.04), (30, 0.9, 0.001))
    ]
    s = summarize_sensitivity(pd.DataFrame(rows), n_bootstrap=20)
    s = json.loads(json.dumps(s, default=float).replace("NaN", "null"))
    assert s["per_amplitude"][1]["mcc_low"] is None
    plots.figure_sensitivity(s, tmp_path / "s.png", unit="nT", title="single seed")
    (mean,) = by_gid(drawn[0].axes[1], "mcc_mean")
    np.testing.assert_allclose(mean.get_ydata(), [0.3, 0.9])
