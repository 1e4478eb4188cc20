"""File-in/file-out entry points of the generator, called by the Snakemake adapters.

The generator functions take DataFrames; the workflow hands over the tidy Kp series and the
selected catalogs as files, so these functions read them and pass plain values on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from eqprecursors.core.progress import timed
from eqprecursors.io import catalogs as catalog
from eqprecursors.io import kp
from eqprecursors.synthetic.ground import generate_ground
from eqprecursors.synthetic.satellite import generate_satellite


def _events(paths, kind: str | None = None) -> pd.DataFrame:
    """The union of selected-catalog files (an event near two observatories counts once).

    ``kind``: keep only the events of that ``kind`` column value (the satellite study's
    event table marks ``independent`` and ``artificial`` events; only real independent
    events get a precursor).
    """
    frames = [_read_events(p, kind) for p in paths]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=catalog.READ_COLUMNS)
    events = pd.concat(frames, ignore_index=True)
    return events.drop_duplicates("event_id").sort_values("time", ignore_index=True)


def _read_events(path, kind: str | None) -> pd.DataFrame:
    events = catalog.read_catalog(path, fmt="auto")
    if kind is None:
        return events
    table = pd.read_csv(path, dtype={"event_id": str})
    if "kind" not in table:
        raise ValueError(f"{path}: no 'kind' column to select {kind!r} events from")
    keep = set(table.loc[table["kind"] == kind, "event_id"])
    return events[events["event_id"].astype(str).isin(keep)].reset_index(drop=True)


def generate_ground_files(
    out_dir, kp_csv, events_csv, truth_csv, *, iaga_code, site, start, end, **options
) -> list[Path]:
    """Daily IAGA-2002 files of one synthetic observatory, driven by the real Kp history."""
    with timed(f"{iaga_code}: read Kp and events"):
        kp_series, events = kp.read_kp(kp_csv, fmt="csv"), _events([events_csv])
    return generate_ground(
        out_dir,
        iaga_code=iaga_code,
        station_name=site.get("name", iaga_code),
        latitude=site["latitude"],
        longitude=site["longitude"],
        elevation=site.get("elevation", 0.0),
        start=start,
        end=end,
        kp=kp_series,
        events=events,
        truth_csv=truth_csv,
        **options,
    )


def generate_satellite_files(
    out_dir, kp_csv, events_csvs, truth_csv, *, event_kind: str | None = None, **options
) -> list[Path]:
    """Half-orbit files of one synthetic mission with a precursor before the given events.

    The events are the observatories' selections, or, for the satellite study, the
    independent events of the mission's declustered catalog (``event_kind="independent"``).
    """
    with timed(f"{options.get('mission', 'satellite')}: read Kp and events"):
        kp_series, events = kp.read_kp(kp_csv, fmt="csv"), _events(events_csvs, event_kind)
    return generate_satellite(
        out_dir,
        kp=kp_series,
        events=events,
        truth_csv=truth_csv,
        **options,
    )


def generate_catalog_file(
    out_csv, *, site, rate_per_year, min_magnitude, radius_factor=1.5, seed=0, **options
) -> pd.DataFrame:
    """A synthetic catalog around one observatory, reaching past its selection radius."""
    from eqprecursors.synthetic.earthquakes import generate_catalog

    return generate_catalog(
        out_csv,
        latitude=site["latitude"],
        longitude=site["longitude"],
        radius_km=radius_factor * site["selection"]["max_distance_km"],
        start=site["start"],
        end=site["end"],
        rate_per_year=rate_per_year,
        min_magnitude=min_magnitude,
        seed=seed,
        site_name=site.get("name", "synthetic site"),
        **options,
    )
