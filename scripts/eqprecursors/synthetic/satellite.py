"""Synthetic Langmuir-probe electron density (Ne) and temperature (Te) along satellite tracks.

DEMETER (ISL) and CSES (LAP) files are not public without registration, so this module
writes DEMETER half-orbit files -- the DEMETER-like CDF (default) or the CNES/CDPP Level-1
ISL binary ``.DAT`` users obtain (``file_format="demeter_l1"``,
:mod:`eqprecursors.io.demeter_writer`) -- and CSES-like HDF5 files
(:mod:`eqprecursors.io.satellite`) along
sun-synchronous tracks (:mod:`.orbits`), with a climatological topside ionosphere, a
Kp-driven storm response, noise, plasma bubbles, fill values, and -- for
injection-recovery studies -- a precursor of known size near chosen epicentres.

Ionosphere model (parameters are fields of :class:`IonosphereModel`)
---------------------------------------------------------------------
* **Illumination** ``w = 0.5 (1 + tanh((cos chi + 0.2) / 0.15))`` from the solar zenith
  angle ``chi`` (declination ``23.44 sin(2 pi (doy - 80) / 365.25)``, hour angle from the
  local time): ~1 in daylight, ~0 at night; the +0.2 lets the topside stay sunlit a little
  past ground sunset.
* **Ne** (cm^-3) ``= 1.2e5 exp(-(alt - 600 km) / 150 km) * S * (0.22 + 0.78 w sqrt(cos chi+))
  * L(mlat) * seasonal * storm * noise * bubbles``: solar-cycle factor
  ``S = 1 + 0.5 cos(2 pi (year - 2014.3) / 11)`` (3:1 between maximum and minimum);
  O+ topside plasma scale height 150 km; night/day ratio ~0.22. Latitude shape on the day side:
  equatorial ionisation anomaly, a trough at the dip equator and crests at
  ``+-(15 - (alt - 500)/40)`` deg magnetic latitude (15 deg at CSES, 11 deg at DEMETER
  660 km: the crests converge with height) of width 6 deg and crest/trough ratio ~2;
  at night a single equatorial maximum (width 15 deg) and a mid-latitude trough at
  +-58 deg; both decline poleward as ``1 / (1 + (mlat/45)^4)``. Semiannual factor
  ``1 + 0.15 cos(4 pi (doy - 80) / 365.25)`` (equinox maxima). Typical values (medians of
  one day): DEMETER 660 km, March 2008 (deep solar minimum) ~6e4 at the 10:30 LT crests,
  ~1.3e4 at the equator at 22:30 LT; CSES 507 km, March 2019 ~1.5e5 at the 14:00 LT
  crests, ~3.4e4 at 02:00 LT; Te ~1,600-1,700 K (day, equator) to ~2,900-3,200 K (day,
  mid-latitudes), ~830-1,050 K at night near the equator.
* **Te** (K): day ``1800 + 1400 (1 - exp(-(mlat/30)^2)) - 350 crest`` (cooler where the
  density is high), night ``950 + 700 (1 - exp(-(mlat/35)^2))``, blended with ``w``,
  plus 1.5 K/km above 600 km.
* **Storms** from the real Kp series: the Dst-like index of the ground model
  (:func:`.ground_model.ring_current`) scaled as ``s = -Dst / 100 nT``; Ne is multiplied by
  ``exp(s (0.25 g_low - 0.35 (1 - g_mid)))`` (positive storm at low latitudes, negative
  phase at mid latitudes; ``g_low = exp(-mlat^2 / 2 20^2)``, ``g_mid = exp(-mlat^2 / 2 30^2)``)
  and Te by ``1 + 0.08 s (mlat/45)^2``.
* **Noise**: multiplicative along-track red noise (alpha 2, corner 5 min) of 8 % (Ne) and
  6 % (Te) plus white noise of 3 % (Ne) and 5 % (Te, the noisier probe product).
* **Equatorial plasma bubbles**: on night-side half-orbits, with probability
  ``0.15 + 0.25 (S - 0.5)`` (more at solar maximum), 1-3 depletions of 30-90 % of Ne,
  0.3-1.5 deg wide, within +-20 deg magnetic latitude.
* **Fill**: ~1.5 runs per half-orbit of 1-60 samples with Ne and Te missing, plus 0.5 % of
  Te samples missing on their own (failed probe sweeps).
* **Precursor** (``injection`` dict, :mod:`.injection`): along samples whose sub-point is
  within the detectability radius of a qualifying epicentre during its window, Ne and Te
  change by ``ne_percent`` / ``te_percent`` times the distance decay.

Determinism: each half-orbit draws from a generator seeded by ``(seed, mission,
2 * orbit + half, stream)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.geodesy import haversine_km
from eqprecursors.core.progress import Progress
from eqprecursors.core.times import NS_PER_DAY, NS_PER_MIN, NS_PER_S, format_iso_ms, to_epoch_ns
from eqprecursors.io import satellite as formats
from eqprecursors.io.demeter_writer import demeter_l1_file_name, write_demeter_l1
from eqprecursors.synthetic import noise, orbits
from eqprecursors.synthetic.ground_model import KpGrid, ring_current
from eqprecursors.synthetic.injection import (
    InjectionConfig,
    decay_factor,
    dobrovolsky_radius_km,
    from_dict,
    is_active,
    magnitude_ok,
    normalise_events,
    parse_injection,
    truth_frame,
    window_bounds,
    write_truth,
)

MISSION_LABEL = {"demeter": "DEMETER", "cses": "CSES-01"}
#: Output formats per mission, the default first.
FILE_FORMATS = {"demeter": ("cdf", "demeter_l1"), "cses": ("hdf5",)}


@dataclass(frozen=True)
class IonosphereModel:
    """Parameters of the topside Ne/Te climatology (see the module docstring)."""

    ne_ref: float = 1.2e5
    ref_alt_km: float = 600.0
    scale_height_km: float = 150.0
    night_fraction: float = 0.22
    solar_amplitude: float = 0.5
    solar_max_year: float = 2014.3
    solar_cycle_years: float = 11.0
    eia_crest_mlat: float = 15.0
    eia_crest_km_per_deg: float = 40.0
    eia_width_deg: float = 6.0
    eia_trough: float = 0.55
    eia_crest: float = 0.75
    night_width_deg: float = 15.0
    trough_mlat: float = 58.0
    semiannual: float = 0.15
    te_day: float = 1800.0
    te_day_lat: float = 1400.0
    te_crest_cooling: float = 350.0
    te_night: float = 950.0
    te_night_lat: float = 700.0
    te_gradient_k_per_km: float = 1.5
    storm_low: float = 0.25
    storm_mid: float = 0.35
    storm_te: float = 0.08
    ne_red: float = 0.08
    te_red: float = 0.06
    ne_white: float = 0.03
    te_white: float = 0.05
    red_corner_s: float = 300.0
    bubble_probability: float = 0.15
    bubble_solar: float = 0.25
    fill_runs_per_file: float = 1.5
    te_fill_fraction: float = 0.005


def parse_ionosphere(model: dict | IonosphereModel | None) -> IonosphereModel:
    return from_dict(IonosphereModel, model, "ionosphere model")


def _solar_factor(years: np.ndarray, m: IonosphereModel) -> np.ndarray:
    return 1.0 + m.solar_amplitude * np.cos(
        2 * np.pi * (years - m.solar_max_year) / m.solar_cycle_years
    )


def climatology(
    pos: dict[str, np.ndarray], t_ns: np.ndarray, kp: KpGrid, m: IonosphereModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise-free Ne (cm^-3), Te (K) and illumination ``w`` along a track."""
    years = 1970.0 + t_ns / (365.2425 * NS_PER_DAY)
    doy = (years % 1.0) * 365.2425
    decl = np.radians(23.44) * np.sin(2 * np.pi * (doy - 80.0) / 365.2425)
    phi = np.radians(pos["lat"])
    hour_angle = np.radians(15.0 * (pos["lt"] - 12.0))
    cos_chi = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(hour_angle)
    w = 0.5 * (1.0 + np.tanh((cos_chi + 0.2) / 0.15))
    mlat = pos["mlat"]
    alt = pos["alt"]
    poleward = 1.0 / (1.0 + (mlat / 45.0) ** 4)

    crest_lat = m.eia_crest_mlat - (alt - 500.0) / m.eia_crest_km_per_deg
    crests = np.exp(-((mlat - crest_lat) ** 2) / (2 * m.eia_width_deg**2)) + np.exp(
        -((mlat + crest_lat) ** 2) / (2 * m.eia_width_deg**2)
    )
    l_day = (m.eia_trough + m.eia_crest * crests) * poleward
    trough = 1.0 - 0.5 * np.exp(-((np.abs(mlat) - m.trough_mlat) ** 2) / (2 * 4.0**2))
    l_night = (0.35 + 0.8 * np.exp(-(mlat**2) / (2 * m.night_width_deg**2))) * poleward * trough
    shape = w * l_day + (1 - w) * l_night

    sun = m.night_fraction + (1 - m.night_fraction) * w * np.sqrt(np.clip(cos_chi, 0.05, 1.0))
    season = 1.0 + m.semiannual * np.cos(4 * np.pi * (doy - 80.0) / 365.2425)
    ne = (
        m.ne_ref
        * np.exp(-(alt - m.ref_alt_km) / m.scale_height_km)
        * _solar_factor(years, m)
        * sun
        * shape
        * season
    )

    te_day = (
        m.te_day + m.te_day_lat * (1 - np.exp(-((mlat / 30.0) ** 2))) - m.te_crest_cooling * crests
    )
    te_night = m.te_night + m.te_night_lat * (1 - np.exp(-((mlat / 35.0) ** 2)))
    te = w * te_day + (1 - w) * te_night + m.te_gradient_k_per_km * (alt - m.ref_alt_km)

    minutes = t_ns / NS_PER_MIN
    if minutes.size:
        from eqprecursors.synthetic.ground_model import GroundModel

        s = -ring_current(minutes, kp, GroundModel()) / 100.0
        g_low = np.exp(-(mlat**2) / (2 * 20.0**2))
        g_mid = np.exp(-(mlat**2) / (2 * 30.0**2))
        ne = ne * np.exp(s * (m.storm_low * g_low - m.storm_mid * (1 - g_mid)))
        te = te * (1 + m.storm_te * s * (mlat / 45.0) ** 2)
    return ne, te, w


