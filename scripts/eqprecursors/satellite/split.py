"""Chronological train/test split of a satellite dataset (DEMETER TR0/TS0, CSES TR1/TS1).

One boundary time ``B = t0 + train_fraction * (t1 - t0)`` over the dataset's time span
(``t0`` the first sequence start, ``t1`` the last sequence end): the first
``train_fraction`` of the *time* trains, the rest tests. "The windows near the boundary
are dropped so none spans it" is implemented as two rules, each row keeping its fate in
``split.csv`` (``train``, ``test`` or ``dropped``):

* **guard**: a sequence is ``train`` only when it ends at or before ``B - guard_hours`` and
  ``test`` only when it starts at or after ``B + guard_hours``; a sequence inside the
  guard band (or spanning ``B``, when ``guard_hours`` is 0) is dropped.
* **event windows**: a sequence labelled through an event (``event_time`` in
  sequences.csv) is dropped when that event's pre-seismic window
  ``[t_event - pre_seismic_days, t_event]`` reaches into the guard band
  ``(B - guard, B + guard)`` -- i.e. when the window is not wholly on one side -- so no
  event, real or artificial, contributes sequences to both parts (its precursor, or the
  quiet ionosphere at its place, would otherwise be seen in training and scored in test).

Storm (class 2) sequences without an event follow the guard rule alone.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_write_bytes
from eqprecursors.core.reports import write_json
from eqprecursors.core.times import NS_PER_DAY, NS_PER_HOUR, format_iso, to_epoch_ns

log = logging.getLogger(__name__)

SPLIT_COLUMNS = ["index", "split"]
PARTS = ("train", "test", "dropped")


def chronological_split(
    start_ns,
    end_ns,
    *,
    train_fraction: float = 0.8,
    guard_hours: float = 24.0,
    event_time_ns=None,
    pre_seismic_days: float = 15.0,
) -> tuple[np.ndarray, dict]:
    """Per sequence ``train``/``test``/``dropped`` and a report (boundary, drop reasons).

    ``event_time_ns``: the time of each sequence's event, or the int64 minimum where it has
    none (NaT); ``None``: no sequence has an event.
    """
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    if guard_hours < 0:
        raise ValueError(f"guard_hours must be >= 0, got {guard_hours}")
    start_ns = np.asarray(start_ns, dtype=np.int64)
    end_ns = np.asarray(end_ns, dtype=np.int64)
    n = start_ns.size
    out = np.full(n, "dropped", dtype=object)
    if n == 0:
        raise ValueError("no sequence to split")
    t0, t1 = int(start_ns.min()), int(end_ns.max())
    boundary = t0 + int(round(train_fraction * (t1 - t0)))
    guard = int(round(guard_hours * NS_PER_HOUR))
    lo, hi = boundary - guard, boundary + guard
    out[end_ns <= lo] = "train"
    out[start_ns >= hi] = "test"
    by_guard = out == "dropped"
    by_event = np.zeros(n, dtype=bool)
    if event_time_ns is not None:
        ev = np.asarray(event_time_ns, dtype=np.int64)
        has = ev != np.iinfo(np.int64).min
        w0 = ev - int(round(pre_seismic_days * NS_PER_DAY))
        # [w0, ev] lies wholly on one side (ev <= lo or w0 >= hi) unless it reaches into
        # (lo, hi); with no guard (lo == hi == B) a window ending or starting at B is fine.
        straddles = (w0 < hi) & (ev > lo)
        by_event = has & straddles & ~by_guard
        out[by_event] = "dropped"
    report = {
        "boundary": format_iso([boundary])[0],
        "span": [format_iso([t0])[0], format_iso([t1])[0]],
        "train_fraction": train_fraction,
        "guard_hours": guard_hours,
        "pre_seismic_days": pre_seismic_days,
        "n_total": int(n),
        "n_train": int((out == "train").sum()),
        "n_test": int((out == "test").sum()),
        "dropped_guard": int(by_guard.sum()),
        "dropped_event_window": int(by_event.sum()),
    }
    return out, report


def assign_split(
    table: pd.DataFrame,
    *,
    train_fraction: float = 0.8,
    guard_hours: float = 24.0,
    pre_seismic_days: float = 15.0,
) -> tuple[pd.DataFrame, dict]:
    """sequences.csv frame -> (split frame with :data:`SPLIT_COLUMNS`, report with classes)."""
    start = to_epoch_ns(table["start"])
    end = to_epoch_ns(table["end"])
    event_time = None
    if "event_time" in table:
        text = table["event_time"].fillna("").astype(str)
        event_time = np.full(len(table), np.iinfo(np.int64).min, dtype=np.int64)
        has = (text != "").to_numpy()
        if has.any():
            event_time[has] = to_epoch_ns(text[has])
    split, report = chronological_split(
        start,
        end,
        train_fraction=train_fraction,
        guard_hours=guard_hours,
        event_time_ns=event_time,
        pre_seismic_days=pre_seismic_days,
    )
    label = table["label"].to_numpy()
    report["class_counts"] = {
        part: {str(c): int(((split == part) & (label == c)).sum()) for c in (0, 1, 2)}
        for part in PARTS
    }
    frame = pd.DataFrame(
        {"index": table["index"].to_numpy(), "split": split.astype(str)}, columns=SPLIT_COLUMNS
    )
    return frame, report


def make_split(
    sequences_csv,
    split_csv,
    report_json=None,
    *,
    train_fraction: float = 0.8,
    guard_hours: float = 24.0,
    pre_seismic_days: float = 15.0,
) -> dict:
    """sequences.csv -> split.csv (index, split) and an optional JSON report."""
    try:
        table = pd.read_csv(sequences_csv, dtype={"event_id": str, "event_time": str})
    except (OSError, ValueError) as exc:
        raise ValueError(f"{sequences_csv}: cannot read sequences CSV ({exc})") from exc
    missing = [c for c in ("index", "start", "end", "label") if c not in table]
    if missing:
        raise ValueError(f"{sequences_csv}: sequences CSV lacks column(s) {missing}")
    frame, report = assign_split(
        table,
        train_fraction=train_fraction,
        guard_hours=guard_hours,
        pre_seismic_days=pre_seismic_days,
    )
    for part in ("train", "test"):
        if not report[f"n_{part}"]:
            raise ValueError(
                f"{sequences_csv}: the split leaves no {part} sequence ({report}); the "
                "data must span well over pre_seismic_days + 2 guard_hours, as no event's "
                "pre-seismic window may cross the boundary (satellite_study.split)"
            )
    text = frame.to_csv(index=False, lineterminator="\n")
    atomic_write_bytes(split_csv, text.encode("utf-8"))
    if report_json is not None:
        write_json(report, report_json)
    log.info(
        "%s: boundary %s, train %d, test %d, dropped %d (guard) + %d (event windows)",
        sequences_csv,
        report["boundary"],
        report["n_train"],
        report["n_test"],
        report["dropped_guard"],
        report["dropped_event_window"],
    )
    return report


def read_split(sequences_csv, split_csv) -> pd.DataFrame:
    """sequences.csv joined with split.csv on ``index``; every sequence must have a split."""
    table = pd.read_csv(sequences_csv, dtype={"event_id": str, "event_time": str})
    split = pd.read_csv(split_csv)
    merged = table.merge(split, on="index", how="inner", validate="one_to_one")
    if len(merged) != len(table):
        raise ValueError(f"{split_csv} does not cover every sequence of {sequences_csv}")
    bad = sorted(set(merged["split"]) - set(PARTS))
    if bad:
        raise ValueError(f"{split_csv}: unknown split value(s) {bad}")
    return merged


def sequence_blocks(table: pd.DataFrame) -> np.ndarray:
    """Dependence block of every sequence: its event, or else its orbit (one pass).

    Sequences labelled through one event (real or artificial) share its precursor, or the
    quiet ionosphere at its place, and sequences of one pass share that pass's conditions,
    so bootstrap CIs and permutation p-values resample these blocks, not single sequences.
    """
    missing = [c for c in ("event_id", "orbit") if c not in table]
    if missing:
        raise ValueError(f"sequences table lacks column(s) {missing} needed for blocks")
    event = table["event_id"].astype("string").fillna("")
    orbit = "orbit:" + table["orbit"].astype("string").fillna("")
    key = np.where(event.str.len() > 0, "event:" + event, orbit)
    return pd.factorize(pd.Series(key), sort=False)[0].astype(np.int64)
