"""Main geomagnetic field for the synthetic observatories: IGRF-13 truncated at degree 8.

Why IGRF and not a dipole: a centred dipole gets the declination wrong by several degrees
in Europe (so Y would be off by ~1,000 nT) and Z by a few hundred nT. The degree-8
truncation of IGRF-13 keeps all of the core field that matters at the nT-per-year level
of a synthetic series: the omitted degrees 9-13 contribute a few tens of nT at the surface,
comparable to the crustal bias any real observatory has anyway.

Coefficients (Schmidt semi-normalised, nT) are the IGRF-13 DGRF 2005, 2010, 2015 and IGRF
2020 main-field models plus the 2020-25 secular variation (nT/yr), as published by IAGA
Working Group V-MOD (Alken et al., 2021, Earth Planets Space 73:49). Between epochs the
coefficients are interpolated linearly (the IGRF convention); after 2020 the SV is used;
before 2005 the 2005-2010 slope is extrapolated (fine for a synthetic baseline, a few nT
per year of error per decade).

Values this gives at 2015.0 at the observatory elevations (X, Y, Z nT; secular variation
2015-2020 in nT/yr): DUR (41.39N 14.28E, 900 m) 24,633, 1,301, 39,026 (+10, +57, +49;
D 3.0 deg E, I 57.7 deg); IZN (40.50N 29.72E) 24,872, 2,276, 40,156 (+3, +43, +66);
MLR (45.49N 25.95E) 22,092, 2,152, 43,059 (-1, +47, +65). Checked against the real BOU
January 2016 absolute level in ``tests/test_synthetic_ground.py`` (within 50 nT in X and
Y, 340 nT in Z: crustal bias plus truncation).
"""

from __future__ import annotations

import math

import numpy as np

#: Reference radius of the IGRF expansion (km).
EARTH_RADIUS_KM = 6371.2
#: WGS84 semi-axes (km) for the geodetic -> geocentric conversion.
WGS84_A_KM = 6378.137
WGS84_B_KM = 6356.752314245
#: Epochs (decimal years) of the tabulated main-field models.
EPOCHS = (2005.0, 2010.0, 2015.0, 2020.0)
MAX_DEGREE = 8

