"""Figures 1-8 and Tables 1-2 of the seed-000 ground-magnetometer study, made honest.

The paper's figures show accuracy curves without a reference, so a curve that sits on the
class ratio of the validation set looks like learning.  Every accuracy axis here therefore
carries the majority-class baseline from ``metrics.json`` as a dashed line, and every figure
states whether its data are synthetic or real (``data_kind``) and which train/validation
split produced it (``split_method`` of ``metrics.json``; the paper's random split leaks
between overlapping windows).  Each figure is written as PNG (for viewing) and PDF (vector,
for the manuscript); every function takes its output paths so Snakemake owns the layout.

Run dicts used by Figures 5-8 carry ``label``, ``history_csv`` (Keras CSVLogger: epoch,
accuracy, loss, val_accuracy, val_loss) and ``metrics_json`` (``evaluation.evaluate_model``;
may be ``None``, the figure then says that the baseline is unknown).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BASELINE_STYLE = {"color": "black", "ls": "--", "lw": 1.3}
"""Majority-class baseline: dashed black, drawn on top (it often coincides with val acc)."""
TRAIN_COLOUR = "tab:blue"
VAL_COLOUR = "tab:orange"
WINDOW_ORDER = ("hour", "day", "week", "month")


# --------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out_png, out_pdf, dpi: int = 150, tight: bool = False) -> tuple[Path, Path]:
    """Write the figure as PNG and PDF and close it; returns both paths.

    ``tight`` crops to the drawn artists: needed where a fixed aspect (the map) defeats the
    constrained layout and would otherwise clip the title.
    """
    plt = _pyplot()
    paths = (Path(out_png), Path(out_pdf))
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
    extra = {"bbox_inches": "tight", "pad_inches": 0.15} if tight else {}
    fig.savefig(paths[0], dpi=dpi, **extra)
    fig.savefig(paths[1], **extra)
    plt.close(fig)
    return paths


def _read_json(path) -> dict[str, Any]:
    """metrics.json as a dict; ``{}`` for ``None`` so figures can say 'baseline unknown'."""
    if path is None:
        return {}
    return json.loads(Path(path).read_text())


def _num(value) -> float:
    """JSON number or null -> float (NaN for null/missing)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _read_history(path) -> pd.DataFrame:
    """CSVLogger history with a 1-based ``epoch`` (Keras logs 0-based)."""
    h = pd.read_csv(path)
    missing = {"epoch", "accuracy", "loss", "val_accuracy", "val_loss"} - set(h.columns)
    if missing:
        raise ValueError(f"{path}: history lacks columns {sorted(missing)}")
    h["epoch"] = h["epoch"].astype(int) + 1
    return h


def _split_note(metrics: Sequence[Mapping]) -> str:
    """'chronological split' / 'random split (leaky)'; lists all methods when they differ."""
    methods = sorted({str(m["split_method"]) for m in metrics if m.get("split_method")})
    if not methods:
        return "split method unknown (no metrics.json)"
    notes = [
        f"{m} split" + (" (paper; leaks across overlapping windows)" if m == "random" else "")
        for m in methods
    ]
    return "; ".join(notes)


def _val_accuracy(metrics: Mapping, history: pd.DataFrame) -> float:
    """Evaluated val accuracy (metrics.json) if present, else the last logged val_accuracy."""
    acc = _num(metrics.get("accuracy"))
    return acc if math.isfinite(acc) else float(history["val_accuracy"].iloc[-1])


def _ci(metrics: Mapping, name: str = "accuracy") -> tuple[float, float]:
    ci = (metrics.get("bootstrap_ci") or {}).get(name) or {}
    return _num(ci.get("low")), _num(ci.get("high"))


