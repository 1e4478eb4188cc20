"""Train/validation splits of a labelled window dataset.

Two methods, recorded in every output row:

* ``random`` -- the paper's 80/20 split (stratified by label).  Overlapping week/month
  windows and aftershock sequences end up on both sides, so this split leaks information
  between training and validation; it is kept to reproduce the paper, and its report
  carries :data:`LEAKAGE_WARNING` for every figure and table to repeat.
* ``chronological`` -- leakage-safe.  A single boundary time B is chosen so that about
  ``train_fraction`` of the windows end at or before B.  Training = windows with
  ``end <= B``; validation = windows with ``start >= B + embargo``; windows straddling the
  boundary, or starting inside the embargo, are marked ``split = "dropped"`` and counted
  apart.  So no training window overlaps, or lies after, any validation window, and the
  embargo keeps the two parts apart by more than an aftershock burst or a storm's recovery.
  For the combined ``ALL`` dataset the boundary is one **global** time by default: the three
  observatories see the same magnetospheric disturbances at the same moments, so
  per-observatory boundaries would put simultaneous data in train and validation.
  ``per_observatory=True`` applies the rule separately per observatory instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json
from eqprecursors.core.times import NS_PER_HOUR, to_epoch_ns

METHODS = ("chronological", "random")
SPLIT_COLUMNS = ["index", "split", "method"]
LEAKAGE_WARNING = (
    "random split: overlapping windows and aftershock sequences fall on both sides, so "
    "training leaks into validation and the scores are optimistic"
)


def leakage_warning(method: str) -> str:
    """The warning a figure or table built on a ``method`` split must show ('' if none)."""
    return LEAKAGE_WARNING if method == "random" else ""


def random_split(labels: np.ndarray, train_fraction: float, seed: int) -> np.ndarray:
    """Stratified random split -> array of "train"/"val" (per-class rounding).

    A class of two or more windows keeps at least one validation window (0.8 x 2 rounds to
    2, which left a small dataset with nothing to score), as the chronological boundary does.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    out = np.full(labels.size, "val", dtype=object)
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n_train = int(round(train_fraction * idx.size))
        out[idx[: min(n_train, idx.size - 1) if idx.size > 1 else n_train]] = "train"
    return out


def _boundary_rank(n: int, train_fraction: float) -> int:
    """k of the nominal boundary (the k-th smallest end); keeps one window after it."""
    return min(max(int(np.ceil(train_fraction * n)), 1), max(n - 1, 1))


def chronological_split(
    start_ns: np.ndarray,
    end_ns: np.ndarray,
    train_fraction: float,
    embargo_ns: int = 0,
) -> tuple[np.ndarray, int]:
    """Split by one boundary time -> (array of "train"/"val"/"dropped", boundary_ns).

    B is the ``k``-th smallest window end, ``k = ceil(train_fraction * n)``; train =
    ``end <= B``, val = ``start >= B + embargo``, the rest (straddling windows and those
    starting inside the embargo) is dropped.  Where that leaves no validation window (a
    tiny dataset, a long embargo), B moves back to the latest window end that keeps one:
    a validation part of one window is weak evidence, none is no evaluation at all.
    """
    start_ns = np.asarray(start_ns, dtype=np.int64)
    end_ns = np.asarray(end_ns, dtype=np.int64)
    n = start_ns.size
    out = np.full(n, "dropped", dtype=object)
    if n == 0:
        return out, 0
    k = _boundary_rank(n, train_fraction)
    ends = np.sort(end_ns)
    # validation windows left for each candidate boundary ends[0..k-1]
    n_val = n - np.searchsorted(np.sort(start_ns), ends[:k] + embargo_ns, side="left")
    keeps = np.flatnonzero(n_val > 0)
    boundary = int(ends[keeps[-1]] if keeps.size else ends[k - 1])
    out[end_ns <= boundary] = "train"
    out[start_ns >= boundary + embargo_ns] = "val"
    return out, boundary


