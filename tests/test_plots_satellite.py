"""Figures 1-8 and Tables 1, 2, S1 of the satellite study, from small hand-made files.

No training: predictions.csv files are written by hand, metrics.json by the study's own
evaluator (:func:`eqprecursors.evaluation.multiclass.evaluate_predictions`); Figure 2 builds
(never fits) SeqNetQuake. Checked: both PNG and PDF are written, tables hold the numbers of
their inputs, the half-orbits of Figure 1 cover every class, and the plan asks each figure
for the runs the dataset matrix implies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from eqprecursors.core.reports import write_json
from eqprecursors.evaluation import satellite_report
from eqprecursors.evaluation.multiclass import evaluate_predictions
from eqprecursors.plots import satellite, satellite_results
from eqprecursors.satellite import figure_data
from eqprecursors.satellite import plan as sp

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KIND = "synthetic (precursor injected)"
SPLIT = "chronological split: first 80 % of the time trains, the last 20 % tests, 24 h guard"

DATASETS = {
    "01": {"satellite": "CSES", "time_of_day": "night", "sequence_length": 10, "spatial_window": 3},
    "02": {"satellite": "CSES", "time_of_day": "day", "sequence_length": 10, "spatial_window": 3},
    "03": {"satellite": "CSES", "time_of_day": "night", "sequence_length": 20, "spatial_window": 3},
    "07": {"satellite": "CSES", "time_of_day": "night", "sequence_length": 10,
           "spatial_window": "dobrovolsky"},
    "08": {"satellite": "CSES", "time_of_day": "night", "sequence_length": 10, "spatial_window": 5},
    "09": {"satellite": "CSES", "time_of_day": "day", "sequence_length": 20, "spatial_window": 5},
    "11": {"satellite": "DEMETER", "time_of_day": "night", "sequence_length": 10,
           "spatial_window": 3},
}  # fmt: skip


def make_config(datasets=DATASETS, transfer=("11", "01"), models=None, injected=True):
    study = {
        "datasets": datasets,
        "models": models or ["seqnetquake", "gbm", "rf", "dnn", "cnn", "lstm"],
        "split": {"train_fraction": 0.8, "guard_hours": 24},
    }
    if transfer:
        study["transfer"] = {"source": transfer[0], "target": transfer[1]}
    return {
        "satellite_study": study,
        "satellites": {"CSES": {"source": "synthetic"}, "DEMETER": {"source": "local"}},
        "synthetic": {"injection": {"satellite": {"enabled": injected}}},
    }


def assert_figure(paths):
    png, pdf = paths
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5_000
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1_000


# --------------------------------------------------------------------------------------
# planning
# --------------------------------------------------------------------------------------
def test_plan_paths_agree_with_the_shared_ones():
    from eqprecursors.ground import plan as gp

    assert sp.DECODED_NC == gp.DECODED_SATELLITE_NC
    assert sp.DATASET_DIR == gp.SATELLITE_DATASET_DIR
    assert sp.TUNING_DIR == gp.SATELLITE_TUNING_DIR
    assert sp.MODEL_DIR == gp.SATELLITE_MODEL_DIR
    assert sp.TRANSFER_DIR == gp.SATELLITE_TRANSFER_DIR
    assert (
        sp.model_path("01", "rf", "metrics.json") == "results/satellite/models/01/rf/metrics.json"
    )
    assert (
        sp.transfer_path("TL", "predictions.csv") == "results/satellite/transfer/TL/predictions.csv"
    )
    assert sp.figure_file("fig1_example", "png") == "results/figures/satellite/fig1_example.png"
    assert sp.table_file("tableS1_datasets", "md") == "results/tables/satellite/tableS1_datasets.md"


def test_plan_compares_one_factor_at_a_time():
    config = make_config()
    assert sp.reference_dataset(config) == "01"
    assert sp.comparison_datasets(config, "time_of_day") == ["01", "02"]  # not 09 (T, window)
    assert sp.comparison_datasets(config, "sequence_length") == ["01", "03"]
    assert sp.comparison_datasets(config, "spatial_window") == [
        "01",
        "08",
        "07",
    ]  # dobrovolsky last
    runs = sp.figure_runs(config, "fig5_spatial_window")
    assert [r["label"] for r in runs] == ["3 deg (01)", "5 deg (08)", "Dobrovolsky (07)"]
    assert runs[2]["metrics_json"] == "results/satellite/models/07/seqnetquake/metrics.json"
    assert [r["test_part"] for r in runs] == ["TS1", "test part of 08", "test part of 07"]

    transfer = sp.figure_runs(config, "fig6_transfer")
    assert [r["mode"] for r in transfer] == ["IT", "TL", "DT"]
    assert sp.run_files(transfer)[:2] == [
        "results/satellite/transfer/IT/predictions.csv",
        "results/satellite/transfer/IT/metrics.json",
    ]
    fig8 = sp.figure_runs(config, "fig8_classifiers")
    assert [r["label"] for r in fig8] == ["SeqNetQuake-TL", "GBM", "RF", "DNN", "CNN", "LSTM"]
    assert {r["dataset"] for r in fig8} == {"01"}
    table2 = sp.classifier_runs(config, with_main=True)
    assert [r["label"] for r in table2][:2] == ["SeqNetQuake-TL", "SeqNetQuake-DT"]
    table1 = sp.performance_runs(config)
    assert [r["key"] for r in table1][-3:] == ["11/seqnetquake", "transfer/IT", "transfer/TL"]
    assert len(table1) == len(DATASETS) + 2
    assert sp.test_part(config, "11") == "TS0"
    assert sp.architecture_best_json(config) == "results/satellite/tuning/11/seqnetquake/best.json"
    assert sp.figure_runs(config, "fig7s_ternary_dt")[0]["key"] == "transfer/DT"
    assert sp.data_kind(config, ["CSES"]) == KIND
    assert sp.data_kind(config, ["CSES", "DEMETER"]) == (
        "CSES synthetic (precursor injected); DEMETER real (local files)"
    )
    assert sp.example_inputs(config) == {
        "decoded_nc": "results/decoded/satellite/CSES.nc",
        "sequences_csv": "results/satellite/datasets/01/sequences.csv",
    }
    assert sp.matrix_inputs(config)["split_csvs"][-1] == "results/satellite/datasets/11/split.csv"
    assert sp.architecture_kwargs(config)["sequence_length"] == 10
    kwargs = sp.comparison_kwargs(config, "fig8_classifiers")
    assert kwargs["roc"] is False and kwargs["title"].startswith("Figure 8")
    assert sp.table_kwargs(config, "table1_performance")["matrix"][0]["dataset"] == "01"
    targets = sp.targets(config)
    assert len(targets) == 2 * len(sp.FIGURES) + 2 * len(sp.TABLES)
    assert all(
        t.startswith(("results/figures/satellite/", "results/tables/satellite/")) for t in targets
    )


def test_plan_of_a_small_matrix_draws_what_there_is():
    """Only dataset 01, no transfer, one baseline: single-member comparisons say so."""
    config = make_config({"01": DATASETS["01"]}, transfer=None, models=["seqnetquake", "rf"])
    for figure in ("fig3_time_of_day", "fig4_sequence_length", "fig5_spatial_window"):
        assert [r["dataset"] for r in sp.figure_runs(config, figure)] == ["01"]
        assert "nothing to compare" in sp.comparison_note(config, figure)
    assert [r["label"] for r in sp.figure_runs(config, "fig8_classifiers")] == ["SeqNetQuake", "RF"]
    assert set(sp.figures(config)) == set(sp.FIGURES) - set(sp.NEEDS_TRANSFER)
    assert sp.transfer_runs(config) == []
    assert sp.architecture_dataset(config) == "01"
    assert sp.comparison_note(config, "fig8_classifiers") == "SeqNetQuake against RF"
    assert sp.comparison_note(config, "fig3_time_of_day") == (
        "only night (01) in satellite_study.datasets, nothing to compare"
    )
    with pytest.raises(ValueError, match="satellite_study.transfer"):
        sp.transfer_run(config, "TL")
    bad = make_config({"01": DATASETS["01"]}, transfer=("11", "01"))
    with pytest.raises(ValueError, match="transfer.source = '11'"):
        sp.reference_dataset(bad)
    assert sp.targets({"satellites": {}}) == []


# --------------------------------------------------------------------------------------
# hand-made inputs
# --------------------------------------------------------------------------------------
ORBIT_LABELS = {  # half-orbit -> the labels of its sequences (None: unlabelled window)
    100: [None, 0, 0, 1, 1, 1, None, None],
    101: [2, 2, None, 2, None, None, None, None],
    110: [0, 0, 0, 0, 0, None, None, None],
    111: [None, 1, None, None, None, None, None, None],
}
T = 10
CADENCE = 1.5


def write_dataset(root):
    """Decoded series of 4 half-orbits (80 samples each, 1.5 s), sequences.csv of the
    labelled windows, report.json and split.csv. Returns (nc, dataset_dir)."""
    times, lats, orbits, rows = [], [], [], []
    t0 = pd.Timestamp("2019-09-01T00:00:00")
    index = 0
    for k, (orbit, labels) in enumerate(ORBIT_LABELS.items()):
        start = t0 + pd.Timedelta(hours=k)
        t = start + pd.to_timedelta(CADENCE * np.arange(8 * T), unit="s")
        lat = np.linspace(-60, 60, 8 * T) * (1 if orbit % 2 == 0 else -1)
        times.append(t.to_numpy())
        lats.append(lat)
        orbits.append(np.full(8 * T, orbit))
        for w, label in enumerate(labels):
            if label is None:
                continue
            a, b = w * T, w * T + T - 1
            rows.append(
                {
                    "index": index, "satellite": "CSES",
                    "start": f"{pd.Timestamp(t[a]).isoformat()}Z",
                    "end": f"{pd.Timestamp(t[b]).isoformat()}Z",
                    "latitude": lat[a:b + 1].mean(), "longitude": 10.0, "local_time": 2.0,
                    "orbit": orbit, "label": label,
                    "event_id": f"ev{orbit}" if label != 2 else "",
                    "magnitude": 5.5 if label == 1 else np.nan, "distance_deg": 1.0,
                    "max_kp": 4.3 if label == 2 else 1.0,
                }
            )  # fmt: skip
            index += 1
    t = np.concatenate(times)
    lat = np.concatenate(lats)
    n = t.size
    rng = np.random.default_rng(0)
    ne = 1e5 * (1 + 0.5 * np.cos(np.radians(lat))) * np.exp(rng.normal(0, 0.05, n))
    te = 2000 + 400 * np.sin(np.radians(lat)) + rng.normal(0, 20, n)
    ds = xr.Dataset(
        {
            "latitude": ("time", lat), "longitude": ("time", np.full(n, 10.0)),
            "altitude": ("time", np.full(n, 507.0)), "ne": ("time", ne), "te": ("time", te),
            "local_time": ("time", np.full(n, 2.0)), "orbit": ("time", np.concatenate(orbits)),
        },
        coords={"time": t},
        attrs={"satellite": "CSES", "mission": "cses", "source": "synthetic", "cadence_s": 1.5},
    )  # fmt: skip
    nc = root / "CSES.nc"
    ds.to_netcdf(nc)
    d = root / "01"
    d.mkdir()
    table = pd.DataFrame(rows)
    table.to_csv(d / "sequences.csv", index=False)
    counts = table["label"].value_counts()
    write_json(
        {
            "counts": {str(c): int(counts.get(c, 0)) for c in range(3)},
            "sequences_dropped": {"dropped_gap": 7, "dropped_nan": 3},
        },
        d / "report.json",
    )
    split = np.where(np.arange(len(table)) < 9, "train", "test").astype(object)
    split[9] = "dropped"
    pd.DataFrame({"index": table["index"], "split": split}).to_csv(d / "split.csv", index=False)
    return nc, d


def write_run(d, *, n=90, skill=0.6, seed=0, classes=(0, 1, 2)):
    """predictions.csv of ``n`` test sequences (probabilities leaning to the true class
    with weight ``skill``) and its metrics.json; returns the run dict."""
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    y = np.asarray(classes)[np.arange(n) % len(classes)]
    p = rng.dirichlet([1, 1, 1], n) * (1 - skill)
    p[np.arange(n), y] += skill * rng.uniform(0.3, 1.0, n)
    p /= p.sum(axis=1, keepdims=True)
    pd.DataFrame(
        {"index": np.arange(n), "y_true": y, "p0": p[:, 0], "p1": p[:, 1], "p2": p[:, 2],
         "y_pred": p.argmax(axis=1)}
    ).to_csv(d / "predictions.csv", index=False)  # fmt: skip
    evaluate_predictions(
        d / "predictions.csv", d / "metrics.json", n_bootstrap=40, n_permutations=40, seed=0
    )
    return {"predictions_csv": d / "predictions.csv", "metrics_json": d / "metrics.json"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("sat"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The runs of the plan's Figures 6 and 8 / Table 2 and Table 1, on fake files."""
    root = tmp_path_factory.mktemp("runs")
    config = make_config()
    out = {}
    wanted = sp.performance_runs(config) + sp.transfer_runs(config)
    wanted += sp.classifier_runs(config, with_main=True)
    for k, r in enumerate(wanted):
        if r["key"] in out:
            continue
        classes = (0, 1) if r["key"] == "02/seqnetquake" else (0, 1, 2)  # no storm in 02
        skill = 0.2 if r["mode"] == "IT" else 0.4 + 0.05 * (k % 5)
        out[r["key"]] = write_run(root / r["key"], skill=skill, seed=k, classes=classes)
    return out


