"""The events of the satellite study: a global catalog, declustered, plus artificial events.

Steps (Xiong et al. 2021; every number comes from config ``satellite_study``):

1. **Selection**: magnitude >= ``min_magnitude``, depth <= ``max_depth_km`` (``None``: no
   cut; an unknown depth then passes), latitude inside ``latitude_range`` (the satellites'
   coverage, the same range the artificial events are drawn in) and time in the *event
   period* ``[start, end + pre_seismic_days)``: an event up to ``pre_seismic_days`` after
   the last data day still has its pre-seismic window inside the data.
2. **Declustering** (:func:`decluster`): sorted by time, an event inside the
   ``box_deg`` x ``box_deg`` box centred on an earlier event (``|dlat| <= box/2`` and
   ``|dlon| <= box/2``, longitude wrapped at +-180 deg, bounds inclusive) and within
   ``days`` after it (``0 <= dt <= days``) is an aftershock and is removed.
   *Earlier event* means **any** earlier event of the selection, aftershocks included
   (``reference="any"``, the default): the paper's wording names no independence
   condition, the test of an event then depends only on the catalog (not on earlier
   decisions), and an aftershock sequence that outlasts ``days`` stays removed as long as
   it is active -- with ``reference="independent"`` an aftershock 20 days after its main
   shock but 5 days after another aftershock would come back as "independent" and its
   pre-seismic window would be the main shock's co-seismic data. The declustering runs on
   the selection extended ``days`` before ``start``, so an early event can be an
   aftershock of one just before the period.
3. **Artificial events** (:func:`artificial_events`): ``round(per_real * n_independent)``
   events, seeded, uniform in time over the event period and uniform on the sphere
   (uniform in ``sin(latitude)``) inside ``latitude_range``, all longitudes; each gets a
   magnitude drawn from those of the independent events, used only for its Dobrovolsky
   radius (so the non-seismic and pre-seismic windows have one size distribution). A candidate is
   rejected when a **real** event lies within ``exclusion_days`` of it in time *and*
   within ``exclusion_deg`` of it in latitude *and* in longitude (wrapped), i.e. inside a
   20 deg x 20 deg x 30 day box. "Real" means every event of the catalog with magnitude
   >= ``min_magnitude`` in the time range, at any depth and latitude, aftershocks
   included -- not only the independent ones -- so no artificial event sits near any
   known earthquake. (Excluding on latitude *or* longitude alone would leave nothing to
   draw from: a month of M >= 5 events covers every longitude band.) With
   ``exclusion_days >= pre_seismic_days`` the 15-day window before an artificial event
   never overlaps in time the pre-seismic window of a real event inside its box.

Output (:func:`make_events`): one CSV with columns :data:`EVENT_COLUMNS` (``kind`` is
``independent`` or ``artificial``) sorted by time, and a JSON report of the counts.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.atomic import atomic_write_bytes
from eqprecursors.core.dates import period_bound
from eqprecursors.core.reports import write_json
from eqprecursors.core.times import NS_PER_DAY, format_iso, to_epoch_ns
from eqprecursors.io.catalogs import read_catalog

log = logging.getLogger(__name__)

EVENT_COLUMNS = ["time", "latitude", "longitude", "depth_km", "magnitude", "event_id", "kind"]
KINDS = ("independent", "artificial")
REFERENCES = ("any", "independent")


def wrap_lon_diff(lon1, lon2) -> np.ndarray:
    """Signed longitude difference ``lon2 - lon1`` wrapped into [-180, 180) degrees."""
    return (np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float) + 180.0) % 360.0 - 180.0


def _in_box(lat0, lon0, lat, lon, half_deg: float) -> np.ndarray:
    return (np.abs(np.asarray(lat) - lat0) <= half_deg) & (
        np.abs(wrap_lon_diff(lon0, lon)) <= half_deg
    )


def decluster(
    time_ns, latitude, longitude, *, box_deg: float = 2.0, days: float = 15.0, reference="any"
) -> np.ndarray:
    """Boolean mask of the aftershocks of a catalog **sorted by time** (True = remove).

    Event ``i`` is an aftershock when an earlier event ``j`` (``j < i`` in the sorted order,
    so ties in time are decided by order) has ``0 <= t_i - t_j <= days`` and lies within
    ``box_deg / 2`` of it in latitude and in wrapped longitude. ``reference="any"``: ``j``
    may be any earlier event; ``"independent"``: only earlier events that are themselves
    kept (the sequential window method). See the module docstring for the choice.
    """
    if reference not in REFERENCES:
        raise ValueError(f"decluster reference must be one of {REFERENCES}, got {reference!r}")
    t = np.asarray(time_ns, dtype=np.int64)
    lat = np.asarray(latitude, dtype=float)
    lon = np.asarray(longitude, dtype=float)
    if t.size and np.any(np.diff(t) < 0):
        raise ValueError("decluster needs events sorted by time")
    first = np.searchsorted(t, t - int(round(days * NS_PER_DAY)), side="left")
    removed = np.zeros(t.size, dtype=bool)
    half = box_deg / 2.0
    for i in range(t.size):
        j = slice(first[i], i)
        near = _in_box(lat[i], lon[i], lat[j], lon[j], half)
        if reference == "independent":
            near &= ~removed[j]
        removed[i] = bool(near.any())
    return removed


def select_period(
    catalog: pd.DataFrame,
    *,
    start_ns: int,
    end_ns: int,
    min_magnitude: float,
    max_depth_km: float | None = None,
    latitude_range=(-90.0, 90.0),
) -> pd.DataFrame:
    """Events with ``start_ns <= time < end_ns``, M >= min, depth and latitude inside limits."""
    t = to_epoch_ns(catalog["time"]) if len(catalog) else np.empty(0, np.int64)
    lat = catalog["latitude"].to_numpy(dtype=float)
    keep = (t >= start_ns) & (t < end_ns)
    keep &= catalog["magnitude"].to_numpy(dtype=float) >= min_magnitude
    keep &= (lat >= latitude_range[0]) & (lat <= latitude_range[1])
    keep &= np.isfinite(catalog["longitude"].to_numpy(dtype=float))
    if max_depth_km is not None:
        keep &= catalog["depth_km"].to_numpy(dtype=float) <= max_depth_km
    out = catalog.loc[keep].copy()
    out["time_ns"] = t[keep]
    return out.sort_values("time_ns", kind="stable").reset_index(drop=True)


def artificial_events(
    n: int,
    *,
    start_ns: int,
    end_ns: int,
    real_time_ns,
    real_latitude,
    real_longitude,
    latitude_range=(-65.0, 65.0),
    exclusion_deg: float = 10.0,
    exclusion_days: float = 15.0,
    seed: int = 0,
    max_draws_per_event: int = 1000,
) -> pd.DataFrame:
    """``n`` seeded artificial events (time_ns, latitude, longitude) away from real events.

    Times are uniform in ``[start_ns, end_ns)``, places uniform on the sphere inside
    ``latitude_range`` (all longitudes). A candidate is rejected when any real event has
    ``|dt| <= exclusion_days``, ``|dlat| <= exclusion_deg`` and wrapped ``|dlon| <=
    exclusion_deg``. Raises when ``n * max_draws_per_event`` candidates do not give ``n``.
    """
    rt = np.asarray(real_time_ns, dtype=np.int64)
    order = np.argsort(rt, kind="stable")
    rt = rt[order]
    rlat = np.asarray(real_latitude, dtype=float)[order]
    rlon = np.asarray(real_longitude, dtype=float)[order]
    rng = np.random.default_rng(seed)
    s0, s1 = np.sin(np.radians(latitude_range[0])), np.sin(np.radians(latitude_range[1]))
    dt = int(round(exclusion_days * NS_PER_DAY))
    kept_t, kept_lat, kept_lon = [], [], []
    draws = 0
    while len(kept_t) < n:
        if draws >= n * max_draws_per_event:
            raise ValueError(
                f"only {len(kept_t)} of {n} artificial events found after {draws} draws: "
                "satellite_study.artificial.exclusion_deg/exclusion_days leave too little room"
            )
        batch = max(64, 2 * (n - len(kept_t)))
        draws += batch
        ct = rng.integers(start_ns, end_ns, size=batch, dtype=np.int64)
        clat = np.degrees(np.arcsin(rng.uniform(s0, s1, size=batch)))
        clon = rng.uniform(-180.0, 180.0, size=batch)
        lo = np.searchsorted(rt, ct - dt, side="left")
        hi = np.searchsorted(rt, ct + dt, side="right")
        for k in range(batch):
            j = slice(lo[k], hi[k])
            if not _in_box(clat[k], clon[k], rlat[j], rlon[j], exclusion_deg).any():
                kept_t.append(ct[k])
                kept_lat.append(clat[k])
                kept_lon.append(clon[k])
                if len(kept_t) == n:
                    break
    out = pd.DataFrame(
        {"time_ns": np.asarray(kept_t, np.int64), "latitude": kept_lat, "longitude": kept_lon}
    )
    return out.sort_values("time_ns", kind="stable").reset_index(drop=True)


def build_events(
    catalog: pd.DataFrame,
    *,
    start,
    end,
    min_magnitude: float,
    max_depth_km: float | None = None,
    latitude_range=(-65.0, 65.0),
    pre_seismic_days: float = 15.0,
    box_deg: float = 2.0,
    decluster_days: float = 15.0,
    reference: str = "any",
    seed: int = 0,
    per_real: float = 1.0,
    exclusion_deg: float = 10.0,
    exclusion_days: float = 15.0,
) -> tuple[pd.DataFrame, dict]:
    """Catalog -> (events frame with :data:`EVENT_COLUMNS` + ``time_ns``, counts report).

    ``start``/``end``: the satellite's data period (a date-only ``end`` is inclusive).
    """
    t0 = int(pd.Timestamp(period_bound(start, is_end=False)).value)
    t_data_end = int(pd.Timestamp(period_bound(end, is_end=True)).value)
    t1 = t_data_end + int(round(pre_seismic_days * NS_PER_DAY))
    if t1 <= t0:
        raise ValueError(f"empty period {start} .. {end}")
    margin = int(round(decluster_days * NS_PER_DAY))
    wide = select_period(
        catalog,
        start_ns=t0 - margin,
        end_ns=t1,
        min_magnitude=min_magnitude,
        max_depth_km=max_depth_km,
        latitude_range=latitude_range,
    )
    aftershock = decluster(
        wide["time_ns"],
        wide["latitude"],
        wide["longitude"],
        box_deg=box_deg,
        days=decluster_days,
        reference=reference,
    )
    in_period = wide["time_ns"].to_numpy() >= t0
    independent = wide.loc[in_period & ~aftershock].copy()
    independent["kind"] = "independent"
    # Exclusion zones: every real event (any depth, latitude, independence) near the period.
    ex_margin = int(round(exclusion_days * NS_PER_DAY))
    real = select_period(
        catalog, start_ns=t0 - ex_margin, end_ns=t1 + ex_margin, min_magnitude=min_magnitude
    )
    n_art = int(round(per_real * len(independent)))
    art = artificial_events(
        n_art,
        start_ns=t0,
        end_ns=t1,
        real_time_ns=real["time_ns"],
        real_latitude=real["latitude"],
        real_longitude=real["longitude"],
        latitude_range=latitude_range,
        exclusion_deg=exclusion_deg,
        exclusion_days=exclusion_days,
        seed=seed,
    )
    art["depth_km"] = np.nan
    # A magnitude drawn from the independent events' (seeded, own stream): it only sets the
    # Dobrovolsky radius, so classes 0 and 1 get spatial windows of the same distribution.
    mags = independent["magnitude"].to_numpy(dtype=float)
    art["magnitude"] = (
        np.random.default_rng([seed, 1]).choice(mags, size=len(art)) if len(art) else np.empty(0)
    )
    art["event_id"] = [f"artificial_{k:05d}" for k in range(len(art))]
    art["kind"] = "artificial"
    cols = [*EVENT_COLUMNS, "time_ns"]
    frames = [f[[c for c in cols if c != "time"]] for f in (independent, art) if len(f)]
    if frames:
        events = pd.concat(frames, ignore_index=True)
    else:
        events = pd.DataFrame(columns=[c for c in cols if c != "time"])
    events = events.sort_values(["time_ns", "kind"], kind="stable").reset_index(drop=True)
    events["time"] = format_iso(events["time_ns"].to_numpy(dtype=np.int64))
    events = events[cols]
    report = {
        "input": int(len(catalog)),
        "period": {
            "start": format_iso([t0])[0],
            "data_end": format_iso([t_data_end])[0],
            "events_end": format_iso([t1])[0],
        },
        "selection": {
            "min_magnitude": min_magnitude,
            "max_depth_km": max_depth_km,
            "latitude_range": list(latitude_range),
        },
        "in_period_range": int(in_period.sum()),
        "removed_aftershocks": int((aftershock & in_period).sum()),
        "independent": int(len(independent)),
        "artificial": int(len(art)),
        "exclusion_events": int(len(real)),
        "decluster": {"box_deg": box_deg, "days": decluster_days, "reference": reference},
        "artificial_options": {
            "seed": seed,
            "per_real": per_real,
            "exclusion_deg": exclusion_deg,
            "exclusion_days": exclusion_days,
        },
    }
    return events, report


def write_events(events: pd.DataFrame, path) -> Path:
    """The events CSV (:data:`EVENT_COLUMNS`), atomically."""
    text = events[EVENT_COLUMNS].to_csv(index=False, lineterminator="\n", float_format="%.4f")
    return atomic_write_bytes(path, text.encode("utf-8"))


def read_events(path) -> pd.DataFrame:
    """An events CSV written by :func:`write_events`, with ``time_ns``; errors name the file."""
    try:
        df = pd.read_csv(path, dtype={"event_id": str, "kind": str})
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read events CSV ({exc})") from exc
    missing = [c for c in EVENT_COLUMNS if c not in df]
    if missing:
        raise ValueError(f"{path}: events CSV lacks column(s) {missing}")
    bad = sorted(set(df["kind"]) - set(KINDS))
    if bad:
        raise ValueError(f"{path}: unknown event kind(s) {bad}; expected {KINDS}")
    df["time_ns"] = to_epoch_ns(df["time"]) if len(df) else np.empty(0, np.int64)
    return df


def make_events(catalog_path, events_csv, report_json, *, fmt: str = "auto", **options) -> dict:
    """Catalog file(s) -> events CSV + declustering JSON; ``options`` as :func:`build_events`.

    ``catalog_path`` may be a list (one global query a year): the parts are joined, an event
    listed twice counts once.
    """
    paths = [catalog_path] if isinstance(catalog_path, str | Path) else list(catalog_path)
    parts = [read_catalog(p, fmt) for p in paths]
    catalog = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(parts) > 1:
        catalog = catalog.drop_duplicates("event_id").sort_values("time", ignore_index=True)
        catalog_path = ", ".join(map(str, paths))
    if not len(catalog):
        raise ValueError(f"{catalog_path}: the catalog holds no event")
    events, report = build_events(catalog, **options)
    first, last = format_iso(to_epoch_ns(catalog["time"].iloc[[0, -1]]))
    if first > report["period"]["start"] or last < report["period"]["events_end"]:
        log.warning(
            "%s covers %s .. %s only, the event period is %s .. %s: events are missing",
            catalog_path,
            first,
            last,
            report["period"]["start"],
            report["period"]["events_end"],
        )
    report["catalog_span"] = [first, last]
    if not (events["kind"] == "independent").any():
        raise ValueError(
            f"{catalog_path}: no independent event in {report['period']} with "
            f"{report['selection']} (satellite_study.catalogs)"
        )
    report["catalog"] = str(catalog_path)
    log.info(
        "%s: %d events, %d in period/range, %d aftershocks removed, %d independent, %d artificial",
        catalog_path,
        report["input"],
        report["in_period_range"],
        report["removed_aftershocks"],
        report["independent"],
        report["artificial"],
    )
    write_events(events, events_csv)
    write_json(report, report_json)
    return report
