"""Confound and chance baselines: what a classifier scores without looking at the data.

A model that beats chance may still have learnt no precursor. The ground study never screens
earthquake windows for storms while quiet windows need max Kp < threshold, quiet windows
cluster in quiet solar years, and the satellite design puts pre-seismic sequences near real
epicentres and non-seismic ones far away. Each baseline below is trained on the training part
of the *same* split as the model and scored on the same held-out part with the same metrics,
so a reader sees how much of a score the confound alone explains:

* **Kp-only**: the Kp statistics of each window's span -- max, mean and the fraction of
  3-hour intervals with Kp >= the labelling threshold (intervals overlapping ``[start, end)``).
* **date-only**: window start in years since 1970, and its day of year as (sin, cos).
* **location-only** (satellite): the sequence centre's latitude and longitude.
* **majority**: always the training part's most frequent class (probabilities = its class
  shares, so AUC 0.5 and MCC 0 by construction).
* **stratified**: classes drawn at random with the training part's shares (seeded).

The three feature baselines are depth-limited decision trees (scikit-learn, seeded), not a
logistic regression: the confounds are thresholds and places -- storm screening is literally
``max Kp < threshold``, solar-cycle epochs are date intervals, epicentres are spots on the
map -- and a shallow tree represents a threshold or a box exactly, where a linear model sees
only a monotone trend; it needs no standardisation, and the depth limit keeps it from
memorising a training part of a few dozen windows. Missing features (Kp unknown) take the
training part's median.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import read_json, write_json
from eqprecursors.core.times import NS_PER_DAY, to_epoch_ns
from eqprecursors.evaluation.metrics import (
    bootstrap_ci,
    classification_metrics,
    permutation_pvalue,
)
from eqprecursors.io.kp import INTERVAL, max_kp_over_windows, read_kp

GROUND_BASELINES = ("kp_only", "date_only", "majority", "stratified")
SATELLITE_BASELINES = ("kp_only", "date_only", "location_only", "majority", "stratified")
LABELS = {
    "kp_only": "Kp-only",
    "date_only": "date-only",
    "location_only": "location-only",
    "majority": "majority",
    "stratified": "stratified",
}
FEATURES = {
    "kp_only": ("kp_max", "kp_mean", "kp_fraction_at_or_above_threshold"),
    "date_only": ("years_since_1970", "day_of_year_sin", "day_of_year_cos"),
    "location_only": ("latitude", "longitude"),
}
BINARY_METRICS = ("accuracy", "mcc", "f1", "roc_auc")
"""The ground CNN's metrics (evaluation.ground.evaluate_model), scored for every baseline."""
YEAR_NS = 365.25 * NS_PER_DAY


def column(name: str, metric: str) -> str:
    """A results table's column of one baseline's metric, e.g. ``baseline_kp_only_mcc``
    (prefixed: the tables already hold the test part's own chance columns)."""
    return f"baseline_{name}_{metric}"


# --------------------------------------------------------------------------------------
# features
# --------------------------------------------------------------------------------------
def kp_statistics(kp_df: pd.DataFrame, starts, ends, threshold: float) -> np.ndarray:
    """(n, 3): max, mean and fraction >= ``threshold`` of the Kp intervals over each window.

    An interval ``[t, t + 3 h)`` belongs to a window ``[start, end)`` when it overlaps it
    (the rule of :func:`eqprecursors.io.kp.max_kp_over_windows`, which gives the max);
    mean and fraction come from cumulative sums over the sorted series, so any number of
    windows costs two binary searches. Missing Kp values are left out; a window without a
    known value gets NaN in all three.
    """
    starts_ns, ends_ns = to_epoch_ns(starts), to_epoch_ns(ends)
    frame = kp_df.sort_values("time", kind="stable")
    t = to_epoch_ns(frame["time"])
    v = pd.to_numeric(frame["kp"], errors="coerce").to_numpy(dtype=float)
    step = pd.Timedelta(INTERVAL).as_unit("ns").value
    i0 = np.searchsorted(t + step, starts_ns, side="right")  # first interval ending > start
    i1 = np.maximum(np.searchsorted(t, ends_ns, side="left"), i0)  # intervals starting < end
    known = np.isfinite(v)
    total = np.concatenate([[0.0], np.cumsum(np.where(known, v, 0.0))])
    count = np.concatenate([[0], np.cumsum(known)])
    storm = np.concatenate([[0], np.cumsum(known & (np.nan_to_num(v) >= threshold))])
    n = count[i1] - count[i0]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, (total[i1] - total[i0]) / n, np.nan)
        frac = np.where(n > 0, (storm[i1] - storm[i0]) / n, np.nan)
    starts_utc = pd.to_datetime(starts_ns, unit="ns", utc=True)
    ends_utc = pd.to_datetime(ends_ns, unit="ns", utc=True)
    kp_max = max_kp_over_windows(kp_df, starts_utc, ends_utc)
    return np.column_stack([kp_max, mean, frac])