def with_files(plan_runs, files):
    """The plan's run dicts with the fake files in place of the workflow's paths."""
    return [{**r, **files[r["key"]]} for r in plan_runs]


# --------------------------------------------------------------------------------------
# Figure 1, Figure 2, Table S1
# --------------------------------------------------------------------------------------
def test_pick_passes_covers_every_class_with_the_fewest_half_orbits(dataset):
    table = figure_data.read_sequences(dataset[1] / "sequences.csv")
    assert figure_data.pick_passes(table) == [100, 101]  # 100 has 0 and 1, 101 adds 2
    only_0_1 = table[table["label"] < 2]
    assert figure_data.pick_passes(only_0_1) == [100]


def test_figure_1_example(tmp_path, dataset):
    nc, d = dataset
    example = figure_data.along_track_example(nc, d / "sequences.csv")
    assert [p["orbit"] for p in example["passes"]] == [100, 101]
    seqs = example["passes"][0]["sequences"]
    assert list(seqs["label"]) == [0, 0, 1, 1, 1]
    # half-orbit 100 runs from -60 to 60 deg over 80 samples: window 1 spans samples 10-19
    np.testing.assert_allclose(
        seqs[["lat_start", "lat_end"]].iloc[0], [-60 + 10 * 120 / 79, -60 + 19 * 120 / 79]
    )
    assert example["classes"] == {0: 7, 1: 4, 2: 3}
    paths = satellite.figure_example(
        nc, d / "sequences.csv", tmp_path / "f1.png", tmp_path / "f1.pdf",
        dataset="01", row=DATASETS["01"], data_kind=KIND,
    )  # fmt: skip
    assert_figure(paths)


