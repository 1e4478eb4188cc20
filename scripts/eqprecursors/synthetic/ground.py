"""Synthetic 1-minute ground observatory data (X, Y, Z, F) written as IAGA-2002 day files.

No DUR, IZN or MLR file is public, so the workflow's offline default dataset is generated
here, in the same format and file naming the real INTERMAGNET sources deliver. The same
generator is the instrument of injection-recovery studies: a precursor of known amplitude
is added before chosen earthquakes and listed in a truth table.

Signal model (all defaults are fields of :class:`GroundModel`; nT unless stated)
--------------------------------------------------------------------------------
``B = B_main + B_Sq + B_ring + B_dist + B_bays + B_wander + B_white + B_spikes (+ B_precursor)``,
``F = |B|``, then gaps (written as 99999.00).

* **Main field** ``B_main``: IGRF-13 truncated at degree 8 (:mod:`.field`) at the site's
  geodetic position and elevation, evaluated every minute, so the secular variation of
  the real core field (DUR 2015-2020: X +10, Y +57, Z +49 nT/yr) is built in. DUR 2016:
  X 24,640, Y 1,360, Z 39,080 nT (D = 3.2 deg E, I = 57.7 deg).
* **Sq** (solar quiet daily variation) in local solar time ``h = UT + lon/15 - dh``, zero
  at night (the conventional Sq night-time baseline): ``dX = -A_X exp(-(h-11.5)^2 / 2w^2)``,
  ``dY = A_Y (12-h)/w exp(1/2 - (h-12)^2 / 2w^2)`` (eastward in the morning, westward in
  the afternoon, peaks at ~9 and ~15 LT), ``dZ = -A_Z exp(-(h-11)^2 / 2w^2)``; Y and Z
  change sign in the southern hemisphere. ``w = 3.0 + 0.4 s`` h (longer summer days).
  ``A_X = sq_x_nT * tanh((|mlat| - sq_focus_mlat) / sq_focus_width)`` (``sq_x_nT`` 25,
  focus 32 deg, width 8 deg; DUR, mlat 41.2: 18 nT): stations poleward of the Sq current
  focus see a noon depression of X, stations equatorward an enhancement. ``sq_y_nT`` 16,
  ``sq_z_nT`` 12. Every amplitude is multiplied by ``(1 + 0.4 s)(1 + 0.25 c) q_day`` with
  the season ``s = cos(2 pi (year fraction - 0.471))`` (+1 at the June solstice, sign
  flipped south of the equator), a solar-cycle proxy ``c = cos(2 pi (year - 2014.3) / 11)``
  (cycle-24 maximum 2014.3; F10.7-free) and day-to-day factors ``q_day`` (log-normal,
  sigma 0.3, separate for X/Z and for Y). The noon phase also jitters day to day,
  ``dh ~ N(0, 0.5 h)``. Day-level values are cosine-interpolated between day centres.
  DUR quiet days (Kp <= 2): median daily X range ~12 nT in winter at solar minimum (2009)
  to ~35 nT in summer near maximum (2015); Y range ~1.3x that, Z ~0.55x.
* **Ring current** (Dst-like storm depression) driven by the real Kp series: a Burton-type
  response ``dD/dt = Q(Kp) - D/tau`` with ``Q = -2.0 nT/h * max(Kp - 2, 0)^1.5`` (0 for
  Kp <= 2) and ``tau = 10 h``, solved exactly for the piecewise-constant 3-hourly Kp over
  the preceding 10 days (``ring_memory_days``). Steady state: Kp 4 -> -57 nT,
  Kp 6 -> -160 nT, Kp 8 -> -294 nT; the 2015-03-17 St Patrick's Day storm (real Kp up to
  7+) gives a DUR X depression of ~150 nT (observed Dst minimum -223 nT). At the site
  ``dH = D cos(mlat)`` (projected on X, Y with the main-field declination) and
  ``dZ = -0.3 D sin(mlat)`` (external field minus its induced internal part).
* **Disturbance** ``B_dist``: red noise (power ``(f^2 + fc^2)^-alpha/2``, alpha 2.6,
  ``fc = 1/2 h``) with standard deviation ``0.6 exp(0.42 Kp)`` nT in X and Y (Kp 1: 0.9,
  Kp 3: 2.1, Kp 5: 4.9, Kp 7: 11.3 nT) and half of that in Z, plus pulsation noise
  (alpha 1, corner 10 min) of ``0.12 exp(0.3 Kp)`` nT; Kp interpolated linearly between
  3-h interval centres. Generated in per-day segments that overlap by 1 h on each side and
  are cross-faded with sin/cos weights (variance preserving), so a day's noise depends
  only on its own and its neighbours' seeds. Result: median |dX/dt| 0.15 nT/min on quiet
  days and 0.3-0.4 nT/min on Kp >= 5 days (real BOU, January 2016: 0.1-0.3 and 0.4-0.5).
* **Substorm bays**: candidate onsets at 16 per day, kept with probability
  ``clip((Kp - 2) / 6, 0, 1)``; each a positive X bay (mid-latitude signature of the
  substorm current wedge) of ``4 nT * (Kp - 1) * LogNormal(0, 0.5)``, with random-sign Y
  (0.7x) and Z (0.3x) parts, rising over 10 min and decaying over 45 min.
* **Baseline wander** ``B_wander``: one N(0, 1.5 nT) value per day and component,
  cosine-interpolated between day centres (variometer temperature drift).
* **White noise** ``B_white``: N(0, 0.03 nT) per minute (fluxgate + 1-min filter).
* **Spikes**: Poisson, 0.03 per day (about one a month), one minute on one component,
  10-200 nT of random sign.
* **Gaps** (``gaps`` dict, :class:`GapConfig`): Poisson starts at ``rate_per_day`` 0.3;
  a fraction ``short_fraction`` 0.85 lasts 1..``short_max_minutes`` (2) minutes (the
  short dropouts a 3-minute interpolation repairs), the rest are outages log-uniform
  between ``long_min_minutes`` 10 and ``long_max_minutes`` 1440 (about 16 a year, ~1% of
  the minutes missing, as in a good INTERMAGNET year). All four elements are missing
  together. A gap that crosses midnight continues into the next day's file.
* **Precursor** (``injection`` dict, :mod:`.injection`): band-limited ULF noise (1-8 mHz)
  before qualifying events, added before F is computed; see that module.

Determinism: day ``d`` draws from generators seeded by ``(seed, iaga_code, d, stream)``
(:mod:`.noise`), so the same seed gives byte-identical files and a day regenerated on its
own equals the same day of a long run.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eqprecursors.core.progress import Progress
from eqprecursors.core.times import NS_PER_MIN, format_iso_ms
from eqprecursors.synthetic import field, noise
from eqprecursors.synthetic.ground_model import (
    MINUTES_PER_DAY,
    GapConfig,
    GroundModel,
    KpGrid,
    parse_gaps,
    parse_model,
    ring_current,
)
from eqprecursors.synthetic.injection import (
    InjectionConfig,
    ground_injections,
    parse_injection,
    truth_frame,
    write_truth,
)

log = logging.getLogger(__name__)

MINUTES_PER_YEAR = 365.2425 * MINUTES_PER_DAY
#: Overlap (minutes) on each side of a day's disturbance-noise segment.
SEGMENT_OVERLAP_MIN = 60
#: June solstice as a fraction of the year (day 172).
SOLSTICE_FRACTION = 0.471


# --------------------------------------------------------------------------------------
# site
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """An observatory: its position and the per-site constants of the model."""

    iaga_code: str
    latitude: float
    longitude: float
    elevation_m: float = 0.0

    def __post_init__(self):
        g = field.design_matrix(self.latitude, self.longitude, self.elevation_m / 1000.0)
        object.__setattr__(self, "_epoch_field", g @ field._TABLE[:, :4])  # (3, 4)
        object.__setattr__(self, "_sv", g @ field._TABLE[:, 4])  # (3,)
        mlat, _ = field.geomagnetic_coordinates(self.latitude, self.longitude, 2015.0)
        object.__setattr__(self, "mlat", float(mlat))
        x, y, _ = self._epoch_field[:, 2]
        object.__setattr__(self, "declination", math.atan2(y, x))

    def main_field(self, years: np.ndarray) -> np.ndarray:
        """(3, N) X, Y, Z of the IGRF core field at decimal ``years`` (elementwise)."""
        ep = np.asarray(field.EPOCHS)
        i = np.clip(np.searchsorted(ep, years, side="right") - 1, 0, len(ep) - 2)
        b0 = self._epoch_field[:, i]
        slope = (self._epoch_field[:, i + 1] - b0) / (ep[i + 1] - ep[i])
        out = b0 + slope * (years - ep[i])
        late = years >= ep[-1]
        if late.any():
            out[:, late] = self._epoch_field[:, -1:] + self._sv[:, None] * (years[late] - ep[-1])
        return out


# --------------------------------------------------------------------------------------
# per-day generator
# --------------------------------------------------------------------------------------


def _cosine_interp(day: int, values: dict[int, np.ndarray], offsets: np.ndarray) -> np.ndarray:
    """Per-day vectors (valid at day centres) cosine-interpolated to the minutes of ``day``."""
    half = MINUTES_PER_DAY // 2
    first = offsets < half
    frac = np.where(first, offsets + half, offsets - half) / MINUTES_PER_DAY
    w = 0.5 * (1.0 - np.cos(np.pi * frac))
    prev, cur, nxt = (values[d][:, None] for d in (day - 1, day, day + 1))
    va = np.where(first, prev, cur)
    vb = np.where(first, cur, nxt)
    return va * (1.0 - w) + vb * w


class GroundSimulator:
    """Generates any UT day of one observatory, deterministically and independently.

    Per-day random quantities are cached, so a long run draws each of them once.
    """

    def __init__(
        self,
        site: Site,
        *,
        kp: KpGrid,
        seed: int,
        model: GroundModel,
        gaps: GapConfig,
        injection: InjectionConfig,
        injections: pd.DataFrame,
    ):
        self.site, self.kp, self.seed = site, kp, int(seed)
        self.model, self.gaps, self.injection = model, gaps, injection
        self.injections = injections
        self._segments: dict[int, np.ndarray] = {}
        self._daily: dict[int, np.ndarray] = {}
        self._gap_lists: dict[int, list[tuple[int, int]]] = {}
        self._signals: dict[int, tuple[int, np.ndarray]] = {}
        self._bays: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # random cells ------------------------------------------------------------------
    def _rng(self, day: int, stream: int) -> np.random.Generator:
        return noise.unit_rng(self.seed, self.site.iaga_code, day, stream)

    def _segment(self, day: int) -> np.ndarray:
        """(6, n) unit noise: rows 0-2 disturbance (red), rows 3-5 pulsations (pink)."""
        if day not in self._segments:
            m = self.model
            rng = self._rng(day, noise.STREAM_DISTURBANCE)
            n = MINUTES_PER_DAY + 2 * SEGMENT_OVERLAP_MIN
            red = noise.coloured_noise(
                rng, n, dt_s=60.0, alpha=m.dist_alpha, corner_s=m.dist_corner_h * 3600.0, rows=3
            )
            pink = noise.coloured_noise(
                rng, n, dt_s=60.0, alpha=m.puls_alpha, corner_s=m.puls_corner_min * 60.0, rows=3
            )
            self._segments[day] = np.vstack([red, pink])
        return self._segments[day]

    def _day_values(self, day: int) -> np.ndarray:
        """[Sq factor X/Z, wander X, wander Y, wander Z, Sq phase shift (h), Sq factor Y]."""
        if day not in self._daily:
            z = self._rng(day, noise.STREAM_DAILY).standard_normal(6)
            m = self.model
            s = m.sq_day_to_day
            self._daily[day] = np.array(
                [
                    math.exp(s * z[0] - 0.5 * s * s),
                    m.baseline_sigma_nT * z[1],
                    m.baseline_sigma_nT * z[2],
                    m.baseline_sigma_nT * z[3],
                    m.sq_phase_jitter_h * z[4],
                    math.exp(s * z[5] - 0.5 * s * s),
                ]
            )
        return self._daily[day]

    def _gap_list(self, day: int) -> list[tuple[int, int]]:
        """Gaps starting on ``day``: (start minute since 1970, length in minutes)."""
        if day not in self._gap_lists:
            g = self.gaps
            rng = self._rng(day, noise.STREAM_GAPS)
            n = int(rng.poisson(g.rate_per_day)) if g.enabled else 0
            starts = rng.integers(0, MINUTES_PER_DAY, n)
            short = rng.random(n) < g.short_fraction
            short_len = rng.integers(1, g.short_max_minutes + 1, n)
            u = rng.random(n)
            long_len = np.floor(
                np.exp(
                    math.log(g.long_min_minutes)
                    + u * (math.log(g.long_max_minutes + 1) - math.log(g.long_min_minutes))
                )
            ).astype(int)
            lengths = np.where(short, short_len, np.minimum(long_len, g.long_max_minutes))
            base = day * MINUTES_PER_DAY
            self._gap_lists[day] = [
                (base + int(s), int(length)) for s, length in zip(starts, lengths, strict=True)
            ]
        return self._gap_lists[day]

    def _bay_list(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Substorm bays with onset on ``day``: (onset minutes, (3, n) peak amplitudes)."""
        if day not in self._bays:
            m = self.model
            rng = self._rng(day, noise.STREAM_BAYS)
            n = int(rng.poisson(m.bay_rate_per_day))
            onset = day * MINUTES_PER_DAY + rng.integers(0, MINUTES_PER_DAY, n)
            u = rng.random(n)
            size = rng.lognormal(0.0, 0.5, n)
            mix = rng.standard_normal((2, n))
            kp = self.kp.at(onset)
            keep = u < np.clip((kp - m.bay_kp0) / m.bay_kp_span, 0.0, 1.0)
            amp = m.bay_nT_per_kp * np.maximum(kp - 1.0, 0.0) * size
            amps = np.vstack([amp, 0.7 * amp * mix[0], 0.3 * amp * mix[1]])
            self._bays[day] = (onset[keep], amps[:, keep])
        return self._bays[day]

    def _signal(self, k: int) -> tuple[int, np.ndarray]:
        """Precursor of injection row ``k``: (first minute, (3, n) X/Y/Z in nT)."""
        if k not in self._signals:
            row = self.injections.iloc[k]
            cfg = self.injection
            m0 = -(-int(row["window_start"]) // NS_PER_MIN)
            m1 = -(-int(row["window_end"]) // NS_PER_MIN)
            n = max(m1 - m0, 0)
            sig = np.zeros((3, n))
            if n > 8:
                unit = noise.site_key(str(row["event_id"]))
                rng = noise.unit_rng(self.seed, self.site.iaga_code, unit, noise.STREAM_INJECTION)
                lo, hi = cfg.band_mhz
                burst = noise.bandlimited_noise(
                    rng, n, dt_s=60.0, band_hz=(lo * 1e-3, hi * 1e-3), rows=3
                )
                env = noise.cosine_taper(n, int(round(cfg.taper_hours * 60)))
                amp = cfg.amplitude_nT * float(row["decay_factor"])
                h = cfg.h_ratio if cfg.shape == "ulf_burst" else 0.0
                sig = burst * env * (amp * np.array([h, h, 1.0]))[:, None]
            self._signals[k] = (m0, sig)
        return self._signals[k]

    # physics ---------------------------------------------------------------------------
    def day(self, day: int) -> np.ndarray:
        """(4, 1440) X, Y, Z, F for UT day ``day`` (days since 1970-01-01), NaN in gaps."""
        m = self.model
        site = self.site
        offsets = np.arange(MINUTES_PER_DAY)
        minutes = day * MINUTES_PER_DAY + offsets
        years = 1970.0 + minutes / MINUTES_PER_YEAR

        b = site.main_field(years)

        # Sq
        hemi = 1.0 if site.latitude >= 0 else -1.0
        season = hemi * np.cos(2 * np.pi * ((years % 1.0) - SOLSTICE_FRACTION))
        solar = np.cos(2 * np.pi * (years - m.solar_max_year) / m.solar_cycle_years)
        daily = {d: self._day_values(d) for d in (day - 1, day, day + 1)}
        interp = _cosine_interp(day, daily, offsets)  # (6, 1440)
        factor = (1 + m.sq_seasonal * season) * (1 + m.sq_solar * solar)
        lt = (offsets / 60.0 + site.longitude / 15.0) % 24.0 - interp[4]
        w = m.sq_width_h + 0.4 * season
        ax = m.sq_x_nT * math.tanh((abs(site.mlat) - m.sq_focus_mlat) / m.sq_focus_width)
        g_x = np.exp(-((lt - 11.5) ** 2) / (2 * w * w))
        g_y = (12.0 - lt) / w * np.exp(0.5 - (lt - 12.0) ** 2 / (2 * w * w))
        g_z = np.exp(-((lt - 11.0) ** 2) / (2 * w * w))
        b[0] -= ax * factor * interp[0] * g_x
        b[1] += hemi * m.sq_y_nT * factor * interp[5] * g_y
        b[2] -= hemi * m.sq_z_nT * factor * interp[0] * g_z

        # ring current
        dst = ring_current(minutes, self.kp, m)
        cml = math.cos(math.radians(site.mlat))
        b[0] += dst * cml * math.cos(site.declination)
        b[1] += dst * cml * math.sin(site.declination)
        b[2] -= m.ring_z_factor * dst * math.sin(math.radians(site.mlat))

        # Kp-scaled disturbance, cross-faded per-day segments
        o = SEGMENT_OVERLAP_MIN
        cur = self._segment(day)[:, o : o + MINUTES_PER_DAY].copy()
        theta_head = 0.5 * np.pi * (offsets[:o] + o + 0.5) / (2 * o)
        cur[:, :o] = (
            np.sin(theta_head) * cur[:, :o]
            + np.cos(theta_head)
            * self._segment(day - 1)[:, MINUTES_PER_DAY + o : MINUTES_PER_DAY + 2 * o]
        )
        theta_tail = 0.5 * np.pi * (np.arange(o) + 0.5) / (2 * o)
        cur[:, -o:] = (
            np.cos(theta_tail) * cur[:, -o:] + np.sin(theta_tail) * self._segment(day + 1)[:, :o]
        )
        kp_now = self.kp.at(minutes)
        sigma = m.dist_sigma_nT * np.exp(m.dist_kp_growth * kp_now)
        b += cur[:3] * sigma * np.array([1.0, 1.0, m.dist_z_factor])[:, None]
        sigma = m.puls_sigma_nT * np.exp(m.puls_kp_growth * kp_now)
        b += cur[3:] * sigma * np.array([1.0, 1.0, m.dist_z_factor])[:, None]

        # substorm bays (onsets on this day or the day before; each lasts < 1 day)
        rise, decay = m.bay_rise_min, m.bay_decay_min
        peak_x = rise * math.log1p(decay / rise)
        norm = (1 - math.exp(-peak_x / rise)) * math.exp(-peak_x / decay)
        for d in (day - 1, day):
            onset, amps = self._bay_list(d)
            for j in range(onset.size):
                x = (minutes - onset[j]).astype(float)
                ok = x >= 0
                if ok.any():
                    xs = x[ok]
                    shape = (1 - np.exp(-xs / rise)) * np.exp(-xs / decay) / norm
                    b[:, ok] += amps[:, j : j + 1] * shape

        # baseline wander and white noise
        b += interp[1:4]
        b += m.white_sigma_nT * self._rng(day, noise.STREAM_WHITE).standard_normal(
            (3, MINUTES_PER_DAY)
        )

        # precursor
        d0 = day * MINUTES_PER_DAY
        for k in range(len(self.injections)):
            m0, sig = self._signal(k)
            lo, hi = max(m0, d0), min(m0 + sig.shape[1], d0 + MINUTES_PER_DAY)
            if lo < hi:
                b[:, lo - d0 : hi - d0] += sig[:, lo - m0 : hi - m0]

        # spikes
        rng = self._rng(day, noise.STREAM_SPIKES)
        n = int(rng.poisson(m.spike_rate_per_day))
        at = rng.integers(0, MINUTES_PER_DAY, n)
        comp = rng.integers(0, 3, n)
        amp = rng.uniform(m.spike_min_nT, m.spike_max_nT, n) * rng.choice([-1.0, 1.0], n)
        b[comp, at] += amp

        f = np.sqrt(np.sum(b * b, axis=0))
        out = np.vstack([b, f[None, :]])
        out[:, self.gap_mask(day)] = np.nan
        return out

    def gap_mask(self, day: int) -> np.ndarray:
        """Boolean (1440,) mask of missing minutes of ``day`` (gaps may start days earlier)."""
        mask = np.zeros(MINUTES_PER_DAY, dtype=bool)
        if not self.gaps.enabled:
            return mask
        d0 = day * MINUTES_PER_DAY
        back = -(-self.gaps.long_max_minutes // MINUTES_PER_DAY)
        for k in range(day - back, day + 1):
            for s, length in self._gap_list(k):
                lo, hi = max(s, d0), min(s + length, d0 + MINUTES_PER_DAY)
                if lo < hi:
                    mask[lo - d0 : hi - d0] = True
        return mask


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------


def _day_number(value) -> int:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.floor("D").value // (NS_PER_MIN * MINUTES_PER_DAY))


def day_range(start, end) -> range:
    """UT day numbers (days since 1970-01-01) from ``start`` through ``end`` inclusive."""
    d0, d1 = _day_number(start), _day_number(end)
    if d1 < d0:
        raise ValueError(f"end {end} is before start {start}")
    return range(d0, d1 + 1)


def make_simulator(
    *,
    iaga_code: str,
    latitude: float,
    longitude: float,
    elevation: float,
    start,
    end,
    kp: pd.DataFrame | None,
    events: pd.DataFrame | None = None,
    injection: dict | InjectionConfig | None = None,
    gaps: dict | GapConfig | None = None,
    seed: int = 0,
    model: dict | GroundModel | None = None,
) -> tuple[GroundSimulator, range]:
    """A :class:`GroundSimulator` for the days ``start``..``end`` (inclusive)."""
    days = day_range(start, end)
    mdl = parse_model(model)
    site = Site(iaga_code.upper(), float(latitude), float(longitude), float(elevation))
    first = days[0] * MINUTES_PER_DAY - int(mdl.ring_memory_days * MINUTES_PER_DAY) - 2 * 1440
    last = (days[-1] + 2) * MINUTES_PER_DAY
    grid = KpGrid(kp, first, last, mdl.kp_fill)
    inj = parse_injection(injection, kind="ground")
    rows = ground_injections(
        events,
        inj,
        latitude=site.latitude,
        longitude=site.longitude,
        start_ns=days[0] * MINUTES_PER_DAY * NS_PER_MIN,
        end_ns=(days[-1] + 1) * MINUTES_PER_DAY * NS_PER_MIN,
    )
    sim = GroundSimulator(
        site, kp=grid, seed=seed, model=mdl, gaps=parse_gaps(gaps), injection=inj, injections=rows
    )
    return sim, days


def simulate_ground(**kwargs) -> tuple[np.ndarray, np.ndarray]:
    """In-memory series without writing files: (times datetime64[ns], (4, N) X Y Z F).

    Takes the keyword arguments of :func:`make_simulator`; used by the benchmark and tests.
    """
    sim, days = make_simulator(**kwargs)
    values = np.concatenate([sim.day(d) for d in days], axis=1)
    minutes = np.arange(days[0] * MINUTES_PER_DAY, (days[-1] + 1) * MINUTES_PER_DAY)
    return (minutes * NS_PER_MIN).astype("datetime64[ns]"), values


def ground_file_name(iaga_code: str, day: int) -> str:
    """INTERMAGNET daily name ``dur20160101vmin.min`` (v = variation, 1-minute)."""
    date = pd.Timestamp(day * MINUTES_PER_DAY * NS_PER_MIN, unit="ns")
    return f"{iaga_code.lower()}{date:%Y%m%d}vmin.min"


def ground_truth_rows(sim: GroundSimulator) -> pd.DataFrame:
    """Truth table of ``sim``'s injections (one row per event and observatory)."""
    cfg = sim.injection
    rows = []
    for _, r in sim.injections.iterrows():
        event, start, end = format_iso_ms(
            [pd.Timestamp(r["time"]).value, int(r["window_start"]), int(r["window_end"])]
        )
        rows.append(
            {
                "event_id": r["event_id"],
                "event_time": event,
                "event_latitude": r["latitude"],
                "event_longitude": r["longitude"],
                "depth_km": r["depth_km"],
                "magnitude": r["magnitude"],
                "site": sim.site.iaga_code,
                "distance_km": r["distance_km"],
                "window_start": start,
                "window_end": end,
                "shape": cfg.shape,
                "decay_factor": r["decay_factor"],
                "amplitude": cfg.amplitude_nT * r["decay_factor"],
                "amplitude_units": "nT (in-band RMS of Z)",
                "band_mhz": f"{cfg.band_mhz[0]:g}-{cfg.band_mhz[1]:g}",
                "h_ratio": cfg.h_ratio if cfg.shape == "ulf_burst" else 0.0,
            }
        )
    return truth_frame(rows)


def generate_ground(
    out_dir, *, station_name: str, truth_csv=None, gzip: bool = False, **simulator
) -> list[Path]:
    """Write daily IAGA-2002 minute files ``{iaga}{yyyymmdd}vmin.min`` for ``start``..``end``.

    ``simulator`` holds the keyword arguments of :func:`make_simulator`: ``iaga_code``,
    the site's ``latitude``, ``longitude`` and ``elevation``, ``start``, ``end``, ``kp``
    (the real Kp series, ``eqprecursors.io.kp.read_kp``, that drives storms), ``events``
    (a catalog frame, ``io.catalogs.CATALOG_COLUMNS``, for the precursor injection),
    ``injection``, ``gaps`` and ``model`` (overriding :class:`GapConfig` and
    :class:`GroundModel`) and ``seed``. ``truth_csv`` (optional) receives the truth table,
    written even when it is empty. Returns the written paths.
    """
    from eqprecursors.io.iaga_writer import write_iaga

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sim, days = make_simulator(**simulator)
    seed = simulator.get("seed", 0)
    comments = (
        "SYNTHETIC DATA - not a real observatory record.",
        f"Generated by eqprecursors.synthetic (seed {int(seed)}): IGRF-13 main field,",
        "Sq, Kp-driven ring current and disturbance, noise, spikes, gaps.",
    )
    paths = []
    progress = Progress(len(days), f"{sim.site.iaga_code} day", every=0.1)
    for d in days:
        minutes = np.arange(d * MINUTES_PER_DAY, (d + 1) * MINUTES_PER_DAY)
        values = sim.day(d)
        name = ground_file_name(sim.site.iaga_code, d) + (".gz" if gzip else "")
        path = out_dir / name
        write_iaga(
            path,
            iaga_code=sim.site.iaga_code,
            station_name=station_name,
            latitude=sim.site.latitude,
            longitude=sim.site.longitude,
            elevation=sim.site.elevation_m,
            time=(minutes * NS_PER_MIN).astype("datetime64[ns]"),
            values=dict(zip("XYZF", values, strict=True)),
            elements="XYZF",
            data_type="variation",
            source="eqprecursors synthetic generator",
            interval_type="filtered 1-minute (00:15-01:45)",
            comments=comments,
            sensor_orientation="HDZF",
            digital_sampling="1 second",
        )
        paths.append(path)
        # Keep the caches bounded on long runs: days behind the current one are done.
        for cache in (sim._segments, sim._daily, sim._bays, sim._gap_lists):
            for k in [k for k in cache if k < d - 1]:
                del cache[k]
        progress.step()
    if truth_csv is not None:
        write_truth(ground_truth_rows(sim), truth_csv)
    return paths


__all__ = [
    "GroundSimulator",
    "Site",
    "generate_ground",
    "ground_file_name",
    "make_simulator",
    "simulate_ground",
]
