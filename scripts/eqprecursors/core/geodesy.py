"""Distances on the Earth: one spherical and one ellipsoidal formula for the whole project.

Selection of earthquakes around an observatory uses the WGS84 geodesic (as the paper's
distances); the generator uses the faster great-circle formula on the mean sphere.
"""

from __future__ import annotations

import math

import numpy as np

EARTH_MEAN_RADIUS_KM = 6371.0088  # IUGG mean radius R1


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance (km) on the mean sphere; vectorised over either point."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.asarray(lon2) - lon1) / 2) ** 2
    )
    return 2 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geodesic_distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """WGS84 geodesic distance(s) in km from one point to arrays of points (NaN stays NaN)."""
    from geographiclib.geodesic import Geodesic

    lat2 = np.atleast_1d(np.asarray(lat2, dtype=float))
    lon2 = np.atleast_1d(np.asarray(lon2, dtype=float))
    inverse = Geodesic.WGS84.Inverse
    out = np.full(lat2.shape, np.nan)
    for i, (la, lo) in enumerate(zip(lat2, lon2, strict=True)):
        if math.isfinite(la) and math.isfinite(lo):
            out[i] = inverse(lat1, lon1, la, lo, Geodesic.DISTANCE)["s12"] / 1000.0
    return out


def geodesic_circle(
    lat: float, lon: float, radius_km: float, n_points: int = 361
) -> tuple[np.ndarray, np.ndarray]:
    """(lats, lons) of the WGS84 geodesic circle of ``radius_km`` around a site.

    The selection uses geodesic distance, so a drawn radius must be geodesic too (a circle
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


def destination(lat, lon, bearing_deg, dist_km):
    """Point at ``dist_km`` along ``bearing_deg`` from (lat, lon) on the mean sphere."""
    phi1, lmb1 = np.radians(lat), np.radians(lon)
    th, dl = np.radians(bearing_deg), np.asarray(dist_km) / EARTH_MEAN_RADIUS_KM
    phi2 = np.arcsin(np.sin(phi1) * np.cos(dl) + np.cos(phi1) * np.sin(dl) * np.cos(th))
    lmb2 = lmb1 + np.arctan2(
        np.sin(th) * np.sin(dl) * np.cos(phi1), np.cos(dl) - np.sin(phi1) * np.sin(phi2)
    )
    return np.degrees(phi2), (np.degrees(lmb2) + 180.0) % 360.0 - 180.0


def bearing_deg(lat1, lon1, lat2, lon2):
    """Initial bearing (deg, 0..360) from point 1 to point 2 on the sphere."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - lon1)
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arctan2(y, x)) % 360.0