def test_figure_2_architecture_from_the_built_model(tmp_path):
    params = {
        "num_cnn_layers": 2, "num_filters_cnn": 3, "size_kernel_cnn": 2, "activation_cnn": "relu",
        "num_lstm_layers": 2, "units_lstm_layers": 64, "num_fc_layers": 3, "units_fc_layers": 64,
        "activation_fc": "relu", "dropout": 0.25, "batch_size": 20, "nb_epochs": 10,
        "scale": 1, "normalize": 0,
    }  # fmt: skip
    best = tmp_path / "best.json"
    write_json({"model": "seqnetquake", "params": params, "value": 0.61, "n_trials": 3,
                "n_steps": 2}, best)  # fmt: skip
    table, total, info = figure_data.architecture_rows(best, sequence_length=20)
    p = table.set_index("layer")["params"]
    # Conv1D 2 in, 3 out, k 2: 2*2*3+3; BiLSTM 64 on 4*3 features: 2*4*(64*(12+64)+64)
    assert (p["conv1"], p["conv2"], p["bilstm1"], p["bilstm2"]) == (15, 21, 39_424, 98_816)
    assert (p["fc1"], p["fc2"], p["output"]) == (8_256, 4_160, 195)
    assert total == 150_887 == p.sum()
    details = table.set_index("layer")["details"]
    assert details["sub_sequences"] == "2 sub-sequences of 10 samples"
    assert details["bilstm1"] == "64 units per direction, returns sequences"
    assert info["n_steps"] == 2
    assert_figure(
        satellite.figure_architecture(
            best,
            tmp_path / "f2.png",
            tmp_path / "f2.pdf",
            dataset="11",
            sequence_length=20,
            data_kind="real (local files)",
        )  # fmt: skip
    )


