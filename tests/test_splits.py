"""Splits: the chronological split never lets a training window touch validation time."""

from __future__ import annotations

import json

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
    assert rep["n_dropped_embargo"] == 1 and rep["n_dropped_straddling"] == 0
    assert rep["boundary_moved_back"] == {"all": False}
    _, rep0 = splits.assign_split(lab, method="chronological", train_fraction=0.6)
    assert rep0["n_dropped_embargo"] == 0 and rep0["n_val"] == 2


def test_embargo_straddling_and_embargo_counted_apart():
    # hour windows; boundary = 3rd end = 260 min; 230 straddles, 300 is inside a 2 h embargo
    lab = _labels([0, 100, 200, 230, 300, 500])
    frame, rep = splits.assign_split(
        lab, method="chronological", train_fraction=0.5, embargo_hours=2
    )
    assert frame.split.tolist() == ["train"] * 3 + ["dropped", "dropped", "val"]
    assert rep["n_dropped_straddling"] == 1 and rep["n_dropped_embargo"] == 1


def test_embargo_moves_boundary_back_rather_than_empty_validation():
    # a 5 h embargo after the nominal boundary (4th end, 460 min) leaves nothing: the
    # boundary moves back to the 2nd end (160 min), the last one with a window >= 5 h later
    lab = _labels([0, 100, 200, 400, 460])
    frame, rep = splits.assign_split(
        lab, method="chronological", train_fraction=0.8, embargo_hours=5
    )
    assert frame.split.tolist() == ["train", "train", "dropped", "dropped", "val"]
    assert rep["boundary"] == {"all": "2020-01-01T02:40:00Z"}
    assert rep["boundary_moved_back"] == {"all": True} and rep["n_dropped_embargo"] == 2
    # no window starts 50 h after any end: no boundary can keep one, val stays empty
    frame, rep = splits.assign_split(
        lab, method="chronological", train_fraction=0.8, embargo_hours=50
    )
    assert rep["n_val"] == 0 and rep["n_train"] >= 1


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(st.integers(0, 20_000), min_size=2, max_size=40),
    n_min=st.sampled_from([60, 1440]),
    frac=st.floats(0.1, 0.9),
    embargo_h=st.sampled_from([0, 1, 24, 168]),
)
def test_embargo_gap_holds_and_validation_kept_when_possible(starts, n_min, frac, embargo_h):
    lab = _labels(starts, n_min=n_min)
    frame, rep = splits.assign_split(
        lab, method="chronological", train_fraction=frac, embargo_hours=embargo_h
    )
    m = lab.merge(frame, on="index")
    tr, va = m[m.split == "train"], m[m.split == "val"]
    s, e = np.asarray(starts), np.asarray(starts) + n_min
    possible = (s[:, None] >= e[None, :] + 60 * embargo_h).any()  # some val window can exist
    assert (len(va) > 0) == possible
    if len(va):
        gap = pd.to_datetime(va.start).min() - pd.to_datetime(tr.end).max()
        assert gap >= pd.Timedelta(hours=embargo_h)
    total = rep["n_train"] + rep["n_val"] + rep["n_dropped_straddling"] + rep["n_dropped_embargo"]
    assert total == len(starts)


def test_random_split_report_carries_leakage_warning_chronological_none():
    lab = _labels(list(range(0, 2000, 100)))
    _, rep = splits.assign_split(lab, method="random", train_fraction=0.8, seed=1)
    assert rep["leakage_warning"] == splits.LEAKAGE_WARNING == splits.leakage_warning("random")
    assert "leak" in rep["leakage_warning"] and "aftershock" in rep["leakage_warning"]
    _, rep = splits.assign_split(lab, method="chronological", train_fraction=0.8)
    assert rep["leakage_warning"] is None and splits.leakage_warning("chronological") == ""
    with pytest.raises(ValueError, match="embargo_hours"):
        splits.assign_split(lab, method="chronological", embargo_hours=-1)


