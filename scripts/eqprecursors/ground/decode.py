"""Decoding a ground observatory: IAGA-2002 files -> one regular, gap-flagged netCDF.

Merging the daily/monthly records (the last non-NaN value wins), the native-cadence regular
axis, the paper's gap policy (gaps shorter than 3 minutes filled from the local level,
longer ones left NaN and flagged) and the CF-1.8 netCDF product that labelling reads.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping

import numpy as np

from eqprecursors.core.atomic import atomic_path
from eqprecursors.core.times import NS_PER_MIN, NS_PER_S
from eqprecursors.io.iaga import (
    FRAME_GEOGRAPHIC,
    FRAME_SENSOR_HEZ,
    IagaFormatError,
    IagaRecord,
    check_monotonic,
    read_iaga,
    to_geographic,
)

__all__ = ["decode_ground", "expand_directories", "fill_short_gaps", "merge_records", "regularize"]

DEFAULT_MAX_GAP = np.timedelta64(3, "m")  # the paper's short-gap limit
_COMPONENT_ORDER = ("X", "Y", "Z", "F", "G")


def _cadence_ns(time: np.ndarray) -> int | None:
    if time.size < 2:
        return None
    return int(np.diff(time.astype("datetime64[ns]").astype(np.int64)).min())


_INTERVAL_WORDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _header_cadence_ns(rec: IagaRecord) -> int | None:
    m = re.search(r"(\d+)-(second|minute|hour|day)", rec.header.get("data interval type", ""), re.I)
    return int(m.group(1)) * _INTERVAL_WORDS[m.group(2).lower()] * NS_PER_S if m else None


def merge_records(records) -> tuple[np.ndarray, dict[str, np.ndarray], str, list[str]]:
    """Many daily/monthly records -> one continuous, regular series at the native cadence.

    Returns ``(time, values, frame, sources)``.  Missing time stamps become NaN samples.
    Duplicate rule: records are applied in sorted path order and, per time stamp and
    component, the LAST record holding a non-NaN value wins (a later file overrides an
    earlier one, but a gap in a later file never erases a valid earlier value).
    Non-monotonic time inside a record, a record from another observatory (the minority
    code), mixed frames,
    mixed cadences or time stamps off the common grid raise IagaFormatError naming the file.
    """
    recs = sorted(records, key=lambda r: r.path)
    if not recs:
        raise ValueError("merge_records needs at least one record")
    # The reference observatory is the majority code (ties: first in path order), so the
    # error names the odd file out rather than whichever sorts first.
    codes = [r.iaga_code.upper() for r in recs]
    ref = recs[codes.index(max(dict.fromkeys(codes), key=codes.count))]
    frame = None
    converted = []
    for rec in recs:
        check_monotonic(rec.path, rec.time, rec.first_data_line or 1)
        if rec.iaga_code.upper() != ref.iaga_code.upper():
            raise IagaFormatError(
                rec.path,
                rec.label_lines.get("iaga code", 1),
                f"IAGA code {rec.iaga_code!r} differs from {ref.iaga_code!r} of {ref.path}",
            )
        comps, fr = to_geographic(rec)
        if frame is None:
            frame = fr
        elif fr != frame:
            raise IagaFormatError(
                rec.path,
                rec.label_lines.get("reported", max(rec.first_data_line - 1, 1)),
                f"component frame {fr!r} ({rec.elements}) differs from {frame!r} of the "
                "earlier files; refusing to mix frames",
            )
        converted.append((rec, comps))

    cadences = {}
    for rec, _ in converted:
        c = _cadence_ns(rec.time)
        if c is not None:
            cadences[rec.path] = c
    if cadences:
        cad = min(cadences.values())
        for rec, _ in converted:
            c = cadences.get(rec.path)
            if c is not None and c != cad:
                raise IagaFormatError(
                    rec.path,
                    rec.first_data_line or 1,
                    f"cadence {c / NS_PER_S:g} s differs from {cad / NS_PER_S:g} s",
                )
    else:
        cad = _header_cadence_ns(ref) or NS_PER_MIN

    t0 = min(int(rec.time[0].astype(np.int64)) for rec, _ in converted if rec.time.size)
    t1 = max(int(rec.time[-1].astype(np.int64)) for rec, _ in converted if rec.time.size)
    n = (t1 - t0) // cad + 1
    names = [c for c in _COMPONENT_ORDER if any(c in comps for _, comps in converted)]
    out = {c: np.full(n, np.nan) for c in names}
    for rec, comps in converted:
        rel = rec.time.astype("datetime64[ns]").astype(np.int64) - t0
        off = rel % cad
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise IagaFormatError(
                rec.path,
                (rec.first_data_line or 1) + i,
                f"time stamp {rec.time[i]} is off the {cad / NS_PER_S:g} s grid of the series",
            )
        idx = rel // cad
        for c, v in comps.items():
            good = ~np.isnan(v)
            out[c][idx[good]] = v[good]
    time = (t0 + np.arange(n, dtype=np.int64) * cad).astype("datetime64[ns]")
    return time, out, frame, [rec.path for rec in recs]


def regularize(time, values: Mapping[str, np.ndarray], cadence=None):
    """Put a series on a regular axis at its native (smallest) cadence; new samples are NaN.

    Needed before :func:`fill_short_gaps`, which measures gaps in samples.
    """
    t = np.asarray(time).astype("datetime64[ns]").astype(np.int64)
    if t.size < 2:
        return t.astype("datetime64[ns]"), {
            c: np.asarray(v, float).copy() for c, v in values.items()
        }
    if np.any(np.diff(t) <= 0):
        raise ValueError("time must be strictly increasing")
    cad = int(np.timedelta64(cadence, "ns").astype(np.int64)) if cadence is not None else None
    cad = cad or int(np.diff(t).min())
    rel = t - t[0]
    if np.any(rel % cad):
        raise ValueError("time stamps are not on a regular grid of the cadence")
    idx = rel // cad
    n = int(idx[-1]) + 1
    out = {}
    for c, v in values.items():
        full = np.full(n, np.nan)
        full[idx] = np.asarray(v, dtype=np.float64)
        out[c] = full
    return (t[0] + np.arange(n, dtype=np.int64) * cad).astype("datetime64[ns]"), out


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, lengths) of the True runs of a boolean vector."""
    d = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    starts = np.flatnonzero(d == 1)
    return starts, np.flatnonzero(d == -1) - starts


