"""Overview figure of the synthetic dataset beside real data, for a plausibility check.

A geophysicist judges a synthetic generator by eye first: Sq amplitude and shape, storm
depression and disturbance, noise level. So the figure puts a week of synthetic ground
data next to a week of a real observatory (BOU, January 2016, with the Kp 6 storm of
2016-01-20) on the same nT scale per component, and shows one synthetic satellite pass
(Ne on a log scale and Te against latitude).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.plots.style import pyplot, save


def _ground_frame(source) -> pd.DataFrame:
    """X, Y, Z (nT) indexed by time from IAGA-2002 files or a decoded netCDF."""
    if isinstance(source, str | Path) and str(source).endswith(".nc"):
        import xarray as xr

        with xr.open_dataset(source) as ds:
            return ds[["X", "Y", "Z"]].to_dataframe()
    from eqprecursors.ground.decode import merge_records
    from eqprecursors.io.iaga import read_iaga

    paths = [source] if isinstance(source, str | Path) else list(source)
    records = [rec for p in paths for rec in read_iaga(p)]
    time, values, _, _ = merge_records(records)
    code = records[0].iaga_code
    df = pd.DataFrame({c: values[c] for c in "XYZ"}, index=pd.DatetimeIndex(time, name="time"))
    df.attrs["code"] = code
    return df


def _satellite_frame(path) -> tuple[pd.DataFrame, str]:
    from eqprecursors.io.satellite import read_cses_hdf5, read_demeter_cdf

    path = Path(path)
    if path.suffix.lower() == ".cdf":
        return read_demeter_cdf(path), "DEMETER-like"
    return read_cses_hdf5(path), "CSES-like"


def _local_time(sat: pd.DataFrame) -> float:
    """Median local solar time of a pass (from ``lt`` if stored, else from longitude)."""
    if "lt" in sat:
        return float(np.nanmedian(sat["lt"]))
    t = pd.DatetimeIndex(sat["time"])
    ut = t.hour + t.minute / 60.0 + t.second / 3600.0
    return float(np.nanmedian((ut.to_numpy() + sat["lon"].to_numpy() / 15.0) % 24.0))


def plot_overview(
    synthetic,
    real_iaga_path,
    satellite_file,
    out_png,
    *,
    days: int = 7,
    synthetic_start=None,
    real_start="2016-01-15",
    synthetic_label: str | None = None,
) -> Path:
    """Write the overview PNG; returns its path.

    ``synthetic``: synthetic IAGA-2002 files (list) or a decoded netCDF; ``real_iaga_path``:
    a real IAGA-2002 file in XYZF (e.g. ``data/iaga/BOU201601adj.min``); ``satellite_file``:
    one synthetic DEMETER-like CDF or CSES-like HDF5 half-orbit, or a list of them (a day
    and a night pass show the day/night contrast).
    """
    plt = pyplot()
    syn = _ground_frame(synthetic)
    real = _ground_frame(real_iaga_path)
    span = pd.Timedelta(days=days)
    s0 = pd.Timestamp(synthetic_start) if synthetic_start is not None else syn.index[0]
    r0 = pd.Timestamp(real_start) if real_start is not None else real.index[0]
    syn = syn[(syn.index >= s0) & (syn.index < s0 + span)]
    real = real[(real.index >= r0) & (real.index < r0 + span)]

    fig = plt.figure(figsize=(15, 12), constrained_layout=True)
    grid = fig.add_gridspec(4, 2, height_ratios=[1, 1, 1, 1.15])
    syn_name = synthetic_label or f"synthetic {syn.attrs.get('code', '')}".strip()
    real_name = f"real {real.attrs.get('code', '')}".strip()
    for row, comp in enumerate("XYZ"):
        a = fig.add_subplot(grid[row, 0])
        b = fig.add_subplot(grid[row, 1])
        ds = syn[comp] - np.nanmedian(syn[comp])
        dr = real[comp] - np.nanmedian(real[comp])
        lo = np.nanmin([ds.min(), dr.min()])
        hi = np.nanmax([ds.max(), dr.max()])
        pad = 0.05 * (hi - lo + 1.0)
        for ax, d, name, colour, base in (
            (a, ds, syn_name, "tab:blue", np.nanmedian(syn[comp])),
            (b, dr, real_name, "black", np.nanmedian(real[comp])),
        ):
            ax.plot(d.index, d.to_numpy(), lw=0.5, color=colour)
            ax.set_ylim(lo - pad, hi + pad)
            ax.set_ylabel(f"{comp} - {base:,.0f} nT")
            ax.grid(alpha=0.3)
            if row == 0:
                ax.set_title(f"{name}: {d.index[0]:%Y-%m-%d} + {days} d (1-min)")
    ax_ne = fig.add_subplot(grid[3, 0])
    ax_te = fig.add_subplot(grid[3, 1])
    files = [satellite_file] if isinstance(satellite_file, str | Path) else list(satellite_file)
    if len(files) == 1 and Path(files[0]).is_dir():
        # a generator directory: its first two half-orbits are a day and a night pass
        files = sorted(p for p in Path(files[0]).iterdir() if p.suffix in (".cdf", ".h5"))[:2]
    colours = ["tab:red", "tab:blue", "tab:green", "tab:orange"]
    kinds = set()
    for j, path in enumerate(files):
        sat, kind = _satellite_frame(path)
        kinds.add(kind)
        when = pd.Timestamp(sat["time"].iloc[0])
        lt = _local_time(sat)
        label = f"{when:%Y-%m-%d %H:%M} UT, LT {lt:.1f} h"
        colour = colours[j % len(colours)]
        ax_ne.semilogy(sat["lat"], sat["ne"], lw=0.6, color=colour, label=label)
        ax_te.plot(sat["lat"], sat["te"], lw=0.6, color=colour, label=label)
        if "mlat" in sat and j == 0:
            eq = np.nanargmin(np.abs(sat["mlat"].to_numpy()))
            for ax in (ax_ne, ax_te):
                ax.axvline(sat["lat"].iloc[eq], color="grey", ls="--", lw=0.8)
    ax_ne.set_ylabel("Ne (cm$^{-3}$)")
    ax_te.set_ylabel("Te (K)")
    for ax, what in ((ax_ne, "electron density"), (ax_te, "electron temperature")):
        ax.set_xlabel("geographic latitude (deg)")
        ax.set_title(f"synthetic {', '.join(sorted(kinds))} Langmuir probe: {what}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(
        "Synthetic data (left) beside real BOU data (right), same nT span per component; "
        "bottom: synthetic Langmuir-probe pass (dashed: magnetic equator)",
        fontsize=11,
    )
    return save(fig, out_png, dpi=90)[0]
