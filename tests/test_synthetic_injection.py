"""Precursor injection into the synthetic ground data, and its truth table.

Recovery is measured the way an evaluation would: decode the IAGA files of a run with the
injection and of the same-seed run without it, band-pass the difference to the ULF band
and compare its RMS with the configured amplitude times the distance decay.
"""

import numpy as np
import pandas as pd
import pytest

from eqprecursors.core.geodesy import geodesic_distance_km
from eqprecursors.ground.decode import merge_records
from eqprecursors.io.iaga import read_iaga
from eqprecursors.synthetic.ground import generate_ground
from eqprecursors.synthetic.injection import (
    decay_factor,
    dobrovolsky_radius_km,
    parse_injection,
    within_reach,
)

START, END = "2016-03-01", "2016-03-08"
INJ = {
    "enabled": True,
    "shape": "ulf_burst",
    "amplitude_nT": 5.0,
    "lead_hours": 72,
    "duration_hours": 72,
    "detectability_radius_km": 200.0,
    "band_mhz": [1.0, 8.0],
    "h_ratio": 0.5,
}


def _events() -> pd.DataFrame:
    """One event 50 km from DUR inside the period, one beyond the radius, one after END."""
    return pd.DataFrame(
        {
            "time": pd.to_datetime(
                ["2016-03-05T12:00:00Z", "2016-03-04T00:00:00Z", "2016-04-20T00:00:00Z"]
            ),
            "latitude": [41.84, 43.80, 41.50],
            "longitude": [14.28, 14.28, 14.30],
            "depth_km": [10.0, 8.0, 12.0],
            "magnitude": [5.2, 6.0, 4.8],
            "mag_type": ["mww", "mww", "mb"],
            "distance_km": [np.nan, np.nan, np.nan],
            "event_id": ["near", "far", "later"],
        }
    )


def _decode(paths) -> pd.DataFrame:
    time, values, _, _ = merge_records([r for p in paths for r in read_iaga(p)])
    return pd.DataFrame({c: values[c] for c in "XYZF"}, index=pd.DatetimeIndex(time))


def _band(x: np.ndarray, lo_hz: float, hi_hz: float, dt: float = 60.0) -> np.ndarray:
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(x.size, dt)
    spec[(f < lo_hz) | (f > hi_hz)] = 0
    return np.fft.irfft(spec, x.size)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, synthetic_real_kp, synthetic_dur_site):
    out = tmp_path_factory.mktemp("inj")
    kw = dict(
        **synthetic_dur_site, start=START, end=END, kp=synthetic_real_kp, events=_events(),
        seed=5, gaps={"enabled": False},
    )  # fmt: skip
    on = generate_ground(out / "on", injection=INJ, truth_csv=out / "truth_on.csv", **kw)
    off = generate_ground(
        out / "off", injection={**INJ, "enabled": False}, truth_csv=out / "truth_off.csv", **kw
    )
    pol = generate_ground(out / "pol", injection={**INJ, "shape": "polarization"}, **kw)
    return {
        "on": _decode(on),
        "off": _decode(off),
        "pol": _decode(pol),
        "off_paths": off,
        "truth_on": pd.read_csv(out / "truth_on.csv"),
        "truth_off": pd.read_csv(out / "truth_off.csv"),
        "zero": generate_ground(out / "zero", injection={**INJ, "amplitude_nT": 0.0}, **kw),
    }


def _window(runs):
    row = runs["truth_on"].iloc[0]
    t0 = pd.Timestamp(row["window_start"]).tz_localize(None)
    t1 = pd.Timestamp(row["window_end"]).tz_localize(None)
    return t0, t1


def test_truth_table_lists_exactly_the_qualifying_events(runs):
    truth = runs["truth_on"]
    assert list(truth["event_id"]) == ["near"]
    row = truth.iloc[0]
    d = geodesic_distance_km(41.39, 14.28, [41.84], [14.28])[0]
    assert row["distance_km"] == pytest.approx(d, rel=1e-5)
    assert row["decay_factor"] == pytest.approx(1 - d / 200.0, rel=1e-5)
    assert row["amplitude"] == pytest.approx(5.0 * (1 - d / 200.0), rel=1e-5)
    assert row["site"] == "DUR" and row["shape"] == "ulf_burst"
    assert pd.Timestamp(row["window_end"]) == pd.Timestamp("2016-03-05T12:00:00Z")
    assert pd.Timestamp(row["window_start"]) == pd.Timestamp("2016-03-02T12:00:00Z")
    assert pd.Timestamp(row["event_time"]) == pd.Timestamp("2016-03-05T12:00:00Z")
    assert runs["truth_off"].empty  # disabled: nothing injected, header only


