"""Synthetic earthquake catalog around a site, written as a genuine USGS FDSN ``format=csv``.

Why: the offline default dataset needs events to label and to inject precursors before;
a catalog with realistic statistics (magnitude-frequency, clustering) keeps the class
balance and the "aftershock windows overlap" effects of real catalogs.

Model
-----
* Mainshocks: homogeneous Poisson process, ``rate_per_year`` events with
  M >= ``min_magnitude``, epicentres uniform over the disk of ``radius_km`` around the site
  (area-uniform: ``r = R sqrt(u)``), depths uniform in ``depth_range_km`` (5-25 km,
  crustal seismicity of Italy, Anatolia and Vrancea's crustal part).
* Magnitudes: Gutenberg-Richter with ``b_value`` (1.0), truncated at ``max_magnitude``
  (7.5), drawn continuous from ``min_magnitude - 0.05`` and rounded to 0.1 like a
  catalog, so the Aki-Utsu estimator ``b = log10(e) / (mean(M) - (Mmin - 0.05))``
  recovers ``b_value``.
* Aftershocks (``aftershocks=True``): for a mainshock M, a Poisson number with mean
  ``10**(b (M - 1.2 - Mmin))`` -- Bath's law: the largest aftershock is on average 1.2
  units smaller -- with GR magnitudes capped at M, Omori-Utsu times
  ``(t + c)^-p`` (c = 0.05 d, p = 1.1) within ``aftershock_days`` (365 d), positions
  Gaussian around the mainshock with sigma = half the rupture length
  ``10**(-2.44 + 0.59 M)`` km (Wells & Coppersmith 1994), depth +- 3 km.
* Output columns exactly as the USGS event service: ``time, latitude, longitude, depth,
  mag, magType, nst, gap, dmin, rms, net, id, updated, place, type, horizontalError,
  depthError, magError, magNst, status, locationSource, magSource``; newest first
  (the service's default order); network ``sy`` so that no id collides with a real one.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.dates import period_bound
from eqprecursors.core.geodesy import bearing_deg, destination, haversine_km
from eqprecursors.core.times import NS_PER_DAY, NS_PER_S, format_iso_ms
from eqprecursors.synthetic import noise

USGS_COLUMNS = [
    "time",
    "latitude",
    "longitude",
    "depth",
    "mag",
    "magType",
    "nst",
    "gap",
    "dmin",
    "rms",
    "net",
    "id",
    "updated",
    "place",
    "type",
    "horizontalError",
    "depthError",
    "magError",
    "magNst",
    "status",
    "locationSource",
    "magSource",
]
_COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE"]
_COMPASS += ["S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]


def gr_magnitudes(rng, n: int, m_min: float, m_max: float, b: float) -> np.ndarray:
    """Continuous truncated Gutenberg-Richter magnitudes in ``[m_min, m_max]``."""
    u = rng.random(n)
    span = 1.0 - 10.0 ** (-b * (m_max - m_min))
    return m_min - np.log10(1.0 - u * span) / b


def omori_times(rng, n: int, c: float, p: float, t_max: float) -> np.ndarray:
    """Delays (days) with density ``(t + c)^-p`` on ``[0, t_max]`` (inverse CDF)."""
    u = rng.random(n)
    if abs(p - 1.0) < 1e-9:
        return c * ((1.0 + t_max / c) ** u - 1.0)
    q = 1.0 - p
    a, z = c**q, (t_max + c) ** q
    return (a + u * (z - a)) ** (1.0 / q) - c


def aki_b_value(magnitudes, m_min: float, bin_width: float = 0.1) -> float:
    """Aki (1965) maximum-likelihood b with Utsu's binning correction."""
    m = np.asarray(magnitudes, dtype=float)
    m = m[m >= m_min - 1e-9]
    return math.log10(math.e) / (m.mean() - (m_min - bin_width / 2))


def _utc_ns(value, *, end: bool) -> int:
    """A period bound as int ns (a bare-date ``end`` means through that day)."""
    return int(pd.Timestamp(period_bound(value, is_end=end)).as_unit("ns").value)


