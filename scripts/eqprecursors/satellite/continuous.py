"""Every sequence of a satellite dataset's test period, for continuous alarms (issue 10).

The labelled dataset (:mod:`.sequences`) keeps only sequences near real or artificial events
and in storms, so alarms built from its test predictions cover what the catalog chose. Here
every half-orbit of the **test period** is cut, in every cell: the same grid of T-sample
windows from each half-orbit's first sample (:func:`~.sequences.cut_windows`), the same NaN
rule, centre and time-of-day filter as :func:`~.sequences.label_sequences`, so every curated
test sequence is one of these with the same values. No event, label or Kp is read (the
spatial window only labels, so it plays no part); a sequence holds its own T samples and
nothing else, and the model's preprocessing was fitted on the training part, so its
P(pre-seismic) depends on no sample after the sequence's end.

Test period: from the split's boundary + ``guard_hours`` (the first instant a test sequence
may start) to the end of the dataset's span (the last labelled sequence's end), as in
:func:`eqprecursors.satellite.split.chronological_split`.

Streaming: the decoded netCDF is read in blocks of whole half-orbits
(:func:`~.decoded.half_orbit_blocks`), so peak memory is one block plus the model, whatever
the length of the series; the first read starts at the half-orbit holding the period's
start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_path
from eqprecursors.core.reports import read_json, write_json
from eqprecursors.core.times import NS_PER_HOUR, NS_PER_S, format_iso, format_iso_ms, to_epoch_ns
from eqprecursors.satellite.decoded import CHUNK_SAMPLES, DecodedSeries, half_orbit_blocks
from eqprecursors.satellite.sequences import TIMES_OF_DAY, cut_windows, usable_windows

log = logging.getLogger(__name__)

SERIES_COLUMNS = [
    "start", "end", "latitude", "longitude", "local_time", "orbit", "p0", "p1", "p2",
]  # fmt: skip
"""Columns of the continuous series CSV: one row per sequence, in time order."""
COUNT_KEYS = ("half_orbits", "windows", "dropped_nan", "dropped_time_of_day", "sequences")


def test_period(split_json) -> tuple[int, int]:
    """(first start, last end) in ns of the test part's period, from a split report."""
    split = read_json(split_json)
    try:
        boundary = int(to_epoch_ns([split["boundary"]])[0])
        end = int(to_epoch_ns([split["span"][1]])[0])
        guard = int(round(float(split["guard_hours"]) * NS_PER_HOUR))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ValueError(f"{split_json}: no boundary, span or guard_hours ({exc!r})") from exc
    end += NS_PER_S - 1  # the report keeps whole seconds (truncated): the last end's second
    if boundary + guard >= end:
        raise ValueError(f"{split_json}: the test period is empty (boundary + guard >= span end)")
    return boundary + guard, end


def cut_block(
    block: dict,
    start_ns: int,
    end_ns: int,
    *,
    sequence_length: int,
    time_of_day: str,
    night_hours=(18.0, 6.0),
    cadence_s: float = 1.5,
) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """Every sequence of whole half-orbits lying in ``[start_ns, end_ns]``: (table, x, counts).

    Windows, NaN rule, centre and time of day as :func:`~.sequences.label_sequences`;
    ``x`` is (n, T, 2) float32, channels :data:`~.sequences.CHANNELS`.
    """
    if time_of_day not in TIMES_OF_DAY:
        raise ValueError(f"time_of_day must be one of {TIMES_OF_DAY}, got {time_of_day!r}")
    T = int(sequence_length)
    t = block["time_ns"]
    orbit = block["orbit"]
    in_time = (t >= start_ns) & (t <= end_ns)
    seg_id = np.cumsum(np.r_[True, orbit[1:] != orbit[:-1]]) - 1
    counts = dict.fromkeys(COUNT_KEYS, 0)
    counts["half_orbits"] = int(np.unique(seg_id[in_time]).size)
    starts, _ = cut_windows(t, orbit, T, cadence_s)
    starts = starts[(t[starts] >= start_ns) & (t[starts + T - 1] <= end_ns)]
    counts["windows"] = int(starts.size)
    values, starts, idx, (clat, clon, clt) = usable_windows(
        block, starts, T, time_of_day, night_hours, counts
    )
    counts["sequences"] = int(starts.size)
    table = pd.DataFrame(
        {
            "start_ns": t[starts],
            "end_ns": t[starts + T - 1],
            "latitude": clat,
            "longitude": clon,
            "local_time": clt,
            "orbit": orbit[starts].astype(np.int64),
        }
    )
    return table, values[idx].astype(np.float32), counts


