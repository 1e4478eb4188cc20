"""tests/workflow_checks.py on a small hand-made run: the untampered run passes, and every
tampered value makes the check that owns it fail, naming the file."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workflow_checks as wc

OBS = "ABC"
SITE = {"latitude": 40.5, "longitude": 29.72}
T0 = pd.Timestamp("2022-11-20T00:00:00Z")
N_MINUTES = 20
MISSING_MINUTE = 7  # H = 99999 there: a one-sample gap the "decoder" filled
EVENTS = pd.DataFrame(  # raw USGS csv: one event passes the cuts, three fail one each
    {
        "time": [
            "2022-11-20T12:00:30.250Z",  # selected
            "2022-11-20T15:00:00.000Z",  # ~600 km away
            "2022-11-19T05:00:00.000Z",  # 50 km deep (an exclusion event only)
            "2022-11-22T10:00:00.000Z",  # M 3 (an exclusion event only)
        ],
        "latitude": [40.8, 45.0, 40.6, 40.6],
        "longitude": [31.2, 35.0, 30.0, 29.9],
        "depth": [10.0, 10.0, 50.0, 5.0],
        "mag": [6.1, 5.0, 5.0, 3.0],
        "magType": ["mww", "mb", "mb", "ml"],
        "id": ["us1", "us2", "us3", "us4"],
    }
)
CONFIG = {
    "observatories": {
        OBS: {
            **SITE,
            "start": "2022-11-15",
            "end": "2022-11-23",
            "source": "local",
            "path": "raw/abc20221120vmin.min",
            "selection": {"min_magnitude": 4.0, "max_distance_km": 200.0, "max_depth_km": 30.0},
        }
    },
    "catalog": {"source": "local", "path": "raw/catalog.csv", "format": "usgs_csv"},
    "ground_cnn": {
        "observatories": [OBS],
        "labelling": {"lead_time_minutes": 0, "exclusion_hours": 2},
        "split": {"method": "chronological", "train_fraction": 0.5, "embargo_hours": 1},
    },
}
# quiet 19th 00-01 h (4 h before us3), earthquake 11-12 h before us1, quiet 21st 20-21 h
LABELS = pd.DataFrame(
    {
        "index": [0, 1, 2],
        "observatory": OBS,
        "start": ["2022-11-19T00:00:00Z", "2022-11-20T11:01:00Z", "2022-11-21T20:00:00Z"],
        "end": ["2022-11-19T01:00:00Z", "2022-11-20T12:01:00Z", "2022-11-21T21:00:00Z"],
        "label": [0, 1, 0],
        "event_id": ["", "us1", ""],
    }
)
DATASET = f"results/ground/datasets/{OBS}/hour_filtered"
SPLIT = f"results/ground/splits/{OBS}/hour_filtered"
GROUND_RUN = f"results/ground/runs/{OBS}/hour_filtered/adam_100"
SAT_RUN = "results/satellite/models/01/gbm"


def iaga_line(t: pd.Timestamp, values) -> str:
    fields = "".join(f"{v:10.2f}" for v in values)
    return f"{t:%Y-%m-%d %H:%M:%S}.000 {t.day_of_year:03d}   {fields}"


def raw_and_decoded() -> tuple[str, np.ndarray, np.ndarray]:
    """IAGA-2002 text of HDZF minutes, and what decoding makes of it (X, Y, Z; gap mask)."""
    minutes = np.arange(N_MINUTES)
    h = 20000.0 + 0.25 * minutes
    d = 300.0 + 0.5 * minutes  # minutes of arc: D ~ 5 degrees
    z = 40000.0 - minutes
    header = [
        " Format                 IAGA-2002                                    |",
        " IAGA CODE              ABC                                          |",
        " Reported               HDZF                                         |",
        "DATE       TIME         DOY     ABCH      ABCD      ABCZ      ABCF   |",
    ]
    rows = []
    for i in minutes:
        hi = 99999.0 if i == MISSING_MINUTE else h[i]
        rows.append(iaga_line(T0 + pd.Timedelta(minutes=int(i)), [hi, d[i], z[i], 88888.0]))
    rad = np.deg2rad(d / 60)
    xyz = np.stack([h * np.cos(rad), h * np.sin(rad), z], axis=1)
    xyz[MISSING_MINUTE, :2] = (xyz[MISSING_MINUTE - 1, :2] + xyz[MISSING_MINUTE + 1, :2]) / 2
    return "\n".join(header + rows) + "\n", xyz, np.zeros(N_MINUTES, dtype=np.int8)


def write_decoded(workdir: Path, xyz: np.ndarray, gap: np.ndarray) -> None:
    time = pd.date_range(T0.tz_localize(None), periods=N_MINUTES, freq="min")
    data = {c: ("time", xyz[:, k]) for k, c in enumerate("XYZ")}
    ds = xr.Dataset({**data, "gap_mask": ("time", gap)}, coords={"time": time})
    path = workdir / f"results/decoded/ground/{OBS}.nc"
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.to_netcdf(path)


def write_csv(workdir: Path, rel: str, frame: pd.DataFrame) -> None:
    path = workdir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def write_json(workdir: Path, rel: str, obj: dict) -> None:
    path = workdir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def edit_csv(workdir: Path, rel: str, fn) -> None:
    frame = pd.read_csv(workdir / rel, dtype=str, keep_default_na=False)
    write_csv(workdir, rel, fn(frame))


def edit_json(workdir: Path, rel: str, fn) -> None:
    obj = json.loads((workdir / rel).read_text())
    fn(obj)
    write_json(workdir, rel, obj)


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """A finished run of one observatory, every value consistent."""
    text, xyz, gap = raw_and_decoded()
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw/abc20221120vmin.min").write_text(text)
    write_decoded(tmp_path, xyz, gap)
    write_csv(tmp_path, "raw/catalog.csv", EVENTS)
    selected = pd.DataFrame(
        {
            "time": ["2022-11-20T12:00:30Z"],
            "latitude": [40.8],
            "longitude": [31.2],
            "depth_km": [10.0],
            "magnitude": [6.1],
            "mag_type": ["mww"],
            "event_id": ["us1"],
            "distance_km": [129.532],  # geodesic WGS84, 6 significant digits like the CSV
        }
    )
    write_csv(tmp_path, f"results/catalog/ground/{OBS}.csv", selected)
    exclusion = EVENTS.loc[[0, 2, 3], ["time", "id"]].rename(columns={"id": "event_id"})
    write_csv(tmp_path, f"results/catalog/ground/exclusion/{OBS}.csv", exclusion)
    write_csv(tmp_path, f"{DATASET}/labels.csv", LABELS)
    report = {
        "counts_per_label": {"0": 2, "1": 1},
        "n_windows": 3,
        "earthquake_windows": 1,
        "quiet_windows": 2,
        "window_samples": 60,
        "cadence_s": 60,
    }
    write_json(tmp_path, f"{DATASET}/report.json", report)
    split = pd.DataFrame({"index": [0, 1, 2], "split": ["train", "train", "val"]})
    write_csv(tmp_path, f"{SPLIT}.csv", split.assign(method="chronological"))
    write_json(tmp_path, f"{SPLIT}.json", {"n_train": 2, "n_val": 1, "n_total": 3})
    # binary: TP 2, TN 2, FP 1, FN 1 -> accuracy 4/6, F1 2/3, MCC 1/3; AUC 8/9 by hand
    p = [0.2, 0.7, 0.6, 0.4, 0.9, 0.1]
    ground = pd.DataFrame(
        {
            "index": range(6),
            "part": "val",
            "y_true": [0, 1, 0, 1, 1, 0],
            "p_earthquake": p,
            "y_pred": [int(v > 0.5) for v in p],
        }
    )
    write_csv(tmp_path, f"{GROUND_RUN}/predictions.csv", ground)
    metrics = {"accuracy": 4 / 6, "f1": 2 / 3, "mcc": 1 / 3, "roc_auc": 8 / 9}
    write_json(tmp_path, f"{GROUND_RUN}/metrics.json", metrics)
    proba = np.array(
        [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.1, 0.3, 0.6]]
        + [[0.2, 0.2, 0.6]]
    )
    sat = pd.DataFrame({"index": range(6), "y_true": [0, 1, 2, 0, 1, 2]})
    sat[["p0", "p1", "p2"]] = proba
    sat["y_pred"] = proba.argmax(axis=1)
    write_csv(tmp_path, f"{SAT_RUN}/predictions.csv", sat)
    # by hand: confusion [[2,0,0],[0,1,1],[0,0,2]]; per-class F1 1, 2/3, 4/5
    cm = np.array([[2, 0, 0], [0, 1, 1], [0, 0, 2]], dtype=float)
    n, t, q = cm.sum(), cm.sum(axis=1), cm.sum(axis=0)
    mcc = (np.trace(cm) * n - (t * q).sum()) / math.sqrt(
        (n**2 - (q**2).sum()) * (n**2 - (t**2).sum())
    )
    # AUCs by hand: class 0 separates; classes 1 and 2 tie once in eight pairs
    auc = {"0": 1.0, "1": 7.5 / 8, "2": 7.5 / 8}
    sat_metrics = {
        "accuracy": 5 / 6,
        "weighted_f1": (2 + 2 * 2 / 3 + 2 * 0.8) / 6,
        "mcc": mcc,
        "auc": auc,
        "auc_macro": float(np.mean(list(auc.values()))),
    }
    write_json(tmp_path, f"{SAT_RUN}/metrics.json", sat_metrics)
    return tmp_path


def test_untampered_run_passes(run: Path) -> None:
    counts = wc.check_values(run, CONFIG)
    assert counts == {
        "decoded samples": N_MINUTES - 1,  # every complete sample; the filled one skipped
        "selected events": 1,
        "labelled windows": 3,
        "splits": 1,
        "metrics files": 2,
    }


def _decoded_value(workdir: Path) -> None:
    _, xyz, gap = raw_and_decoded()
    xyz[12, 1] += 0.01
    write_decoded(workdir, xyz, gap)


def _decoded_gap(workdir: Path) -> None:
    _, xyz, gap = raw_and_decoded()
    gap[3] = 1
    write_decoded(workdir, xyz, gap)


def _decoded_unrotated(workdir: Path) -> None:
    """Y = D (the raw element) instead of H sin D."""
    text, xyz, gap = raw_and_decoded()
    xyz[:, 1] = 300.0 + 0.5 * np.arange(N_MINUTES)
    write_decoded(workdir, xyz, gap)


def _selected(fn):
    return lambda w: edit_csv(w, f"results/catalog/ground/{OBS}.csv", fn)


def _add_far_event(frame: pd.DataFrame) -> pd.DataFrame:
    far = frame.iloc[[0]].assign(
        event_id="us2", latitude="45.0", longitude="35.0", distance_km="150"
    )
    return pd.concat([frame, far])


def _raw_event(fn):
    return lambda w: edit_csv(w, "raw/catalog.csv", fn)


def _labels(fn):
    return lambda w: edit_csv(w, f"{DATASET}/labels.csv", fn)


def _set(frame: pd.DataFrame, row: int, **values) -> pd.DataFrame:
    for col, v in values.items():
        frame.loc[row, col] = v
    return frame


def _report(fn):
    return lambda w: edit_json(w, f"{DATASET}/report.json", fn)


def _all_dataset(workdir: Path) -> None:
    """An ALL dataset that lost a quiet window (its own report agrees with it)."""
    all_dir = "results/ground/datasets/ALL/hour_filtered"
    write_csv(workdir, f"{all_dir}/labels.csv", LABELS.iloc[:2])
    write_json(workdir, f"{all_dir}/report.json", {"counts_per_label": {"0": 1, "1": 1}})


def _split(fn):
    return lambda w: edit_csv(w, f"{SPLIT}.csv", fn)


def _metric(rel: str, fn):
    return lambda w: edit_json(w, rel, fn)


def _flip_prediction(workdir: Path) -> None:
    rel = f"{SAT_RUN}/predictions.csv"
    edit_csv(workdir, rel, lambda f: _set(f, 4, y_pred="1", p1="0.65", p2="0.25"))


TAMPERED = {
    "decoded value off 0.01 nT": (wc.check_decoded, _decoded_value, f"{OBS}.nc"),
    "decoded complete sample flagged a gap": (wc.check_decoded, _decoded_gap, "gap_mask"),
    "decoded HDZ not rotated": (wc.check_decoded, _decoded_unrotated, f"{OBS}.nc"),
    "selected distance_km wrong": (
        wc.check_events,
        _selected(lambda f: _set(f, 0, distance_km="120.5")),
        "distance_km 120.5",
    ),
    "selected event beyond the radius": (wc.check_events, _selected(_add_far_event), "us2"),
    "event within the cuts lost": (
        wc.check_events,
        _raw_event(lambda f: _set(f, 1, longitude="30.5", latitude="40.9")),
        "not selected: ['us2']",
    ),
    "selected event too deep": (
        wc.check_events,
        _raw_event(lambda f: pd.concat([f, f.iloc[[0]].assign(depth="31")]).iloc[1:]),
        "depth 31",
    ),
    "report counts differ": (
        wc.check_labels,
        _report(lambda r: r["counts_per_label"].update({"0": 3})),
        "counts_per_label",
    ),
    "earthquake window an hour early": (
        wc.check_labels,
        _labels(lambda f: _set(f, 1, start="2022-11-20T10:01:00Z", end="2022-11-20T11:01:00Z")),
        "earthquake window ends",
    ),
    "earthquake window of another event": (
        wc.check_labels,
        _labels(lambda f: _set(f, 1, event_id="us3")),
        "us3 is not a selected event",
    ),
    "window of the wrong length": (
        wc.check_labels,
        _labels(lambda f: _set(f, 0, start="2022-11-19T02:00:00Z", end="2022-11-19T03:30:00Z")),
        "window of 90 min",
    ),
    "quiet window within exclusion_hours": (
        wc.check_labels,
        _labels(lambda f: _set(f, 0, start="2022-11-19T02:30:00Z", end="2022-11-19T03:30:00Z")),
        "within exclusion_hours 2",
    ),
    "ALL counts differ from the observatories'": (
        wc.check_labels,
        _all_dataset,
        "class counts [1, 1], the observatories' [2, 1]",
    ),
    "index in train and val": (
        wc.check_splits,
        _split(lambda f: pd.concat([f, f.iloc[[0]].assign(split="val")])),
        "both train and val: [0]",
    ),
    "window left out of the split": (
        wc.check_splits,
        _split(lambda f: f.iloc[:2]),
        "missing [2]",
    ),
    "val window before a train window": (
        wc.check_splits,
        _split(lambda f: _set(f, 0, split="val").pipe(_set, 2, split="train")),
        "embargo_hours 1",
    ),
    "val window inside the embargo": (
        wc.check_splits,
        _labels(lambda f: _set(f, 2, start="2022-11-20T12:30:00Z", end="2022-11-20T13:30:00Z")),
        "less than embargo_hours",
    ),
    "ground accuracy off 1e-6": (
        wc.check_metrics,
        _metric(f"{GROUND_RUN}/metrics.json", lambda m: m.update(accuracy=4 / 6 + 1e-6)),
        "accuracy",
    ),
    "ground AUC wrong": (
        wc.check_metrics,
        _metric(f"{GROUND_RUN}/metrics.json", lambda m: m.update(roc_auc=7 / 9)),
        "roc_auc",
    ),
    "satellite MCC missing": (
        wc.check_metrics,
        _metric(f"{SAT_RUN}/metrics.json", lambda m: m.pop("mcc")),
        "no 'mcc'",
    ),
    "satellite prediction flipped": (wc.check_metrics, _flip_prediction, "metrics.json"),
}


@pytest.mark.parametrize("name", TAMPERED)
def test_tampered_value_fails(run: Path, name: str) -> None:
    check, tamper, message = TAMPERED[name]
    args = (run,) if check is wc.check_metrics else (run, CONFIG)
    check(*args)  # the untampered fixture passes this very check
    tamper(run)
    with pytest.raises(wc.CheckFailed) as info:
        check(*args)
    assert message in str(info.value), str(info.value)
    assert str(run) in str(info.value)  # names the file


def test_a_check_that_saw_nothing_fails(run: Path) -> None:
    for path in (run / "results").rglob("predictions.csv"):
        path.unlink()
    with pytest.raises(wc.CheckFailed, match="nothing was checked for \\['metrics files'\\]"):
        wc.check_values(run, CONFIG)
