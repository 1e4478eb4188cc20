"""The study's observatories: per-site inputs and Table 1 (availability, events, Mmax).

Availability and Mmax are measured from the files the study used (decoded netCDF, the
selected catalog), not copied from Petrescu & Moldovan (2022).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eqprecursors.core.reports import write_markdown
from eqprecursors.ground.labels import load_ground
from eqprecursors.io.catalogs import read_catalog


def per_site(sites: Sequence[Mapping], items, what: str) -> list:
    """Per-site inputs given as {code: path} or as a list aligned with ``sites``."""
    if items is None:
        return [None] * len(sites)
    if isinstance(items, Mapping):
        return [items.get(s["code"]) for s in sites]
    items = list(items)
    if len(items) != len(sites):
        raise ValueError(f"{len(items)} {what} for {len(sites)} sites")
    return items


def read_selected(path) -> pd.DataFrame:
    """Selected-event catalog (empty frame for ``None``)."""
    if path is None:
        return pd.DataFrame(
            {c: pd.Series(dtype=float) for c in ("latitude", "longitude", "depth_km", "magnitude")}
        )
    return read_catalog(path)


def observatory_table(sites: Sequence[Mapping], catalog_csvs, decoded_ncs) -> pd.DataFrame:
    """Table 1 data: observatory, location, data availability, provider, events and Mmax.

    % available is non-gap samples on the regular 1-min grid from the first to the last
    time stamp of the netCDF.  ``catalog_csvs`` and ``decoded_ncs``: {code: path} or lists
    aligned with ``sites``.
    """
    cats = per_site(sites, catalog_csvs, "catalogs")
    ncs = per_site(sites, decoded_ncs, "netCDF files")
    rows = []
    for site, cat_path, nc in zip(sites, cats, ncs, strict=True):
        row: dict[str, Any] = {
            "code": site["code"],
            "name": site.get("name", ""),
            "country": site.get("country", ""),
            "latitude": float(site["latitude"]),
            "longitude": float(site["longitude"]),
        }
        if nc is not None:
            t, _, gap, attrs = load_ground(nc)
            t = t.astype("datetime64[ns]")
            row["data_first"] = f"{pd.Timestamp(t[0]):%Y-%m-%d %H:%M}" if t.size else ""
            row["data_last"] = f"{pd.Timestamp(t[-1]):%Y-%m-%d %H:%M}" if t.size else ""
            row["data_available_pct"] = 100.0 * float(np.mean(~gap)) if t.size else 0.0
            row["data_type"] = str(attrs.get("data_type", ""))
        else:
            row.update(data_first="", data_last="", data_available_pct=np.nan, data_type="")
        row["provider"] = site.get("provider", "")
        if "radius_km" in site:
            row["radius_km"] = float(site["radius_km"])
        cat = read_selected(cat_path)
        mags = cat["magnitude"].to_numpy(float)
        row["n_events"] = int(len(cat))
        row["Mmax"] = float(np.nanmax(mags)) if np.isfinite(mags).any() else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """Table 1 as printed: location, data span and availability as text."""
    md = pd.DataFrame(
        {
            "code": table["code"],
            "name": table["name"],
            "country": table["country"],
            "lat, lon (deg)": [
                f"{a:.3f}, {b:.3f}"
                for a, b in zip(table["latitude"], table["longitude"], strict=True)
            ],
            "data (UTC)": [
                f"{a} - {b}" if a else "-"
                for a, b in zip(table["data_first"], table["data_last"], strict=True)
            ],
            "available": [
                f"{v:.1f} %" if math.isfinite(v) else "-" for v in table["data_available_pct"]
            ],
            "data type": table["data_type"],
            "provider": table["provider"],
            "events": table["n_events"],
            "Mmax": [f"{v:.1f}" if math.isfinite(v) else "-" for v in table["Mmax"]],
        }
    )
    if "radius_km" in table:
        md.insert(
            8, "radius (km)", [f"{v:g}" if math.isfinite(v) else "-" for v in table["radius_km"]]
        )
    return md


def write_table_observatories(
    sites: Sequence[Mapping], catalog_csvs, decoded_ncs, out_csv, out_md
) -> pd.DataFrame:
    """Table 1 as CSV (numbers) and Markdown (as printed); returns the CSV's table."""
    table = observatory_table(sites, catalog_csvs, decoded_ncs)
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False)
    title = (
        "Table 1: observatories; availability = share of non-gap 1-min samples between the "
        "first and last time stamp; events and Mmax from the selected catalog\n\n"
    )
    write_markdown(_display(table), out_md, title=title)
    return table