def _summary(metrics: Mapping, history: pd.DataFrame, sep: str = ", ") -> str:
    """Val accuracy [95 % CI] vs baseline, then (after ``sep``) MCC, permutation p, n_val."""
    if not metrics:
        return f"val acc {history['val_accuracy'].iloc[-1]:.3f}{sep}baseline unknown"
    lo, hi = _ci(metrics)
    ci = f" [{lo:.2f}, {hi:.2f}]" if math.isfinite(lo) and math.isfinite(hi) else ""
    text = (
        f"val acc {_val_accuracy(metrics, history):.3f}{ci} vs baseline "
        f"{_num(metrics.get('baseline_accuracy')):.3f}"
    )
    mcc = _num(metrics.get("mcc"))
    if math.isfinite(mcc):
        p = _num(((metrics.get("permutation") or {}).get("mcc") or {}).get("p_value"))
        text += f"{sep}MCC {mcc:.2f}" + (f" (p={p:.2g})" if math.isfinite(p) else "")
    n_val = metrics.get("n_val", metrics.get("n"))
    if n_val is not None:
        text += f"{', ' if math.isfinite(mcc) else sep}n_val={n_val}"
    return text


def _baseline_line(ax, baseline: float, label: str | None = "majority baseline") -> None:
    if math.isfinite(baseline):
        ax.axhline(baseline, **BASELINE_STYLE, label=label, zorder=5)


def _accuracy_ylim(ax, values: Sequence[float]) -> None:
    """Accuracy axis that always shows the baseline, clipped to [0, 1]."""
    v = np.asarray([x for x in values if math.isfinite(x)], dtype=float)
    if v.size == 0:
        return
    lo, hi = float(v.min()), float(v.max())
    pad = max(0.03, 0.1 * (hi - lo))
    ax.set_ylim(max(0.0, lo - pad), min(1.02, hi + pad))


def _per_site(sites: Sequence[Mapping], items, what: str) -> list:
    """Per-site inputs given as {code: path} or as a list aligned with ``sites``."""
    if items is None:
        return [None] * len(sites)
    if isinstance(items, Mapping):
        return [items.get(s["code"]) for s in sites]
    items = list(items)
    if len(items) != len(sites):
        raise ValueError(f"{len(items)} {what} for {len(sites)} sites")
    return items


def _read_selected(path) -> pd.DataFrame:
    """Selected-event catalog (empty frame for ``None``)."""
    from eqprecursors.io.catalogs import read_catalog

    if path is None:
        return pd.DataFrame(
            {c: pd.Series(dtype=float) for c in ("latitude", "longitude", "depth_km", "magnitude")}
        )
    return read_catalog(path)


