"""Precursor injection: which events get a synthetic precursor, where, when and how strong.

The generator is also the instrument of injection-recovery studies, so the injected signal
is fully specified by a small config dict and every injection is listed in a truth table
that only the evaluation reads (no label or model code may look at it).

Config keys (``injection`` dict; missing keys take the defaults below):

``enabled`` (False)
    Master switch. An amplitude of 0 also switches the injection off.
``shape``
    Ground: ``ulf_burst`` (default) -- band-limited Gaussian noise in ``band_mhz`` added to
    Z with in-band RMS ``amplitude_nT`` and to X and Y with ``h_ratio`` times that (a ULF
    emission that is mostly vertical, as in Hayakawa-style ULF studies); ``polarization``
    -- the same band-limited noise on Z only, so that the Z/H ULF power ratio rises while
    H is untouched. Satellites: ``step`` (default; constant percent change inside the
    window) or ``ramp`` (grows linearly from 0 at the window start to the full change at
    its end).
``amplitude_nT`` (5.0)
    Ground amplitude at the epicentre: in-band RMS of the injected Z signal (nT).
``ne_percent`` (20.0), ``te_percent`` (-10.0)
    Satellite amplitude at the epicentre: percent change of Ne and of Te.
``lead_hours`` (168), ``duration_hours`` (168)
    The signal starts ``lead_hours`` before the origin time and lasts ``duration_hours``;
    the window is ``[origin - lead, origin - lead + duration)``, clipped at the origin
    time (a precursor cannot outlast its earthquake). The defaults give the 7-day window
    ending at the origin that the labelling of the seed study uses.
``detectability_radius_km`` (200)
    Only events within this distance of the site (ground) or of the satellite's
    sub-point (satellites) get a signal.
``dobrovolsky`` (False)
    Also require the distance to be within the Dobrovolsky et al. (1979) preparation-zone
    radius ``10**(0.43 M)`` km.
``min_magnitude`` (None)
    Only events with magnitude >= this value.
``decay`` (``linear``)
    Amplitude vs distance ``d`` within the radius ``R``: ``linear`` ``A (1 - d/R)``;
    ``exponential`` ``A exp(-d / decay_length_km)`` (default length ``R/3``);
    ``none`` ``A``.
``band_mhz`` ([1.0, 8.0])
    ULF band of the ground signal, inside the 8.33 mHz Nyquist frequency of 1-min data
    (Pc5 and the low end of Pc4).
``h_ratio`` (0.5)
    ``ulf_burst`` only: X and Y RMS as a fraction of Z.
``taper_hours`` (1.0)
    Half-cosine ramps at both ends of the ground signal (avoids artificial steps).

Overlapping windows (a mainshock and its foreshocks) add: on the ground their independent
bursts add in quadrature, on satellites the percent changes multiply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from eqprecursors.core.geodesy import geodesic_distance_km
from eqprecursors.core.times import to_epoch_ns

GROUND_SHAPES = ("ulf_burst", "polarization")
SATELLITE_SHAPES = ("step", "ramp")
DECAYS = ("linear", "exponential", "none")

TRUTH_COLUMNS = [
    "event_id",
    "event_time",
    "event_latitude",
    "event_longitude",
    "depth_km",
    "magnitude",
    "site",
    "distance_km",
    "window_start",
    "window_end",
    "shape",
    "decay_factor",
    "amplitude",
    "amplitude_units",
]


@dataclass(frozen=True)
class InjectionConfig:
    """Validated injection settings (see the module docstring for every key)."""

    enabled: bool = False
    shape: str | None = None
    amplitude_nT: float = 5.0
    ne_percent: float = 20.0
    te_percent: float = -10.0
    lead_hours: float = 168.0
    duration_hours: float = 168.0
    detectability_radius_km: float = 200.0
    dobrovolsky: bool = False
    min_magnitude: float | None = None
    decay: str = "linear"
    decay_length_km: float | None = None
    band_mhz: tuple[float, float] = (1.0, 8.0)
    h_ratio: float = 0.5
    taper_hours: float = 1.0

    @property
    def lead_ns(self) -> int:
        return int(round(self.lead_hours * 3600e9))

    @property
    def duration_ns(self) -> int:
        return int(round(self.duration_hours * 3600e9))


def from_dict(cls, values, what: str):
    """A settings dataclass from a config dict; an unknown key is an error (a typo)."""
    if values is None:
        return cls()
    if isinstance(values, cls):
        return values
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"unknown {what} key(s) {unknown}; allowed: {sorted(names)}")
    return cls(**values)


def parse_injection(cfg: dict | InjectionConfig | None, *, kind: str) -> InjectionConfig:
    """Validate an injection dict for ``kind`` = ``ground`` or ``satellite``.

    Unknown keys are an error: a typo such as ``amplitude_nt`` must not silently leave a
    study without its injected signal.
    """
    if kind not in ("ground", "satellite"):
        raise ValueError(f"kind must be 'ground' or 'satellite', got {kind!r}")
    if isinstance(cfg, dict) and "band_mhz" in cfg:
        cfg = dict(cfg, band_mhz=tuple(float(v) for v in cfg["band_mhz"]))
    out = from_dict(InjectionConfig, cfg, "injection")
    shapes = GROUND_SHAPES if kind == "ground" else SATELLITE_SHAPES
    shape = out.shape or shapes[0]
    if shape not in shapes:
        raise ValueError(f"{kind} injection shape must be one of {shapes}, got {shape!r}")
    if out.decay not in DECAYS:
        raise ValueError(f"injection decay must be one of {DECAYS}, got {out.decay!r}")
    if out.lead_hours <= 0 or out.duration_hours <= 0:
        raise ValueError("injection lead_hours and duration_hours must be positive")
    if out.detectability_radius_km <= 0:
        raise ValueError("injection detectability_radius_km must be positive")
    lo, hi = out.band_mhz
    if not 0 < lo < hi:
        raise ValueError(f"injection band_mhz must be 0 < low < high, got {out.band_mhz}")
    return replace(out, shape=shape)


def is_active(cfg: InjectionConfig, *, kind: str) -> bool:
    """True when the config injects anything at all."""
    if not cfg.enabled:
        return False
    if kind == "ground":
        return cfg.amplitude_nT != 0
    return cfg.ne_percent != 0 or cfg.te_percent != 0


def decay_factor(distance_km, cfg: InjectionConfig) -> np.ndarray:
    """Fraction of the epicentral amplitude seen at ``distance_km`` (0 beyond the radius)."""
    d = np.asarray(distance_km, dtype=float)
    r = cfg.detectability_radius_km
    if cfg.decay == "linear":
        f = 1.0 - d / r
    elif cfg.decay == "exponential":
        length = cfg.decay_length_km if cfg.decay_length_km else r / 3.0
        f = np.exp(-d / length)
    else:
        f = np.ones_like(d)
    return np.where((d >= 0) & (d <= r), np.clip(f, 0.0, 1.0), 0.0)


def normalise_events(events: pd.DataFrame | None) -> pd.DataFrame:
    """Events as (time ns UTC, latitude, longitude, depth_km, magnitude, event_id)."""
    cols = ["time", "latitude", "longitude", "depth_km", "magnitude", "event_id"]
    if events is None or len(events) == 0:
        return pd.DataFrame({c: pd.Series([], dtype=float) for c in cols})
    ev = events.reset_index(drop=True)
    times = pd.to_datetime(ev["time"], utc=True, format="ISO8601")
    out = pd.DataFrame(
        {
            "time": times.dt.as_unit("ns"),
            "latitude": pd.to_numeric(ev["latitude"], errors="coerce").astype(float),
            "longitude": pd.to_numeric(ev["longitude"], errors="coerce").astype(float),
            "depth_km": pd.to_numeric(ev.get("depth_km", np.nan), errors="coerce"),
            "magnitude": pd.to_numeric(ev.get("magnitude", np.nan), errors="coerce"),
        }
    )
    ids = ev["event_id"].astype("str") if "event_id" in ev else pd.Series([""] * len(ev))
    fallback = times.dt.strftime("ev%Y%m%dT%H%M%S")
    ids = ids.where(ids.notna() & (ids.str.strip() != "") & (ids != "nan"), fallback)
    out["event_id"] = ids.to_numpy()
    return out[out["time"].notna() & out["latitude"].notna() & out["longitude"].notna()]


def window_bounds(origin_ns, cfg: InjectionConfig) -> tuple[np.ndarray, np.ndarray]:
    """Injection window ``[start, end)`` (int64 ns) of events at ``origin_ns``."""
    origin = np.asarray(origin_ns, dtype=np.int64)
    start = origin - cfg.lead_ns
    end = np.minimum(start + cfg.duration_ns, origin)
    return start, end


def magnitude_ok(magnitude, cfg: InjectionConfig) -> np.ndarray:
    mag = np.asarray(magnitude, dtype=float)
    ok = np.ones(mag.shape, dtype=bool)
    if cfg.min_magnitude is not None:
        ok &= mag >= cfg.min_magnitude
    return ok


def dobrovolsky_radius_km(magnitude) -> np.ndarray:
    """Preparation-zone radius ``10**(0.43 M)`` km (Dobrovolsky et al., 1979)."""
    return 10.0 ** (0.43 * np.asarray(magnitude, dtype=float))


def within_reach(distance_km, magnitude, cfg: InjectionConfig) -> np.ndarray:
    """Distance and magnitude criteria of a qualifying event (vectorised)."""
    d = np.asarray(distance_km, dtype=float)
    ok = (d <= cfg.detectability_radius_km) & magnitude_ok(magnitude, cfg)
    if cfg.dobrovolsky:
        ok &= d <= dobrovolsky_radius_km(magnitude)
    return ok


def ground_injections(
    events: pd.DataFrame | None,
    cfg: InjectionConfig,
    *,
    latitude: float,
    longitude: float,
    start_ns: int,
    end_ns: int,
) -> pd.DataFrame:
    """Qualifying events for one observatory whose window overlaps ``[start_ns, end_ns)``.

    Distances are WGS84 geodesics (same function as ``ground.events.select_events``), recomputed
    from the event position rather than trusted from a ``distance_km`` column that may
    have been measured from another observatory.
    """
    ev = normalise_events(events)
    if len(ev) == 0 or not is_active(cfg, kind="ground"):
        return ev.iloc[0:0].assign(distance_km=[], window_start=[], window_end=[], decay_factor=[])
    dist = geodesic_distance_km(latitude, longitude, ev["latitude"], ev["longitude"])
    origin = to_epoch_ns(ev["time"])
    ws, we = window_bounds(origin, cfg)
    keep = within_reach(dist, ev["magnitude"], cfg) & (we > start_ns) & (ws < end_ns)
    out = ev.assign(distance_km=dist, window_start=ws, window_end=we)
    out["decay_factor"] = decay_factor(dist, cfg)
    return out[keep].reset_index(drop=True)


def truth_frame(rows: list[dict]) -> pd.DataFrame:
    """Truth rows in the documented column order (times as ISO-8601 UTC strings)."""
    df = pd.DataFrame(rows)
    for col in TRUTH_COLUMNS:
        if col not in df:
            df[col] = pd.Series(dtype=object)
    extra = [c for c in df.columns if c not in TRUTH_COLUMNS]
    return df[TRUTH_COLUMNS + extra]


def write_truth(df: pd.DataFrame, path) -> None:
    """Write the truth table as CSV (float columns with fixed precision, deterministic)."""
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


def fmt_float(x: float) -> float:
    """Round to 6 significant digits so truth CSVs are stable across platforms."""
    if not math.isfinite(x):
        return x
    return float(f"{x:.6g}")