def date_features(starts) -> np.ndarray:
    """(n, 3): start in years since 1970 and its day of year as sin and cos (one cycle)."""
    ns = to_epoch_ns(starts)
    t = pd.DatetimeIndex(pd.to_datetime(ns, unit="ns", utc=True))
    day = (t.day_of_year.to_numpy() - 1) + (ns % NS_PER_DAY) / NS_PER_DAY
    angle = 2 * np.pi * day / 365.25
    return np.column_stack([ns / YEAR_NS, np.sin(angle), np.cos(angle)])


def location_features(latitude, longitude) -> np.ndarray:
    """(n, 2): latitude and longitude (degrees) of each sequence centre."""
    return np.column_stack([np.asarray(latitude, float), np.asarray(longitude, float)])


# --------------------------------------------------------------------------------------
# classifiers
# --------------------------------------------------------------------------------------
def classifier_description(name: str, *, max_depth: int, min_samples_leaf: int) -> str:
    if name == "majority":
        return "DummyClassifier(strategy='prior')"
    if name == "stratified":
        return "DummyClassifier(strategy='stratified')"
    return (
        f"DecisionTreeClassifier(max_depth={max_depth}, min_samples_leaf={min_samples_leaf}) "
        "after median imputation"
    )


def fit_predict_proba(
    name: str,
    x_train: np.ndarray | None,
    y_train: np.ndarray,
    x_test: np.ndarray | None,
    n_test: int,
    *,
    n_classes: int,
    max_depth: int,
    min_samples_leaf: int,
    seed: int,
) -> np.ndarray:
    """(n_test, n_classes) class probabilities of baseline ``name`` trained on the train part.

    Classes absent from the training part get probability 0 (a one-class training part
    gives a constant prediction, not an error). ``x_*`` are ignored by majority/stratified.
    """
    from sklearn.dummy import DummyClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.tree import DecisionTreeClassifier

    y_train = np.asarray(y_train, dtype=np.int64)
    if y_train.size == 0:
        raise ValueError(f"baseline {name}: empty training part")
    if name in ("majority", "stratified"):
        strategy = "prior" if name == "majority" else "stratified"
        model = DummyClassifier(strategy=strategy, random_state=seed)
        x_train, x_test = np.zeros((y_train.size, 1)), np.zeros((n_test, 1))
    elif name in FEATURES:
        model = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            DecisionTreeClassifier(
                max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=seed
            ),
        )
    else:
        raise ValueError(f"unknown baseline {name!r}; expected one of {tuple(LABELS)}")
    model.fit(x_train, y_train)
    out = np.zeros((n_test, n_classes))
    if n_test:
        out[:, model.classes_] = model.predict_proba(x_test)
    return out


