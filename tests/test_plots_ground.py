"""Figures 1-8 and Tables 1-2 of the ground study render from tiny fake inputs, honestly.

Checks behaviour, not pixels: both PNG and PDF are written, tables hold the numbers the
inputs imply (Keras parameter counts, Mmax, availability), the learning-curve verdict
follows the data, and the drawn detectability radius is a true geodesic circle.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from snakemake.utils import validate

from eqprecursors.core import splits
from eqprecursors.core.geodesy import geodesic_circle, geodesic_distance_km
from eqprecursors.core.reports import write_json
from eqprecursors.evaluation.metrics import bootstrap_ci, classification_metrics, permutation_pvalue
from eqprecursors.ground import plan
from eqprecursors.ground.model import write_table_model
from eqprecursors.ground.observatories import write_table_observatories
from eqprecursors.ground.runs import split_note
from eqprecursors.plots import ground, ground_results

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SITES = [
    {
        "code": "DUR", "name": "Duronia", "country": "Italy", "provider": "INGV",
        "latitude": 41.39, "longitude": 14.28, "radius_km": 200.0,
    },
    {
        "code": "MLR", "name": "Muntele Rosu", "country": "Romania", "provider": "NIEP",
        "latitude": 45.491, "longitude": 25.945, "radius_km": 100.0,
    },
]  # fmt: skip

N_DAYS = 8
GAP_FLAGGED = 720  # samples with gap_mask = 1
GAP_MISSING = 60  # time stamps absent from the file (become gaps on the regular grid)


def assert_figure(paths):
    png, pdf = paths
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5_000
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1_000


@pytest.fixture(scope="module")
def decoded_nc(tmp_path_factory):
    """8 days of 1-min DUR-like data with a known gap (flagged samples + missing stamps)."""
    path = tmp_path_factory.mktemp("nc") / "DUR.nc"
    n = N_DAYS * 1440
    t = pd.date_range("2020-01-01", periods=n, freq="1min").to_numpy()
    rng = np.random.default_rng(0)
    day = 2 * np.pi * np.arange(n) / 1440
    x = 22_000 + 15 * np.sin(day) + rng.normal(0, 0.5, n)
    y = 1_500 + 8 * np.cos(day) + rng.normal(0, 0.5, n)
    z = 40_000 - 10 * np.sin(day) + 0.002 * np.arange(n) + rng.normal(0, 0.5, n)
    gap = np.zeros(n, dtype=np.int8)
    gap[3000 : 3000 + GAP_FLAGGED] = 1
    x[gap == 1] = y[gap == 1] = z[gap == 1] = np.nan
    keep = np.ones(n, dtype=bool)
    keep[6000 : 6000 + GAP_MISSING] = False
    ds = xr.Dataset(
        {c: ("time", v[keep]) for c, v in (("X", x), ("Y", y), ("Z", z), ("gap_mask", gap))},
        coords={"time": t[keep]},
        attrs={
            "iaga_code": "DUR", "latitude": 41.39, "longitude": 14.28, "elevation": 905.0,
            "data_type": "synthetic", "component_frame": "XYZ", "source_files": "fake",
        },
    )  # fmt: skip
    ds.to_netcdf(path)
    return path


def write_catalog_csv(path, lat, lon, mags, depths):
    n = len(mags)
    times = pd.date_range("2020-01-02", periods=n, freq="17h", tz="UTC")
    pd.DataFrame(
        {
            "time": times.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "latitude": lat + np.linspace(-0.8, 0.8, n),
            "longitude": lon + np.linspace(0.9, -0.9, n),
            "depth_km": depths,
            "magnitude": mags,
            "mag_type": "mw",
            "distance_km": np.linspace(20, 150, n),
            "event_id": [f"ev{i}" for i in range(n)],
        }
    ).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    d = tmp_path_factory.mktemp("cat")
    return {
        "DUR": write_catalog_csv(d / "DUR.csv", 41.39, 14.28, [4.1, 5.3, 4.6, 6.2], [8, 12, 3, 25]),
        "MLR": write_catalog_csv(d / "MLR.csv", 45.49, 25.95, [4.0, 4.8, 5.5], [90, 140, 60]),
    }


def write_run(d, name, *, val_acc, train_acc, n_val=40, frac_pos=0.4, method="chronological"):
    """History CSV + metrics.json (evaluate_model's format) of one fake training run."""
    d.mkdir(parents=True, exist_ok=True)
    epochs = len(val_acc)
    h = pd.DataFrame(
        {
            "epoch": np.arange(epochs),
            "accuracy": train_acc,
            "loss": np.linspace(0.7, 0.3, epochs),
            "val_accuracy": val_acc,
            "val_loss": np.linspace(0.69, 0.6, epochs),
        }
    )
    h.to_csv(d / f"{name}_history.csv", index=False)
    rng = np.random.default_rng(1)
    y = (np.arange(n_val) < round(frac_pos * n_val)).astype(int)
    correct = rng.permutation(n_val) < round(val_acc[-1] * n_val)
    p = np.where(correct, y, 1 - y) * 0.8 + 0.1
    m = {
        "model": f"{name}.keras", "split_method": method, "part": "val", "n_val": n_val,
        "class_counts": {"0": int((y == 0).sum()), "1": int(y.sum())}, "seed": 0,
        **classification_metrics(y, p),
        "bootstrap_ci": {k: bootstrap_ci(y, p, k, n=50) for k in ("accuracy", "mcc")},
        "permutation": {k: permutation_pvalue(y, p, k, n=50) for k in ("accuracy", "mcc")},
    }  # fmt: skip
    m["accuracy"] = float(val_acc[-1])  # the saved model is the last epoch's, so they agree
    write_json(m, d / f"{name}_metrics.json")
    return {
        "label": name,
        "history_csv": d / f"{name}_history.csv",
        "metrics_json": d / f"{name}_metrics.json",
    }


# --------------------------------------------------------------------------------------
def test_geodesic_circle_points_lie_at_the_radius():
    for lat, lon, r in ((41.39, 14.28, 200.0), (45.491, 25.945, 100.0), (78.0, 179.5, 1000.0)):
        clat, clon = geodesic_circle(lat, lon, r)
        d = geodesic_distance_km(lat, lon, clat, clon)
        np.testing.assert_allclose(d, r, rtol=1e-3)
        assert np.all(np.abs(np.diff(clon)) < 10)  # unrolled: no jump at the antimeridian


def test_map(tmp_path, catalogs):
    assert_figure(
        ground.figure_map(SITES, catalogs, tmp_path / "f1.png", tmp_path / "f1.pdf",
                        data_kind="synthetic (offline default)")
    )  # fmt: skip
    # list form aligned with sites, one site without events
    assert_figure(
        ground.figure_map(SITES, [catalogs["DUR"], None], tmp_path / "a.png", tmp_path / "a.pdf",
                        data_kind="real (INTERMAGNET)")
    )  # fmt: skip
    with pytest.raises(ValueError, match="catalogs"):
        ground.figure_map(SITES, [catalogs["DUR"]], tmp_path / "b.png", tmp_path / "b.pdf",
                        data_kind="x")  # fmt: skip


def test_week_components_and_filter_comparison(tmp_path, decoded_nc):
    kind = "synthetic (offline default)"
    assert_figure(
        ground.figure_week(decoded_nc, tmp_path / "f2.png", tmp_path / "f2.pdf",
                                    start="2020-01-01", shade_start="2020-01-04",
                                    data_kind=kind)
    )  # fmt: skip
    flt = {"type": "highpass", "order": 4, "corners_cpd": [1.5]}
    assert_figure(
        ground.figure_filter(decoded_nc, flt, tmp_path / "f3.png", tmp_path / "f3.pdf",
                                      start="2020-01-01T00:00:00Z", data_kind=kind)
    )  # fmt: skip
    assert "1.5 cycles/day" in ground._filter_label(flt)
    with pytest.raises(ValueError, match="no samples"):
        ground.figure_week(decoded_nc, tmp_path / "x.png", tmp_path / "x.pdf",
                                    start="2021-01-01", data_kind=kind)  # fmt: skip


def paper_config() -> dict:
    """config/paper.yaml as the workflow reads it: validated, the schema's defaults filled."""
    config = yaml.safe_load((ROOT / "config/paper.yaml").read_text())
    validate(config, str(ROOT / "schemas/config.schema.yaml"))
    return config


def test_figure_3_gets_its_filter_under_the_paper_sweep(tmp_path, decoded_nc):
    """The paper sweeps unfiltered data; Figure 3 still draws its high-pass filter."""
    paper = paper_config()
    assert paper["ground_cnn"]["experiments"]["sweep_filter"] == "unfiltered"
    # what the rule passed before: the sweep's filter, None for the paper, and a failure
    swept = plan.cnn_filter(paper, paper["ground_cnn"]["experiments"]["sweep_filter"])
    assert swept is None
    with pytest.raises(ValueError, match="needs a filter"):
        ground.figure_filter(decoded_nc, swept, tmp_path / "x.png", tmp_path / "x.pdf",
                             start="2020-01-01", data_kind="x")  # fmt: skip
    spec = plan.figure_filter(paper)
    assert spec == paper["ground_cnn"]["filters"]["filtered"]
    assert (spec["type"], spec["order"], spec["corners_cpd"]) == ("highpass", 4, [1.5])
    assert_figure(
        ground.figure_filter(decoded_nc, spec, tmp_path / "f3.png", tmp_path / "f3.pdf",
                             start="2020-01-01", data_kind="synthetic")
    )  # fmt: skip


def test_figure_3_filter_is_the_first_diurnal_one_or_a_config_error():
    config = paper_config()
    config["ground_cnn"]["filters"] = {
        "raw": {"type": "none"},
        "smooth": {"type": "lowpass", "order": 2, "corners_cpd": [100.0]},
        "band": {"type": "bandpass", "order": 2, "corners_cpd": [1.5, 100.0]},
        "high": {"type": "highpass", "order": 4, "corners_cpd": [1.5]},
    }
    assert plan.figure_filter(config)["type"] == "bandpass"
    del config["ground_cnn"]["filters"]["band"], config["ground_cnn"]["filters"]["high"]
    with pytest.raises(ValueError, match=r"ground_cnn.filters: Figure 3 .* highpass or bandpass"):
        plan.figure_filter(config)


def test_paper_config_without_a_diurnal_filter_fails_before_any_job(tmp_path):
    """The rule's own path: the DAG of config/paper.yaml is refused, naming the key."""
    config = yaml.safe_load((ROOT / "config/paper.yaml").read_text())
    config["ground_cnn"]["filters"] = {"unfiltered": {"type": "none"}}
    path = tmp_path / "paper.yaml"
    path.write_text(yaml.safe_dump(config))
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--dry-run", "--nolock", "--configfile", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode != 0
    assert "ground_cnn.filters: Figure 3 (figure_ground_filter)" in run.stdout + run.stderr


def test_network_figure_and_table_2(tmp_path):
    assert_figure(ground.figure_network(10080, tmp_path / "f4.png", tmp_path / "f4.pdf"))
    table = write_table_model(10080, tmp_path / "t2.csv", tmp_path / "t2.md")
    params = table.set_index("layer")["params"]
    assert [params[k] for k in ("conv1", "conv2", "conv3", "dense1", "output")] == [
        320, 6_208, 12_352, 30_965_824, 130,
    ]  # fmt: skip
    assert params["total"] == 30_984_834 == params.drop("total").sum()
    csv = pd.read_csv(tmp_path / "t2.csv")
    assert csv["params"].iloc[-1] == 30_984_834
    md = (tmp_path / "t2.md").read_text()
    assert "30,965,824" in md and "3 x 10080 x 32" in md and "| total" in md


def test_histories_optimizers_windows(tmp_path):
    kind = "synthetic (offline default)"
    acc = np.array([0.55, 0.6, 0.62, 0.6])
    runs = [
        {**write_run(tmp_path / o / f, f"{o}_{f}", val_acc=acc, train_acc=acc + 0.1),
         "row": o, "column": f}
        for o in ("DUR", "ALL") for f in ("unfiltered", "filtered")
    ]  # fmt: skip
    assert_figure(ground_results.figure_histories(runs, tmp_path / "f5.png", tmp_path / "f5.pdf",
                                        data_kind=kind))  # fmt: skip
    # without row/column keys: one row per run; and a run without metrics.json
    plain = [{k: v for k, v in r.items() if k not in ("row", "column")} for r in runs[:2]]
    plain[1]["metrics_json"] = None
    assert_figure(ground_results.figure_histories(plain, tmp_path / "g.png", tmp_path / "g.pdf",
                                        data_kind=kind))  # fmt: skip

    opt = [
        write_run(tmp_path / "opt", o, val_acc=acc, train_acc=acc + 0.05, method="random")
        for o in ("adam", "sgd", "rmsprop")
    ]
    assert_figure(ground_results.figure_optimizers(opt, tmp_path / "f6.png", tmp_path / "f6.pdf",
                                         data_kind=kind))  # fmt: skip
    win = [
        write_run(tmp_path / "win", w, val_acc=acc, train_acc=acc + 0.1, frac_pos=fp)
        for w, fp in (("month", 0.3), ("hour", 0.5), ("week", 0.45), ("day", 0.4))
    ]
    assert_figure(ground_results.figure_windows(win, tmp_path / "f7.png", tmp_path / "f7.pdf",
                                      data_kind=kind))  # fmt: skip
    assert split_note([{"split_method": "random"}]).startswith("random split (paper")


LC_SIZES = [50, 100, 200, 400, 800, 1600]


def _lc_runs(d, accs, seeds=(1, 2, 3), jitter=0.0):
    """Fake learning-curve runs: every seed at every size, seed k shifted by k * jitter."""
    runs = []
    for k, seed in enumerate(seeds):
        shift = (k - (len(seeds) - 1) / 2) * jitter
        for n, a in zip(LC_SIZES, accs(np.array(LC_SIZES, float)) + shift, strict=True):
            acc = dict(val_acc=np.array([a - 0.02, a]), train_acc=np.array([a, a + 0.05]))
            run = write_run(d, f"s{seed}_n{n}", n_val=400, **acc)
            runs.append({"fraction": n / 1600, "n_train": n, "seed": seed, **run})
    return runs


def _caught_figures(monkeypatch):
    """The matplotlib figures the entry points hand to ``save`` (then saved as usual)."""
    caught = []
    real_save = ground_results.save

    def spy(fig, *args, **kwargs):
        caught.append(fig)
        return real_save(fig, *args, **kwargs)

    monkeypatch.setattr(ground_results, "save", spy)
    return caught


def test_learning_curve_flat_is_not_meaningful(tmp_path):
    runs = _lc_runs(tmp_path, lambda n: np.full(n.shape, 0.6), jitter=0.01)
    res = ground_results.figure_learning_curve(
        runs, tmp_path / "f8.png", tmp_path / "f8.pdf", tmp_path / "f8.json",
        target_accuracy=0.9, data_kind="synthetic (offline default)",
    )  # fmt: skip
    assert_figure((tmp_path / "f8.png", tmp_path / "f8.pdf"))
    saved = json.loads((tmp_path / "f8.json").read_text())
    assert saved["verdict"].startswith("fit not meaningful") and "not meaningful" in res["verdict"]
    assert saved["meaningful"] is False and saved["n_for_target"] is None
    assert saved["fit"]["meaningful"] is False
    assert [p["n_train"] for p in saved["points"]] == [n for n in LC_SIZES for _ in range(3)]
    assert [p["seed"] for p in saved["points"][:3]] == [1, 2, 3]
    assert "within the seed spread" in saved["verdict"]


def test_learning_curve_report_holds_every_seed_and_the_mean(tmp_path):
    jitter = 0.02
    runs = _lc_runs(tmp_path, lambda n: 0.6 + 0.05 * np.log10(n), jitter=jitter)
    res = ground_results.figure_learning_curve(
        runs, tmp_path / "f8.png", tmp_path / "f8.pdf", tmp_path / "f8.json",
        target_accuracy=0.9, data_kind="synthetic",
    )  # fmt: skip
    saved = json.loads((tmp_path / "f8.json").read_text())
    assert saved == json.loads(json.dumps(res, allow_nan=False, default=str))
    assert saved["seeds"] == [1, 2, 3]
    assert saved["fitted_quantity"].startswith("mean validation accuracy over seeds")
    truth = 0.6 + 0.05 * np.log10(np.array(LC_SIZES, float))
    for k, seed in enumerate((1, 2, 3)):
        curve = saved["per_seed"][str(seed)]
        assert curve["n_train"] == LC_SIZES
        np.testing.assert_allclose(curve["val_accuracy"], truth + (k - 1) * jitter, atol=1e-9)
    size = saved["per_size"]
    assert [row["n_train"] for row in size] == LC_SIZES
    assert all(row["n_seeds"] == 3 for row in size)
    np.testing.assert_allclose([row["val_accuracy_mean"] for row in size], truth, atol=1e-9)
    np.testing.assert_allclose([row["val_accuracy_sd"] for row in size], jitter, rtol=1e-6)
    np.testing.assert_allclose(
        [row["val_accuracy_max"] - row["val_accuracy_min"] for row in size], 2 * jitter, rtol=1e-6
    )
    spread = saved["spread"]  # a rise of 0.075 against a band 0.04 wide: it clears
    assert spread["rise"] == pytest.approx(truth[-1] - truth[0])
    assert spread["margin"] == pytest.approx(truth[-1] - truth[0] - 2 * jitter)
    assert spread["reasons"] == []


def test_learning_curve_rise_inside_the_seed_spread_is_not_meaningful(tmp_path):
    a, b, c = 0.95, 0.5, 0.5  # the clean power law below, but seeds 0.3 apart
    runs = _lc_runs(tmp_path, lambda n: a - b * n**-c, jitter=0.15)
    saved = ground_results.figure_learning_curve(
        runs, tmp_path / "f8.png", tmp_path / "f8.pdf", tmp_path / "f8.json",
        target_accuracy=0.93, data_kind="synthetic",
    )  # fmt: skip
    assert saved["fit"]["meaningful"] is True  # the mean alone would pass ...
    assert saved["meaningful"] is False and saved["n_for_target"] is None  # ... the seeds not
    assert any("within the seed spread" in r for r in saved["reasons"])
    one = _lc_runs(tmp_path / "one", lambda n: a - b * n**-c, seeds=(7,))
    saved = ground_results.figure_learning_curve(
        one, tmp_path / "g.png", tmp_path / "g.pdf", tmp_path / "g.json",
        target_accuracy=0.93, data_kind="synthetic",
    )  # fmt: skip
    assert saved["meaningful"] is False and "no seed spread" in saved["verdict"]


def test_learning_curve_fractions_of_one_size_stay_two_points(tmp_path):
    # the workflow test's tiny training part: 50 % and 100 % are both one window
    acc = np.array([0.5, 0.5])
    runs = [
        {"fraction": f, "n_train": 1, "seed": s, **write_run(tmp_path, f"s{s}f{f}", val_acc=acc,
                                                             train_acc=acc)}
        for s in (1, 2) for f in (0.5, 1.0)
    ]  # fmt: skip
    saved = ground_results.figure_learning_curve(
        runs, tmp_path / "f8.png", tmp_path / "f8.pdf", tmp_path / "f8.json",
        target_accuracy=0.9, data_kind="synthetic",
    )  # fmt: skip
    assert [(r["fraction"], r["n_train"], r["n_seeds"]) for r in saved["per_size"]] == [
        (0.5, 1, 2),
        (1.0, 1, 2),
    ]
    assert saved["meaningful"] is False and "too few points (1 < 4)" in saved["verdict"]
    with pytest.raises(ValueError, match="repeat"):
        ground_results.figure_learning_curve(
            runs + runs[:1], tmp_path / "g.png", tmp_path / "g.pdf", tmp_path / "g.json",
            target_accuracy=0.9, data_kind="synthetic",
        )  # fmt: skip


def test_learning_curve_power_law_extrapolates(tmp_path):
    a, b, c = 0.95, 0.5, 0.5  # acc = a - b n^-c reaches 0.90 at n = (b / 0.05)^(1/c) = 100
    runs = _lc_runs(tmp_path, lambda n: a - b * n**-c, jitter=0.002)
    res = ground_results.figure_learning_curve(
        runs, tmp_path / "f8.png", tmp_path / "f8.pdf", tmp_path / "f8.json",
        target_accuracy=0.93, data_kind="synthetic (offline default)",
    )  # fmt: skip
    expected = (b / (a - 0.93)) ** (1 / c)  # 625
    saved = json.loads((tmp_path / "f8.json").read_text())
    assert saved["fit"]["meaningful"] is True and saved["meaningful"] is True
    assert saved["n_for_target"] == pytest.approx(expected, rel=0.02)
    assert saved["verdict"] == f"extrapolated n for target accuracy 0.93: {expected:,.0f}"
    assert res["verdict"] == saved["verdict"]
    assert_figure((tmp_path / "f8.png", tmp_path / "f8.pdf"))


@pytest.mark.parametrize("seeds", [(1, 2, 3), (4, 5)])
def test_learning_curve_figure_draws_each_seed_faint_and_the_band(tmp_path, monkeypatch, seeds):
    caught = _caught_figures(monkeypatch)
    runs = _lc_runs(tmp_path, lambda n: 0.6 + 0.05 * np.log10(n), seeds=seeds, jitter=0.02)
    report = ground_results.figure_learning_curve(
        runs, tmp_path / "f8.png", tmp_path / "f8.pdf", tmp_path / "f8.json",
        target_accuracy=0.9, data_kind="synthetic",
    )  # fmt: skip
    (fig,) = caught
    acc_ax, loss_ax = fig.axes[:2]
    for ax, column in ((acc_ax, "val_accuracy"), (loss_ax, "val_loss")):
        faint = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("seed ")]
        assert sorted(ln.get_gid() for ln in faint) == sorted(f"seed {s}" for s in seeds)
        for line in faint:  # each seed's own points, drawn faint
            assert line.get_alpha() < 0.5
            seed = int(line.get_gid().split()[1])
            mine = [p for p in report["points"] if p["seed"] == seed]
            np.testing.assert_allclose(line.get_xdata(), [p["n_train"] for p in mine])
            np.testing.assert_allclose(line.get_ydata(), [p[column] for p in mine])
    (band,) = [c for c in acc_ax.collections if c.get_gid() == "band"]
    edge = band.get_paths()[0].vertices  # fill_between: the band's outline
    for row in report["per_size"]:  # at each size it spans the seeds' min to max
        at = edge[np.isclose(edge[:, 0], row["n_train"]), 1]
        assert at.min() == pytest.approx(row["val_accuracy_min"])
        assert at.max() == pytest.approx(row["val_accuracy_max"])
        assert row["val_accuracy_max"] - row["val_accuracy_min"] > 0.01
    legend = [t.get_text() for t in acc_ax.get_legend().texts]
    assert any(f"min-max over {len(seeds)} seeds" in t for t in legend)