# --------------------------------------------------------------------------------------
# dependence blocks
# --------------------------------------------------------------------------------------
def test_time_blocks_hand_example():
    h = 3600 * 10**9
    # an aftershock sequence of overlapping day windows, a lone window, two touching ones
    start = np.array([0, 2, 5, 100, 200, 224]) * h
    end = start + 24 * h
    np.testing.assert_array_equal(splits.time_blocks(start, end, 0), [0, 0, 0, 1, 2, 2])
    # the sequence ends at 29 h, 71 h before the lone window; that ends 76 h before 200 h
    np.testing.assert_array_equal(splits.time_blocks(start, end, 70 * h), [0, 0, 0, 1, 2, 2])
    np.testing.assert_array_equal(splits.time_blocks(start, end, 71 * h), [0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(splits.time_blocks(start, end, 76 * h), [0, 0, 0, 0, 0, 0])
    # order of the input does not matter; ids follow time
    perm = np.array([4, 0, 5, 3, 1, 2])
    np.testing.assert_array_equal(
        splits.time_blocks(start[perm], end[perm], 0), np.array([0, 0, 0, 1, 2, 2])[perm]
    )
    # a long window bridging later short ones keeps them in its block (transitive reach)
    np.testing.assert_array_equal(
        splits.time_blocks(np.array([0, 10, 50]) * h, np.array([100, 11, 51]) * h, 0), [0, 0, 0]
    )
    assert splits.time_blocks(np.empty(0), np.empty(0), 0).size == 0
    with pytest.raises(ValueError, match="ends before"):
        splits.time_blocks([5], [1], 0)
    with pytest.raises(ValueError, match="gap_ns"):
        splits.time_blocks([0], [1], -1)


@settings(max_examples=80, deadline=None)
@given(
    spans=st.lists(st.tuples(st.integers(0, 500), st.integers(0, 60)), min_size=1, max_size=30),
    gap=st.integers(0, 30),
)
def test_time_blocks_match_brute_force_components(spans, gap):
    start = np.array([a for a, _ in spans])
    end = start + np.array([d for _, d in spans])
    # brute force: connected components of "closer than gap" by repeated relabelling
    n = start.size
    near = (start[:, None] <= end[None, :] + gap) & (start[None, :] <= end[:, None] + gap)
    comp = np.arange(n)
    for _ in range(n):
        comp = np.array([comp[near[i]].min() for i in range(n)])
    blocks = splits.time_blocks(start, end, gap)
    for i in range(n):
        for j in range(n):
            assert (blocks[i] == blocks[j]) == (comp[i] == comp[j])
    # ids are 0..k-1 and increase with the block's first start
    first = [start[blocks == b].min() for b in range(blocks.max() + 1)]
    assert sorted(set(blocks)) == list(range(blocks.max() + 1)) and first == sorted(first)


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
    assert rep["n_train"] >= 1 and rep["n_dropped_embargo"] == 0


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
        embargo_hours=2,
        report_json=tmp_path / "split.json",
    )
    out = pd.read_csv(tmp_path / "split.csv")
    assert list(out.columns) == ["index", "split", "method"]
    # boundary = 4th end (360 min): the last window (400 min) is inside the 2 h embargo, so
    # the boundary moves back to 260 min and the window at 300 min is embargoed instead
    assert rep["n_train"] == 3 and rep["n_val"] == 1 and rep["n_dropped_embargo"] == 1
    saved = json.loads((tmp_path / "split.json").read_text())
    assert saved["embargo_hours"] == 2 and saved["n_dropped_embargo"] == 1
    merged = splits.read_split(tmp_path / "labels.csv", tmp_path / "split.csv")
    assert len(merged) == 5
    with pytest.raises(ValueError):
        splits.make_split(tmp_path / "labels.csv", tmp_path / "x.csv", method="kfold")


def test_metrics_table_markdown_warns_only_for_random_rows():
    from eqprecursors.evaluation.ground import _leakage_note

    note = _leakage_note(pd.DataFrame({"split": ["chronological", "random"]}))
    assert "split = random" in note and splits.LEAKAGE_WARNING in note
    assert _leakage_note(pd.DataFrame({"split": ["chronological"] * 2})) == ""


def test_window_blocks_join_overlapping_and_close_windows_only():
    table = pd.DataFrame(
        {
            "start": ["2016-01-01T00:00Z", "2016-01-01T12:00Z", "2016-01-03T00:00Z",
                      "2016-01-10T00:00Z"],
            "end": ["2016-01-02T00:00Z", "2016-01-02T12:00Z", "2016-01-04T00:00Z",
                    "2016-01-11T00:00Z"],
        }
    )  # fmt: skip
    # 0 and 1 overlap; 2 starts 12 h after 1 ends; 3 is a week later
    np.testing.assert_array_equal(splits.window_blocks(table, 0), [0, 0, 1, 2])
    np.testing.assert_array_equal(splits.window_blocks(table, 24), [0, 0, 0, 1])
    assert splits.window_blocks(table.iloc[:0], 24).size == 0
    with pytest.raises(ValueError, match="block gap"):
        splits.window_blocks(table, -1)


def test_make_split_refuses_a_dataset_without_both_classes_and_says_why(tmp_path):
    """An observatory whose catalog selected no event (the paper rehearsal's MLR once) gives
    an empty labels.csv: the split names it and its labelling report's counts."""
    empty = _labels([0, 100]).iloc[:0]
    empty.to_csv(tmp_path / "labels.csv", index=False)
    (tmp_path / "report.json").write_text(
        json.dumps({"observatory": "MLR", "window": "week", "events_total": 0})
    )
    with pytest.raises(ValueError, match=r"labels.csv: 0 earthquake and 0 quiet.*0 selected"):
        splits.make_split(tmp_path / "labels.csv", tmp_path / "s.csv")
    assert not (tmp_path / "s.csv").exists()
    _labels([0, 100], labels=[1, 1]).to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(ValueError, match="2 earthquake and 0 quiet"):
        splits.make_split(tmp_path / "labels.csv", tmp_path / "s.csv")


def test_random_split_keeps_a_validation_window_of_every_class_of_two():
    """Two windows a class (0.8 x 2 rounds to 2) used to leave nothing to validate on."""
    lab = _labels([0, 100, 200, 300, 400], labels=[0, 0, 1, 1, 1])
    split, rep = splits.assign_split(lab, method="random", train_fraction=0.8, seed=1)
    assert rep["class_counts"] == {"train": {"0": 1, "1": 2}, "val": {"0": 1, "1": 1}}
    single = _labels([0, 100, 200], labels=[0, 1, 1])
    split, rep = splits.assign_split(single, method="random", train_fraction=0.8, seed=1)
    assert rep["class_counts"]["train"]["0"] == 1  # one window: train, nothing to hold out