def test_table_s1_counts_equal_the_inputs(tmp_path, dataset):
    _, d = dataset
    config = make_config({"01": DATASETS["01"]}, transfer=None)
    table = figure_data.write_table_datasets(
        sp.matrix_rows(config), [d / "sequences.csv"], [d / "report.json"], [d / "split.csv"],
        tmp_path / "s1.csv", tmp_path / "s1.md", data_kind=KIND, split_note=SPLIT,
    )  # fmt: skip
    row = pd.read_csv(tmp_path / "s1.csv").iloc[0]
    # sequences in index order: 100 -> 0 0 1 1 1, 101 -> 2 2 2, 110 -> 0 x5, 111 -> 1
    assert (row["n_0"], row["n_1"], row["n_2"], row["n"]) == (7, 4, 3, 14)
    assert (row["train"], row["test"], row["dropped_split"]) == (9, 4, 1)
    assert (row["train_0"], row["train_1"], row["train_2"]) == (3, 3, 3)  # first 9 rows
    assert (row["test_0"], row["test_1"], row["test_2"]) == (3, 1, 0)  # rows 10-13
    assert (row["dropped_gap"], row["dropped_nan"]) == (7, 3)
    assert row["spatial_window"] == "3 deg" and table["test_part"].iloc[0] == "test part of 01"
    md = (tmp_path / "s1.md").read_text()
    assert "| 7 / 4 / 3 | 3 / 3 / 3 | 3 / 1 / 0 |" in md and KIND in md
    bad = tmp_path / "bad.json"
    write_json({"counts": {"0": 6, "1": 4, "2": 3}, "sequences_dropped": {}}, bad)
    with pytest.raises(ValueError, match="disagree"):
        figure_data.dataset_matrix(
            sp.matrix_rows(config), [d / "sequences.csv"], [bad], [d / "split.csv"]
        )