def simulate_catalog(
    *,
    latitude: float,
    longitude: float,
    radius_km: float,
    start,
    end,
    rate_per_year: float,
    min_magnitude: float,
    b_value: float = 1.0,
    max_magnitude: float = 7.5,
    aftershocks: bool = True,
    bath_delta: float = 1.2,
    omori_c_days: float = 0.05,
    omori_p: float = 1.1,
    aftershock_days: float = 365.0,
    depth_range_km: tuple[float, float] = (5.0, 25.0),
    seed: int = 0,
    site_name: str = "synthetic site",
) -> pd.DataFrame:
    """The catalog as a DataFrame in USGS csv columns (newest first)."""
    t0, t1 = _utc_ns(start, end=False), _utc_ns(end, end=True)
    if t1 <= t0:
        raise ValueError(f"end {end} is not after start {start}")
    rng = noise.unit_rng(seed, f"CATALOG{latitude:.4f}{longitude:.4f}", 0, noise.STREAM_CATALOG)
    years = (t1 - t0) / (365.2425 * NS_PER_DAY)
    n_main = int(rng.poisson(rate_per_year * years))
    m_lo = min_magnitude - 0.05
    t_main = np.sort(rng.integers(t0, t1, n_main))
    mag_main = gr_magnitudes(rng, n_main, m_lo, max_magnitude, b_value)
    r = radius_km * np.sqrt(rng.random(n_main))
    lat_m, lon_m = destination(latitude, longitude, rng.uniform(0, 360, n_main), r)
    dep_m = rng.uniform(*depth_range_km, n_main)
    parts = [(t_main, lat_m, lon_m, dep_m, mag_main)]
    if aftershocks:
        for i in range(n_main):
            mean = 10.0 ** (b_value * (mag_main[i] - bath_delta - min_magnitude))
            k = int(rng.poisson(mean))
            if k == 0 or mag_main[i] <= m_lo:
                continue
            dt = omori_times(rng, k, omori_c_days, omori_p, aftershock_days)
            sigma = 0.5 * 10.0 ** (-2.44 + 0.59 * mag_main[i])
            la, lo = destination(
                lat_m[i], lon_m[i], rng.uniform(0, 360, k), np.abs(rng.normal(0, sigma, k))
            )
            parts.append(
                (
                    t_main[i] + (dt * NS_PER_DAY).astype(np.int64) + NS_PER_S,
                    la,
                    lo,
                    np.clip(dep_m[i] + rng.normal(0, 3.0, k), 0.5, 40.0),
                    gr_magnitudes(rng, k, m_lo, mag_main[i], b_value),
                )
            )
    t, lat, lon, dep, mag = (np.concatenate(c) for c in zip(*parts, strict=True))
    keep = t < t1
    order = np.argsort(t[keep], kind="stable")
    t, lat, lon, dep, mag = (a[keep][order] for a in (t, lat, lon, dep, mag))
    mag = np.floor(mag * 10.0 + 0.5) / 10.0
    n = t.size
    dist = haversine_km(latitude, longitude, lat, lon)
    # USGS "83 km WNW of Rabaul" names the direction of the event as seen from the town
    bearing = bearing_deg(latitude, longitude, lat, lon)
    compass = [_COMPASS[int(((b + 11.25) % 360) // 22.5)] for b in bearing]
    df = pd.DataFrame(
        {
            "time": format_iso_ms(t),
            "latitude": np.round(lat, 4),
            "longitude": np.round(lon, 4),
            "depth": np.round(dep, 2),
            "mag": mag,
            "magType": np.where(mag >= 5.5, "mww", np.where(mag >= 4.0, "mb", "ml")),
            "nst": rng.integers(20, 150, n),
            "gap": rng.integers(20, 180, n),
            "dmin": np.round(rng.uniform(0.05, 2.0, n), 3),
            "rms": np.round(rng.uniform(0.3, 1.2, n), 2),
            "net": "sy",
            "id": [f"sy{seed % 10000:04d}{i:06d}" for i in range(n)],
            "updated": format_iso_ms(t + 30 * NS_PER_DAY),
            "place": [f"{d:.0f} km {c} of {site_name}" for d, c in zip(dist, compass, strict=True)],
            "type": "earthquake",
            "horizontalError": np.round(rng.uniform(2.0, 10.0, n), 2),
            "depthError": np.round(rng.uniform(1.0, 5.0, n), 3),
            "magError": np.round(rng.uniform(0.03, 0.15, n), 3),
            "magNst": rng.integers(5, 200, n),
            "status": "reviewed",
            "locationSource": "sy",
            "magSource": "sy",
        }
    )
    return df.iloc[::-1].reset_index(drop=True)[USGS_COLUMNS]


def generate_catalog(path, **kwargs) -> pd.DataFrame:
    """Write :func:`simulate_catalog` (same keyword arguments) to ``path`` as USGS csv."""
    df = simulate_catalog(**kwargs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n")
    return df
