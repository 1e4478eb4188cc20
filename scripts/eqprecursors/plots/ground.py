"""Figures 1-4 of the ground-magnetometer study (Petrescu & Moldovan 2022), made honest.

Data figures: the map of observatories and events (1), a week of the raw series (2), the
diurnal filter (3) and the network (4).  Every figure states whether its data are synthetic
or real (``data_kind``) and is written as PNG (for viewing) and PDF (vector, for the
manuscript); every function takes its output paths so Snakemake owns the layout.  Tables 1
and 2 are written by :mod:`eqprecursors.ground.observatories` and
:mod:`eqprecursors.ground.model`; Figures 5-8 are :mod:`eqprecursors.plots.ground_results`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.geodesy import geodesic_circle
from eqprecursors.ground import figure_data
from eqprecursors.plots.style import date_axis, layer_stack, pyplot, save


# --------------------------------------------------------------------------------------
# Figure 1: map
# --------------------------------------------------------------------------------------
def _mag_size(m) -> np.ndarray:
    """Marker area (pt^2) growing 3x per magnitude unit: readable from M4 to M7."""
    return 20.0 * 3.0 ** (np.asarray(m, dtype=float) - 4.0)


def plot_map(
    sites: Sequence[Mapping],
    catalogs: Sequence[pd.DataFrame],
    out_png,
    out_pdf,
    *,
    data_kind: str,
) -> tuple[Path, Path]:
    """Figure 1: observatories, their selected earthquakes and detectability radii.

    ``sites``: dicts with code, name, latitude, longitude, radius_km; ``catalogs``: the
    selected events of each site, aligned with ``sites``.  Offline-safe: a plain
    lon/lat plot (aspect 1/cos(mean latitude)) with a graticule, no tiles or coastlines.
    """
    plt = pyplot()
    import matplotlib.patheffects as pe
    from matplotlib.colors import Normalize

    cats = list(catalogs)
    if len(cats) != len(sites):
        raise ValueError(f"{len(cats)} catalogs for {len(sites)} sites")
    depths = np.concatenate([c["depth_km"].to_numpy(float) for c in cats] + [np.zeros(0)])
    dmax = float(np.nanmax(depths)) if np.isfinite(depths).any() else 1.0
    norm = Normalize(0.0, max(dmax, 1.0))
    cmap = plt.get_cmap("plasma_r")

    fig, ax = plt.subplots(figsize=(10, 7.5), layout="constrained")
    all_lat, all_lon = [], []
    sc = None
    halo = [pe.withStroke(linewidth=3, foreground="white")]
    for i, (site, cat) in enumerate(zip(sites, cats, strict=True)):
        colour = f"C{i % 10}"
        lat, lon = float(site["latitude"]), float(site["longitude"])
        all_lat.append([lat])
        all_lon.append([lon])
        if cat is not None and len(cat):
            ok = cat[["latitude", "longitude"]].notna().all(axis=1).to_numpy()
            # largest first, so small events are not hidden under big markers
            ev = cat[ok].sort_values("magnitude", ascending=False, na_position="last")
            depth = ev["depth_km"].to_numpy(float)
            sc = ax.scatter(
                ev["longitude"],
                ev["latitude"],
                s=_mag_size(ev["magnitude"].fillna(4.0)),
                c=np.where(np.isfinite(depth), depth, 0.0),
                cmap=cmap,
                norm=norm,
                edgecolors="k",
                linewidths=0.3,
                alpha=0.75,
                zorder=3,
            )
            all_lat.append(ev["latitude"].to_numpy(float))
            all_lon.append(ev["longitude"].to_numpy(float))
        # the code label goes below the radius circle (or the triangle), away from the
        # events, which cluster inside the circle
        label_at, label_text = (lon, lat), site["code"]
        radius = site.get("radius_km")
        if radius:
            clat, clon = geodesic_circle(lat, lon, float(radius))
            ax.plot(clon, clat, color=colour, lw=1.5, zorder=2)
            bottom = int(np.argmin(clat))
            label_at, label_text = (clon[bottom], clat[bottom]), f"{site['code']} ({radius:g} km)"
            all_lat.append(clat)
            all_lon.append(clon)
        n_ev = 0 if cat is None else len(cat)
        ax.plot(
            lon,
            lat,
            marker="^",
            ms=13,
            color=colour,
            mec="k",
            mew=1.0,
            ls="none",
            zorder=5,
            label=f"{site['code']} {site.get('name', '')} ({n_ev} events)",
        )
        ax.annotate(
            label_text,
            label_at,
            xytext=(0, -4 if radius else -10),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=10,
            fontweight="bold",
            color=colour if radius else "k",
            path_effects=halo,
            zorder=6,
        )

    lat_all = np.concatenate(all_lat)
    lon_all = np.concatenate(all_lon)
    pad = 0.7
    ax.set_xlim(np.nanmin(lon_all) - pad, np.nanmax(lon_all) + pad)
    ax.set_ylim(np.nanmin(lat_all) - pad, np.nanmax(lat_all) + pad)
    mid = 0.5 * (np.nanmin(lat_all) + np.nanmax(lat_all))
    aspect = 1.0 / max(math.cos(math.radians(mid)), 0.1)
    ax.set_aspect(aspect)
    # size the figure to the map so the equal-ish aspect leaves no wide empty bands
    ratio = aspect * np.ptp(ax.get_ylim()) / np.ptp(ax.get_xlim())
    fig.set_size_inches(11.0, float(np.clip(8.5 * ratio + 1.6, 4.5, 11.0)))
    ax.grid(alpha=0.35, lw=0.5)
    ax.set_xlabel("longitude (deg E)")
    ax.set_ylabel("latitude (deg N)")
    if sc is not None:
        fig.colorbar(sc, ax=ax, shrink=0.8, label="hypocentre depth (km)")
    # legends below the map so they never cover events
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside lower left",
        fontsize=8,
        title="observatories",
        ncols=min(len(sites), 3),
    )
    mags = np.concatenate([c["magnitude"].to_numpy(float) for c in cats] + [np.zeros(0)])
    mags = mags[np.isfinite(mags)]
    if mags.size:
        levels = np.arange(math.floor(mags.min()), math.ceil(mags.max()) + 1)
        handles = [
            ax.scatter([], [], s=_mag_size(m), c="lightgrey", edgecolors="k", linewidths=0.3)
            for m in levels
        ]
        fig.legend(
            handles,
            [f"M{m:g}" for m in levels],
            loc="outside lower right",
            fontsize=8,
            title="magnitude",
            ncols=len(levels),
            borderpad=1.2,
            columnspacing=1.5,
        )
    ax.set_title(
        f"Figure 1: observatories and selected earthquakes - {data_kind} data\n"
        "circles: detectability radius (WGS84 geodesic); markers: area ~ magnitude, "
        "colour = depth",
        fontsize=10,
    )
    return save(fig, out_png, out_pdf, tight=True)


# --------------------------------------------------------------------------------------
# Figures 2-3: time series
# --------------------------------------------------------------------------------------
def plot_week_components(
    series: Mapping,
    out_png,
    out_pdf,
    *,
    days: float = 7,
    shade_start=None,
    shade_hours: float = 24,
    data_kind: str,
) -> tuple[Path, Path]:
    """Figure 2: ``days`` of 1-min X, Y, Z, with one window length (default a day) shaded.

    Shows the raw input the CNN windows are cut from; gaps stay visible as breaks.
    ``series``: ``ground.figure_data.series_interval``. ``shade_start`` defaults to the
    start of the middle day.
    """
    plt = pyplot()
    tt, dd, code = series["time"], series["data"], series["code"]
    s0 = pd.Timestamp(tt[0])
    if shade_start is None:
        sh0 = s0.normalize() + pd.Timedelta(days=int(days // 2))
    else:
        sh0 = figure_data.naive_utc(shade_start)
    sh1 = sh0 + pd.Timedelta(hours=shade_hours)

    fig, axes = plt.subplots(3, 1, figsize=(11, 7.5), sharex=True, constrained_layout=True)
    for ax, j, comp in zip(axes, range(3), "XYZ", strict=True):
        ax.plot(tt, dd[:, j], lw=0.6, color="k")
        ax.axvspan(
            sh0,
            sh1,
            color="tab:orange",
            alpha=0.2,
            label=f"one {shade_hours:g}-h window ({int(shade_hours * 60)} samples)",
        )
        ax.set_ylabel(f"{comp} (nT)")
        ax.grid(alpha=0.3)
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    axes[0].legend(loc="upper right", fontsize=8)
    date_axis(axes[-1])
    axes[-1].set_xlabel("time (UTC)")
    pct = 100.0 * float(np.mean(~series["gap"]))
    fig.suptitle(
        f"Figure 2: {code}, {days:g} days of 1-min X, Y, Z from {s0:%Y-%m-%d %H:%M} UTC - "
        f"{data_kind} data ({pct:.1f} % of samples present)",
        fontsize=10,
    )
    return save(fig, out_png, out_pdf)


def _filter_label(spec: Mapping) -> str:
    corners = [float(c) for c in spec["corners_cpd"]]
    cs = " and ".join(f"{c:g}" for c in corners)
    periods = ", ".join(f"{24.0 / c:.3g} h" for c in corners)
    word = "corner" if len(corners) == 1 else "corners"
    return (
        f"filtered: Butterworth {spec['type']}, order {spec['order']}, {word} {cs} "
        f"cycles/day (period {periods}), zero-phase"
    )


def plot_filter_comparison(
    series: Mapping,
    out_png,
    out_pdf,
    *,
    days: float = 7,
    data_kind: str,
) -> tuple[Path, Path]:
    """Figure 3: Bz unfiltered vs Butterworth-filtered, exactly as the dataset is built.

    ``series``: ``ground.figure_data.filter_comparison``, which filters the interval as
    ``make_dataset`` filters one window (padding from before it only), so the curve is
    what a window over the interval holds.
    Top: raw Z; bottom: Z minus its plotted-interval median beside the filtered Z, on one nT
    scale, so the removed diurnal variation is visible.
    """
    plt = pyplot()
    tt, z, zf = series["time"], series["z"], series["z_filtered"]
    code, spec = series["code"], series["filter"]
    med = float(np.nanmedian(z)) if np.isfinite(z).any() else 0.0

    fig, (a, b) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True, constrained_layout=True)
    a.plot(tt, z, lw=0.6, color="k", label="unfiltered Bz (Z)")
    a.set_ylabel("Z (nT)")
    a.ticklabel_format(axis="y", useOffset=False, style="plain")
    a.legend(loc="upper right", fontsize=8)
    b.plot(tt, z - med, lw=0.6, color="grey", label=f"unfiltered Z - {med:,.0f} nT (median)")
    b.plot(tt, zf, lw=0.8, color="tab:blue", label=_filter_label(spec))
    b.set_ylabel("Z (nT)")
    b.legend(loc="best", fontsize=8, framealpha=0.9)
    for ax in (a, b):
        ax.grid(alpha=0.3)
    date_axis(b)
    b.set_xlabel("time (UTC)")
    fig.suptitle(
        f"Figure 3: {code} Bz, {days:g} days from {pd.Timestamp(tt[0]):%Y-%m-%d} UTC, "
        f"unfiltered vs filtered - {data_kind} data",
        fontsize=10,
    )
    return save(fig, out_png, out_pdf)


# --------------------------------------------------------------------------------------
# Figure 4: the network
# --------------------------------------------------------------------------------------
def plot_network(
    table: pd.DataFrame,
    total: int,
    out_png,
    out_pdf,
    *,
    n_samples: int,
    dense_activation: str,
) -> tuple[Path, Path]:
    """Figure 4: the CNN as boxes and arrows, one per row of ``ground.model.layer_rows``."""
    plt = pyplot()
    colours = {
        "InputLayer": "#e8e8e8",
        "Conv2D": "#cfe2f3",
        "MaxPooling2D": "#d9ead3",
        "Flatten": "#fff2cc",
        "Dense": "#f4cccc",
    }
    n = len(table)
    fig, ax = plt.subplots(figsize=(8.0, 0.85 * n + 1.4))
    layer_stack(
        ax,
        table,
        colour=lambda kind: colours.get(kind, "white"),
        head=lambda row: f"{row.layer}: {row.type}" + (f"  ({row.details})" if row.details else ""),
        sub=lambda row: f"output {row.output_shape}   |   params {row.params:,}",
        left=0.08,
        height=0.72,
        head_dy=0.13,
        sub_dy=0.16,
        head_size=9,
        sub_size=8.5,
        arrow_lw=1.0,
    )
    ax.set_ylim(-0.6, n - 0.2)
    ax.set_title(
        f"Figure 4: CNN of Petrescu & Moldovan (2022, Table 2) for N = {int(n_samples):,} "
        f"samples\nhidden Dense activation {dense_activation}, total trainable parameters "
        f"{total:,}",
        fontsize=10,
    )
    fig.tight_layout()
    return save(fig, out_png, out_pdf)


def figure_network(
    n_samples: int, out_png, out_pdf, *, dense_activation: str = "relu"
) -> tuple[Path, Path]:
    """Figure 4 entry point: build the model's layer rows (ground), then draw them.

    Drawing from the built Keras model (not by hand) keeps the figure true to what was
    trained: output shapes and parameter counts are Keras' own.
    """
    from eqprecursors.ground.model import layer_rows

    table, total = layer_rows(n_samples, dense_activation)
    return plot_network(
        table, total, out_png, out_pdf, n_samples=n_samples, dense_activation=dense_activation
    )


# --------------------------------------------------------------------------------------
# entry points of the figure rules: prepare the data (ground), then draw
# --------------------------------------------------------------------------------------
def figure_map(sites, catalog_csvs, out_png, out_pdf, *, data_kind: str):
    """Figure 1 from the selected catalogs of each site."""
    catalogs = figure_data.site_catalogs(sites, catalog_csvs)
    return plot_map(sites, catalogs, out_png, out_pdf, data_kind=data_kind)


def figure_week(decoded_nc, out_png, out_pdf, *, start, days: float = 7, **style):
    """Figure 2 from a decoded netCDF."""
    series = figure_data.series_interval(decoded_nc, start=start, days=days)
    return plot_week_components(series, out_png, out_pdf, days=days, **style)


def figure_filter(decoded_nc, filter, out_png, out_pdf, *, start, days: float = 7, **style):
    """Figure 3 from a decoded netCDF and a filter of ``ground_cnn.filters``."""
    series = figure_data.filter_comparison(decoded_nc, filter, start=start, days=days)
    return plot_filter_comparison(series, out_png, out_pdf, days=days, **style)
