"""The decoded satellite series read in slices: the file is never loaded whole (issue 11).

A mission's decoded netCDF (:mod:`.decode`) runs to ~90 million samples (DEMETER 2005-2010,
~6 GB), so the rules that read it -- labelling (:mod:`.sequences`) and the continuous alarm
series (:mod:`.continuous`) -- take it through netCDF4 in blocks of ``chunk_samples``
samples, each cut at its last half-orbit boundary (the unfinished half-orbit is carried to
the next block). Every half-orbit (run of one ``orbit`` id) lies whole in one block, so
anything computed per half-orbit is the same as on the whole series.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

DECODED_VARIABLES = ("latitude", "longitude", "ne", "te", "local_time", "orbit")
"""The variables the downstream rules read (``time`` besides)."""
NS_TIME_UNITS = "nanoseconds since 1970-01-01"
CHUNK_SAMPLES = 500_000
"""Samples per read block (~28 MB of decoded variables; about 9 days at 1.5 s)."""


class DecodedSeries:
    """Slices of a decoded satellite netCDF read on demand; the file is never loaded whole."""

    def __init__(self, path):
        import netCDF4

        self.path = str(path)
        try:
            self.nc = netCDF4.Dataset(self.path)
        except OSError as exc:
            raise ValueError(f"{path}: cannot open decoded satellite netCDF ({exc})") from exc
        missing = [v for v in ("time", *DECODED_VARIABLES) if v not in self.nc.variables]
        if missing:
            self.nc.close()
            raise ValueError(f"{path}: decoded netCDF lacks variable(s) {missing}")
        self.nc.set_auto_mask(False)  # NaN fill values stay NaN
        tv = self.nc.variables["time"]
        self.units = getattr(tv, "units", "")
        self.calendar = getattr(tv, "calendar", "proleptic_gregorian")
        self.n = int(tv.shape[0])
        self.attrs = {k: self.nc.getncattr(k) for k in self.nc.ncattrs()}

    def close(self) -> None:
        self.nc.close()

    def __enter__(self) -> DecodedSeries:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def time_ns(self, a: int, b: int) -> np.ndarray:
        raw = np.asarray(self.nc.variables["time"][a:b])
        if self.units == NS_TIME_UNITS:
            return raw.astype(np.int64)
        from xarray.coding.times import decode_cf_datetime

        try:
            decoded = decode_cf_datetime(raw, self.units, self.calendar)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(
                f"{self.path}: `time` (units {self.units!r}) is not a CF time: {exc}"
            ) from exc
        return np.asarray(decoded, dtype="datetime64[ns]").astype(np.int64)

    def orbit(self, a: int, b: int) -> np.ndarray:
        return np.asarray(self.nc.variables["orbit"][a:b])

    def read(self, a: int, b: int) -> dict[str, np.ndarray]:
        """Samples ``a:b``: ``time_ns`` and :data:`DECODED_VARIABLES`."""
        out = {v: np.asarray(self.nc.variables[v][a:b]) for v in DECODED_VARIABLES}
        out["time_ns"] = self.time_ns(a, b)
        if out["time_ns"].size > 1 and np.any(np.diff(out["time_ns"]) <= 0):
            raise ValueError(f"{self.path}: `time` is not strictly increasing in samples {a}:{b}")
        return out

    def first_at_or_after(self, t_ns: int) -> int:
        """Index of the first sample at or after ``t_ns`` (binary search, one read a step)."""
        lo, hi = 0, self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.time_ns(mid, mid + 1)[0] < t_ns:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def half_orbit_start(self, i: int) -> int:
        """First index of the half-orbit (run of one ``orbit`` id) holding sample ``i``."""
        if i <= 0 or i >= self.n:
            return max(0, min(i, self.n))
        own = self.orbit(i, i + 1)[0]
        end, step = i, 4096
        while end > 0:
            lo = max(0, end - step)
            other = np.flatnonzero(self.orbit(lo, end) != own)
            if other.size:
                return lo + int(other[-1]) + 1
            end, step = lo, 2 * step
        return 0


def _take(block: dict, sl: slice) -> dict:
    return {k: v[sl] for k, v in block.items()}


def half_orbit_blocks(
    series: DecodedSeries, first: int, last_ns: int, chunk_samples: int
) -> Iterator[dict]:
    """Blocks of whole half-orbits from sample ``first`` until a block passes ``last_ns``.

    Each half-orbit lies in one block (the last block's final one may end early: its
    windows after ``last_ns`` are not wanted).
    """
    if chunk_samples < 1:
        raise ValueError(f"chunk_samples must be >= 1, got {chunk_samples}")
    a, pending = first, None
    while a < series.n:
        b = min(a + chunk_samples, series.n)
        block = series.read(a, b)
        if pending is not None:
            block = {k: np.concatenate([pending[k], block[k]]) for k in block}
            if block["time_ns"].size > 1 and np.any(np.diff(block["time_ns"]) <= 0):
                raise ValueError(f"{series.path}: `time` is not strictly increasing near {a}")
        pending = None
        if b >= series.n or block["time_ns"][-1] > last_ns:
            yield block  # a half-orbit cut at b ends after the period: windows beyond drop
            return
        orb = block["orbit"]
        changes = np.flatnonzero(orb[1:] != orb[:-1])
        if changes.size == 0:
            pending = block  # one half-orbit longer than the block so far
        else:
            cut = int(changes[-1]) + 1
            yield _take(block, slice(0, cut))
            pending = _take(block, slice(cut, None))
        a = b
    if pending is not None:
        yield pending