@dataclass
class HalfOrbit:
    """One half-orbit's samples (one file)."""

    orbit: int
    half: int
    data: dict[str, np.ndarray]
    truth: list[dict]

    @property
    def start_ns(self) -> int:
        return int(self.data["time_ns"][0])

    @property
    def end_ns(self) -> int:
        return int(self.data["time_ns"][-1])


class SatelliteSimulator:
    """Generates any half-orbit of one mission deterministically and independently."""

    def __init__(
        self,
        mission: orbits.Mission,
        *,
        kp: KpGrid,
        seed: int,
        model: IonosphereModel,
        injection: InjectionConfig,
        events: pd.DataFrame,
        sample_s: float,
    ):
        self.mission, self.kp, self.seed = mission, kp, int(seed)
        self.model, self.injection, self.sample_s = model, injection, float(sample_s)
        ev = normalise_events(events)
        if is_active(injection, kind="satellite") and len(ev):
            ev = ev[magnitude_ok(ev["magnitude"], injection)].reset_index(drop=True)
            ws, we = window_bounds(to_epoch_ns(ev["time"]), injection)
            self.events = ev.assign(window_start=ws, window_end=we)
        else:
            self.events = ev.iloc[0:0].assign(window_start=[], window_end=[])

    def times(self, orbit: int, half: int) -> np.ndarray:
        """Sample times (int64 ns) on the mission's fixed sampling grid."""
        t0, t1 = orbits.half_orbit_bounds(self.mission, orbit, half)
        step = int(round(self.sample_s * NS_PER_S))
        base = self.mission.epoch_ns
        j0 = -(-(t0 - base) // step)
        j1 = (t1 - base) // step
        return base + np.arange(j0, j1 + 1, dtype=np.int64) * step

    def half_orbit(self, orbit: int, half: int) -> HalfOrbit:
        m = self.model
        t = self.times(orbit, half)
        pos = orbits.track(self.mission, t)
        ne, te, w = climatology(pos, t, self.kp, m)
        unit = 2 * orbit + half
        rng = noise.unit_rng(self.seed, self.mission.name, unit, noise.STREAM_ORBIT)
        n = t.size
        red = noise.coloured_noise(
            rng, max(n, 2), dt_s=self.sample_s, alpha=2.0, corner_s=m.red_corner_s, rows=2
        )[:, :n]
        white = rng.standard_normal((2, n))
        ne = ne * np.exp(m.ne_red * red[0] + m.ne_white * white[0])
        te = te * np.exp(m.te_red * red[1] + m.te_white * white[1])

        # equatorial plasma bubbles (night side only)
        solar = float(_solar_factor(np.array([1970.0 + t[n // 2] / (365.2425 * NS_PER_DAY)]), m)[0])
        p_bubble = np.clip(m.bubble_probability + m.bubble_solar * (solar - 0.5), 0.0, 1.0)
        draw = rng.random(4)
        nb = 1 + int(draw[1] * 3) if draw[0] < p_bubble else 0
        b_lat = rng.uniform(-20.0, 20.0, 3)
        b_depth = rng.uniform(0.3, 0.9, 3)
        b_width = rng.uniform(0.3, 1.5, 3)
        if nb and np.mean(w) < 0.5:
            for j in range(nb):
                x = (pos["mlat"] - b_lat[j]) / b_width[j]
                ne = ne * (1.0 - b_depth[j] * np.exp(-(x**4)))

        truth = self._inject(orbit, half, t, pos, ne, te)

        # fill values
        runs = int(rng.poisson(m.fill_runs_per_file))
        run_at = rng.integers(0, max(n, 1), runs)
        run_len = rng.integers(1, 61, runs)
        te_bad = rng.random(n) < m.te_fill_fraction
        for a, length in zip(run_at, run_len, strict=True):
            ne[a : a + length] = np.nan
            te[a : a + length] = np.nan
        te[te_bad] = np.nan

        data = {"time_ns": t, **{k: pos[k] for k in ("lat", "lon", "alt", "lt", "mlat", "mlon")}}
        data.update(ne=ne, te=te)
        return HalfOrbit(orbit, half, data, truth)

    def _inject(self, orbit, half, t, pos, ne, te) -> list[dict]:
        """Apply every overlapping event's precursor in place; return truth rows."""
        cfg = self.injection
        rows: list[dict] = []
        if not len(self.events) or t.size == 0:
            return rows
        ev = self.events
        overlap = (ev["window_end"].to_numpy() > t[0]) & (ev["window_start"].to_numpy() <= t[-1])
        for _, e in ev[overlap].iterrows():
            ws, we = int(e["window_start"]), int(e["window_end"])
            inside = (t >= ws) & (t < we)
            d = haversine_km(e["latitude"], e["longitude"], pos["lat"], pos["lon"])
            reach = inside & (d <= cfg.detectability_radius_km)
            if cfg.dobrovolsky:
                reach &= d <= float(dobrovolsky_radius_km(e["magnitude"]))
            if not reach.any():
                continue
            f = np.where(reach, decay_factor(d, cfg), 0.0)
            if cfg.shape == "ramp":
                f = f * np.clip((t - ws) / max(we - ws, 1), 0.0, 1.0)
            ne *= 1.0 + cfg.ne_percent / 100.0 * f
            te *= 1.0 + cfg.te_percent / 100.0 * f
            k = int(np.argmin(np.where(reach, d, np.inf)))
            event, start, end, closest = format_iso_ms(
                [pd.Timestamp(e["time"]).value, ws, we, int(t[k])]
            )
            rows.append(
                {
                    "event_id": e["event_id"],
                    "event_time": event,
                    "event_latitude": e["latitude"],
                    "event_longitude": e["longitude"],
                    "depth_km": e["depth_km"],
                    "magnitude": e["magnitude"],
                    "site": MISSION_LABEL[self.mission.name],
                    "distance_km": float(d[k]),
                    "window_start": start,
                    "window_end": end,
                    "shape": cfg.shape,
                    "decay_factor": float(f[k]),
                    "amplitude": cfg.ne_percent * float(f[k]),
                    "amplitude_units": "percent Ne at closest approach",
                    "te_percent": cfg.te_percent * float(f[k]),
                    "orbit": f"{orbit:05d}{half}",
                    "closest_time": closest,
                    "samples_affected": int(reach.sum()),
                }
            )
        return rows


def make_satellite_simulator(
    *,
    mission: str,
    start,
    end,
    kp: pd.DataFrame | None,
    events: pd.DataFrame | None = None,
    injection: dict | InjectionConfig | None = None,
    seed: int = 0,
    sample_s: float | None = None,
    model: dict | IonosphereModel | None = None,
) -> tuple[SatelliteSimulator, int, int]:
    """(simulator, start ns, end ns) for the UT days ``start``..``end`` (inclusive)."""
    from eqprecursors.synthetic.ground import day_range

    mis = orbits.get_mission(mission)
    days = day_range(start, end)
    t0, t1 = days[0] * NS_PER_DAY, (days[-1] + 1) * NS_PER_DAY
    if t1 <= mis.epoch_ns:
        raise ValueError(f"{mission}: {start}..{end} is before the launch ({mis.epoch})")
    first = t0 // NS_PER_MIN - 12 * 1440
    grid = KpGrid(kp, first, t1 // NS_PER_MIN + 1440, 1.0)
    sim = SatelliteSimulator(
        mis,
        kp=grid,
        seed=seed,
        model=parse_ionosphere(model),
        injection=parse_injection(injection, kind="satellite"),
        events=events,
        sample_s=sample_s or mis.sample_s,
    )
    return sim, t0, t1


def selected_half_orbits(
    sim: SatelliteSimulator, t0: int, t1: int, orbits_per_day: float | None
) -> list[tuple[int, int]]:
    """Half-orbits starting in ``[t0, t1)``; ``orbits_per_day`` keeps every k-th orbit.

    The stride depends only on the orbit number, so a thinned day is a subset of the
    full day, whatever period is generated.
    """
    halves = orbits.half_orbits_between(sim.mission, t0, t1)
    if orbits_per_day:
        period_s = 2 * math.pi / sim.mission.segments()[-1][1]
        stride = max(1, round(86400.0 / period_s / float(orbits_per_day)))
        halves = [(k, h) for k, h in halves if k % stride == 0]
    return halves


def generate_satellite(
    out_dir,
    *,
    truth_csv=None,
    orbits_per_day: float | None = None,
    file_format: str | None = None,
    **simulator,
) -> list[Path]:
    """Write one file per half-orbit (``demeter``: CDF, ``cses``: HDF5) for ``start``..``end``.

    ``simulator`` holds the keyword arguments of :func:`make_satellite_simulator`
    (``mission``, ``start``, ``end``, ``kp``, ``events``, ``injection``, ``seed``,
    ``sample_s``, ``model``). ``orbits_per_day`` thins the orbits (every k-th orbit, about
    that many per day) and ``sample_s`` coarsens the 3-s sampling, both for speed.
    ``file_format`` (:data:`FILE_FORMATS`; None = the mission's default): ``demeter_l1``
    writes DEMETER as CDPP Level-1 ISL survey binaries ``DMT_N1_1144_*.DAT`` (read by the
    decoder's ``format: demeter_l1``) with the same samples as the CDF. Returns the paths.
    """
    sim, t0, t1 = make_satellite_simulator(**simulator)
    allowed = FILE_FORMATS[sim.mission.name]
    file_format = file_format or allowed[0]
    if file_format not in allowed:
        raise ValueError(
            f"file_format {file_format!r}: mission {sim.mission.name} writes one of {allowed}"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, truth = [], []
    halves = selected_half_orbits(sim, t0, t1, orbits_per_day)
    progress = Progress(len(halves), f"{sim.mission.name} half-orbit", every=0.1)
    for orbit, half in halves:
        ho = sim.half_orbit(orbit, half)
        if ho.data["time_ns"].size >= 2:
            path = write_half_orbit(out_dir, sim, ho, file_format=file_format)
            for row in ho.truth:
                row["file"] = path.name
            truth.extend(ho.truth)
            paths.append(path)
        progress.step()
    if truth_csv is not None:
        write_truth(truth_frame(truth), truth_csv)
    return paths


def write_half_orbit(
    out_dir: Path, sim: SatelliteSimulator, ho: HalfOrbit, *, file_format: str | None = None
) -> Path:
    """Write ``ho`` in the mission's format (or ``file_format``) and name; returns the path."""
    name = sim.mission.name
    label = "day" if ho.half == orbits.DESCENDING else "night"
    if name == "demeter" and file_format == "demeter_l1":
        fname = demeter_l1_file_name(ho.orbit, ho.half, ho.start_ns, ho.end_ns)
        return write_demeter_l1(
            out_dir / fname, ho.data, orbit=ho.orbit, half=ho.half, time_resolution_s=sim.sample_s
        )
    if name == "demeter":
        fname = formats.demeter_file_name(ho.orbit, ho.half, ho.start_ns, ho.end_ns)
        attrs = {
            "Project": "eqprecursors synthetic data (NOT a real DEMETER product)",
            "Source_name": "DEMETER>Detection of Electro-Magnetic Emissions Transmitted "
            "from Earthquake Regions (synthetic)",
            "Descriptor": "ISL>Instrument Sonde de Langmuir",
            "Data_type": "N1>Level 1 survey",
            "Logical_file_id": fname[:-4],
            "Orbit": f"{ho.orbit:05d}{ho.half} ({label} side)",
            "Generated_by": f"eqprecursors.synthetic seed {sim.seed}",
        }
        return formats.write_demeter_cdf(out_dir / fname, ho.data, global_attrs=attrs)
    fname = formats.cses_file_name(ho.orbit, ho.half, ho.start_ns, ho.end_ns)
    attrs = {
        "Satellite": "CSES-01 (synthetic, NOT a real CSES product)",
        "Payload": "LAP",
        "Level": "L2",
        "Orbit": f"{ho.orbit:05d}{ho.half} ({label} side)",
        "Generated_by": f"eqprecursors.synthetic seed {sim.seed}",
    }
    return formats.write_cses_hdf5(out_dir / fname, ho.data, file_attrs=attrs)