def test_table_1(tmp_path, catalogs, decoded_nc):
    table = write_table_observatories(
        SITES, catalogs, {"DUR": decoded_nc}, tmp_path / "t1.csv", tmp_path / "t1.md"
    )
    dur = table.set_index("code").loc["DUR"]
    assert dur["Mmax"] == 6.2 and dur["n_events"] == 4
    assert table.set_index("code").loc["MLR", "Mmax"] == 5.5
    total = N_DAYS * 1440
    assert dur["data_available_pct"] == pytest.approx(
        100 * (total - GAP_FLAGGED - GAP_MISSING) / total
    )
    assert dur["data_first"] == "2020-01-01 00:00" and dur["data_last"] == "2020-01-08 23:59"
    csv = pd.read_csv(tmp_path / "t1.csv")
    assert list(csv["code"]) == ["DUR", "MLR"] and csv["Mmax"].tolist() == [6.2, 5.5]
    md = (tmp_path / "t1.md").read_text()
    assert "Duronia" in md and "6.2" in md and "93.2 %" in md


def test_random_split_figures_carry_the_leakage_warning(tmp_path, monkeypatch):
    drawn = []  # every text of each figure the entry points draw
    real_save = ground_results.save

    def spy(fig, *args, **kwargs):
        texts = " | ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
        drawn.append(" ".join(texts.split()))  # the warning is wrapped to the figure's width
        return real_save(fig, *args, **kwargs)

    monkeypatch.setattr(ground_results, "save", spy)
    acc = np.array([0.55, 0.6, 0.62, 0.6])
    warning = splits.leakage_warning("random")
    cases = {"random": ("random", "random"), "chronological": ("chronological",) * 2,
             "mixed": ("random", "chronological")}  # fmt: skip
    for case, methods in cases.items():
        d = tmp_path / case
        runs = [
            {"fraction": k / 2, "n_train": 50 * k, "seed": 1,
             **write_run(d, f"r{k}", val_acc=acc, train_acc=acc, method=m)}
            for k, m in enumerate(methods, start=1)
        ]  # fmt: skip
        drawn.clear()
        out = (d / "f.png", d / "f.pdf")
        ground_results.figure_histories(runs, *out, data_kind="synthetic")
        ground_results.figure_optimizers(runs, *out, data_kind="synthetic")
        ground_results.figure_windows(runs, *out, data_kind="synthetic")
        ground_results.figure_learning_curve(
            runs, *out, d / "f8.json", target_accuracy=0.9, data_kind="synthetic"
        )
        assert len(drawn) == 4
        warned = "random" in methods
        assert all((warning in text) == warned for text in drawn), (case, drawn)