def _load_series(decoded_nc) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Regular 1-min grid (datetime64[ns] times, X/Y/Z with gaps as NaN, gap mask, attrs)."""
    from eqprecursors.ground.labels import load_ground

    t, data, gap, attrs = load_ground(decoded_nc)
    data = data.copy()
    data[gap] = np.nan
    return t.astype("datetime64[ns]"), data, gap, attrs


def _naive_utc(when) -> pd.Timestamp:
    """Any timestamp -> tz-naive UTC (the netCDF time axis is naive UTC)."""
    ts = pd.Timestamp(when)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts


def _time_slice(t: np.ndarray, start, days: float, path) -> slice:
    t0 = np.datetime64(_naive_utc(start), "ns")
    t1 = t0 + np.timedelta64(int(round(days * 86400)), "s")
    a, b = np.searchsorted(t, t0), np.searchsorted(t, t1)
    if b <= a:
        raise ValueError(
            f"{path}: no samples in [{t0}, {t1}); data cover {t[0] if t.size else '-'} "
            f"to {t[-1] if t.size else '-'}"
        )
    return slice(int(a), int(b))


def _date_axis(ax) -> None:
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


# --------------------------------------------------------------------------------------
# Figure 1: map
# --------------------------------------------------------------------------------------
def geodesic_circle(
    lat: float, lon: float, radius_km: float, n_points: int = 361
) -> tuple[np.ndarray, np.ndarray]:
    """(lats, lons) of the WGS84 geodesic circle of ``radius_km`` around a site.

    The selection uses geodesic distance, so the drawn radius must be geodesic too (a circle
    in degrees would be wrong by 1/cos(lat) in longitude).  Longitudes are unrolled so a
    circle crossing the antimeridian stays one closed curve.
    """
    from geographiclib.geodesic import Geodesic

    mask = Geodesic.STANDARD | Geodesic.LONG_UNROLL
    lats, lons = np.empty(n_points), np.empty(n_points)
    for i, az in enumerate(np.linspace(0.0, 360.0, n_points)):
        g = Geodesic.WGS84.Direct(lat, lon, az, radius_km * 1000.0, mask)
        lats[i], lons[i] = g["lat2"], g["lon2"]
    return lats, lons


def _mag_size(m) -> np.ndarray:
    """Marker area (pt^2) growing 3x per magnitude unit: readable from M4 to M7."""
    return 20.0 * 3.0 ** (np.asarray(m, dtype=float) - 4.0)


def plot_map(
    sites: Sequence[Mapping],
    catalog_csvs,
    out_png,
    out_pdf,
    *,
    data_kind: str,
) -> tuple[Path, Path]:
    """Figure 1: observatories, their selected earthquakes and detectability radii.

    ``sites``: dicts with code, name, latitude, longitude, radius_km; ``catalog_csvs``:
    {code: selected catalog CSV} or a list aligned with ``sites``.  Offline-safe: a plain
    lon/lat plot (aspect 1/cos(mean latitude)) with a graticule, no tiles or coastlines.
    """
    plt = _pyplot()
    import matplotlib.patheffects as pe
    from matplotlib.colors import Normalize

    cats = [_read_selected(p) for p in _per_site(sites, catalog_csvs, "catalogs")]
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
    return _save(fig, out_png, out_pdf, tight=True)


# --------------------------------------------------------------------------------------
# Figures 2-3: time series
# --------------------------------------------------------------------------------------
def plot_week_components(
    decoded_nc,
    out_png,
    out_pdf,
    *,
    start,
    days: float = 7,
    shade_start=None,
    shade_hours: float = 24,
    data_kind: str,
) -> tuple[Path, Path]:
    """Figure 2: ``days`` of 1-min X, Y, Z, with one window length (default a day) shaded.

    Shows the raw input the CNN windows are cut from; gaps stay visible as breaks.
    ``shade_start`` defaults to the start of the middle day.
    """
    plt = _pyplot()
    t, data, gap, attrs = _load_series(decoded_nc)
    sl = _time_slice(t, start, days, decoded_nc)
    tt, dd = t[sl], data[sl]
    code = attrs.get("iaga_code", Path(decoded_nc).stem)
    s0 = pd.Timestamp(tt[0])
    if shade_start is None:
        sh0 = s0.normalize() + pd.Timedelta(days=int(days // 2))
    else:
        sh0 = _naive_utc(shade_start)
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
    _date_axis(axes[-1])
    axes[-1].set_xlabel("time (UTC)")
    pct = 100.0 * float(np.mean(~gap[sl]))
    fig.suptitle(
        f"Figure 2: {code}, {days:g} days of 1-min X, Y, Z from {s0:%Y-%m-%d %H:%M} UTC - "
        f"{data_kind} data ({pct:.1f} % of samples present)",
        fontsize=10,
    )
    return _save(fig, out_png, out_pdf)


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
    decoded_nc,
    filter: Mapping,
    out_png,
    out_pdf,
    *,
    start,
    days: float = 7,
    data_kind: str,
) -> tuple[Path, Path]:
    """Figure 3: Bz unfiltered vs Butterworth-filtered, exactly as the dataset is built.

    The filter is ``labelling.apply_filter`` on the whole record (not just the plotted
    week), so the curve is what ``make_dataset`` cuts windows from, without edge transients.
    Top: raw Z; bottom: Z minus its plotted-interval median beside the filtered Z, on one nT
    scale, so the removed diurnal variation is visible.
    """
    from eqprecursors.ground.labels import apply_filter, validate_filter

    plt = _pyplot()
    spec = validate_filter(dict(filter))
    if spec is None:
        raise ValueError("plot_filter_comparison needs a filter, got none")
    t, data, _, attrs = _load_series(decoded_nc)
    z_f, _ = apply_filter(data[:, 2], spec)
    sl = _time_slice(t, start, days, decoded_nc)
    tt, z, zf = t[sl], data[sl, 2], z_f[sl]
    code = attrs.get("iaga_code", Path(decoded_nc).stem)
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
    _date_axis(b)
    b.set_xlabel("time (UTC)")
    fig.suptitle(
        f"Figure 3: {code} Bz, {days:g} days from {pd.Timestamp(tt[0]):%Y-%m-%d} UTC, "
        f"unfiltered vs filtered - {data_kind} data",
        fontsize=10,
    )
    return _save(fig, out_png, out_pdf)


# --------------------------------------------------------------------------------------
# Figure 4 and Table 2: the network
# --------------------------------------------------------------------------------------
def _layer_details(layer) -> str:
    """Type-specific configuration of a layer in words (kernel, pool, activation)."""
    kind = type(layer).__name__
    act = getattr(layer, "activation", None)
    act = getattr(act, "__name__", "") if act is not None else ""
    if kind == "Conv2D":
        k = "x".join(str(v) for v in layer.kernel_size)
        return f"{layer.filters} filters, kernel {k}, padding {layer.padding}, {act}"
    if kind.startswith("MaxPooling"):
        return f"pool {'x'.join(str(v) for v in layer.pool_size)}"
    if kind == "Dense":
        return f"{layer.units} units, {act}"
    if kind == "InputLayer":
        return "components x time x 1"
    return ""


def _network_rows(n_samples: int, dense_activation: str) -> tuple[pd.DataFrame, int]:
    from eqprecursors.ground.model import build_cnn, model_table

    model = build_cnn(int(n_samples), dense_activation=dense_activation)
    table = model_table(model)
    table["details"] = [_layer_details(layer) for layer in model.layers]
    return table, int(model.count_params())


def plot_network(
    n_samples: int, out_png, out_pdf, *, dense_activation: str = "relu"
) -> tuple[Path, Path]:
    """Figure 4: the CNN as boxes and arrows, read off the built Keras model.

    Drawing from the model (not by hand) keeps the figure true to what was trained: output
    shapes and parameter counts are Keras' own.
    """
    plt = _pyplot()
    from matplotlib.patches import FancyBboxPatch

    table, total = _network_rows(n_samples, dense_activation)
    colours = {
        "InputLayer": "#e8e8e8",
        "Conv2D": "#cfe2f3",
        "MaxPooling2D": "#d9ead3",
        "Flatten": "#fff2cc",
        "Dense": "#f4cccc",
    }
    n = len(table)
    step, height = 1.0, 0.72
    fig, ax = plt.subplots(figsize=(8.0, 0.85 * n + 1.4))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, n * step - 0.2)
    ax.axis("off")
    for i, row in enumerate(table.itertuples(index=False)):
        y = (n - 1 - i) * step
        box = FancyBboxPatch(
            (0.08, y - height / 2),
            0.84,
            height,
            boxstyle="round,pad=0.01,rounding_size=0.03",
            fc=colours.get(row.type, "white"),
            ec="k",
            lw=0.8,
        )
        ax.add_patch(box)
        head = f"{row.layer}: {row.type}" + (f"  ({row.details})" if row.details else "")
        ax.text(0.5, y + 0.13, head, ha="center", va="center", fontsize=9, fontweight="bold")
        ax.text(
            0.5,
            y - 0.16,
            f"output {row.output_shape}   |   params {row.params:,}",
            ha="center",
            va="center",
            fontsize=8.5,
        )
        if i < n - 1:
            ax.annotate(
                "",
                xy=(0.5, y - step + height / 2),
                xytext=(0.5, y - height / 2),
                arrowprops={"arrowstyle": "-|>", "color": "k", "lw": 1.0},
            )
    ax.set_title(
        f"Figure 4: seed-000 CNN (paper Table 2) for N = {int(n_samples):,} samples, "
        f"hidden Dense activation {dense_activation}\ntotal trainable parameters {total:,}",
        fontsize=10,
    )
    fig.tight_layout()
    return _save(fig, out_png, out_pdf)


def table_model(n_samples: int, out_csv, out_md, *, dense_activation: str = "relu") -> pd.DataFrame:
    """Table 2: layers, output shapes and parameter counts of the built model, plus total."""
    table, total = _network_rows(n_samples, dense_activation)
    table = table[["layer", "type", "details", "output_shape", "params"]]
    total_row = pd.DataFrame(
        [{"layer": "total", "type": "", "details": "", "output_shape": "", "params": total}]
    )
    table = pd.concat([table, total_row], ignore_index=True)
    for p in (out_csv, out_md):
        Path(p).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False)
    md = table.assign(params=table["params"].map(lambda v: f"{int(v):,}"))
    title = (
        f"Table 2: seed-000 CNN for N = {int(n_samples):,} samples "
        f"(hidden Dense activation {dense_activation})\n\n"
    )
    Path(out_md).write_text(title + md.to_markdown(index=False) + "\n")
    return table


# --------------------------------------------------------------------------------------
# Figures 5-8: training results
# --------------------------------------------------------------------------------------
def _load_runs(runs: Sequence[Mapping]) -> list[tuple[Mapping, pd.DataFrame, dict]]:
    if not runs:
        raise ValueError("no runs given")
    return [(r, _read_history(r["history_csv"]), _read_json(r.get("metrics_json"))) for r in runs]


def plot_histories(
    runs: Sequence[Mapping], out_png, out_pdf, *, data_kind: str
) -> tuple[Path, Path]:
    """Figure 5: accuracy and loss vs epoch, training and validation, per run.

    Grid: one row per ``run.get("row", label)`` (e.g. observatory) and an accuracy + loss
    column pair per ``run.get("column", "")`` (e.g. unfiltered / filtered); without those keys
    one row per run.  Each accuracy panel has its run's majority baseline (dashed) and a
    one-line verdict (val accuracy with CI vs baseline, MCC with permutation p).
    """
    plt = _pyplot()
    loaded = _load_runs(runs)
    rows = list(dict.fromkeys(str(r.get("row", r["label"])) for r, _, _ in loaded))
    cols = list(dict.fromkeys(str(r.get("column", "")) for r, _, _ in loaded))
    fig, axes = plt.subplots(
        len(rows),
        2 * len(cols),
        figsize=(4.0 * 2 * len(cols), 2.9 * len(rows) + 0.8),
        squeeze=False,
        layout="constrained",
    )
    used = np.zeros(axes.shape, dtype=bool)
    for r, h, m in loaded:
        i = rows.index(str(r.get("row", r["label"])))
        j = 2 * cols.index(str(r.get("column", "")))
        acc_ax, loss_ax = axes[i, j], axes[i, j + 1]
        used[i, j : j + 2] = True
        base = _num(m.get("baseline_accuracy"))
        acc_ax.plot(h["epoch"], h["accuracy"], color=TRAIN_COLOUR, marker=".", label="training")
        acc_ax.plot(h["epoch"], h["val_accuracy"], color=VAL_COLOUR, marker=".", label="validation")
        _baseline_line(acc_ax, base)
        _accuracy_ylim(acc_ax, [*h["accuracy"], *h["val_accuracy"], base])
        loss_ax.plot(h["epoch"], h["loss"], color=TRAIN_COLOUR, marker=".")
        loss_ax.plot(h["epoch"], h["val_loss"], color=VAL_COLOUR, marker=".")
        summary = _summary(m, h, sep="\n")
        acc_ax.set_title(f"{r['label']}: accuracy\n{summary}", fontsize=8)
        loss_ax.set_title(f"{r['label']}: loss", fontsize=8)
        acc_ax.set_ylabel("accuracy")
        loss_ax.set_ylabel("categorical cross-entropy")
        for ax in (acc_ax, loss_ax):
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
            ax.xaxis.get_major_locator().set_params(integer=True)
    for ax in axes[~used]:
        ax.axis("off")
    handles = [
        plt.Line2D([], [], color=TRAIN_COLOUR, marker=".", label="training"),
        plt.Line2D([], [], color=VAL_COLOUR, marker=".", label="validation"),
        plt.Line2D([], [], **BASELINE_STYLE, label="majority baseline (val set)"),
    ]
    fig.legend(handles=handles, loc="outside upper right", ncols=3, fontsize=8)
    fig.suptitle(
        f"Figure 5: training histories - {data_kind} data, "
        f"{_split_note([m for _, _, m in loaded])}; dashed: majority-class baseline",
        fontsize=10,
        x=0.01,
        ha="left",
    )
    return _save(fig, out_png, out_pdf)


def plot_optimizers(
    runs: Sequence[Mapping], out_png, out_pdf, *, data_kind: str
) -> tuple[Path, Path]:
    """Figure 6: loss vs epoch per optimizer (training solid, validation dashed).

    There is no accuracy axis here, so each legend entry carries the final validation
    accuracy next to its majority baseline instead: a lower loss alone is no skill.
    """
    plt = _pyplot()
    loaded = _load_runs(runs)
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    for k, (r, h, m) in enumerate(loaded):
        colour = f"C{k % 10}"
        ax.plot(
            h["epoch"], h["loss"], color=colour, lw=1.4, label=f"{r['label']}: {_summary(m, h)}"
        )
        ax.plot(h["epoch"], h["val_loss"], color=colour, lw=1.4, ls="--")
    ax.plot([], [], color="grey", label="solid: training loss")
    ax.plot([], [], color="grey", ls="--", label="dashed: validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("categorical cross-entropy")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, loc="best")
    ax.set_title(
        f"Figure 6: loss per optimizer - {data_kind} data, "
        f"{_split_note([m for _, _, m in loaded])}",
        fontsize=10,
    )
    return _save(fig, out_png, out_pdf)


def _window_key(label: str) -> tuple[int, float, str]:
    from eqprecursors.ground.labels import WINDOW_SAMPLES

    lab = str(label).lower()
    if lab in WINDOW_SAMPLES:
        return (0, WINDOW_SAMPLES[lab], lab)
    try:
        return (0, float(lab), lab)
    except ValueError:
        return (1, 0.0, lab)


def plot_windows(runs: Sequence[Mapping], out_png, out_pdf, *, data_kind: str) -> tuple[Path, Path]:
    """Figure 7: final validation accuracy and loss vs window length (hour ... month).

    Each window length is its own dataset with its own class ratio, so the baseline is drawn
    per window (dashed) and validation accuracy carries its bootstrap 95 % CI where present.
    """
    from eqprecursors.ground.labels import WINDOW_SAMPLES

    plt = _pyplot()
    loaded = sorted(_load_runs(runs), key=lambda x: _window_key(x[0]["label"]))
    x = np.arange(len(loaded))
    val_acc = np.array([_val_accuracy(m, h) for _, h, m in loaded])
    tr_acc = np.array([float(h["accuracy"].iloc[-1]) for _, h, _ in loaded])
    base = np.array([_num(m.get("baseline_accuracy")) for _, _, m in loaded])
    ci = np.array([_ci(m) for _, _, m in loaded]).reshape(-1, 2)
    has_ci = np.isfinite(ci).all(axis=1)
    err = np.vstack([val_acc - ci[:, 0], ci[:, 1] - val_acc])
    err[:, ~has_ci] = 0.0

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    a.plot(x, tr_acc, "o", mfc="none", color=TRAIN_COLOUR, label="training (last epoch)")
    a.errorbar(
        x,
        val_acc,
        yerr=err,
        fmt="o",
        color=VAL_COLOUR,
        capsize=4,
        label="validation (95 % bootstrap CI)",
    )
    if np.isfinite(base).any():
        # one short segment per window: each window length is its own dataset, so the
        # baselines are not a curve
        a.hlines(base, x - 0.3, x + 0.3, **BASELINE_STYLE, zorder=5, label="majority baseline")
    _accuracy_ylim(a, [*tr_acc, *val_acc, *base, *ci[has_ci].ravel()])
    a.set_ylabel("accuracy")
    b.plot(
        x,
        [h["loss"].iloc[-1] for _, h, _ in loaded],
        "o",
        mfc="none",
        color=TRAIN_COLOUR,
        label="training (last epoch)",
    )
    b.plot(
        x,
        [h["val_loss"].iloc[-1] for _, h, _ in loaded],
        "o",
        color=VAL_COLOUR,
        label="validation (last epoch)",
    )
    b.set_ylabel("categorical cross-entropy")
    ticks = []
    for r, _, m in loaded:
        lab = str(r["label"])
        n = WINDOW_SAMPLES.get(lab.lower())
        extra = f"\nN={n:,}" if n else ""
        n_val = m.get("n_val")
        extra += f"\nn_val={n_val}" if n_val is not None else ""
        ticks.append(lab + extra)
    for ax in (a, b):
        ax.set_xticks(x, ticks, fontsize=8)
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_xlabel("window length")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(
        f"Figure 7: final accuracy and loss vs window length - {data_kind} data, "
        f"{_split_note([m for _, _, m in loaded])}",
        fontsize=10,
    )
    return _save(fig, out_png, out_pdf)


def learning_curve_verdict(fit: Mapping) -> str:
    """One-line verdict of a ``training.fit_learning_curve`` result."""
    if fit.get("meaningful"):
        return (
            f"extrapolated n for target accuracy {fit['target_accuracy']:g}: "
            f"{fit['n_for_target']:,.0f}"
        )
    reasons = "; ".join(fit.get("reasons") or ["unknown"])
    return f"fit not meaningful: {reasons}"


def plot_learning_curve(
    runs: Sequence[Mapping],
    out_png,
    out_pdf,
    out_json,
    *,
    target_accuracy: float,
    data_kind: str,
) -> dict[str, Any]:
    """Figure 8: accuracy and loss vs training-set size, with the inverse-power-law fit.

    ``runs``: dicts with ``n_train`` (training windows actually used; falls back to
    ``n_train`` in metrics.json, then ``summary_json``), optional ``fraction``, ``history_csv`` and
    ``metrics_json``.  Validation accuracy is the evaluated one (metrics.json, else last
    val_accuracy) and is what ``training.fit_learning_curve`` fits; training accuracy/loss
    are the last epoch.  The fit is drawn only when meaningful; the verdict goes into the
    figure and ``out_json`` (with the fit and the points).  Returns the JSON dict.
    """
    from eqprecursors.ground.labels import write_json
    from eqprecursors.ground.training import fit_learning_curve, inverse_power_law

    plt = _pyplot()
    loaded = _load_runs(runs)
    points = []
    for r, h, m in loaded:
        n_train = r.get("n_train", m.get("n_train"))
        if n_train is None and r.get("summary_json"):  # train()'s summary of the run
            n_train = json.loads(Path(r["summary_json"]).read_text())["n_train"]
        if n_train is None:
            raise ValueError(f"run {r.get('history_csv')}: n_train missing in run and metrics")
        lo, hi = _ci(m)
        points.append(
            {
                "n_train": int(n_train),
                "fraction": _num(r.get("fraction")),
                "train_accuracy": float(h["accuracy"].iloc[-1]),
                "val_accuracy": _val_accuracy(m, h),
                "val_accuracy_ci": [lo, hi],
                "train_loss": float(h["loss"].iloc[-1]),
                "val_loss": float(h["val_loss"].iloc[-1]),
                "baseline_accuracy": _num(m.get("baseline_accuracy")),
                "split_method": m.get("split_method"),
            }
        )
    pts = pd.DataFrame(points).sort_values("n_train", kind="stable").reset_index(drop=True)
    fit = fit_learning_curve(pts["n_train"], pts["val_accuracy"], target_accuracy)
    verdict = learning_curve_verdict(fit)
    split = _split_note([m for _, _, m in loaded])

    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
    n = pts["n_train"].to_numpy(float)
    a.plot(n, pts["train_accuracy"], "o-", color=TRAIN_COLOUR, label="training (last epoch)")
    ci = np.array(pts["val_accuracy_ci"].tolist(), dtype=float).reshape(-1, 2)
    err = np.vstack([pts["val_accuracy"] - ci[:, 0], ci[:, 1] - pts["val_accuracy"]])
    err[:, ~np.isfinite(ci).all(axis=1)] = 0.0
    a.errorbar(
        n,
        pts["val_accuracy"],
        yerr=err,
        fmt="o-",
        color=VAL_COLOUR,
        capsize=3,
        label="validation (95 % CI where evaluated)",
    )
    bases = pts["baseline_accuracy"].dropna().unique()
    for k, bv in enumerate(bases):
        _baseline_line(a, float(bv), "majority baseline" if k == 0 else None)
    yvals = [*pts["train_accuracy"], *pts["val_accuracy"], *bases, *ci[np.isfinite(ci)]]
    if fit["meaningful"]:
        p = fit["params"]
        n_hi = max(n.max(), min(fit["n_for_target"], 1e3 * n.max())) * 1.2
        grid = np.geomspace(n.min(), n_hi, 200)
        a.plot(
            grid,
            inverse_power_law(grid, p["a"], p["b"], p["c"]),
            ":",
            color="tab:green",
            lw=1.8,
            label=f"fit a - b n^-c (a={p['a']:.3f}, c={p['c']:.2f}, R^2={fit['r2']:.2f})",
        )
        a.axhline(target_accuracy, color="tab:green", lw=0.8, ls="-.", label="target accuracy")
        if fit["n_for_target"] <= n_hi:
            a.axvline(fit["n_for_target"], color="tab:green", lw=0.8, ls="-.")
        yvals += [target_accuracy]
    _accuracy_ylim(a, yvals)
    a.set_ylabel("accuracy")
    b.plot(n, pts["train_loss"], "o-", color=TRAIN_COLOUR, label="training (last epoch)")
    b.plot(n, pts["val_loss"], "o-", color=VAL_COLOUR, label="validation (last epoch)")
    b.set_ylabel("categorical cross-entropy")
    for ax in (a, b):
        ax.set_xscale("log")
        ax.set_xlabel("number of training windows")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(f"Figure 8: learning curve - {data_kind} data, {split}\n{verdict}", fontsize=10)
    _save(fig, out_png, out_pdf)

    result = {
        "verdict": verdict,
        "fit": fit,
        "target_accuracy": float(target_accuracy),
        "fitted_quantity": "validation accuracy vs number of training windows",
        "points": pts.to_dict(orient="records"),
        "data_kind": data_kind,
        "split": split,
    }
    write_json(result, out_json)
    return result


# --------------------------------------------------------------------------------------
# Table 1: observatories
# --------------------------------------------------------------------------------------
def table_observatories(
    sites: Sequence[Mapping],
    catalog_csvs,
    decoded_ncs,
    out_csv,
    out_md,
) -> pd.DataFrame:
    """Table 1: observatory, location, data availability, provider, events and Mmax.

    Availability and Mmax are measured from the files the study used (decoded netCDF, the
    selected catalog), not copied from the paper: % is non-gap samples on the regular 1-min
    grid from the first to the last time stamp of the netCDF.  ``catalog_csvs`` and
    ``decoded_ncs``: {code: path} or lists aligned with ``sites``.
    """
    cats = _per_site(sites, catalog_csvs, "catalogs")
    ncs = _per_site(sites, decoded_ncs, "netCDF files")
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
            t, _, gap, attrs = _load_series(nc)
            row["data_first"] = f"{pd.Timestamp(t[0]):%Y-%m-%d %H:%M}" if t.size else ""
            row["data_last"] = f"{pd.Timestamp(t[-1]):%Y-%m-%d %H:%M}" if t.size else ""
            row["data_available_pct"] = 100.0 * float(np.mean(~gap)) if t.size else 0.0
            row["data_type"] = str(attrs.get("data_type", ""))
        else:
            row.update(data_first="", data_last="", data_available_pct=np.nan, data_type="")
        row["provider"] = site.get("provider", "")
        if "radius_km" in site:
            row["radius_km"] = float(site["radius_km"])
        cat = _read_selected(cat_path)
        mags = cat["magnitude"].to_numpy(float)
        row["n_events"] = int(len(cat))
        row["Mmax"] = float(np.nanmax(mags)) if np.isfinite(mags).any() else np.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    for p in (out_csv, out_md):
        Path(p).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_csv, index=False)

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
    title = (
        "Table 1: observatories; availability = share of non-gap 1-min samples between the "
        "first and last time stamp; events and Mmax from the selected catalog\n\n"
    )
    Path(out_md).write_text(title + md.to_markdown(index=False) + "\n")
    return table