def baseline_probabilities(
    features: Mapping[str, np.ndarray],
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    names,
    *,
    n_classes: int,
    max_depth: int,
    min_samples_leaf: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Baseline name -> test-part probabilities; ``train``/``test`` are boolean row masks."""
    y = np.asarray(y, dtype=np.int64)
    out = {}
    for name in names:
        x = features.get(name)
        out[name] = fit_predict_proba(
            name,
            None if x is None else x[train],
            y[train],
            None if x is None else x[test],
            int(np.sum(test)),
            n_classes=n_classes,
            max_depth=max_depth,
            min_samples_leaf=min_samples_leaf,
            seed=seed,
        )
    return out


# --------------------------------------------------------------------------------------
# scores
# --------------------------------------------------------------------------------------
def score_binary(
    y, p, *, n_bootstrap: int, n_permutations: int, seed: int, metrics=BINARY_METRICS, blocks=None
) -> dict[str, Any]:
    """The ground CNN's numbers for P(class 1) ``p``: metrics, bootstrap CIs, permutation p."""
    y = np.asarray(y, dtype=np.int64)
    extra = {} if blocks is None else {"blocks": blocks}
    return {
        **classification_metrics(y, p),
        "bootstrap_ci": {
            m: bootstrap_ci(y, p, m, n=n_bootstrap, seed=seed, **extra) for m in metrics
        },
        "permutation": {
            m: permutation_pvalue(y, p, m, n=n_permutations, seed=seed, **extra) for m in metrics
        },
    }


def score_multiclass(
    y, proba, *, n_bootstrap: int, n_permutations: int, seed: int, blocks=None
) -> dict[str, Any]:
    """The satellite models' numbers (:func:`multiclass.multiclass_metrics`): the same keys
    as a model's metrics.json, so the tables read a baseline like a model."""
    from eqprecursors.evaluation.multiclass import multiclass_metrics

    return multiclass_metrics(
        y,
        proba,
        n_bootstrap=n_bootstrap,
        n_permutations=n_permutations,
        seed=seed,
        blocks=blocks,
    )


def _describe(name: str, **tree) -> dict[str, Any]:
    return {
        "label": LABELS[name],
        "features": list(FEATURES.get(name, ())),
        "classifier": classifier_description(name, **tree),
    }


def _counts(y: np.ndarray, n_classes: int) -> dict[str, int]:
    return {str(c): int((y == c).sum()) for c in range(n_classes)}


# --------------------------------------------------------------------------------------
# file in, file out
# --------------------------------------------------------------------------------------
def ground_baselines(
    labels_csv: str | Path,
    split_csv: str | Path,
    kp_csv: str | Path,
    out_json: str | Path,
    *,
    dataset: str,
    window: str,
    filter: str,
    kp_threshold: float,
    n_bootstrap: int,
    n_permutations: int,
    seed: int,
    block_gap_hours: float | None = 24.0,
    max_depth: int = 3,
    min_samples_leaf: int = 2,
) -> dict[str, Any]:
    """Every ground baseline of one (dataset, window, filter) split -> baselines JSON.

    Trained on the split's ``train`` windows, scored on its ``val`` windows (the CNN's
    held-out part); windows marked ``dropped`` are left out as in training.
    """
    from eqprecursors.core.splits import read_split, window_blocks

    table = read_split(labels_csv, split_csv)
    train = (table["split"] == "train").to_numpy()
    val = (table["split"] == "val").to_numpy()
    for part, mask in (("train", train), ("val", val)):
        if not mask.any():
            raise ValueError(f"{split_csv}: no {part} window to train or score a baseline on")
    y = table["label"].to_numpy(np.int64)
    # the CNN's resampling blocks (evaluation.ground.part_blocks), so the CIs compare
    blocks = None if block_gap_hours is None else window_blocks(table[val], block_gap_hours)
    kp = kp_statistics(read_kp(kp_csv, "csv"), table["start"], table["end"], kp_threshold)
    features = {"kp_only": kp, "date_only": date_features(table["start"])}
    tree = dict(max_depth=max_depth, min_samples_leaf=min_samples_leaf)
    proba = baseline_probabilities(
        features, y, train, val, GROUND_BASELINES, n_classes=2, seed=seed, **tree
    )
    result: dict[str, Any] = {
        "study": "ground",
        "dataset": dataset,
        "window": window,
        "filter": filter,
        "split_method": str(table["method"].iloc[0]),
        "part": "val",
        "n_train": int(train.sum()),
        "n_val": int(val.sum()),
        "class_counts": {"train": _counts(y[train], 2), "val": _counts(y[val], 2)},
        "kp_threshold": kp_threshold,
        "kp_unknown_windows": int(np.isnan(kp[:, 0]).sum()),
        "seed": seed,
        "block_gap_hours": block_gap_hours,
        "baselines": {
            name: {
                **_describe(name, **tree),
                **score_binary(
                    y[val],
                    p[:, 1],
                    n_bootstrap=n_bootstrap,
                    n_permutations=n_permutations,
                    seed=seed,
                    blocks=blocks,
                ),
            }  # fmt: skip
            for name, p in proba.items()
        },
    }
    write_json(result, out_json)
    return result


def satellite_baselines(
    sequences_csv: str | Path,
    split_csv: str | Path,
    kp_csv: str | Path,
    out_json: str | Path,
    *,
    dataset: str,
    kp_threshold: float,
    n_bootstrap: int,
    n_permutations: int,
    seed: int,
    max_depth: int = 6,
    min_samples_leaf: int = 10,
) -> dict[str, Any]:
    """Every satellite baseline of one dataset's chronological split -> baselines JSON.

    Trained on ``train``, scored on ``test`` (the models' test part). A sequence's span is
    its first to last sample, both included, so its Kp statistics cover the intervals
    that its samples lie in (those the labelling's max Kp is taken over).
    """
    from eqprecursors.evaluation.multiclass import N_CLASSES
    from eqprecursors.satellite.split import read_split, sequence_blocks

    table = read_split(sequences_csv, split_csv)
    train = (table["split"] == "train").to_numpy()
    test = (table["split"] == "test").to_numpy()
    for part, mask in (("train", train), ("test", test)):
        if not mask.any():
            raise ValueError(f"{split_csv}: no {part} sequence to train or score a baseline on")
    y = table["label"].to_numpy(np.int64)
    # [start, end]: the interval of the last sample counts too
    ends = pd.to_datetime(to_epoch_ns(table["end"]) + 1, unit="ns", utc=True)
    kp = kp_statistics(read_kp(kp_csv, "csv"), table["start"], ends, kp_threshold)
    features = {
        "kp_only": kp,
        "date_only": date_features(table["start"]),
        "location_only": location_features(table["latitude"], table["longitude"]),
    }
    tree = dict(max_depth=max_depth, min_samples_leaf=min_samples_leaf)
    proba = baseline_probabilities(
        features, y, train, test, SATELLITE_BASELINES, n_classes=N_CLASSES, seed=seed, **tree
    )
    result: dict[str, Any] = {
        "study": "satellite",
        "dataset": str(dataset),
        "split_method": "chronological",
        "part": "test",
        "n_train": int(train.sum()),
        "n_test": int(test.sum()),
        "class_counts": {"train": _counts(y[train], 3), "test": _counts(y[test], 3)},
        "kp_threshold": kp_threshold,
        "kp_unknown_sequences": int(np.isnan(kp[:, 0]).sum()),
        "seed": seed,
        "baselines": {
            name: {
                **_describe(name, **tree),
                **score_multiclass(
                    y[test],
                    p,
                    n_bootstrap=n_bootstrap,
                    n_permutations=n_permutations,
                    seed=seed,
                    blocks=sequence_blocks(table[test]),
                ),
            }  # fmt: skip
            for name, p in proba.items()
        },
    }
    write_json(result, out_json)
    return result


def read_baselines(path: str | Path, study: str) -> dict[str, Any]:
    """A baselines JSON of ``study`` (ground or satellite), checked; the error names the file."""
    data = read_json(path)
    names = GROUND_BASELINES if study == "ground" else SATELLITE_BASELINES
    if data.get("study") != study:
        raise ValueError(f"{path}: not a {study} baselines file (study = {data.get('study')!r})")
    missing = [n for n in names if n not in data.get("baselines", {})]
    if missing:
        raise ValueError(f"{path}: baselines {missing} missing")
    return data