def time_blocks(start_ns, end_ns, gap_ns: int = 0) -> np.ndarray:
    """Dependence block id (0, 1, ... in time order) of each window ``[start, end]``.

    Windows whose spans overlap, touch or lie within ``gap_ns`` of each other join one block,
    transitively: an aftershock sequence's overlapping windows become one block, and so do
    simultaneous windows of different observatories (the same magnetospheric disturbance).
    Block bootstrap and permutation tests resample these blocks, not single windows.
    """
    start = np.asarray(start_ns, dtype=np.int64)
    end = np.asarray(end_ns, dtype=np.int64)
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError(f"start and end must be 1-D of one length, got {start.shape}, {end.shape}")
    if gap_ns < 0:
        raise ValueError(f"gap_ns must be >= 0, got {gap_ns}")
    if np.any(end < start):
        i = int(np.flatnonzero(end < start)[0])
        raise ValueError(f"window {i} ends before it starts ({end[i]} < {start[i]})")
    if start.size == 0:
        return np.empty(0, dtype=np.int64)
    order = np.argsort(start, kind="stable")
    reach = np.maximum.accumulate(end[order])  # latest end among the windows so far
    new_block = np.r_[True, start[order][1:] > reach[:-1] + int(gap_ns)]
    blocks = np.empty(start.size, dtype=np.int64)
    blocks[order] = np.cumsum(new_block) - 1
    return blocks


def window_blocks(table: pd.DataFrame, gap_hours: float) -> np.ndarray:
    """:func:`time_blocks` of a labels table's ``start``/``end`` columns, ``gap_hours`` apart.

    The evaluation's bootstrap and permutation tests resample these blocks, so overlapping
    aftershock windows (near-duplicates) count once, not once per window.
    """
    if gap_hours < 0:
        raise ValueError(f"block gap must be >= 0 hours, got {gap_hours}")
    if table.empty:
        return np.empty(0, dtype=np.int64)
    return time_blocks(
        to_epoch_ns(table["start"]),
        to_epoch_ns(table["end"]),
        int(round(float(gap_hours) * NS_PER_HOUR)),
    )


def assign_split(
    labels: pd.DataFrame,
    *,
    method: str = "chronological",
    train_fraction: float = 0.8,
    seed: int = 0,
    embargo_hours: float = 0.0,
    per_observatory: bool = False,
) -> tuple[pd.DataFrame, dict]:
    """Pure core of :func:`make_split`: labels DataFrame -> (split frame, report)."""
    if method not in METHODS:
        raise ValueError(f"split method must be one of {METHODS}, got {method!r}")
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    if embargo_hours < 0:
        raise ValueError(f"ground_cnn.split.embargo_hours must be >= 0, got {embargo_hours}")
    split = np.full(len(labels), "dropped", dtype=object)
    embargoed = np.zeros(len(labels), dtype=bool)
    boundaries: dict[str, str] = {}
    moved: dict[str, bool] = {}
    if method == "random":
        split[:] = random_split(labels["label"].to_numpy(), train_fraction, seed)
    else:
        start = to_epoch_ns(labels["start"]) if len(labels) else np.empty(0, np.int64)
        end = to_epoch_ns(labels["end"]) if len(labels) else np.empty(0, np.int64)
        embargo = int(round(embargo_hours * 3600e9))
        if per_observatory and "observatory" in labels:
            groups = labels.groupby("observatory", sort=True).indices.items()
        else:
            groups = [("all", np.arange(len(labels)))]
        for name, idx in groups:
            split[idx], b = chronological_split(start[idx], end[idx], train_fraction, embargo)
            # dropped only for the embargo: they start after the boundary (no straddling)
            embargoed[idx] = (split[idx] == "dropped") & (start[idx] >= b)
            if idx.size:
                nominal = np.sort(end[idx])[_boundary_rank(idx.size, train_fraction) - 1]
                moved[str(name)] = bool(b < nominal)
            boundaries[str(name)] = pd.Timestamp(b, unit="ns", tz="UTC").strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
    frame = pd.DataFrame(
        {"index": labels["index"].to_numpy(), "split": split.astype(str), "method": method},
        columns=SPLIT_COLUMNS,
    )
    lab = labels["label"].to_numpy()
    report = {
        "method": method,
        "train_fraction": train_fraction,
        "seed": seed,
        "n_total": int(len(frame)),
        "n_train": int((split == "train").sum()),
        "n_val": int((split == "val").sum()),
        "n_dropped_straddling": int(((split == "dropped") & ~embargoed).sum()),
        "n_dropped_embargo": int(embargoed.sum()),
        "class_counts": {
            part: {str(c): int(((split == part) & (lab == c)).sum()) for c in (0, 1)}
            for part in ("train", "val")
        },
        "leakage_warning": leakage_warning(method) or None,
    }
    if method == "chronological":
        report.update(
            {
                "boundary": boundaries,
                "boundary_scope": "per_observatory" if per_observatory else "global",
                "embargo_hours": embargo_hours,
                # True where the nominal boundary left no validation window (see
                # chronological_split) and was moved back to keep one
                "boundary_moved_back": moved,
            }
        )
    return frame, report