def _mark(n: int, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    marks = np.zeros(n + 1, dtype=np.int32)
    np.add.at(marks, starts, 1)
    np.add.at(marks, starts + lengths, -1)
    return np.cumsum(marks[:-1]) > 0


def _fill_from_local_level(v: np.ndarray, gap: np.ndarray, k: int) -> np.ndarray:
    """Values for the ``gap`` samples of a regular series ``v`` from the samples around them.

    Inside the series: linear interpolation (in samples, i.e. in time on a regular axis)
    between the valid samples on both sides, the nearest ones as gaps are maximal NaN runs.
    A gap touching the series edge has one side only; it gets the mean of the valid samples
    among the ``k`` next to it on that side.
    """
    valid = np.flatnonzero(~np.isnan(v))
    idx = np.flatnonzero(gap)
    out = np.interp(idx, valid, v[valid])
    first, last = valid[0], valid[-1]
    out[idx < first] = np.nanmean(v[first : first + k])
    out[idx > last] = np.nanmean(v[max(last - k + 1, 0) : last + 1])
    return out


def fill_short_gaps(time, values, max_gap=DEFAULT_MAX_GAP):
    """The paper's gap policy on a regular series -> ``(values_filled, long_gap_mask)``.

    A gap (run of NaN in one component) lasting less than ``max_gap`` (at 1-min cadence:
    fewer than 3 missing samples) is filled from the local level: linearly between the
    valid samples on both sides, or at the series edge with the mean of the nearest valid
    samples (as many as ``max_gap`` holds).  The paper's "mean for the considered period"
    taken over a multi-year series would put a step of up to hundreds of nT (secular
    variation, diurnal range) into the record, which a high-pass filter turns into a spike.
    Longer gaps stay NaN and are flagged: the mask is True where any recorded component is
    inside a long gap.  A component that is NaN everywhere (not recorded, e.g. F = 88888) is
    left alone and does not count.  ``time`` must be regular (use :func:`merge_records` or
    :func:`regularize` first) because gaps are counted in samples; an irregular axis raises
    ValueError.
    """
    t = np.asarray(time).astype("datetime64[ns]").astype(np.int64)
    max_ns = int(np.timedelta64(max_gap).astype("timedelta64[ns]").astype(np.int64))
    n = t.size
    if n > 1:
        steps = np.diff(t)
        if np.any(steps != steps[0]) or steps[0] <= 0:
            raise ValueError("fill_short_gaps needs a regular time axis: call regularize() first")
        cad = int(steps[0])
    else:
        cad = None
    k = max(1, max_ns // cad) if cad else 1  # edge gaps: mean of this many neighbours
    filled = {}
    mask = np.zeros(n, dtype=bool)
    for c, v in values.items():
        v = np.array(v, dtype=np.float64)
        if v.shape != (n,):
            raise ValueError(f"component {c!r} has shape {v.shape}, time has {n} samples")
        nan = np.isnan(v)
        if nan.all() or not nan.any():
            filled[c] = v
            continue
        starts, lengths = _runs(nan)
        short = lengths * cad < max_ns if cad else np.zeros(lengths.size, dtype=bool)
        gap = _mark(n, starts[short], lengths[short])
        if gap.any():
            v[gap] = _fill_from_local_level(v, gap, k)
        mask |= _mark(n, starts[~short], lengths[~short])
        filled[c] = v
    return filled, mask


# ======================================================================================
# netCDF output
# ======================================================================================
_LONG_NAMES = {
    FRAME_GEOGRAPHIC: {
        "X": "geomagnetic field northward component (geographic north)",
        "Y": "geomagnetic field eastward component (geographic east)",
    },
    FRAME_SENSOR_HEZ: {
        "X": "geomagnetic field component along the sensor H axis (baseline magnetic north)",
        "Y": "geomagnetic field component along the sensor E axis (east of the H axis)",
    },
}
_OTHER_NAMES = {
    "Z": "geomagnetic field vertical component (positive down)",
    "F": "geomagnetic total field intensity",
    "G": "delta F: vector-derived minus scalar total field (IAGA element G)",
}


def _finite_median(xs) -> float:
    """Station coordinates can differ in the last digit between files; take the median."""
    xs = [x for x in xs if math.isfinite(x)]
    return float(np.median(xs)) if xs else math.nan


def expand_directories(paths) -> list[str]:
    """Paths with every directory replaced by the sorted files in it.

    A generator or a provider delivers a directory of daily files; the DAG knows only the
    directory, so the decoder lists it.
    """
    out = []
    for p in map(os.fspath, paths):
        if os.path.isdir(p):
            out += sorted(
                os.path.join(p, name)
                for name in os.listdir(p)
                if os.path.isfile(os.path.join(p, name)) and not name.startswith(".")
            )
        else:
            out.append(p)
    return out


def decode_ground(paths, out_nc, *, iaga_code, max_fill_gap_minutes=3) -> None:
    """Observatory IAGA-2002 files -> one CF-1.8 netCDF (X, Y, Z[, F, G], gap_mask).

    Everything is read and checked before anything is written, and the file is written to a
    temporary name in the output directory and renamed, so a failure never leaves a partial
    output.  Malformed input raises IagaFormatError.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    paths = expand_directories(paths)
    if not paths:
        raise ValueError("decode_ground needs at least one input file")
    code = str(iaga_code).strip().upper()
    records = [rec for p in paths for rec in read_iaga(p)]
    for rec in records:
        if rec.iaga_code.upper() != code:
            raise IagaFormatError(
                rec.path,
                rec.label_lines.get("iaga code", 1),
                f"file is from observatory {rec.iaga_code!r}, expected {code!r}",
            )
    time, values, frame, sources = merge_records(records)
    recorded = {c: v for c, v in values.items() if c in "XYZ" or not np.isnan(v).all()}
    max_gap = np.timedelta64(int(round(float(max_fill_gap_minutes) * 60 * NS_PER_S)), "ns")
    filled, mask = fill_short_gaps(time, recorded, max_gap)
    for c in "XYZ":  # a vector component missing for the whole period is a gap too
        mask |= np.isnan(filled[c])
    was_filled = np.zeros(time.size, dtype=bool)
    for c in filled:
        was_filled |= np.isnan(recorded[c]) & ~np.isnan(filled[c])
    n_short = int(_runs(was_filled)[0].size)

    t_ns = time.astype(np.int64)
    cad_ns = int(np.diff(t_ns).min()) if t_ns.size > 1 else NS_PER_MIN
    ref = time[0].astype("datetime64[D]")
    rel = t_ns - ref.astype("datetime64[ns]").astype(np.int64)
    if cad_ns % NS_PER_MIN == 0:
        unit, scale = "minutes", NS_PER_MIN
    else:
        unit, scale = "seconds", NS_PER_S
    tvals = rel // scale if not np.any(rel % scale) else rel / scale

    first = records[0]
    lat, lon, elev = (
        _finite_median([getattr(r, key) for r in records])
        for key in ("latitude", "longitude", "elevation")
    )
    dtypes = sorted({r.data_type for r in records if r.data_type})

    import netCDF4  # local: only the decode step needs the netCDF library

    with atomic_path(out_nc) as tmp, netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        ds.createDimension("time", t_ns.size)
        tv = ds.createVariable("time", "i8" if tvals.dtype.kind == "i" else "f8", ("time",))
        tv.units = f"{unit} since {ref} 00:00:00"
        tv.calendar = "standard"
        tv.standard_name = "time"
        tv.long_name = "time (UTC)"
        tv.axis = "T"
        tv[:] = tvals
        for c, v in filled.items():
            var = ds.createVariable(c, "f8", ("time",), zlib=True, fill_value=np.nan)
            var.units = "nT"
            var.long_name = _LONG_NAMES.get(frame, {}).get(c) or _OTHER_NAMES.get(c, c)
            var.component = c
            var.component_frame = frame
            if c == "Z":
                var.positive = "down"
            var[:] = v
        gm = ds.createVariable("gap_mask", "i1", ("time",), zlib=True)
        gm.long_name = "sample lies inside a gap too long to fill (left NaN)"
        gm.flag_values = np.array([0, 1], dtype=np.int8)
        gm.flag_meanings = "valid_or_short_gap_filled long_gap"
        gm[:] = mask.astype(np.int8)
        ds.setncatts(
            {
                "Conventions": "CF-1.8",
                "title": f"IAGA-2002 ground magnetometer data, observatory {code}",
                "iaga_code": code,
                "station_name": first.header.get("station name", ""),
                "latitude": lat,
                "longitude": lon,
                "elevation": elev,
                "data_type": ", ".join(dtypes),
                "component_frame": frame,
                "source_files": "\n".join(os.path.basename(s) for s in sources),
                "cadence_seconds": cad_ns / NS_PER_S,
                "n_filled_short_gaps": n_short,
                "n_long_gap_samples": int(mask.sum()),
                "gap_policy": (
                    f"gaps shorter than {float(max_fill_gap_minutes):g} min filled from the "
                    "local level (linear interpolation between the valid samples on both "
                    "sides; at the series edge the mean of the nearest valid samples); longer "
                    "gaps left NaN and gap_mask=1; n_filled_short_gaps counts filled runs of "
                    "time steps"
                ),
                "duplicate_rule": (
                    "overlapping files applied in sorted path order; the last non-NaN value wins"
                ),
            }
        )
