"""Shared test set-up: Hypothesis profiles, and the model and synthetic-generator fixtures."""

import os as _eqp_os
import tempfile as _eqp_tempfile
from pathlib import Path as _eqp_Path

import numpy as _eqp_np
import pandas as _eqp_pd
import pytest as _eqp_pytest
from hypothesis import settings as _eqp_settings
from hypothesis.configuration import set_hypothesis_home_dir as _eqp_set_hypothesis_home
from hypothesis.database import DirectoryBasedExampleDatabase as _eqp_DirectoryDatabase

# --- Hypothesis: the same examples on every run, and no state written into the checkout ---

#: Hypothesis keeps its example database and caches (e.g. unicode data) here, not in
#: ./.hypothesis of whatever directory pytest was started from.
HYPOTHESIS_HOME = _eqp_Path(
    _eqp_os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    or _eqp_Path(_eqp_tempfile.gettempdir()) / "eqprecursors-hypothesis"
)
_eqp_set_hypothesis_home(HYPOTHESIS_HOME)
# "ci" (the default, so `make test` and a bare `pytest` are steady): examples derived from
# each test's source, no database replaying failures of earlier runs, and no per-example
# deadline, which is a wall-clock bound that a loaded machine breaks.
_eqp_settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True
)
# "dev" (HYPOTHESIS_PROFILE=dev): random examples, failures remembered under HYPOTHESIS_HOME.
_eqp_settings.register_profile(
    "dev", database=_eqp_DirectoryDatabase(HYPOTHESIS_HOME / "examples"), print_blob=True
)
HYPOTHESIS_PROFILE = _eqp_os.environ.get("HYPOTHESIS_PROFILE", "ci")
if HYPOTHESIS_PROFILE not in ("ci", "dev"):
    raise _eqp_pytest.UsageError(
        f"HYPOTHESIS_PROFILE={HYPOTHESIS_PROFILE!r}: tests/conftest.py defines 'ci' and 'dev'"
    )
_eqp_settings.load_profile(HYPOTHESIS_PROFILE)


# --- eqprecursors model/training fixtures (labelling, splits, training, evaluation) ---


def write_tiny_window_dataset(out_dir, n=40, n_samples=60, seed=0):
    """Tiny learnable dataset in the labelling output format (windows.npy + labels.csv).

    Hour-long normalised windows, alternating labels, one per 2 h; label-1 windows carry a
    sinusoid on Bx so a few epochs can learn it.  Returns (windows_npy, labels_csv).
    """
    from pathlib import Path

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = _eqp_np.random.default_rng(seed)
    labels = _eqp_np.arange(n) % 2
    w = _eqp_np.lib.format.open_memmap(
        out_dir / "windows.npy", mode="w+", dtype=_eqp_np.float32, shape=(n, 3, n_samples)
    )
    t = _eqp_np.arange(n_samples)
    for i in range(n):
        x = rng.normal(0, 0.1, (3, n_samples))
        x[2] += 1.0
        if labels[i]:
            x[0] += 0.5 * _eqp_np.sin(2 * _eqp_np.pi * t / 15)
        w[i] = x / _eqp_np.abs(x[2]).max()
    w.flush()
    del w
    start = _eqp_pd.Timestamp("2020-01-01", tz="UTC") + _eqp_pd.to_timedelta(
        2 * _eqp_np.arange(n), unit="h"
    )
    _eqp_pd.DataFrame(
        {
            "index": _eqp_np.arange(n),
            "observatory": "TST",
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (start + _eqp_pd.Timedelta(minutes=n_samples)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "label": labels,
            "event_id": [f"ev{i}" if labels[i] else "" for i in range(n)],
            "magnitude": _eqp_np.where(labels == 1, 4.5, _eqp_np.nan),
            "distance_km": _eqp_np.where(labels == 1, 50.0, _eqp_np.nan),
            "max_kp": 1.0,
            "bz_scale": 1.0,
        }
    ).to_csv(out_dir / "labels.csv", index=False)
    return out_dir / "windows.npy", out_dir / "labels.csv"


@_eqp_pytest.fixture
def tiny_window_dataset(tmp_path):
    """40 hour windows + chronological 80/20 split: dict of paths (windows, labels, split)."""
    from eqprecursors.core import splits

    windows, labels = write_tiny_window_dataset(tmp_path / "ds")
    split = tmp_path / "ds" / "split.csv"
    splits.make_split(labels, split, method="chronological", train_fraction=0.8, seed=0)
    return {"windows": windows, "labels": labels, "split": split, "dir": tmp_path / "ds"}


# --- eqprecursors synthetic-generator fixtures (tests/test_synthetic_*.py) ---
@_eqp_pytest.fixture(scope="session")
def synthetic_real_kp():
    """The real CelesTrak Kp history (1957-2025) as read by eqprecursors.kp.read_kp."""
    from pathlib import Path

    from eqprecursors.io.kp import read_kp

    return read_kp(Path(__file__).resolve().parents[1] / "data" / "kp" / "celestrak_SW-All.txt")


@_eqp_pytest.fixture(scope="session")
def synthetic_dur_site():
    """Duronia (DUR) as the generator's keyword arguments."""
    return {
        "iaga_code": "DUR",
        "station_name": "Duronia",
        "latitude": 41.390,
        "longitude": 14.280,
        "elevation": 900.0,
    }