def require_both_classes(labels: pd.DataFrame, labels_csv: str | Path) -> None:
    """A dataset without earthquake or without quiet windows cannot be trained or scored;
    say so here, naming the file and what its labelling report counted, rather than as an
    obscure failure rules later."""
    counts = labels["label"].value_counts() if len(labels) else pd.Series(dtype=int)
    n_quake, n_quiet = int(counts.get(1, 0)), int(counts.get(0, 0))
    if n_quake and n_quiet:
        return
    report_path = Path(labels_csv).with_name("report.json")
    why = ""
    if report_path.exists():
        r = read_json(report_path)
        why = (
            f"; its labelling report {report_path} counts {r.get('events_total')} selected "
            f"events for {r.get('observatory')} {r.get('window')} windows and "
            f"{r.get('quiet_candidates', {}).get('eligible')} eligible quiet start minutes"
        )
    raise ValueError(
        f"{labels_csv}: {n_quake} earthquake and {n_quiet} quiet windows - a split needs "
        f"both classes{why}. Widen observatories.<code>.start/end or the selection, or "
        "leave this observatory or window out of ground_cnn (observatories, "
        "experiments.windows)"
    )


def make_split(
    labels_csv: str | Path,
    out_csv: str | Path,
    *,
    method: str = "chronological",
    train_fraction: float = 0.8,
    seed: int = 0,
    embargo_hours: float = 0.0,
    per_observatory: bool = False,
    report_json: str | Path | None = None,
) -> dict:
    """labels.csv -> split CSV (index, split in train/val/dropped, method); returns report.

    ``dropped`` rows (chronological only) are windows straddling the boundary or starting
    inside the embargo (counted apart in the report); they are listed rather than omitted
    so every window's fate is auditable.
    """
    labels = pd.read_csv(labels_csv, dtype={"event_id": str, "observatory": str})
    require_both_classes(labels, labels_csv)
    frame, report = assign_split(
        labels,
        method=method,
        train_fraction=train_fraction,
        seed=seed,
        embargo_hours=embargo_hours,
        per_observatory=per_observatory,
    )
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_csv, index=False)
    if report_json is not None:
        write_json(report, report_json)
    return report


def read_split(labels_csv: str | Path, split_csv: str | Path) -> pd.DataFrame:
    """labels.csv joined with the split CSV on ``index`` (used by training and evaluation)."""
    labels = pd.read_csv(labels_csv, dtype={"event_id": str, "observatory": str})
    split = pd.read_csv(split_csv)
    merged = labels.merge(split, on="index", how="inner", validate="one_to_one")
    if len(merged) != len(labels):
        raise ValueError(f"{split_csv} does not cover every window of {labels_csv}")
    if merged["method"].nunique() != 1:
        raise ValueError(f"{split_csv} mixes split methods")
    return merged
