"""Labelled along-track sequences of the satellite study (Xiong et al. 2021).

Input: the decoded series (``results/decoded/satellite/{sat}.nc``: ``time``, ``latitude``,
``longitude``, ``altitude``, ``ne``, ``te``, ``local_time``, ``orbit``), the events CSV of
:mod:`eqprecursors.satellite.events` and the tidy Kp CSV.

* **Sequences**: each half-orbit (one ``orbit`` id, a contiguous run of samples) is cut into
  non-overlapping windows of T consecutive samples from its first sample; the last
  ``L mod T`` samples of a half-orbit are left over. A window whose first-to-last time
  difference is not ``(T - 1) * cadence_s`` (within half a cadence) spans a gap and is
  dropped (``dropped_gap``); one with a NaN in ``ne``, ``te`` or its position is dropped
  (``dropped_nan``, counted only among windows without a gap).
* **Centre**: position and local time of the middle of the window (the mean of the two
  middle samples when T is even, on the unit sphere and on the 24-h clock).
* **Time of day**: ``night`` when the centre local time lies in ``night_hours`` = [from, to)
  (wrapping midnight when from > to, as [18, 6]); ``day`` the rest.
* **Spatial window** of an event: a circle of ``spatial_window`` degrees of great-circle
  angle between the epicentre and the sequence centre, or ``"dobrovolsky"``: radius
  ``R = 10^(0.43 M)`` km (:func:`dobrovolsky_radius_deg`); artificial events carry a
  magnitude drawn from the independent ones (:mod:`.events`); an event without one takes
  the median magnitude of the independent events (``fallback_magnitude`` in the report).
  Bounds inclusive.
* **Pre-seismic window**: ``start >= t_event - pre_seismic_days`` and ``end <= t_event``.
* **Classes** (precedence Kp > seismic > non-seismic): **2** when the max Kp over the
  sequence's samples exceeds ``kp_threshold``; else **1** when it lies in the spatial and
  pre-seismic window of an independent event; else **0** when it lies in those of an
  artificial event; sequences matching none are not kept. ``storm_scope`` says which
  storm sequences are class 2: ``"windows"`` (default) only those that lie in the window
  of some event (Kp overrides the seismic or non-seismic label, "whatever else applies");
  ``"all"`` every storm-time sequence of the series. A sequence whose Kp is unknown (no
  Kp interval covers a sample) cannot be told apart from a storm and is dropped
  (``dropped_kp_missing``). When several events match, the nearest (of the class that
  wins) is recorded: ``event_id``, ``magnitude``, ``distance_deg``.

Vectorised: per event two binary searches on the (time-ordered) sequences bound its
pre-seismic slice, and distances are computed on that slice only. Streamed (issue 11):
:func:`make_dataset` labels the decoded series in blocks of whole half-orbits
(:func:`label_blocks`; every rule above decides per sequence, so blocks change nothing) and
keeps only the labelled sequences, so its memory is one block plus the dataset it writes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_path, atomic_write_bytes
from eqprecursors.core.geodesy import EARTH_MEAN_RADIUS_KM
from eqprecursors.core.reports import write_json
from eqprecursors.core.times import NS_PER_DAY, NS_PER_S, format_iso_ms
from eqprecursors.io import kp as kpio
from eqprecursors.satellite.decoded import (
    CHUNK_SAMPLES,
    DECODED_VARIABLES,
    DecodedSeries,
    half_orbit_blocks,
)
from eqprecursors.satellite.events import read_events

log = logging.getLogger(__name__)

CHANNELS = ("ne", "te")
SEQUENCE_COLUMNS = [
    "index",
    "satellite",
    "start",
    "end",
    "latitude",
    "longitude",
    "local_time",
    "orbit",
    "label",
    "event_id",
    "magnitude",
    "distance_deg",
    "max_kp",
    "event_time",
    "event_kind",
]
"""Columns of sequences.csv; ``event_time`` and ``event_kind`` go beyond the contract (the
split keeps each event's pre-seismic window on one side of its boundary)."""
TIMES_OF_DAY = ("night", "day")
STORM_SCOPES = ("windows", "all")
NON_SEISMIC, PRE_SEISMIC, STORM = 0, 1, 2


# ------------------------------------------------------------------------- geometry
def dobrovolsky_radius_km(magnitude) -> np.ndarray:
    """Dobrovolsky et al. (1979) preparation-zone radius ``R = 10^(0.43 M)`` km."""
    return 10.0 ** (0.43 * np.asarray(magnitude, dtype=float))


def dobrovolsky_radius_deg(magnitude) -> np.ndarray:
    """The Dobrovolsky radius as a great-circle angle on the mean sphere (degrees)."""
    return np.degrees(dobrovolsky_radius_km(magnitude) / EARTH_MEAN_RADIUS_KM)


def angular_distance_deg(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle angle (degrees) between points (haversine; vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def is_night(local_time, night_hours=(18.0, 6.0)) -> np.ndarray:
    """True where the local time (hours) lies in ``[from, to)``; wraps midnight if from > to."""
    lt = np.mod(np.asarray(local_time, dtype=float), 24.0)
    lo, hi = float(night_hours[0]), float(night_hours[1])
    if lo <= hi:
        return (lt >= lo) & (lt < hi)
    return (lt >= lo) | (lt < hi)


# -------------------------------------------------------------------------- windows
def cut_windows(time_ns, orbit, length: int, cadence_s: float) -> tuple[np.ndarray, dict]:
    """First-sample indices of the gap-free windows of ``length`` samples, and counts.

    Windows are non-overlapping and never cross a change of ``orbit`` (a half-orbit).
    """
    if length < 2:
        raise ValueError(f"sequence_length must be >= 2, got {length}")
    t = np.asarray(time_ns, dtype=np.int64)
    orb = np.asarray(orbit)
    n = t.size
    seg_start = np.flatnonzero(np.r_[True, orb[1:] != orb[:-1]]) if n else np.empty(0, int)
    seg_len = np.diff(np.r_[seg_start, n])
    per_seg = seg_len // length
    starts = np.repeat(seg_start, per_seg) + length * (
        np.arange(per_seg.sum()) - np.repeat(np.cumsum(per_seg) - per_seg, per_seg)
    )
    span = t[starts + length - 1] - t[starts] if starts.size else np.empty(0, np.int64)
    expected = (length - 1) * cadence_s * NS_PER_S
    ok = np.abs(span - expected) <= 0.5 * cadence_s * NS_PER_S
    counts = {
        "samples": int(n),
        "half_orbits": int(seg_start.size),
        "windows": int(starts.size),
        "dropped_gap": int((~ok).sum()),
        "leftover_samples": int((seg_len % length).sum()),
    }
    return starts[ok], counts


def _circular_mean_hours(a, b) -> np.ndarray:
    ang = np.radians(np.asarray(a) * 15.0), np.radians(np.asarray(b) * 15.0)
    x = np.cos(ang[0]) + np.cos(ang[1])
    y = np.sin(ang[0]) + np.sin(ang[1])
    return np.mod(np.degrees(np.arctan2(y, x)) / 15.0, 24.0)


def window_centres(lat, lon, local_time, starts, length: int):
    """(latitude, longitude, local_time) of each window's middle."""
    i = np.asarray(starts) + (length - 1) // 2
    j = np.asarray(starts) + length // 2
    p1, l1 = np.radians(lat[i]), np.radians(lon[i])
    p2, l2 = np.radians(lat[j]), np.radians(lon[j])
    x = np.cos(p1) * np.cos(l1) + np.cos(p2) * np.cos(l2)
    y = np.cos(p1) * np.sin(l1) + np.cos(p2) * np.sin(l2)
    z = np.sin(p1) + np.sin(p2)
    clat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    clon = np.degrees(np.arctan2(y, x))
    return clat, clon, _circular_mean_hours(local_time[i], local_time[j])


# --------------------------------------------------------------------------- events
def nearest_event(
    start_ns, end_ns, lat, lon, ev_time_ns, ev_lat, ev_lon, radius_deg, pre_seismic_days
) -> tuple[np.ndarray, np.ndarray]:
    """Per sequence: index of the nearest event whose windows hold it (-1: none), distance.

    Sequences must be ordered by start (and so by end: they do not overlap). An event
    ``e`` holds sequence ``s`` when ``start_s >= t_e - pre``, ``end_s <= t_e`` and the
    centre is within ``radius_deg[e]`` degrees of the epicentre.
    """
    start_ns = np.asarray(start_ns, dtype=np.int64)
    end_ns = np.asarray(end_ns, dtype=np.int64)
    best = np.full(start_ns.size, -1, dtype=np.int64)
    dist = np.full(start_ns.size, np.inf)
    pre = int(round(pre_seismic_days * NS_PER_DAY))
    ev_time_ns = np.asarray(ev_time_ns, dtype=np.int64)
    radius = np.broadcast_to(np.asarray(radius_deg, dtype=float), ev_time_ns.shape)
    lo = np.searchsorted(start_ns, ev_time_ns - pre, side="left")
    hi = np.searchsorted(end_ns, ev_time_ns, side="right")
    for e in np.flatnonzero(hi > lo):
        sl = slice(lo[e], hi[e])
        near = np.abs(lat[sl] - ev_lat[e]) <= radius[e]  # cheap latitude pre-filter
        if not near.any():
            continue
        idx = np.flatnonzero(near) + lo[e]
        d = angular_distance_deg(ev_lat[e], ev_lon[e], lat[idx], lon[idx])
        better = (d <= radius[e]) & (d < dist[idx])
        best[idx[better]] = e
        dist[idx[better]] = d[better]
    dist[best < 0] = np.nan
    return best, dist


def event_radii(events: pd.DataFrame, spatial_window) -> tuple[np.ndarray, dict]:
    """Spatial-window radius (deg) of every event, and what was used (for the report)."""
    if spatial_window == "dobrovolsky":
        mag = events["magnitude"].to_numpy(dtype=float)
        real = events["kind"].to_numpy() == "independent"
        fallback = float(np.nanmedian(mag[real])) if real.any() else float("nan")
        mag = np.where(np.isfinite(mag), mag, fallback)
        note = {"spatial_window": "dobrovolsky", "fallback_magnitude": fallback}
        return dobrovolsky_radius_deg(mag), note
    radius = float(spatial_window)
    if not radius > 0:
        raise ValueError(f"spatial_window must be a positive radius or 'dobrovolsky': {radius}")
    return np.full(len(events), radius), {"spatial_window": radius}


def assign_labels(storm, seismic, non_seismic, *, storm_scope: str = "windows") -> np.ndarray:
    """Class per sequence (-1: not kept) with precedence Kp (2) > seismic (1) > non-seismic (0)."""
    if storm_scope not in STORM_SCOPES:
        raise ValueError(f"storm_scope must be one of {STORM_SCOPES}, got {storm_scope!r}")
    storm, seismic, non_seismic = (np.asarray(a, dtype=bool) for a in (storm, seismic, non_seismic))
    label = np.full(storm.size, -1, dtype=np.int64)
    label[non_seismic] = NON_SEISMIC
    label[seismic] = PRE_SEISMIC
    in_window = seismic | non_seismic
    label[storm & (in_window if storm_scope == "windows" else True)] = STORM
    return label


# ------------------------------------------------------------------------- pipeline
def usable_windows(data, starts, T: int, time_of_day: str, night_hours, counts: dict):
    """The windows a dataset keeps before labelling: no NaN in any channel or position, and
    the centre's local time on the asked side of the day. Shared by the labelled datasets
    and the continuous alarm series (satellite.continuous), so both cut alike.

    Returns (values (n, 2) of the channels, starts, sample indices (k, T), (centre
    latitude, longitude, local time)); adds ``dropped_nan`` and ``dropped_time_of_day`` to
    ``counts``.
    """
    idx = starts[:, None] + np.arange(T)
    values = np.stack([np.asarray(data[c], dtype=float) for c in CHANNELS], axis=-1)
    pos = np.stack([data["latitude"], data["longitude"], data["local_time"]], axis=-1)
    finite = np.isfinite(values).all(axis=-1) & np.isfinite(pos).all(axis=-1)
    ok = finite[idx].all(axis=1)
    counts["dropped_nan"] = int((~ok).sum())
    starts, idx = starts[ok], idx[ok]
    centres = window_centres(data["latitude"], data["longitude"], data["local_time"], starts, T)
    night = is_night(centres[2], night_hours)
    keep = night if time_of_day == "night" else ~night
    counts["dropped_time_of_day"] = int((~keep).sum())
    return values, starts[keep], idx[keep], tuple(c[keep] for c in centres)


def label_block(
    data: dict,
    events: pd.DataFrame,
    kp_df: pd.DataFrame,
    radius: np.ndarray,
    *,
    T: int,
    time_of_day: str,
    night_hours,
    pre_seismic_days: float,
    kp_threshold: float,
    cadence_s: float,
    storm_scope: str,
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The labelled sequences of whole half-orbits (``data``) and the drop counts.

    Every step decides per sequence (its window, its samples, its Kp, the events around
    it), so blocks of whole half-orbits labelled one by one give the whole series' answer.
    """
    t = np.asarray(data["time_ns"], dtype=np.int64)
    starts, counts = cut_windows(t, data["orbit"], T, cadence_s)
    values, starts, idx, (clat, clon, clt) = usable_windows(
        data, starts, T, time_of_day, night_hours, counts
    )
    # NaN unless every instant from the first to the last sample has a known Kp
    window_kp = kpio.max_kp_over_windows(kp_df, t[starts], t[starts + T - 1] + 1, skipna=False)
    known = np.isfinite(window_kp)
    counts["dropped_kp_missing"] = int((~known).sum())
    starts, idx, clat, clon, clt = starts[known], idx[known], clat[known], clon[known], clt[known]
    max_kp = window_kp[known]
    s_ns, e_ns = t[starts], t[starts + T - 1]

    ev_t = events["time_ns"].to_numpy(dtype=np.int64)
    ev_lat = events["latitude"].to_numpy(dtype=float)
    ev_lon = events["longitude"].to_numpy(dtype=float)
    matches = {}
    for kind in ("independent", "artificial"):
        sel = np.flatnonzero(events["kind"].to_numpy() == kind)
        best, dist = nearest_event(
            s_ns,
            e_ns,
            clat,
            clon,
            ev_t[sel],
            ev_lat[sel],
            ev_lon[sel],
            radius[sel],
            pre_seismic_days,
        )
        # no event of this kind (a quiet mission period): nothing matches, nothing to index
        event_of = sel[np.maximum(best, 0)] if sel.size else np.full(best.shape, -1)
        matches[kind] = (np.where(best >= 0, event_of, -1), dist)
    seismic = matches["independent"][0] >= 0
    non_seismic = matches["artificial"][0] >= 0
    label = assign_labels(max_kp > kp_threshold, seismic, non_seismic, storm_scope=storm_scope)
    counts["unlabelled"] = int((label < 0).sum())
    event = np.where(seismic, matches["independent"][0], matches["artificial"][0])
    dist = np.where(seismic, matches["independent"][1], matches["artificial"][1])
    kept = label >= 0
    out = {
        "start_ns": s_ns[kept],
        "end_ns": e_ns[kept],
        "latitude": clat[kept],
        "longitude": clon[kept],
        "local_time": clt[kept],
        "orbit": np.asarray(data["orbit"])[starts[kept]].astype(np.int64),
        "label": label[kept],
        "event": event[kept],
        "distance_deg": dist[kept],
        "max_kp": max_kp[kept],
        "x": values[idx[kept]].astype(np.float32),
    }
    return out, counts


def _empty_block() -> dict[str, np.ndarray]:
    block = {v: np.empty(0) for v in DECODED_VARIABLES}
    return block | {"orbit": np.empty(0, np.int64), "time_ns": np.empty(0, np.int64)}


def label_blocks(
    blocks: Iterable[dict],
    events: pd.DataFrame,
    kp_df: pd.DataFrame,
    *,
    sequence_length: int,
    spatial_window,
    time_of_day: str,
    night_hours=(18.0, 6.0),
    pre_seismic_days: float = 15.0,
    kp_threshold: float = 3.0,
    cadence_s: float = 1.5,
    storm_scope: str = "windows",
    satellite: str = "",
) -> tuple[np.ndarray, pd.DataFrame, dict]:
    """Blocks of whole half-orbits (in time order) + events + Kp -> (sequences (n, T, 2)
    float32, table, report); only the kept sequences of each block outlive it."""
    if time_of_day not in TIMES_OF_DAY:
        raise ValueError(f"time_of_day must be one of {TIMES_OF_DAY}, got {time_of_day!r}")
    T = int(sequence_length)
    radius, radius_note = event_radii(events, spatial_window)
    options = dict(
        T=T, time_of_day=time_of_day, night_hours=night_hours, pre_seismic_days=pre_seismic_days,
        kp_threshold=kp_threshold, cadence_s=cadence_s, storm_scope=storm_scope,
    )  # fmt: skip
    parts, counts = [], None
    for block in blocks:
        part, c = label_block(block, events, kp_df, radius, **options)
        counts = c if counts is None else {k: counts[k] + c[k] for k in counts}
        parts.append(part)
    if counts is None:  # an empty series: the counts of nothing
        part, counts = label_block(_empty_block(), events, kp_df, radius, **options)
        parts.append(part)
    kept = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    del parts
    event, label = kept["event"], kept["label"]
    has = event >= 0
    ev = events.iloc[np.maximum(event, 0)] if len(events) else None

    def ev_col(name, fill):
        if ev is None:
            return np.full(label.size, fill, dtype=object)
        return np.where(has, ev[name].to_numpy(dtype=object), fill)

    table = pd.DataFrame(
        {
            "index": np.arange(label.size),
            "satellite": satellite,
            "start": format_iso_ms(kept["start_ns"]),
            "end": format_iso_ms(kept["end_ns"]),
            "latitude": np.round(kept["latitude"], 4),
            "longitude": np.round(kept["longitude"], 4),
            "local_time": np.round(kept["local_time"], 4),
            "orbit": kept["orbit"],
            "label": label,
            "event_id": ev_col("event_id", ""),
            "magnitude": ev_col("magnitude", np.nan).astype(float),
            "distance_deg": np.round(kept["distance_deg"], 4),
            "max_kp": kept["max_kp"],
            "event_time": ev_col("time", ""),
            "event_kind": ev_col("kind", ""),
        },
        columns=SEQUENCE_COLUMNS,
    )
    report = {
        "satellite": satellite,
        "counts": {str(c): int((label == c).sum()) for c in (NON_SEISMIC, PRE_SEISMIC, STORM)},
        "n_sequences": int(label.size),
        "sequences_dropped": counts,
        "events": {
            "independent": int((events["kind"] == "independent").sum()),
            "artificial": int((events["kind"] == "artificial").sum()),
            "independent_with_sequences": int(
                table.loc[table["event_kind"] == "independent", "event_id"].nunique()
            ),
        },
        "config": {
            "sequence_length": T,
            "time_of_day": time_of_day,
            "night_hours": list(night_hours),
            "pre_seismic_days": pre_seismic_days,
            "kp_threshold": kp_threshold,
            "cadence_s": cadence_s,
            "storm_scope": storm_scope,
            **radius_note,
        },
    }
    return kept["x"], table, report


def label_sequences(data: dict, events: pd.DataFrame, kp_df: pd.DataFrame, **options):
    """Decoded arrays + events + Kp -> (sequences (n, T, 2) float32, table, report).

    ``data`` is the whole series in memory (``time_ns`` + :data:`DECODED_VARIABLES`);
    ``options`` as :func:`label_blocks`, which :func:`make_dataset` feeds block by block.
    """
    return label_blocks([data], events, kp_df, **options)


def read_decoded(path) -> dict:
    """The decoded netCDF as numpy arrays (``time_ns`` + :data:`DECODED_VARIABLES`) and attrs."""
    import xarray as xr

    try:
        ds = xr.open_dataset(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot open decoded satellite netCDF ({exc})") from exc
    with ds:
        missing = [v for v in ("time", *DECODED_VARIABLES) if v not in ds.variables]
        if missing:
            raise ValueError(f"{path}: decoded netCDF lacks variable(s) {missing}")
        time = ds["time"].values
        if not np.issubdtype(time.dtype, np.datetime64):
            raise ValueError(f"{path}: `time` is {time.dtype}, expected datetime64")
        out = {v: ds[v].values for v in DECODED_VARIABLES}
        out["time_ns"] = time.astype("datetime64[ns]").astype(np.int64)
        out["attrs"] = dict(ds.attrs)
    if out["time_ns"].size and np.any(np.diff(out["time_ns"]) <= 0):
        raise ValueError(f"{path}: `time` is not strictly increasing")
    return out


def make_dataset(
    decoded_nc,
    events_csv,
    kp_csv,
    out_dir,
    *,
    sequence_length: int,
    spatial_window,
    time_of_day: str,
    night_hours=(18.0, 6.0),
    pre_seismic_days: float = 15.0,
    kp_threshold: float = 3.0,
    cadence_s: float = 1.5,
    storm_scope: str = "windows",
    satellite: str | None = None,
    chunk_samples: int = CHUNK_SAMPLES,
) -> dict:
    """Files in, dataset directory out: sequences.npy, sequences.csv, report.json.

    The decoded series is read ``chunk_samples`` at a time in whole half-orbits
    (:func:`~.decoded.half_orbit_blocks`), so memory holds one block and the kept
    sequences, not the mission.
    """
    with DecodedSeries(decoded_nc) as series:
        satellite = satellite or str(series.attrs.get("satellite", ""))
        events = read_events(events_csv)
        kp_df = kpio.read_kp(kp_csv, fmt="csv")
        sequences, table, report = label_blocks(
            half_orbit_blocks(series, 0, np.iinfo(np.int64).max, chunk_samples),
            events,
            kp_df,
            sequence_length=sequence_length,
            spatial_window=spatial_window,
            time_of_day=time_of_day,
            night_hours=night_hours,
            pre_seismic_days=pre_seismic_days,
            kp_threshold=kp_threshold,
            cadence_s=cadence_s,
            storm_scope=storm_scope,
            satellite=satellite,
        )
    if not len(table):
        raise ValueError(
            f"{decoded_nc}: no labelled sequence (T={sequence_length}, {time_of_day}, "
            f"window {spatial_window}); dropped: {report['sequences_dropped']}"
        )
    report["inputs"] = {"decoded": str(decoded_nc), "events": str(events_csv), "kp": str(kp_csv)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "sequences.npy", suffix=".npy") as tmp:
        np.save(tmp, sequences)
    text = table.to_csv(index=False, lineterminator="\n")
    atomic_write_bytes(out / "sequences.csv", text.encode("utf-8"))
    write_json(report, out / "report.json")
    log.info("%s: %d sequences, classes %s", out, len(table), report["counts"])
    return report
