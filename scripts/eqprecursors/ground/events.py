"""The earthquakes of one observatory: magnitude, depth, period and geodesic distance.

Two lists per observatory: the *selected* events (:func:`select_events`, the paper's
criteria, they get earthquake windows) and the *exclusion* events
(:func:`exclusion_events`, every catalog event in the radius, whatever its depth or
magnitude, which quiet windows must keep clear of).

Distances are geodesic on the WGS84 ellipsoid (Karney's algorithm via geographiclib,
:func:`eqprecursors.core.geodesy.geodesic_distance_km`): a spherical formula is off by up to
~0.5 %, i.e. ~1 km at the paper's 200 km radius, enough to flip events at the edge.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from eqprecursors.core.dates import period_bound
from eqprecursors.core.geodesy import geodesic_distance_km, haversine_km
from eqprecursors.io.catalogs import (
    CATALOG_COLUMNS,
    is_moment_magnitude,
    read_catalog,
    utc_times,
    write_catalog,
)

log = logging.getLogger(__name__)

MAGNITUDE_TYPES = ("moment", "moment_only", "any")
"""``selection.magnitude_type``: which magnitudes the M > min_magnitude cut reads.

``moment`` (default): Mw where the catalog offers it (a QuakeML event's Mw over a preferred
magnitude of another type; ISC always prefers Mw); an event without Mw keeps its catalog
magnitude (ML, mb, ...), flagged by its ``mag_type`` and counted in the log. The USGS csv
holds only the preferred magnitude, so Mw cannot be recovered from it, and the paper
(Mw > 4) counts the catalogs' reported magnitudes without converting them.
``moment_only``: only Mw-family magnitudes; every other event is dropped (and counted),
and a catalog without magnitude types (CSEP csv) is an error.
``any``: the reader's magnitude whatever its type (before issue 11).
"""


def _bound(value, *, is_end: bool) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(period_bound(value, is_end=is_end))


def select_events(
    df: pd.DataFrame,
    *,
    latitude: float,
    longitude: float,
    max_distance_km: float,
    min_magnitude: float,
    max_depth_km: float,
    start=None,
    end=None,
    strict_magnitude: bool = True,
    magnitude_type: str = "moment",
) -> pd.DataFrame:
    """Events near an observatory, with their geodesic ``distance_km``, sorted by time.

    Keeps M > ``min_magnitude`` (the paper's "M > 4"; ``strict_magnitude=False`` gives
    >=), depth <= ``max_depth_km``, distance <= ``max_distance_km`` and
    ``start <= time < end``. A bare date as ``end`` means through the end of that day, so
    the config's inclusive ``end: "2020-12-31"`` keeps events on the 31st. Events with an
    unknown magnitude, depth or position are dropped: they cannot be shown to qualify.
    ``magnitude_type`` (:data:`MAGNITUDE_TYPES`) ``moment_only`` also drops every event
    whose magnitude is not Mw. Returns exactly ``CATALOG_COLUMNS``.
    """
    if max_distance_km <= 0:
        raise ValueError(f"max_distance_km must be positive, got {max_distance_km}")
    if magnitude_type not in MAGNITUDE_TYPES:
        raise ValueError(
            f"selection.magnitude_type: {magnitude_type!r} is not one of {MAGNITUDE_TYPES}"
        )
    df = df.reset_index(drop=True)
    mag = df["magnitude"].to_numpy(dtype=float)
    keep = mag > min_magnitude if strict_magnitude else mag >= min_magnitude
    if magnitude_type == "moment_only":
        types = df["mag_type"].fillna("").astype(str).str.strip()
        if len(df) and not types.astype(bool).any():
            raise ValueError(
                "selection.magnitude_type: moment_only needs magnitude types, and this "
                "catalog has none (CSEP csv carries none); use moment or any"
            )
        keep &= is_moment_magnitude(types)
    keep &= df["depth_km"].to_numpy(dtype=float) <= max_depth_km
    return _nearby_in_period(df, keep, latitude, longitude, max_distance_km, start, end)


def _nearby_in_period(
    df, keep, latitude, longitude, radius_km, start, end, margin_hours: float = 0.0
) -> pd.DataFrame:
    """Rows of ``keep`` in ``[start - margin, end + margin)`` within ``radius_km`` of the site,
    as exactly ``CATALOG_COLUMNS`` sorted by time (with their geodesic ``distance_km``)."""
    margin = pd.Timedelta(hours=margin_hours)
    t0 = _bound(start, is_end=False)
    t1 = _bound(end, is_end=True)
    times = utc_times(df["time"])
    if t0 is not None:
        keep &= (times >= t0 - margin).to_numpy()
    if t1 is not None:
        keep &= (times < t1 + margin).to_numpy()
    dist = _distances(df, latitude, longitude, radius_km, keep)
    keep &= dist <= radius_km
    out = df.loc[keep].copy()
    out["time"] = times[keep].to_numpy()
    out["distance_km"] = dist[keep]
    for col in CATALOG_COLUMNS:
        if col not in out:
            out[col] = np.nan
    out = out[CATALOG_COLUMNS].sort_values("time", kind="stable").reset_index(drop=True)
    out["time"] = utc_times(out["time"])
    return out


def _distances(df, latitude, longitude, max_distance_km, keep) -> np.ndarray:
    """Geodesic km from the site for the rows in ``keep`` that may lie within the radius."""
    lat = df["latitude"].to_numpy(dtype=float)
    lon = df["longitude"].to_numpy(dtype=float)
    # Cheap spherical pre-filter (its error is < 0.6 %), exact geodesic for the candidates.
    keep = keep & (haversine_km(latitude, longitude, lat, lon) <= max_distance_km * 1.01 + 1.0)
    dist = np.full(len(df), np.nan)
    idx = np.flatnonzero(keep)
    dist[idx] = geodesic_distance_km(latitude, longitude, lat[idx], lon[idx])
    return dist


def exclusion_events(
    df: pd.DataFrame,
    *,
    latitude: float,
    longitude: float,
    radius_km: float,
    min_magnitude: float | None = None,
    start=None,
    end=None,
    margin_hours: float = 0.0,
) -> pd.DataFrame:
    """Every event within ``radius_km`` that quiet windows must keep clear of.

    Unlike :func:`select_events` there is no depth cut, and no magnitude cut unless
    ``min_magnitude`` is given (then M >= it): the catalog's own completeness is the floor.
    An event with unknown magnitude or depth is kept (it cannot be shown to be harmless);
    one without a position cannot be placed and is dropped. The period is
    ``[start - margin, end + margin)``, so an event just outside the record still keeps the
    windows at its edges quiet. Returns exactly ``CATALOG_COLUMNS``.
    """
    if radius_km <= 0:
        raise ValueError(f"exclusion radius must be positive, got {radius_km}")
    df = df.reset_index(drop=True)
    keep = np.ones(len(df), dtype=bool)
    if min_magnitude is not None:
        mag = df["magnitude"].to_numpy(dtype=float)
        keep &= ~(mag < min_magnitude)  # NaN stays
    return _nearby_in_period(df, keep, latitude, longitude, radius_km, start, end, margin_hours)


def exclusion_catalog_file(src, dest, *, fmt: str = "auto", **options) -> pd.DataFrame:
    """Read ``src``, keep the events of :func:`exclusion_events` and write ``dest``.

    An empty result is written (the labeller then excludes only the selected events), but
    logged as a warning: it usually means a wrong radius, period or catalog.
    """
    events = exclusion_events(read_catalog(src, fmt), **options)
    o = options
    floor = o.get("min_magnitude")
    log.info(
        "%s: %d exclusion events within %.0f km of (%.3f, %.3f), %s, any depth",
        src,
        len(events),
        o["radius_km"],
        o["latitude"],
        o["longitude"],
        "any magnitude" if floor is None else f"M >= {floor:.1f}",
    )
    if events.empty:
        log.warning("%s: no exclusion event in the radius and period", src)
    elif floor is None:
        log.info("smallest magnitude kept: %.1f", events["magnitude"].min())
    write_catalog(events, dest)
    return events


def magnitude_type_counts(events: pd.DataFrame) -> dict[str, int]:
    """Events by the kind of their magnitude: Mw family, another type, or no type given."""
    types = events["mag_type"].fillna("").astype(str).str.strip()
    moment = is_moment_magnitude(types)
    return {
        "moment": int(moment.sum()),
        "other": int((~moment & types.astype(bool).to_numpy()).sum()),
        "untyped": int((types == "").sum()),
    }


def select_catalog_file(src, dest, *, fmt: str = "auto", **selection) -> pd.DataFrame:
    """Read ``src``, select the events around one observatory and write ``dest``.

    ``selection`` holds the keyword arguments of :func:`select_events`. The log (the
    selection report) counts the selected events by magnitude type and, for
    ``moment_only``, the events dropped for want of an Mw.
    """
    s = selection
    kind = s.get("magnitude_type", "moment")
    catalog = read_catalog(src, fmt, prefer_moment=kind != "any")
    events = select_events(catalog, **selection)
    log.info(
        "%s: %d events within %.0f km of (%.3f, %.3f), M %s %.1f, depth <= %.0f km, "
        "magnitude_type %s",
        src,
        len(events),
        s["max_distance_km"],
        s["latitude"],
        s["longitude"],
        ">" if s.get("strict_magnitude", True) else ">=",
        s["min_magnitude"],
        s["max_depth_km"],
        kind,
    )
    counts = magnitude_type_counts(events)
    log.info(
        "magnitudes of the selected events: %d Mw, %d of another type (kept with their "
        "catalog magnitude, mag_type says which), %d without a type; types %s",
        counts["moment"],
        counts["other"],
        counts["untyped"],
        events["mag_type"].replace("", "(none)").value_counts().to_dict(),
    )
    if kind == "moment_only":
        anyway = select_events(catalog, **{**selection, "magnitude_type": "any"})
        log.info("dropped for want of an Mw (moment_only): %d", len(anyway) - len(events))
    write_catalog(events, dest)
    return events