def test_injected_ulf_rms_matches_amplitude_times_decay(runs):
    t0, t1 = _window(runs)
    amp = runs["truth_on"].iloc[0]["amplitude"]
    diff = runs["on"] - runs["off"]
    inside = (diff.index >= t0) & (diff.index < t1)
    # interior of the window (away from the 1-h tapers), ULF band 1-8 mHz
    core = (diff.index >= t0 + pd.Timedelta(hours=2)) & (diff.index < t1 - pd.Timedelta(hours=2))
    z = _band(diff["Z"].to_numpy()[inside], 1e-3, 8e-3)
    zc = z[core[inside]]
    assert np.sqrt(np.mean(zc**2)) == pytest.approx(amp, rel=0.05)
    for c in "XY":
        h = _band(diff[c].to_numpy()[inside], 1e-3, 8e-3)[core[inside]]
        assert np.sqrt(np.mean(h**2)) == pytest.approx(0.5 * amp, rel=0.06)
    # outside the window the data are untouched (to the last written digit)
    assert np.abs(diff.loc[~inside, ["X", "Y", "Z"]].to_numpy()).max() < 0.006
    # and the precursor stands out from the same window's natural ULF background
    bg = _band(runs["off"]["Z"].to_numpy()[inside], 1e-3, 8e-3)[core[inside]]
    sig = _band(runs["on"]["Z"].to_numpy()[inside], 1e-3, 8e-3)[core[inside]]
    assert np.sqrt(np.mean(sig**2)) > 2 * np.sqrt(np.mean(bg**2))


def test_polarization_raises_z_over_h_only(runs):
    t0, t1 = _window(runs)
    diff = runs["pol"] - runs["off"]
    inside = (diff.index >= t0) & (diff.index < t1)
    assert np.abs(diff.loc[:, ["X", "Y"]].to_numpy()).max() < 0.006
    z = _band(diff["Z"].to_numpy()[inside], 1e-3, 8e-3)
    assert np.sqrt(np.mean(z**2)) == pytest.approx(runs["truth_on"].iloc[0]["amplitude"], rel=0.05)

    def ratio(df):
        zz = _band(df["Z"].to_numpy()[inside], 1e-3, 8e-3)
        hh = _band(df["X"].to_numpy()[inside], 1e-3, 8e-3)
        return np.sqrt(np.mean(zz**2) / np.mean(hh**2))

    assert ratio(runs["pol"]) > 2 * ratio(runs["off"])


def test_amplitude_zero_is_off(runs):
    assert [p.read_bytes() for p in runs["zero"]] == [p.read_bytes() for p in runs["off_paths"]]


def test_decay_laws():
    lin = parse_injection({"enabled": True, "detectability_radius_km": 100.0}, kind="ground")
    np.testing.assert_allclose(decay_factor([0, 50, 100, 150], lin), [1, 0.5, 0, 0])
    exp = parse_injection(
        {"enabled": True, "decay": "exponential", "detectability_radius_km": 300.0},
        kind="ground",
    )
    np.testing.assert_allclose(decay_factor([0, 100, 301], exp), [1, np.exp(-1), 0])
    flat = parse_injection({"enabled": True, "decay": "none"}, kind="ground")
    np.testing.assert_allclose(decay_factor([10, 199, 201], flat), [1, 1, 0])


def test_dobrovolsky_and_magnitude_filters():
    cfg = parse_injection(
        {"enabled": True, "dobrovolsky": True, "min_magnitude": 4.0,
         "detectability_radius_km": 500.0},
        kind="ground",
    )  # fmt: skip
    assert dobrovolsky_radius_km(5.0) == pytest.approx(10**2.15)
    ok = within_reach([100, 200, 100], [5.0, 5.0, 3.5], cfg)
    assert list(ok) == [True, False, False]  # 200 km > 141 km (M5); M3.5 < min_magnitude


def test_injection_config_validation():
    with pytest.raises(ValueError, match="unknown injection key"):
        parse_injection({"amplitude_nt": 3.0}, kind="ground")
    with pytest.raises(ValueError, match="shape"):
        parse_injection({"shape": "step"}, kind="ground")
    with pytest.raises(ValueError, match="shape"):
        parse_injection({"shape": "ulf_burst"}, kind="satellite")
    assert parse_injection(None, kind="satellite").shape == "step"
    assert parse_injection(None, kind="ground").enabled is False
