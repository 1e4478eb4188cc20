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

Streaming: the decoded netCDF is read through netCDF4 in blocks of ``chunk_samples``
samples, each block cut at its last half-orbit boundary (the unfinished half-orbit is
carried to the next block), so peak memory is one block plus the model, whatever the
length of the series; the first read starts at the half-orbit holding the period's start.
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
from eqprecursors.satellite.sequences import (
    DECODED_VARIABLES,
    TIMES_OF_DAY,
    cut_windows,
    usable_windows,
)

log = logging.getLogger(__name__)

SERIES_COLUMNS = [
    "start", "end", "latitude", "longitude", "local_time", "orbit", "p0", "p1", "p2",
]  # fmt: skip
"""Columns of the continuous series CSV: one row per sequence, in time order."""
CHUNK_SAMPLES = 500_000
"""Samples per read block (~28 MB of decoded variables; about 9 days at 1.5 s)."""
COUNT_KEYS = ("half_orbits", "windows", "dropped_nan", "dropped_time_of_day", "sequences")
NS_TIME_UNITS = "nanoseconds since 1970-01-01"


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


class DecodedSeries:
    """Slices of a decoded satellite netCDF read on demand; the file is never loaded whole."""

    def __init__(self, path):
        import netCDF4

        self.path = str(path)
        try:
            self.nc = netCDF4.Dataset(self.path)
        except OSError as exc:
            raise ValueError(f"{path}: cannot open decoded satellite netCDF ({exc})") from exc
        missing = [v for v in ("time", *DECODED_VARIABLES) if v not in self.nc.variables]
        if missing:
            self.nc.close()
            raise ValueError(f"{path}: decoded netCDF lacks variable(s) {missing}")
        self.nc.set_auto_mask(False)  # NaN fill values stay NaN
        tv = self.nc.variables["time"]
        self.units = getattr(tv, "units", "")
        self.calendar = getattr(tv, "calendar", "proleptic_gregorian")
        self.n = int(tv.shape[0])

    def close(self) -> None:
        self.nc.close()

    def __enter__(self) -> DecodedSeries:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def time_ns(self, a: int, b: int) -> np.ndarray:
        raw = np.asarray(self.nc.variables["time"][a:b])
        if self.units == NS_TIME_UNITS:
            return raw.astype(np.int64)
        from xarray.coding.times import decode_cf_datetime

        decoded = decode_cf_datetime(raw, self.units, self.calendar)
        return np.asarray(decoded, dtype="datetime64[ns]").astype(np.int64)

    def orbit(self, a: int, b: int) -> np.ndarray:
        return np.asarray(self.nc.variables["orbit"][a:b])

    def read(self, a: int, b: int) -> dict[str, np.ndarray]:
        """Samples ``a:b``: ``time_ns`` and :data:`DECODED_VARIABLES`."""
        out = {v: np.asarray(self.nc.variables[v][a:b]) for v in DECODED_VARIABLES}
        out["time_ns"] = self.time_ns(a, b)
        if out["time_ns"].size > 1 and np.any(np.diff(out["time_ns"]) <= 0):
            raise ValueError(f"{self.path}: `time` is not strictly increasing in samples {a}:{b}")
        return out

    def first_at_or_after(self, t_ns: int) -> int:
        """Index of the first sample at or after ``t_ns`` (binary search, one read a step)."""
        lo, hi = 0, self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.time_ns(mid, mid + 1)[0] < t_ns:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def half_orbit_start(self, i: int) -> int:
        """First index of the half-orbit (run of one ``orbit`` id) holding sample ``i``."""
        if i <= 0 or i >= self.n:
            return max(0, min(i, self.n))
        own = self.orbit(i, i + 1)[0]
        end, step = i, 4096
        while end > 0:
            lo = max(0, end - step)
            other = np.flatnonzero(self.orbit(lo, end) != own)
            if other.size:
                return lo + int(other[-1]) + 1
            end, step = lo, 2 * step
        return 0


def _take(block: dict, sl: slice) -> dict:
    return {k: v[sl] for k, v in block.items()}


def half_orbit_blocks(
    series: DecodedSeries, first: int, last_ns: int, chunk_samples: int
) -> Iterator[dict]:
    """Blocks of whole half-orbits from sample ``first`` until a block passes ``last_ns``.

    Each half-orbit lies in one block (the last block's final one may end early: its
    windows after ``last_ns`` are not wanted).
    """
    if chunk_samples < 1:
        raise ValueError(f"chunk_samples must be >= 1, got {chunk_samples}")
    a, pending = first, None
    while a < series.n:
        b = min(a + chunk_samples, series.n)
        block = series.read(a, b)
        if pending is not None:
            block = {k: np.concatenate([pending[k], block[k]]) for k in block}
            if block["time_ns"].size > 1 and np.any(np.diff(block["time_ns"]) <= 0):
                raise ValueError(f"{series.path}: `time` is not strictly increasing near {a}")
        pending = None
        if b >= series.n or block["time_ns"][-1] > last_ns:
            yield block  # a half-orbit cut at b ends after the period: windows beyond drop
            return
        orb = block["orbit"]
        changes = np.flatnonzero(orb[1:] != orb[:-1])
        if changes.size == 0:
            pending = block  # one half-orbit longer than the block so far
        else:
            cut = int(changes[-1]) + 1
            yield _take(block, slice(0, cut))
            pending = _take(block, slice(cut, None))
        a = b
    if pending is not None:
        yield pending


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