# --------------------------------------------------------------------------------------
# Figures 3-8, Tables 1-2
# --------------------------------------------------------------------------------------
def test_load_run_reads_metrics_and_baselines(runs):
    (r,) = with_files([sp.transfer_run(make_config(), "TL")], runs)
    loaded = satellite_report.load_run(r)
    m = pd.read_json(r["metrics_json"], typ="series")
    assert loaded["metrics"]["mcc"]["value"] == pytest.approx(m["mcc"])
    assert loaded["majority"]["accuracy"] == pytest.approx(1 / 3)  # 30 of each class
    assert loaded["roc"][1]["fpr"][0] == 0 and loaded["roc"][1]["tpr"][-1] == 1
    assert loaded["label"] == "SeqNetQuake-TL" and loaded["test_part"] == "TS1"


@pytest.mark.parametrize("figure", sorted(sp.COMPARISON_FIGURES))
def test_comparison_figures(tmp_path, runs, figure):
    config = make_config()
    have = with_files(sp.figure_runs(config, figure), runs)
    paths = satellite_results.figure_comparison(
        have, tmp_path / f"{figure}.png", tmp_path / f"{figure}.pdf",
        roc=figure != "fig8_classifiers", title=sp.TITLES[figure],
        note=sp.comparison_note(config, figure), data_kind=KIND, split_note=SPLIT,
    )  # fmt: skip
    assert_figure(paths)


