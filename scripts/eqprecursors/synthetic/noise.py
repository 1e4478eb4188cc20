"""Random streams and noise shapes shared by the ground and satellite generators.

Determinism is by construction, not by luck: every random draw comes from a generator
seeded with ``(seed, site, unit, stream)`` where ``unit`` is a UTC day (ground) or a
half-orbit (satellites) and ``stream`` names the physical component. Regenerating one day
therefore reproduces exactly the bytes of that day in a year-long run, and switching the
precursor injection (or the gap model) on or off leaves every other component unchanged,
which is what makes injection-recovery studies clean.
"""

from __future__ import annotations

import zlib

import numpy as np

#: Stream identifiers (part of the seed; never renumber, or every synthetic file changes).
STREAM_DISTURBANCE = 1
STREAM_WHITE = 2
STREAM_DAILY = 3
STREAM_SPIKES = 4
STREAM_GAPS = 5
STREAM_INJECTION = 6
STREAM_ORBIT = 7
STREAM_CATALOG = 8
STREAM_BAYS = 9

#: Added to day numbers (days since 1970-01-01) so that dates before 1970 stay non-negative.
_DAY_OFFSET = 1_000_000


def site_key(name: str) -> int:
    """A stable non-negative integer for a site or mission name (``hash()`` is salted)."""
    return zlib.crc32(name.strip().upper().encode("utf-8"))


def unit_rng(seed: int, site: str, unit: int, stream: int) -> np.random.Generator:
    """Generator for one (site, day-or-orbit, stream) cell."""
    ss = np.random.SeedSequence([int(seed), site_key(site), int(unit) + _DAY_OFFSET, stream])
    return np.random.default_rng(ss)


def coloured_noise(
    rng: np.random.Generator, n: int, *, dt_s: float, alpha: float, corner_s: float, rows: int = 1
) -> np.ndarray:
    """Unit-variance (in expectation) noise with power spectrum ``(f^2 + fc^2)^(-alpha/2)``.

    ``alpha = 2`` with a corner at ``fc = 1 / corner_s`` is a Lorentzian (red) spectrum,
    the usual description of mid-latitude geomagnetic background between ~1 h and the
    1-min Nyquist period. Normalised to its theoretical variance so that a quiet segment
    stays quiet (a per-segment sample normalisation would inflate it). Returns (rows, n).
    """
    freqs = np.fft.rfftfreq(n, d=dt_s)
    fc = 1.0 / corner_s
    amp = (freqs**2 + fc**2) ** (-alpha / 4.0)
    amp[0] = 0.0
    weight = 2.0 * np.ones_like(amp)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0
    amp = amp / np.sqrt(np.sum(weight * amp**2) / n)
    z = rng.standard_normal((rows, freqs.size, 2))
    spec = amp * (z[..., 0] + 1j * z[..., 1]) / np.sqrt(2.0)
    if n % 2 == 0:
        spec[:, -1] = amp[-1] * z[:, -1, 0]
    return np.fft.irfft(spec, n=n, norm="ortho", axis=-1)


def bandlimited_noise(
    rng: np.random.Generator, n: int, *, dt_s: float, band_hz: tuple[float, float], rows: int = 1
) -> np.ndarray:
    """Gaussian noise with a flat spectrum inside ``band_hz`` only, unit sample RMS per row.

    Used for the ULF precursor: a band-pass "burst" whose in-band RMS is then exactly the
    configured amplitude, so recovery tests can compare against it without calibration.
    """
    freqs = np.fft.rfftfreq(n, d=dt_s)
    lo, hi = band_hz
    keep = (freqs >= lo) & (freqs <= hi)
    if not keep.any():
        raise ValueError(
            f"band {band_hz} Hz holds no frequency of a {n}-sample series at dt={dt_s} s "
            f"(Nyquist {0.5 / dt_s:.4g} Hz)"
        )
    z = rng.standard_normal((rows, freqs.size, 2))
    spec = (z[..., 0] + 1j * z[..., 1]) * keep
    x = np.fft.irfft(spec, n=n, axis=-1)
    rms = np.sqrt(np.mean(x**2, axis=-1, keepdims=True))
    return x / rms


def cosine_taper(n: int, ramp: int) -> np.ndarray:
    """Envelope rising as a half cosine over ``ramp`` samples at both ends (1 in between)."""
    env = np.ones(n)
    ramp = int(min(max(ramp, 0), n // 2))
    if ramp > 0:
        r = 0.5 * (1.0 - np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp))
        env[:ramp] = r
        env[n - ramp :] = r[::-1]
    return env
