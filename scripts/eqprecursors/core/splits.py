"""Train/validation splits of a labelled window dataset.

Two methods, recorded in every output row:

* ``random`` -- the paper's 80/20 split (stratified by label).  Overlapping week/month
  windows and aftershock sequences end up on both sides, so this split leaks information
  between training and validation; it is kept to reproduce the paper.
* ``chronological`` -- leakage-safe.  A single boundary time B is chosen so that about
  ``train_fraction`` of the windows end at or before B.  Training = windows with
  ``end <= B``; validation = windows with ``start >= B + embargo``; windows straddling the
  boundary (or inside the embargo) are marked ``split = "dropped"`` and counted.  So no
  training window overlaps, or lies after, any validation window.
  For the combined ``ALL`` dataset the boundary is one **global** time by default: the three
  observatories see the same magnetospheric disturbances at the same moments, so
  per-observatory boundaries would put simultaneous data in train and validation.
  ``per_observatory=True`` applies the rule separately per observatory instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.reports import write_json
from eqprecursors.core.times import to_epoch_ns

METHODS = ("chronological", "random")
SPLIT_COLUMNS = ["index", "split", "method"]


def random_split(labels: np.ndarray, train_fraction: float, seed: int) -> np.ndarray:
    """Stratified random split -> array of "train"/"val" (per-class rounding)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    out = np.full(labels.size, "val", dtype=object)
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        out[idx[: int(round(train_fraction * idx.size))]] = "train"
    return out


def chronological_split(
    start_ns: np.ndarray,
    end_ns: np.ndarray,
    train_fraction: float,
    embargo_ns: int = 0,
) -> tuple[np.ndarray, int]:
    """Split by one boundary time -> (array of "train"/"val"/"dropped", boundary_ns).

    B is the ``ceil(train_fraction * n)``-th smallest window end; train = ``end <= B``,
    val = ``start >= B + embargo``, the rest (straddling windows) is dropped.
    """
    start_ns = np.asarray(start_ns, dtype=np.int64)
    end_ns = np.asarray(end_ns, dtype=np.int64)
    n = start_ns.size
    out = np.full(n, "dropped", dtype=object)
    if n == 0:
        return out, 0
    # keep at least one window after the boundary: a tiny dataset still gets a validation part
    k = min(max(int(np.ceil(train_fraction * n)), 1), max(n - 1, 1))
    boundary = int(np.sort(end_ns)[k - 1])
    out[end_ns <= boundary] = "train"
    out[start_ns >= boundary + embargo_ns] = "val"
    return out, boundary


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
    split = np.full(len(labels), "dropped", dtype=object)
    boundaries: dict[str, str] = {}
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
        "n_dropped_straddling": int((split == "dropped").sum()),
        "class_counts": {
            part: {str(c): int(((split == part) & (lab == c)).sum()) for c in (0, 1)}
            for part in ("train", "val")
        },
    }
    if method == "chronological":
        report.update(
            {
                "boundary": boundaries,
                "boundary_scope": "per_observatory" if per_observatory else "global",
                "embargo_hours": embargo_hours,
            }
        )
    return frame, report


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

    ``dropped`` rows (chronological only) are windows straddling the boundary; they are
    listed rather than omitted so every window's fate is auditable.
    """
    labels = pd.read_csv(labels_csv, dtype={"event_id": str, "observatory": str})
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