def test_single_member_comparison_and_absent_class(tmp_path, runs):
    """One dataset only (and class 2 absent from its test part) is drawn, not refused."""
    config = make_config({"02": DATASETS["02"]}, transfer=None)
    have = with_files(sp.figure_runs(config, "fig3_time_of_day"), runs)
    assert_figure(
        satellite_results.figure_comparison(
            have, tmp_path / "a.png", tmp_path / "a.pdf",
            title="Figure 3: night vs day", note=sp.comparison_note(config, "fig3_time_of_day"),
            data_kind=KIND, split_note=SPLIT,
        )
    )  # fmt: skip
    with pytest.raises(ValueError, match="no runs"):
        satellite_results.figure_comparison(
            [], tmp_path / "b.png", tmp_path / "b.pdf", title="", note="", data_kind="",
            split_note="",
        )  # fmt: skip


@pytest.mark.parametrize("figure", sorted(sp.TERNARY_FIGURES))
def test_ternary_figures(tmp_path, runs, figure):
    (run,) = with_files(sp.figure_runs(make_config(), figure), runs)
    data = satellite_report.ternary_data(run)
    cm = data["confusion"]
    assert cm.sum() == 90 and cm.sum(axis=1).tolist() == [30, 30, 30]
    np.testing.assert_allclose(data["row_percent"].sum(axis=1), 100)
    np.testing.assert_allclose(np.nansum(data["column_percent"], axis=0)[cm.sum(axis=0) > 0], 100)
    assert_figure(
        satellite_results.figure_ternary(
            [run], tmp_path / "f7.png", tmp_path / "f7.pdf", title=sp.TITLES[figure],
            data_kind=KIND, split_note=SPLIT,
        )
    )  # fmt: skip


def test_tables_1_and_2(tmp_path, runs):
    config = make_config()
    t1_runs = with_files(sp.performance_runs(config), runs)
    t1 = satellite_report.write_table_performance(
        t1_runs, tmp_path / "t1.csv", tmp_path / "t1.md", matrix=sp.matrix_rows(config),
        data_kind=KIND, split_note=SPLIT,
    )  # fmt: skip
    csv = pd.read_csv(tmp_path / "t1.csv", dtype={"dataset": str})
    assert list(csv["dataset"]) == [*sorted(DATASETS), "01", "01"]
    assert list(csv["mode"])[-2:] == ["IT", "TL"]
    tl = pd.read_json(runs["transfer/TL"]["metrics_json"], typ="series")
    assert csv["mcc"].iloc[-1] == pytest.approx(tl["mcc"])
    assert csv["n_test"].iloc[-1] == 90 and t1["test_part"].iloc[-1] == "TS1"
    assert csv.loc[csv["dataset"] == "11", "test_part"].item() == "TS0"
    md = (tmp_path / "t1.md").read_text()
    assert f"{tl['mcc']:.3f} [" in md and "Dobrovolsky" in md

    t2_runs = with_files(sp.classifier_runs(config, with_main=True), runs)
    satellite_report.write_table_classifiers(
        t2_runs, tmp_path / "t2.csv", tmp_path / "t2.md", data_kind=KIND, split_note=SPLIT
    )
    t2 = pd.read_csv(tmp_path / "t2.csv")
    assert list(t2["model"]) == [
        "SeqNetQuake-TL",
        "SeqNetQuake-DT",
        "GBM",
        "RF",
        "DNN",
        "CNN",
        "LSTM",
    ]
    assert t2["majority_accuracy"].tolist() == pytest.approx([1 / 3] * 7)
    assert "Table 2: every classifier on TS1" in (tmp_path / "t2.md").read_text()
