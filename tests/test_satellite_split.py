"""Chronological split of a satellite dataset: boundary, guard band, event windows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from eqprecursors.core.times import NS_PER_DAY, NS_PER_HOUR, format_iso_ms
from eqprecursors.satellite import split as sp

T0 = pd.Timestamp("2019-09-01", tz="UTC").value
NONE = np.iinfo(np.int64).min


def test_boundary_is_the_first_80_percent_of_the_time_span_and_none_spans_it():
    # hourly one-minute sequences over 100 hours (last end at 99 h 1 min): the boundary is
    # at 0.8 * (99 h 1 min) = 79 h 12 min 48 s; one more sequence spans it
    minute = NS_PER_HOUR // 60
    start = np.r_[T0 + NS_PER_HOUR * np.arange(100), T0 + 79 * NS_PER_HOUR + 12.5 * minute]
    end = start + minute
    split, report = sp.chronological_split(start, end, train_fraction=0.8, guard_hours=0)
    assert report["boundary"] == "2019-09-04T07:12:48Z"
    assert (split == "train").sum() == 80 and (split == "test").sum() == 20
    assert split[100] == "dropped" and report["dropped_guard"] == 1
    boundary = T0 + 79 * NS_PER_HOUR + 12.8 * minute
    assert end[split == "train"].max() <= boundary <= start[split == "test"].min()


def test_guard_hours_drop_sequences_on_both_sides_of_the_boundary():
    start = T0 + NS_PER_HOUR * np.arange(0, 1000, 10)  # every 10 h, 1000 h
    end = start + NS_PER_HOUR
    split, report = sp.chronological_split(start, end, train_fraction=0.5, guard_hours=24)
    boundary = T0 + round(0.5 * (990 + 1) * NS_PER_HOUR)  # 495.5 h
    assert end[split == "train"].max() <= boundary - 24 * NS_PER_HOUR
    assert start[split == "test"].min() >= boundary + 24 * NS_PER_HOUR
    # starts 480 .. 510 h: 480 ends at 481 > 471.5; dropped are 480, 490, 500, 510
    assert start[split == "dropped"].tolist() == [
        T0 + h * NS_PER_HOUR for h in (480, 490, 500, 510)
    ]
    assert report["dropped_guard"] == 4


def test_no_event_has_sequences_on_both_sides():
    day = NS_PER_DAY
    start = T0 + day * np.arange(0, 100)
    end = start + NS_PER_HOUR
    event = np.full(100, NONE, dtype=np.int64)
    event[60:70] = T0 + 85 * day  # window 70..85 d straddles the boundary (~79.2 d)
    event[40:50] = T0 + 50 * day  # wholly before it
    event[86:95] = T0 + 99 * day  # window 84..99 d: wholly after it
    split, report = sp.chronological_split(
        start, end, train_fraction=0.8, guard_hours=0, event_time_ns=event, pre_seismic_days=15
    )
    assert (split[60:70] == "dropped").all()  # far from the boundary, but its event's window
    assert (split[40:50] == "train").all() and (split[86:95] == "test").all()
    assert split[79] == "train" and split[80] == "test"  # the boundary is at 79 d 5.6 h
    assert report["dropped_event_window"] == 10 and report["dropped_guard"] == 0


def test_an_event_window_ending_at_the_boundary_is_not_a_straddle():
    start = np.array([T0, T0 + 10 * NS_PER_DAY])
    end = start + NS_PER_HOUR
    boundary = T0 + round(0.5 * (10 * NS_PER_DAY + NS_PER_HOUR))
    split, _ = sp.chronological_split(
        start, end, train_fraction=0.5, guard_hours=0, event_time_ns=[boundary, NONE]
    )
    assert split.tolist() == ["train", "test"]


def _table(n_days=50):
    start = T0 + NS_PER_DAY * np.arange(n_days)
    return pd.DataFrame(
        {
            "index": np.arange(n_days),
            "start": format_iso_ms(start),
            "end": format_iso_ms(start + 15 * 10**9),
            "label": np.arange(n_days) % 3,
            "event_id": "",
            "event_time": "",
        }
    )


def test_make_split_writes_index_and_split(tmp_path):
    seq = tmp_path / "sequences.csv"
    _table().to_csv(seq, index=False)
    report = sp.make_split(seq, tmp_path / "split.csv", tmp_path / "split.json", guard_hours=24)
    out = pd.read_csv(tmp_path / "split.csv")
    assert out.columns.tolist() == ["index", "split"]
    assert set(out["split"]) == {"train", "test", "dropped"}
    assert report["n_train"] + report["n_test"] + report["dropped_guard"] == 50
    saved = json.loads((tmp_path / "split.json").read_text())
    assert sum(saved["class_counts"]["train"].values()) == report["n_train"]
    merged = sp.read_split(seq, tmp_path / "split.csv")
    assert len(merged) == 50


def test_a_split_without_test_part_is_an_error(tmp_path):
    seq = tmp_path / "sequences.csv"
    _table(3).to_csv(seq, index=False)
    with pytest.raises(ValueError, match=r"no train sequence.*satellite_study\.split"):
        sp.make_split(seq, tmp_path / "split.csv", guard_hours=24 * 5)


def test_sequence_blocks_group_by_event_else_by_orbit():
    from eqprecursors.satellite.split import sequence_blocks

    table = pd.DataFrame(
        {
            "event_id": ["us1", "us1", None, None, "artificial_3", None],
            "orbit": [10, 11, 11, 11, 12, 13],
        }
    )
    blocks = sequence_blocks(table)
    assert blocks[0] == blocks[1]  # one event over two passes
    assert blocks[2] == blocks[3] != blocks[1]  # one pass without an event
    assert len(set(blocks.tolist())) == 4
    with pytest.raises(ValueError, match="orbit"):
        sequence_blocks(table.drop(columns="orbit"))
