"""Parameters of the synthetic ground model and its Kp drive (shared with the satellites).

The model itself is documented in :mod:`eqprecursors.synthetic.ground`; the satellite
generator takes its storm response from the same ring current (:func:`ring_current`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eqprecursors.core.times import NS_PER_MIN, to_epoch_ns
from eqprecursors.synthetic.injection import from_dict

log = logging.getLogger(__name__)

MINUTES_PER_DAY = 1440
KP_INTERVAL_MIN = 180


@dataclass(frozen=True)
class GroundModel:
    """Parameters of the ground signal model (documented in the module docstring)."""

    sq_x_nT: float = 25.0
    sq_y_nT: float = 16.0
    sq_z_nT: float = 12.0
    sq_focus_mlat: float = 32.0
    sq_focus_width: float = 8.0
    sq_width_h: float = 3.0
    sq_seasonal: float = 0.4
    sq_solar: float = 0.25
    solar_max_year: float = 2014.3
    solar_cycle_years: float = 11.0
    sq_day_to_day: float = 0.3
    sq_phase_jitter_h: float = 0.5
    ring_rate_nT_per_h: float = 2.0
    ring_kp0: float = 2.0
    ring_exponent: float = 1.5
    ring_tau_h: float = 10.0
    ring_z_factor: float = 0.3
    ring_memory_days: float = 10.0
    dist_sigma_nT: float = 0.6
    dist_kp_growth: float = 0.42
    dist_alpha: float = 2.6
    dist_corner_h: float = 2.0
    dist_z_factor: float = 0.5
    puls_sigma_nT: float = 0.12
    puls_kp_growth: float = 0.3
    puls_alpha: float = 1.0
    puls_corner_min: float = 10.0
    bay_rate_per_day: float = 16.0
    bay_kp0: float = 2.0
    bay_kp_span: float = 6.0
    bay_nT_per_kp: float = 4.0
    bay_rise_min: float = 10.0
    bay_decay_min: float = 45.0
    white_sigma_nT: float = 0.03
    baseline_sigma_nT: float = 1.5
    spike_rate_per_day: float = 0.03
    spike_min_nT: float = 10.0
    spike_max_nT: float = 200.0
    kp_fill: float = 1.0


@dataclass(frozen=True)
class GapConfig:
    """Data-gap model (documented in the module docstring)."""

    enabled: bool = True
    rate_per_day: float = 0.3
    short_fraction: float = 0.85
    short_max_minutes: int = 2
    long_min_minutes: int = 10
    long_max_minutes: int = 1440


def parse_gaps(gaps: dict | GapConfig | None) -> GapConfig:
    """Validate the ``gaps`` dict (None -> defaults; ``{"enabled": False}`` -> no gaps)."""
    cfg = from_dict(GapConfig, gaps, "gaps")
    if cfg.rate_per_day < 0 or not 0 <= cfg.short_fraction <= 1:
        raise ValueError("gaps: rate_per_day must be >= 0 and short_fraction in [0, 1]")
    if not 1 <= cfg.short_max_minutes < cfg.long_min_minutes <= cfg.long_max_minutes:
        raise ValueError("gaps: need 1 <= short_max_minutes < long_min_minutes <= long_max_minutes")
    return cfg


def parse_model(model: dict | GroundModel | None) -> GroundModel:
    """Signal-model overrides (None -> :class:`GroundModel` defaults)."""
    return from_dict(GroundModel, model, "model")


# --------------------------------------------------------------------------------------
# Kp drive
# --------------------------------------------------------------------------------------


class KpGrid:
    """Kp on a regular 3-hour grid (interval starts in minutes since 1970) for a period."""

    def __init__(self, kp: pd.DataFrame | None, first_min: int, last_min: int, fill: float):
        g0 = (first_min // KP_INTERVAL_MIN) * KP_INTERVAL_MIN
        g1 = -(-last_min // KP_INTERVAL_MIN) * KP_INTERVAL_MIN
        self.start = np.arange(g0, g1 + KP_INTERVAL_MIN, KP_INTERVAL_MIN, dtype=np.int64)
        self.kp = np.full(self.start.size, np.nan)
        if kp is not None and len(kp):
            tmin = to_epoch_ns(kp["time"]) // NS_PER_MIN
            vals = pd.to_numeric(kp["kp"], errors="coerce").to_numpy(dtype=float)
            idx = (tmin - g0) // KP_INTERVAL_MIN
            ok = (idx >= 0) & (idx < self.start.size) & np.isfinite(vals)
            self.kp[idx[ok]] = vals[ok]
        missing = np.isnan(self.kp)
        if missing.all():
            raise ValueError(
                "the Kp table does not cover the synthetic period; pass the real Kp series "
                "(eqprecursors.io.kp.read_kp) for these dates"
            )
        if missing.any():
            log.info("Kp missing for %d 3-h intervals; using Kp=%s there", missing.sum(), fill)
        self.kp[missing] = fill
        self.centre = self.start + KP_INTERVAL_MIN // 2

    def at(self, minutes: np.ndarray) -> np.ndarray:
        """Kp linearly interpolated between interval centres (smooth storm envelope)."""
        return np.interp(minutes, self.centre, self.kp)


def ring_current(minutes: np.ndarray, kp: KpGrid, model: GroundModel) -> np.ndarray:
    """Dst-like depression (nT) at ``minutes``: exact solution of the Burton equation.

    Each 3-h interval ``j`` with constant injection ``Q_j`` contributes
    ``Q tau (1 - exp(-(t - s_j)/tau))`` while it lasts and then decays exponentially;
    summing the intervals of the last ``ring_memory_days`` gives the same value whether
    one day or a year is generated (no integration state to carry between days).
    """
    tau = model.ring_tau_h * 60.0
    q = (
        -model.ring_rate_nT_per_h
        / 60.0
        * np.maximum(kp.kp - model.ring_kp0, 0.0) ** (model.ring_exponent)
    )
    lo = minutes[0] - model.ring_memory_days * MINUTES_PER_DAY
    sel = (kp.start >= lo) & (kp.start <= minutes[-1]) & (q != 0)
    if not sel.any():
        return np.zeros(minutes.size)
    s = kp.start[sel][:, None].astype(float)
    qt = (q[sel] * tau)[:, None]
    dt = minutes[None, :].astype(float) - s
    during = qt * (1.0 - np.exp(-np.clip(dt, 0.0, None) / tau))
    full = qt * (1.0 - math.exp(-KP_INTERVAL_MIN / tau))
    after = full * np.exp(-np.clip(dt - KP_INTERVAL_MIN, 0.0, None) / tau)
    contrib = np.where(dt < 0, 0.0, np.where(dt < KP_INTERVAL_MIN, during, after))
    return contrib.sum(axis=0)
