"""Splits: the chronological split never lets a training window touch validation time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eqprecursors.core import splits


def _labels(starts_min, n_min=60, obs=None, labels=None):
    t0 = pd.Timestamp("2020-01-01", tz="UTC")
    s = t0 + pd.to_timedelta(np.asarray(starts_min), unit="min")
    e = s + pd.Timedelta(minutes=n_min)
    n = len(starts_min)
    return pd.DataFrame(
        {
            "index": np.arange(n),
            "observatory": obs if obs is not None else ["DUR"] * n,
            "start": s.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": e.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "label": labels if labels is not None else np.arange(n) % 2,
        }
    )


def _no_overlap(labels, frame):
    m = labels.merge(frame, on="index")
    tr, va = m[m.split == "train"], m[m.split == "val"]
    if len(tr) and len(va):
        assert pd.to_datetime(tr.end).max() <= pd.to_datetime(va.start).min()


def test_chronological_hand_example():
    # hour windows starting at 0, 100, 200, ..., 900 min plus one straddler at 770 min
    starts = [0, 100, 200, 300, 400, 500, 600, 700, 770, 800, 900]
    lab = _labels(starts)
    frame, rep = splits.assign_split(lab, method="chronological", train_fraction=0.7)
    # 8th smallest end (ceil(0.7*11) = 8) is 700+60 = 760 min: train ends <= 760
    assert frame.split.tolist() == ["train"] * 8 + ["val"] * 3
    assert rep["boundary"] == {"all": "2020-01-01T12:40:00Z"}
    frame, rep = splits.assign_split(lab, method="chronological", train_fraction=0.8)
    # boundary = 9th end = 830 min -> the window at 800 starts before it: dropped
    assert frame.split.tolist() == ["train"] * 9 + ["dropped", "val"]
    assert rep["n_dropped_straddling"] == 1 and rep["n_val"] == 1
    assert set(frame.method) == {"chronological"}
    _no_overlap(lab, frame)


def test_embargo_drops_more():
    lab = _labels([0, 100, 200, 300, 400])
    frame, rep = splits.assign_split(
        lab, method="chronological", train_fraction=0.6, embargo_hours=2
    )
    # boundary at 260 min; val must start >= 380 min
    assert frame.split.tolist() == ["train", "train", "train", "dropped", "val"]
    assert rep["embargo_hours"] == 2


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(st.integers(0, 10_000), min_size=2, max_size=60),
    n_min=st.sampled_from([60, 1440, 10080]),
    frac=st.floats(0.1, 0.9),
)
def test_chronological_never_overlaps(starts, n_min, frac):
    lab = _labels(starts, n_min=n_min)
    frame, rep = splits.assign_split(lab, method="chronological", train_fraction=frac)
    _no_overlap(lab, frame)
    assert rep["n_train"] + rep["n_val"] + rep["n_dropped_straddling"] == len(starts)
    assert rep["n_train"] >= 1


def test_all_dataset_global_vs_per_observatory():
    starts = [0, 100, 200, 300, 400, 5000, 5100, 5200, 5300, 5400]
    obs = ["DUR"] * 5 + ["IZN"] * 5
    lab = _labels(starts, obs=obs)
    g, rep = splits.assign_split(lab, method="chronological", train_fraction=0.8)
    _no_overlap(lab, g)  # global: one boundary for all observatories
    assert rep["boundary_scope"] == "global" and list(rep["boundary"]) == ["all"]
    p, rep = splits.assign_split(
        lab, method="chronological", train_fraction=0.8, per_observatory=True
    )
    assert set(rep["boundary"]) == {"DUR", "IZN"}
    for o in ("DUR", "IZN"):
        sel = lab.observatory == o
        _no_overlap(lab[sel], p[sel.to_numpy()])
    assert p.split.tolist() == (["train"] * 4 + ["val"]) * 2


def test_random_split_stratified_and_seeded():
    lab = _labels(list(range(0, 10_000, 100)), labels=[1] * 20 + [0] * 80)
    a, rep = splits.assign_split(lab, method="random", train_fraction=0.8, seed=5)
    b, _ = splits.assign_split(lab, method="random", train_fraction=0.8, seed=5)
    c, _ = splits.assign_split(lab, method="random", train_fraction=0.8, seed=6)
    assert a.split.tolist() == b.split.tolist() != c.split.tolist()
    assert rep["class_counts"] == {"train": {"0": 64, "1": 16}, "val": {"0": 16, "1": 4}}
    assert set(a.split) == {"train", "val"} and set(a.method) == {"random"}


def test_make_split_files(tmp_path):
    lab = _labels([0, 100, 200, 300, 400])
    lab.to_csv(tmp_path / "labels.csv", index=False)
    rep = splits.make_split(
        tmp_path / "labels.csv",
        tmp_path / "split.csv",
        method="chronological",
        report_json=tmp_path / "split.json",
    )
    out = pd.read_csv(tmp_path / "split.csv")
    assert list(out.columns) == ["index", "split", "method"]
    assert rep["n_train"] == 4 and (tmp_path / "split.json").exists()
    merged = splits.read_split(tmp_path / "labels.csv", tmp_path / "split.csv")
    assert len(merged) == 5
    with pytest.raises(ValueError):
        splits.make_split(tmp_path / "labels.csv", tmp_path / "x.csv", method="kfold")