# (g/h, n, m, 2005, 2010, 2015, 2020, SV 2020-25). IGRF-13, degrees 1..8.
_IGRF13 = """
g 1 0 -29554.63 -29496.57 -29441.46 -29404.8 5.7
g 1 1 -1669.05 -1586.42 -1501.77 -1450.9 7.4
h 1 1 5077.99 4944.26 4795.99 4652.5 -25.9
g 2 0 -2337.24 -2396.06 -2445.88 -2499.6 -11.0
g 2 1 3047.69 3026.34 3012.20 2982.0 -7.0
h 2 1 -2594.50 -2708.54 -2845.41 -2991.6 -30.2
g 2 2 1657.76 1668.17 1676.35 1677.0 -2.1
h 2 2 -515.43 -575.73 -642.17 -734.6 -22.4
g 3 0 1336.30 1339.85 1350.33 1363.2 2.2
g 3 1 -2305.83 -2326.54 -2352.26 -2381.2 -5.9
h 3 1 -198.86 -160.40 -115.29 -82.1 6.0
g 3 2 1246.39 1232.10 1225.85 1236.2 3.1
h 3 2 269.72 251.75 245.04 241.9 -1.1
g 3 3 672.51 633.73 581.69 525.7 -12.0
h 3 3 -524.72 -537.03 -538.70 -543.4 0.5
g 4 0 920.55 912.66 907.42 903.0 -1.2
g 4 1 797.96 808.97 813.68 809.5 -1.6
h 4 1 282.07 286.48 283.54 281.9 -0.1
g 4 2 210.65 166.58 120.49 86.3 -5.9
h 4 2 -225.23 -211.03 -188.43 -158.4 6.5
g 4 3 -379.86 -356.83 -334.85 -309.4 5.2
h 4 3 145.15 164.46 180.95 199.7 3.6
g 4 4 100.00 89.40 70.38 48.0 -5.1
h 4 4 -305.36 -309.72 -329.23 -349.7 -5.0
g 5 0 -227.00 -230.87 -232.91 -234.3 -0.3
g 5 1 354.41 357.29 360.14 363.2 0.5
h 5 1 42.72 44.58 46.98 47.7 0.0
g 5 2 208.95 200.26 192.35 187.8 -0.6
h 5 2 180.25 189.01 196.98 208.3 2.5
g 5 3 -136.54 -141.05 -140.94 -140.7 0.2
h 5 3 -123.45 -118.06 -119.14 -121.2 -0.6
g 5 4 -168.05 -163.17 -157.40 -151.2 1.3
h 5 4 -19.57 -0.01 15.98 32.3 3.0
g 5 5 -13.55 -8.03 4.30 13.5 0.9
h 5 5 103.85 101.04 100.12 98.9 0.3
g 6 0 73.60 72.78 69.55 66.0 -0.5
g 6 1 69.56 68.69 67.57 65.5 -0.3
h 6 1 -20.33 -20.90 -20.61 -19.1 0.0
g 6 2 76.74 75.92 72.79 72.9 0.4
h 6 2 54.75 44.18 33.30 25.1 -1.6
g 6 3 -151.34 -141.40 -129.85 -121.5 1.3
h 6 3 63.63 61.54 58.74 52.8 -1.3
g 6 4 -14.58 -22.83 -28.93 -36.2 -1.4
h 6 4 -63.53 -66.26 -66.64 -64.5 0.8
g 6 5 14.58 13.10 13.14 13.5 0.0
h 6 5 0.24 3.02 7.35 8.9 0.0
g 6 6 -86.36 -78.09 -70.85 -64.7 0.9
h 6 6 50.94 55.40 62.41 68.1 1.0
g 7 0 79.88 80.44 81.29 80.6 -0.1
g 7 1 -74.46 -75.00 -75.99 -76.7 -0.2
h 7 1 -61.14 -57.80 -54.27 -51.5 0.6
g 7 2 -1.65 -4.55 -6.79 -8.2 0.0
h 7 2 -22.57 -21.20 -19.53 -16.9 0.6
g 7 3 38.73 45.24 51.82 56.5 0.7
h 7 3 6.82 6.54 5.59 2.2 -0.8
g 7 4 12.30 14.00 15.07 15.8 0.1
h 7 4 25.35 24.96 24.45 23.5 -0.2
g 7 5 9.37 10.46 9.32 6.4 -0.5
h 7 5 10.93 7.03 3.27 -2.2 -1.1
g 7 6 5.42 1.64 -2.88 -7.2 -0.8
h 7 6 -26.32 -27.61 -27.50 -27.2 0.1
g 7 7 1.94 4.92 6.61 9.8 0.8
h 7 7 -4.64 -3.28 -2.32 -1.8 0.3
g 8 0 24.80 24.41 23.98 23.7 0.0
g 8 1 7.62 8.21 8.89 9.7 0.1
h 8 1 11.20 10.84 10.04 8.4 -0.2
g 8 2 -11.73 -14.50 -16.78 -17.6 -0.1
h 8 2 -20.88 -20.03 -18.26 -15.3 0.6
g 8 3 -6.88 -5.59 -3.16 -0.5 0.4
h 8 3 9.83 11.83 13.18 12.8 -0.2
g 8 4 -18.11 -19.34 -20.56 -21.1 -0.1
h 8 4 -19.71 -17.41 -14.60 -11.7 0.5
g 8 5 10.17 11.61 13.33 15.3 0.4
h 8 5 16.22 16.71 16.16 14.9 -0.3
g 8 6 9.36 10.85 11.76 13.7 0.3
h 8 6 7.61 6.96 5.69 3.6 -0.4
g 8 7 -11.25 -14.05 -15.98 -16.5 -0.1
h 8 7 -12.76 -10.74 -9.10 -6.9 0.5
g 8 8 -4.87 -3.54 -2.02 -0.3 0.4
h 8 8 -0.06 1.64 2.26 2.8 0.0
"""


def _parse_table() -> tuple[list[tuple[str, int, int]], np.ndarray]:
    keys, rows = [], []
    for line in _IGRF13.strip().splitlines():
        p = line.split()
        keys.append((p[0], int(p[1]), int(p[2])))
        rows.append([float(v) for v in p[3:]])
    return keys, np.array(rows)


_KEYS, _TABLE = _parse_table()  # _TABLE: (80, 5) = 4 epochs + SV


def coefficients(decimal_year) -> np.ndarray:
    """Gauss coefficients at ``decimal_year`` (scalar or array) -> shape (80,) or (N, 80)."""
    t = np.atleast_1d(np.asarray(decimal_year, dtype=float))
    epochs = np.asarray(EPOCHS)
    models = _TABLE[:, :4]  # (80, 4)
    i = np.clip(np.searchsorted(epochs, t, side="right") - 1, 0, len(epochs) - 2)
    slope = (models[:, i + 1] - models[:, i]) / (epochs[i + 1] - epochs[i])  # (80, N)
    out = models[:, i] + slope * (t - epochs[i])
    late = t >= epochs[-1]
    if late.any():
        out[:, late] = models[:, -1:] + _TABLE[:, 4:5] * (t[late] - epochs[-1])
    out = out.T
    return out[0] if np.ndim(decimal_year) == 0 else out


