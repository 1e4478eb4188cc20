"""Sun-synchronous circular orbit tracks for DEMETER-like and CSES-like satellites.

Why a mean-sun model and not SGP4: the studies only use where and when the satellite
samples the ionosphere (geographic/magnetic latitude, longitude, local time, altitude). In a
sun-synchronous orbit the orbital plane is fixed relative to the mean Sun, so the local
solar time of the sub-satellite point depends only on the argument of latitude ``u``:
``LT = LT_ascending_node + atan2(cos i sin u, cos u) * 12/pi`` (mod 24), and the
longitude follows from ``lon = 15 (LT - UT)``. The equation of time (+-16 min) and the
small precession of real node times are neglected.

Missions (:data:`MISSIONS`):

* **DEMETER** (CNES, 2004-06-29 .. 2010-12): inclination 98.23 deg, nodes 10:30 LT
  (descending, day) and 22:30 LT (ascending, night); altitude 710 km until 2005-12-15,
  then 660 km. Instruments operated at invariant latitudes below ~65 deg: each
  half-orbit (one file) spans geographic latitude -65..+65 deg.
* **CSES-01** (Zhangheng-1, launched 2018-02-02): inclination 97.4 deg, nodes 14:00 LT
  (descending, day) and 02:00 LT (ascending, night), altitude 507 km; payloads on between
  +-65 deg geographic latitude.

Orbits are counted from the mission epoch; orbit ``k`` starts at its southernmost point,
so its ascending half (centred on the ascending node) comes first, then its descending
half. The half-orbit digit follows the DEMETER/CSES file-name convention used here:
0 = descending (day side for both missions), 1 = ascending (night side). (The digit is a
naming convention; readers determine the direction from the latitude trend, so nothing
downstream depends on it.) The geodetic altitude of a circular orbit varies with latitude
through the Earth's flattening (about +21 km from equator to pole).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eqprecursors.core.times import NS_PER_S
from eqprecursors.synthetic import field

GM_KM3_S2 = 398600.4418
DESCENDING, ASCENDING = 0, 1


@dataclass(frozen=True)
class Mission:
    """Orbit and product constants of one mission."""

    name: str
    inclination_deg: float
    ascending_node_lt_h: float
    epoch: str
    altitude_schedule: tuple[tuple[str, float], ...]
    max_lat_deg: float
    sample_s: float
    operations: tuple[str, str]

    @property
    def epoch_ns(self) -> int:
        return int(pd.Timestamp(self.epoch, tz="UTC").value)

    def segments(self) -> list[tuple[int, float, float]]:
        """[(start ns, mean motion rad/s, u at start)] with continuous ``u`` across changes."""
        out: list[tuple[int, float, float]] = []
        u = 0.0
        for j, (since, alt) in enumerate(self.altitude_schedule):
            t0 = self.epoch_ns if j == 0 else int(pd.Timestamp(since, tz="UTC").value)
            if out:
                pt, pn, pu = out[-1]
                u = pu + pn * (t0 - pt) / NS_PER_S
            a = field.WGS84_A_KM + alt
            out.append((t0, math.sqrt(GM_KM3_S2 / a**3), u))
        return out

    def altitude_km(self, t_ns) -> np.ndarray:
        """Nominal orbit altitude (km above the equatorial radius) at ``t_ns``."""
        t = np.asarray(t_ns, dtype=np.int64)
        out = np.full(t.shape, self.altitude_schedule[0][1], dtype=float)
        for j, (since, alt) in enumerate(self.altitude_schedule):
            if j:
                out[t >= int(pd.Timestamp(since, tz="UTC").value)] = alt
        return out


MISSIONS: dict[str, Mission] = {
    "demeter": Mission(
        name="demeter",
        inclination_deg=98.23,
        ascending_node_lt_h=22.5,
        epoch="2004-06-29T06:30:00",
        altitude_schedule=(("2004-06-29", 710.0), ("2005-12-15", 660.0)),
        max_lat_deg=65.0,
        sample_s=3.0,
        operations=("2004-08-01", "2010-12-09"),
    ),
    "cses": Mission(
        name="cses",
        inclination_deg=97.4,
        ascending_node_lt_h=2.0,
        epoch="2018-02-02T07:51:00",
        altitude_schedule=(("2018-02-02", 507.0),),
        max_lat_deg=65.0,
        sample_s=3.0,
        operations=("2018-02-02", "2030-12-31"),
    ),
}


def get_mission(name: str) -> Mission:
    key = str(name).strip().lower()
    if key not in MISSIONS:
        raise ValueError(f"unknown mission {name!r}; expected one of {sorted(MISSIONS)}")
    return MISSIONS[key]


def arg_of_latitude(mission: Mission, t_ns) -> np.ndarray:
    """Argument of latitude ``u`` (rad, unwrapped) at ``t_ns``."""
    t = np.asarray(t_ns, dtype=np.int64)
    segs = mission.segments()
    starts = np.array([s[0] for s in segs], dtype=np.int64)
    j = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(segs) - 1)
    n = np.array([s[1] for s in segs])[j]
    u0 = np.array([s[2] for s in segs])[j]
    return u0 + n * ((t - starts[j]) / NS_PER_S)


def time_of_u(mission: Mission, u) -> np.ndarray:
    """Inverse of :func:`arg_of_latitude` (int64 ns)."""
    u = np.asarray(u, dtype=float)
    segs = mission.segments()
    u_starts = np.array([s[2] for s in segs])
    j = np.clip(np.searchsorted(u_starts, u, side="right") - 1, 0, len(segs) - 1)
    t0 = np.array([s[0] for s in segs], dtype=np.int64)[j]
    n = np.array([s[1] for s in segs])[j]
    return t0 + np.round((u - u_starts[j]) / n * NS_PER_S).astype(np.int64)


def half_orbit_bounds(mission: Mission, orbit: int, half: int) -> tuple[int, int]:
    """(start, end) ns of the part of a half-orbit within +-max_lat."""
    i = math.radians(mission.inclination_deg)
    um = math.asin(min(1.0, math.sin(math.radians(mission.max_lat_deg)) / math.sin(i)))
    centre = 2 * math.pi * orbit + (math.pi if half == DESCENDING else 0.0)
    t0, t1 = time_of_u(mission, [centre - um, centre + um])
    return int(t0), int(t1)


def half_orbits_between(mission: Mission, start_ns: int, end_ns: int) -> list[tuple[int, int]]:
    """(orbit, half) whose start time lies in ``[start_ns, end_ns)``, in time order."""
    u0, u1 = arg_of_latitude(mission, [start_ns, end_ns])
    out = []
    for k in range(int(math.floor(u0 / (2 * math.pi))) - 1, int(math.ceil(u1 / (2 * math.pi))) + 1):
        for half in (ASCENDING, DESCENDING):
            t0, _ = half_orbit_bounds(mission, k, half)
            if start_ns <= t0 < end_ns and k >= 0:
                out.append((k, half))
    return out


def track(mission: Mission, t_ns: np.ndarray) -> dict[str, np.ndarray]:
    """Sub-satellite geographic/geomagnetic position, local time and altitude at ``t_ns``."""
    t = np.asarray(t_ns, dtype=np.int64)
    u = arg_of_latitude(mission, t)
    inc = math.radians(mission.inclination_deg)
    lat = np.degrees(np.arcsin(math.sin(inc) * np.sin(u)))
    dra = np.arctan2(math.cos(inc) * np.sin(u), np.cos(u))
    lt = (mission.ascending_node_lt_h + dra * 12.0 / math.pi) % 24.0
    ut_h = (t % (86400 * NS_PER_S)) / (3600 * NS_PER_S)
    lon = (15.0 * (lt - ut_h) + 180.0) % 360.0 - 180.0
    phi = np.radians(lat)
    a, b = field.WGS84_A_KM, field.WGS84_B_KM
    r_surface = np.sqrt(
        ((a * a * np.cos(phi)) ** 2 + (b * b * np.sin(phi)) ** 2)
        / ((a * np.cos(phi)) ** 2 + (b * np.sin(phi)) ** 2)
    )
    alt = a + mission.altitude_km(t) - r_surface
    year = 1970.0 + t / (365.2425 * 86400 * NS_PER_S)
    mlat, mlon = field.geomagnetic_coordinates(lat, lon, float(np.mean(year)) if t.size else 2015.0)
    return {"lat": lat, "lon": lon, "alt": alt, "lt": lt, "mlat": mlat, "mlon": mlon, "u": u}