def continuous_sequences(
    decoded_nc,
    start_ns: int,
    end_ns: int,
    *,
    sequence_length: int,
    time_of_day: str,
    night_hours=(18.0, 6.0),
    cadence_s: float = 1.5,
    chunk_samples: int = CHUNK_SAMPLES,
    counts: dict[str, int] | None = None,
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """(table, x) per block: every sequence of the period, in time order, streamed.

    ``counts`` (a dict) is filled with the totals of :func:`cut_block`'s counts.
    """
    totals = counts if counts is not None else {}
    totals.update(dict.fromkeys(COUNT_KEYS, 0))
    with DecodedSeries(decoded_nc) as series:
        first = series.half_orbit_start(series.first_at_or_after(start_ns))
        for block in half_orbit_blocks(series, first, end_ns, chunk_samples):
            table, x, c = cut_block(
                block, start_ns, end_ns, sequence_length=sequence_length,
                time_of_day=time_of_day, night_hours=night_hours, cadence_s=cadence_s,
            )  # fmt: skip
            for k in COUNT_KEYS:
                totals[k] += c[k]
            if len(table):
                yield table, x


def series_frame(table: pd.DataFrame, proba: np.ndarray) -> pd.DataFrame:
    """The series CSV rows (:data:`SERIES_COLUMNS`) of one block and its probabilities."""
    return pd.DataFrame(
        {
            "start": format_iso_ms(table["start_ns"].to_numpy()),
            "end": format_iso_ms(table["end_ns"].to_numpy()),
            "latitude": np.round(table["latitude"].to_numpy(float), 4),
            "longitude": np.round(table["longitude"].to_numpy(float), 4),
            "local_time": np.round(table["local_time"].to_numpy(float), 4),
            "orbit": table["orbit"].to_numpy(np.int64),
            **{f"p{k}": proba[:, k] for k in range(proba.shape[1])},
        },
        columns=SERIES_COLUMNS,
    )


def predict_continuous(
    model_path,
    decoded_nc,
    split_json,
    out_csv,
    out_json,
    *,
    model_name: str,
    dataset: str,
    sequence_length: int,
    time_of_day: str,
    night_hours=(18.0, 6.0),
    cadence_s: float = 1.5,
    threads: int = 1,
    seed: int = 0,
    chunk_samples: int = CHUNK_SAMPLES,
) -> dict[str, Any]:
    """The one model step: P(class) of every continuous test-period sequence (CSV, JSON)."""
    from eqprecursors.satellite import training

    start_ns, end_ns = test_period(split_json)
    fitted, prep = training.load_model(model_path, model_name, threads=threads, seed=seed)
    counts: dict[str, int] = {}
    orbits: set[int] = set()
    t0 = time.perf_counter()
    with atomic_path(out_csv, suffix=".csv") as tmp, open(tmp, "w", newline="") as fh:
        header = True
        for table, x in continuous_sequences(
            decoded_nc, start_ns, end_ns, sequence_length=sequence_length,
            time_of_day=time_of_day, night_hours=night_hours, cadence_s=cadence_s,
            chunk_samples=chunk_samples, counts=counts,
        ):  # fmt: skip
            proba = training.predict(model_name, fitted, prep, x)
            if not np.isfinite(proba).all():
                raise ValueError(f"{model_path}: non-finite probabilities on {decoded_nc}")
            series_frame(table, proba).to_csv(
                fh, index=False, header=header, float_format="%.6g", lineterminator="\n"
            )
            header = False
            orbits.update(np.unique(table["orbit"]).tolist())
        if header:
            raise ValueError(
                f"{decoded_nc}: no sequence in the test period {format_iso([start_ns])[0]} to "
                f"{format_iso([end_ns])[0]} (T={sequence_length}, {time_of_day}); {counts}"
            )
    split = read_json(split_json)
    report = {
        "dataset": dataset,
        "model": model_name,
        "model_file": str(model_path),
        "decoded": str(decoded_nc),
        "split": str(split_json),
        "test_period": {
            "start": format_iso([start_ns])[0],
            "end": format_iso([end_ns])[0],
            "definition": "split boundary + guard_hours to the end of the dataset's span",
        },
        "counts": counts,
        "half_orbits_with_sequences": len(orbits),
        "curated_test_sequences": split.get("n_test"),
        "config": {
            "sequence_length": int(sequence_length),
            "time_of_day": time_of_day,
            "night_hours": list(night_hours),
            "cadence_s": cadence_s,
            "chunk_samples": chunk_samples,
        },
        "predict_seconds": time.perf_counter() - t0,
    }
    write_json(report, out_json)
    log.info(
        "%s: %d continuous sequences of %d half-orbits (%d curated test sequences)",
        out_csv, counts["sequences"], counts["half_orbits"], report["curated_test_sequences"] or 0,
    )  # fmt: skip
    return report


def read_series(csv, columns=("end", "latitude", "longitude", "p1"), chunksize=500_000):
    """The continuous series' ``columns`` with ``end_ns`` (int64) added, read in chunks."""
    path = Path(csv)
    parts = []
    try:
        for chunk in pd.read_csv(path, usecols=list(columns), chunksize=chunksize):
            if "end" in chunk:
                chunk["end_ns"] = to_epoch_ns(chunk.pop("end"))
            parts.append(chunk)
    except ValueError as exc:  # a missing column
        raise ValueError(
            f"{path}: continuous series lacks a column of {list(columns)}: {exc}"
        ) from exc
    if not parts:
        raise ValueError(f"{path}: the continuous series is empty")
    return pd.concat(parts, ignore_index=True)