def geodetic_to_geocentric(lat_deg: float, height_km: float) -> tuple[float, float, float]:
    """(geocentric radius km, geocentric colatitude rad, delta = geodetic - geocentric lat rad)."""
    phi = math.radians(lat_deg)
    a2, b2 = WGS84_A_KM**2, WGS84_B_KM**2
    n = a2 / math.sqrt(a2 * math.cos(phi) ** 2 + b2 * math.sin(phi) ** 2)
    p = (n + height_km) * math.cos(phi)
    z = (n * b2 / a2 + height_km) * math.sin(phi)
    r = math.hypot(p, z)
    psi = math.atan2(z, p)
    return r, math.pi / 2 - psi, phi - psi


def design_matrix(lat_deg: float, lon_deg: float, height_km: float = 0.0) -> np.ndarray:
    """(3, 80) matrix G with [X, Y, Z] (geodetic frame, nT) = G @ coefficients.

    The field is linear in the Gauss coefficients, so a site needs the Legendre functions
    only once; a whole year of per-minute main field is then one small matrix product.
    """
    r, theta, delta = geodetic_to_geocentric(lat_deg, height_km)
    lon = math.radians(lon_deg)
    x, s = math.cos(theta), math.sin(theta)
    nmax = MAX_DEGREE
    # Schmidt semi-normalised associated Legendre functions P[n][m] and dP/dtheta.
    p = np.zeros((nmax + 1, nmax + 1))
    dp = np.zeros((nmax + 1, nmax + 1))
    p[0, 0] = 1.0
    for n in range(1, nmax + 1):
        if n == 1:
            p[1, 1] = s
        else:
            p[n, n] = math.sqrt((2 * n - 1) / (2 * n)) * s * p[n - 1, n - 1]
        for m in range(n):
            prev2 = p[n - 2, m] if n >= 2 else 0.0
            k = math.sqrt((n - 1) ** 2 - m**2) if n - 1 >= m else 0.0
            p[n, m] = ((2 * n - 1) * x * p[n - 1, m] - k * prev2) / math.sqrt(n * n - m * m)
    for n in range(1, nmax + 1):
        for m in range(n + 1):
            prev = p[n - 1, m] if m <= n - 1 else 0.0
            dp[n, m] = (n * x * p[n, m] - math.sqrt(n * n - m * m) * prev) / s
    g = np.zeros((3, len(_KEYS)))
    for j, (gh, n, m) in enumerate(_KEYS):
        ratio = (EARTH_RADIUS_KM / r) ** (n + 2)
        cos_m, sin_m = math.cos(m * lon), math.sin(m * lon)
        trig = cos_m if gh == "g" else sin_m
        b_r = (n + 1) * ratio * trig * p[n, m]
        b_theta = -ratio * trig * dp[n, m]
        dtrig = -m * sin_m if gh == "g" else m * cos_m  # d(trig)/d(lon)
        b_phi = -ratio * dtrig * p[n, m] / s
        north_c, down_c = -b_theta, -b_r
        g[0, j] = north_c * math.cos(delta) + down_c * math.sin(delta)
        g[1, j] = b_phi
        g[2, j] = down_c * math.cos(delta) - north_c * math.sin(delta)
    return g


def main_field(lat_deg: float, lon_deg: float, height_km: float, decimal_year) -> np.ndarray:
    """Geodetic X, Y, Z (nT) at the site: shape (3,) for a scalar year, (3, N) for arrays."""
    return design_matrix(lat_deg, lon_deg, height_km) @ coefficients(decimal_year).T


def dipole_pole(decimal_year: float) -> tuple[float, float]:
    """Latitude, longitude (deg) of the northern geomagnetic (centred-dipole) pole."""
    g10, g11, h11 = coefficients(decimal_year)[:3]
    b0 = math.sqrt(g10**2 + g11**2 + h11**2)
    return 90.0 - math.degrees(math.acos(-g10 / b0)), math.degrees(math.atan2(-h11, -g11))


def geomagnetic_coordinates(lat_deg, lon_deg, decimal_year: float = 2015.0):
    """Centred-dipole geomagnetic latitude and longitude (deg) of geographic points."""
    plat, plon = (math.radians(v) for v in dipole_pole(decimal_year))
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    dlon = np.radians(np.asarray(lon_deg, dtype=float)) - plon
    sin_mlat = np.sin(lat) * math.sin(plat) + np.cos(lat) * math.cos(plat) * np.cos(dlon)
    mlat = np.arcsin(np.clip(sin_mlat, -1.0, 1.0))
    y = np.cos(lat) * np.sin(dlon)
    x = -np.cos(lat) * math.sin(plat) * np.cos(dlon) + np.sin(lat) * math.cos(plat)
    # Geomagnetic longitude measured from the meridian through the geographic south pole
    # (the convention of Fraser-Smith 1987, used by CSES MAG_LON).
    mlon = np.degrees(np.arctan2(y, -x))
    return np.degrees(mlat), mlon
