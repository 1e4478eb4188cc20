"""Labelling: hand-checkable windows on a 3-day 1-min series with hour windows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from eqprecursors.ground import filters, windows
from eqprecursors.ground import labels as labelling

T0 = np.datetime64("2020-01-01T00:00", "ns")
N_DAYS = 3
N_MIN = N_DAYS * 1440  # 4320 samples


def _series(n=N_MIN, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x = 20000 + 10 * np.sin(2 * np.pi * t / 1440) + rng.normal(0, 1, n)
    y = 500 + 5 * np.cos(2 * np.pi * t / 1440) + rng.normal(0, 1, n)
    z = 40000 + 20 * np.sin(2 * np.pi * t / 720) + rng.normal(0, 1, n)
    return x, y, z


def write_ground(path, *, gap_at=(), iaga="TST", n=N_MIN, seed=0):
    x, y, z = _series(n, seed)
    gap = np.zeros(n, dtype=np.int8)
    for i in gap_at:
        x[i] = y[i] = z[i] = np.nan
        gap[i] = 1
    ds = xr.Dataset(
        {"X": ("time", x), "Y": ("time", y), "Z": ("time", z), "gap_mask": ("time", gap)},
        coords={"time": T0 + np.arange(n).astype("timedelta64[m]")},
        attrs={"iaga_code": iaga, "latitude": 40.0, "longitude": 20.0},
    )
    ds.to_netcdf(path)
    return np.stack([x, y, z])


def write_catalog(path, times, ids=None):
    ids = ids or [f"ev{i}" for i in range(len(times))]
    pd.DataFrame(
        {
            "time": times,
            "latitude": 40.1,
            "longitude": 20.1,
            "depth_km": 10.0,
            "magnitude": [4.5 + 0.1 * i for i in range(len(times))],
            "mag_type": "mw",
            "distance_km": 50.0,
            "event_id": ids,
        }
    ).to_csv(path, index=False)


def write_kp(path, storms=()):
    """3 days of 3-h Kp = 1, with Kp = 6 in the intervals starting at ``storms``."""
    t = pd.date_range("2020-01-01", periods=N_DAYS * 8, freq="3h", tz="UTC")
    kp = np.ones(len(t))
    for s in storms:
        kp[t == pd.Timestamp(s)] = 6.0
    pd.DataFrame({"time": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "kp": kp}).to_csv(path, index=False)


EVENTS = ["2020-01-01T12:00:30Z", "2020-01-02T18:00:00Z"]


@pytest.fixture
def inputs(tmp_path):
    raw = write_ground(tmp_path / "TST.nc")
    write_catalog(tmp_path / "cat.csv", EVENTS)
    write_kp(tmp_path / "kp.csv", storms=["2020-01-03T00:00:00Z"])
    return tmp_path, raw


def _make(tmp, **kw):
    args = dict(window="hour", exclusion_hours=6, kp_threshold=5, seed=1, quiet_per_event=1.0)
    args.update(kw)
    out = tmp / "ds"
    rep = labelling.make_dataset(tmp / "TST.nc", tmp / "cat.csv", tmp / "kp.csv", out, **args)
    labels = pd.read_csv(out / "labels.csv", dtype={"event_id": str})
    windows = np.load(out / "windows.npy", mmap_mode="r")
    return rep, labels, windows


def _minutes(iso):
    """UTC ISO strings -> integer minutes since the series start."""
    delta = pd.to_datetime(iso, utc=True) - pd.Timestamp("2020-01-01", tz="UTC")
    return (delta.dt.total_seconds() // 60).astype(int)


def test_window_names():
    assert [windows.window_samples(w) for w in ("hour", "day", "week", "month")] == [
        60,
        1440,
        10080,
        43200,
    ]
    with pytest.raises(ValueError):
        windows.window_samples("year")


def test_earthquake_windows_exact_bounds(inputs):
    tmp, raw = inputs
    rep, labels, windows = _make(tmp)
    eq = labels[labels.label == 1].reset_index(drop=True)
    # event at 12:00:30 -> the 60 samples strictly before it: 11:01..12:00, end exclusive 12:01
    assert eq.start.tolist() == ["2020-01-01T11:01:00Z", "2020-01-02T17:00:00Z"]
    assert eq.end.tolist() == ["2020-01-01T12:01:00Z", "2020-01-02T18:00:00Z"]
    assert eq.event_id.tolist() == ["ev0", "ev1"]
    assert eq.magnitude.tolist() == pytest.approx([4.5, 4.6])
    assert rep["earthquake_windows"] == 2 and rep["events_total"] == 2
    assert windows.dtype == np.float32 and windows.shape == (len(labels), 3, 60)
    assert isinstance(np.load(tmp / "ds" / "windows.npy", mmap_mode="r"), np.memmap)
    # stored normalised: [X, Y, Z] / max|Z| of the window, row == labels.index
    s = 661
    w = raw[:, s : s + 60]
    row = int(eq.loc[0, "index"])
    np.testing.assert_allclose(windows[row], w / np.abs(w[2]).max(), rtol=1e-6)
    assert np.abs(windows[row][2]).max() == pytest.approx(1.0)
    assert eq.loc[0, "bz_scale"] == pytest.approx(np.abs(w[2]).max())
    assert labels["index"].tolist() == list(range(len(labels)))
    assert labels.start.is_monotonic_increasing
    assert set(labels.observatory) == {"TST"}


def test_lead_time_shifts_window(inputs):
    tmp, _ = inputs
    _, labels, _ = _make(tmp, lead_time_minutes=30)
    eq = labels[labels.label == 1]
    assert eq.start.tolist() == ["2020-01-01T10:31:00Z", "2020-01-02T16:30:00Z"]
    assert eq.end.tolist() == ["2020-01-01T11:31:00Z", "2020-01-02T17:30:00Z"]


def test_quiet_windows_respect_exclusion_storm_and_overlap(inputs):
    tmp, _ = inputs
    rep, labels, _ = _make(tmp, quiet_per_event=10)
    quiet = labels[labels.label == 0]
    assert len(quiet) == 20 and rep["quiet_shortfall"] == 0
    qs, qe = _minutes(quiet.start).to_numpy(), _minutes(quiet.end).to_numpy()
    assert np.all(qe - qs == 60)
    events = np.array([720.5, 2520.0])
    for ev in events:  # at least 6 h from every event
        dist = np.where(ev < qs, qs - ev, np.where(ev >= qe, ev - qe, 0))
        assert np.all(dist >= 360)
    # the storm interval [Jan 3 00:00, 03:00) = minutes [2880, 3060) is never touched
    assert not np.any((qs < 3060) & (qe > 2880))
    assert np.all(quiet.max_kp < 5)
    # quiet windows do not overlap each other or earthquake windows
    eq = labels[labels.label == 1]
    allw = sorted(zip(np.r_[qs, _minutes(eq.start)], np.r_[qe, _minutes(eq.end)], strict=True))
    assert all(a[1] <= b[0] for a, b in zip(allw, allw[1:], strict=False))


def test_candidate_counts_hand_checked(inputs):
    tmp, _ = inputs
    rep, labels, _ = _make(tmp)
    c = rep["quiet_candidates"]
    assert c["total"] == N_MIN - 60 + 1  # 4261 start positions
    # E1 (720.5 min): start in (300.5, 1080.5) -> 780; E2 (2520): (2100, 2880) -> 779
    assert c["excluded_seismic_proximity"] == 780 + 779
    # storm [2880, 3060): start in [2821, 3059] -> 239, of which [2821, 2879] also seismic
    assert c["excluded_storm"] == 239
    assert c["excluded_gaps"] == 0 and c["excluded_kp_missing"] == 0
    assert c["eligible"] == 4261 - 1559 - 239 + 59
    assert rep["counts_per_label"] == {"0": 2, "1": 2}
    saved = json.loads((tmp / "ds" / "report.json").read_text())
    assert saved["window_samples"] == 60 and saved["filter"] is None
    assert saved["events_dropped_gaps"] == 0


def test_storm_everywhere_but_one_slot(tmp_path):
    """Only one hour-window slot outside storms and exclusion: the draw finds exactly it."""
    write_ground(tmp_path / "TST.nc")
    write_catalog(tmp_path / "cat.csv", EVENTS)
    free = "2020-01-03T09:00:00Z"
    storms = [t for t in pd.date_range("2020-01-01", periods=24, freq="3h", tz="UTC")]
    storms = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in storms]
    storms.remove(free)
    write_kp(tmp_path / "kp.csv", storms=storms)
    rep, labels, _ = _make(tmp_path, quiet_per_event=5, screen_storms=False)
    quiet = labels[labels.label == 0]
    assert rep["earthquake_windows"] == 2 and rep["earthquake_windows_stormy"] == 2
    assert rep["events_dropped_storm"] == 0
    assert rep["quiet_requested"] == 10
    # 180 free minutes hold at most 3 hour windows; a random greedy draw always gets >= 2
    assert rep["quiet_windows"] in (2, 3)
    assert rep["quiet_shortfall"] == 10 - rep["quiet_windows"]
    assert np.all((_minutes(quiet.start) >= 3420) & (_minutes(quiet.end) <= 3600))
    assert rep["quiet_candidates"]["eligible"] == 180 - 60 + 1


def test_missing_kp_is_not_quiet(tmp_path):
    write_ground(tmp_path / "TST.nc")
    write_catalog(tmp_path / "cat.csv", EVENTS)
    write_kp(tmp_path / "kp.csv")
    kp = pd.read_csv(tmp_path / "kp.csv")
    kp.loc[:15, "kp"] = np.nan  # first two days unknown
    kp.to_csv(tmp_path / "kp.csv", index=False)
    rep, labels, _ = _make(tmp_path, quiet_per_event=3, screen_storms=False)
    quiet = labels[labels.label == 0]
    assert len(quiet) > 0 and np.all(_minutes(quiet.start) >= 2880)
    assert np.all(np.isfinite(quiet.max_kp))
    # both earthquake windows lie in the unknown days: kept only without screening
    assert rep["earthquake_windows_kp_missing"] == 2
    rep, labels, _ = _make(tmp_path, quiet_per_event=3)
    assert rep["events_dropped_kp_missing"] == 2 and len(labels) == 0


def test_gap_drops_event_and_is_counted(tmp_path):
    # one long-gap sample inside E2's window [17:00, 18:00) on day 2 -> minute 2490
    write_ground(tmp_path / "TST.nc", gap_at=[2490])
    write_catalog(tmp_path / "cat.csv", EVENTS)
    write_kp(tmp_path / "kp.csv")
    rep, labels, windows = _make(tmp_path, quiet_per_event=20)
    assert rep["events_dropped_gaps"] == 1
    assert rep["earthquake_windows"] == 1 and labels.label.sum() == 1
    assert labels[labels.label == 1].event_id.tolist() == ["ev0"]
    assert rep["quiet_candidates"]["excluded_gaps"] == 60
    assert np.all(np.isfinite(windows))
    qs = _minutes(labels[labels.label == 0].start).to_numpy()
    assert qs.size > 0 and not np.any((qs <= 2490) & (qs + 60 > 2490))


def test_events_outside_series_counted(tmp_path):
    write_ground(tmp_path / "TST.nc")
    write_catalog(tmp_path / "cat.csv", ["2020-01-01T00:30:00Z", "2021-01-01T00:00:00Z"])
    write_kp(tmp_path / "kp.csv")
    rep, labels, windows = _make(tmp_path)
    assert rep["events_outside_coverage"] == 2 and rep["earthquake_windows"] == 0
    assert len(labels) == 0 and windows.shape == (0, 3, 60)


def test_all_events_csv_widens_exclusion(inputs):
    tmp, _ = inputs
    # a small event (not a labelled one) at day 3 06:00 blocks 6 h around it
    write_catalog(tmp / "all.csv", EVENTS + ["2020-01-03T06:00:00Z"])
    rep, labels, _ = _make(tmp, quiet_per_event=10, all_events_csv=tmp / "all.csv")
    assert rep["exclusion_events_source"] == "all_events_csv"
    assert rep["earthquake_windows"] == 2  # labels still come from the selected catalog
    qs = _minutes(labels[labels.label == 0].start).to_numpy()
    ev = 3240
    assert qs.size > 0 and np.all((qs + 60 + 360 <= ev) | (qs - 360 >= ev))


def test_seeded_draw_reproducible(inputs):
    tmp, _ = inputs
    a = _make(tmp, seed=3, quiet_per_event=4)[1]
    b = _make(tmp, seed=3, quiet_per_event=4)[1]
    c = _make(tmp, seed=4, quiet_per_event=4)[1]
    assert a.start.tolist() == b.start.tolist()
    assert a.start.tolist() != c.start.tolist()


def test_filter_validation():
    with pytest.raises(ValueError, match="Nyquist"):
        filters.validate_filter({"type": "highpass", "order": 4, "corners_hz": [0.02]})
    with pytest.raises(ValueError, match="Nyquist"):
        filters.validate_filter({"type": "lowpass", "order": 4, "corners_cpd": [720]})
    for bad in (
        {"type": "highpass", "order": 4, "corners_cpd": [0]},
        {"type": "highpass", "order": 4, "corners_cpd": [-1]},
        {"type": "bandpass", "order": 4, "corners_cpd": [5, 2]},
        {"type": "bandpass", "order": 4, "corners_cpd": [5]},
        {"type": "notch", "order": 4, "corners_cpd": [5]},
        {"type": "highpass", "order": 0, "corners_cpd": [5]},
    ):
        with pytest.raises(ValueError):
            filters.validate_filter(bad)
    ok = filters.validate_filter({"type": "highpass", "order": 4, "corners_cpd": [1.5]})
    assert ok == {"type": "highpass", "order": 4, "corners_cpd": [1.5], "padding_hours": 72.0}
    # the padding must reach beyond the impulse response's effective support (57 h here)
    with pytest.raises(ValueError, match="padding_hours"):
        filters.validate_filter(ok | {"padding_hours": 24})
    with pytest.raises(ValueError, match="padding_hours"):
        filters.validate_filter(ok | {"padding_hours": -1})
    assert filters.validate_filter(ok | {"padding_hours": 60})["padding_hours"] == 60
    band = {"type": "bandpass", "corners_cpd": [0.5, 100], "padding_hours": 180}
    assert filters.validate_filter(band)["order"] == 4
    assert filters.validate_filter({"type": "lowpass", "corners_hz": [0.001]})["corners_cpd"] == [
        pytest.approx(86.4)
    ]
    assert filters.validate_filter(None) is None


def test_highpass_removes_diurnal_zero_phase():
    t_days = np.arange(20 * 1440) / 1440
    diurnal = 30 * np.sin(2 * np.pi * 1.0 * t_days)
    fast = 2 * np.sin(2 * np.pi * 24.0 * t_days + 0.3)
    out, nulled = filters.apply_filter(
        diurnal + fast, {"type": "highpass", "order": 4, "corners_cpd": [3.0]}
    )
    mid = slice(5 * 1440, 15 * 1440)  # away from the edge transients
    assert nulled == 0
    np.testing.assert_allclose(out[mid], fast[mid], atol=0.02)  # no lag: zero phase
    lags = np.arange(-30, 31)
    xc = [np.dot(out[mid], np.roll(fast, k)[mid]) for k in lags]
    assert lags[int(np.argmax(xc))] == 0


def test_filter_per_segment_and_gaps():
    t = np.arange(6000, dtype=float)
    x = np.stack([np.sin(2 * np.pi * t / 1440) + 5, np.cos(t), t * 0 + 1], axis=1)
    x[3000:3010] = np.nan
    x[5990] = np.nan  # leaves a 9-sample tail segment too short to filter
    spec = {"type": "highpass", "order": 4, "corners_cpd": [2.0]}
    out, nulled = filters.apply_filter(x, spec)
    assert np.all(np.isnan(out[3000:3010])) and np.all(np.isnan(out[5990:]))
    assert nulled == 9
    assert np.all(np.isfinite(out[:3000])) and np.all(np.isfinite(out[3010:5990]))
    # each segment filtered alone == filtering that segment by itself
    alone, _ = filters.apply_filter(x[3010:5990], spec)
    np.testing.assert_allclose(out[3010:5990], alone)


def test_make_dataset_with_filter_reported(inputs):
    tmp, _ = inputs
    spec = {"type": "highpass", "order": 4, "corners_cpd": [24.0], "padding_hours": 6.0}
    rep, labels, windows = _make(tmp, filter=spec)
    assert rep["filter"] == spec and rep["earthquake_windows"] == 2
    # at most 6 h of padding, at least the response's 3.6-h (217-sample) support
    assert rep["filter_padding_samples"] == {"most": 360, "least": 217}
    assert filters.support_samples(spec) == 217
    # no quiet window starts before 217 samples of record exist
    assert rep["quiet_candidates"]["excluded_padding"] == 217
    assert (labels.label == 0).sum() > 0 and _minutes(labels.start).min() >= 217
    assert np.all(np.abs(windows[:, 2]).max(axis=1) == pytest.approx(1.0))
    with pytest.raises(ValueError, match="Nyquist"):
        _make(tmp, filter={"type": "highpass", "order": 4, "corners_hz": [0.02]})


def test_normalise_window():
    w = np.array([[2.0, -4.0], [1.0, 1.0], [-8.0, 4.0]])
    out, scale = windows.normalise_window(w)
    assert scale == 8.0 and out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.25, -0.5], [0.125, 0.125], [-1.0, 0.5]])
    with pytest.raises(ValueError):
        windows.normalise_window(np.zeros((3, 4)))


def test_irregular_time_axis_becomes_gaps():
    t = T0 + np.array([0, 1, 2, 5, 6]).astype("timedelta64[m]")
    ds = xr.Dataset(
        {c: ("time", np.arange(5.0) + 1) for c in "XYZ"} | {"gap_mask": ("time", np.zeros(5))},
        coords={"time": t},
    )
    times, data, gap, _ = labelling.dataset_to_arrays(ds)
    assert len(times) == 7 and gap.tolist() == [False] * 3 + [True] * 2 + [False] * 2
    assert np.all(np.diff(times) == 60 * 10**9)


def test_combine_datasets(tmp_path):
    dirs = []
    for i, code in enumerate(["AAA", "BBB"]):
        d = tmp_path / code
        write_ground(d.with_suffix(".nc"), iaga=code, seed=i)
        write_catalog(tmp_path / "cat.csv", EVENTS)
        write_kp(tmp_path / "kp.csv")
        labelling.make_dataset(
            d.with_suffix(".nc"),
            tmp_path / "cat.csv",
            tmp_path / "kp.csv",
            d,
            window="hour",
            exclusion_hours=6,
            kp_threshold=5,
            seed=i,
        )
        dirs.append(d)
    rep = labelling.combine_datasets(dirs, tmp_path / "ALL")
    w = np.load(tmp_path / "ALL" / "windows.npy", mmap_mode="r")
    lab = pd.read_csv(tmp_path / "ALL" / "labels.csv")
    a, b = (np.load(d / "windows.npy") for d in dirs)
    np.testing.assert_array_equal(w, np.concatenate([a, b]))
    assert lab["index"].tolist() == list(range(len(a) + len(b)))
    assert lab.observatory.tolist() == ["AAA"] * len(a) + ["BBB"] * len(b)
    assert lab.source_index.tolist() == list(range(len(a))) + list(range(len(b)))
    assert rep["counts_per_label"] == {"0": 4, "1": 4}
    assert set(rep["per_observatory"]) == {"AAA", "BBB"}


# ------------------------------------------------------------- storms and the filter
def test_screen_storms_drops_stormy_earthquake_windows(tmp_path):
    """E1's window [11:01, 12:01) touches the storm at 09-12 h; quiet windows never do."""
    write_ground(tmp_path / "TST.nc")
    write_catalog(tmp_path / "cat.csv", EVENTS)
    write_kp(tmp_path / "kp.csv", storms=["2020-01-01T09:00:00Z"])
    on, labels_on, _ = _make(tmp_path, quiet_per_event=3)
    assert on["screen_storms"] and on["events_dropped_storm"] == 1
    assert labels_on[labels_on.label == 1].event_id.tolist() == ["ev1"]
    off, labels_off, _ = _make(tmp_path, quiet_per_event=3, screen_storms=False)
    assert off["events_dropped_storm"] == 0 and off["earthquake_windows_stormy"] == 1
    assert labels_off[labels_off.label == 1].event_id.tolist() == ["ev0", "ev1"]
    for labels in (labels_on, labels_off):
        quiet = labels[labels.label == 0]
        assert len(quiet) > 0 and (quiet.max_kp < 5).all()
        qs = _minutes(quiet.start).to_numpy()
        assert not np.any((qs < 720) & (qs + 60 > 540))  # storm minutes [540, 720)
    eq = labels_off[labels_off.label == 1]
    assert eq.max_kp.tolist() == [6.0, 1.0]


def test_padding_gap_drops_event_and_is_counted(tmp_path):
    """A gap at minute 500 leaves 160 gap-free samples before E1's window [661, 721), fewer
    than the filter's 217-sample support."""
    write_ground(tmp_path / "TST.nc", gap_at=[500])
    write_catalog(tmp_path / "cat.csv", EVENTS)
    write_kp(tmp_path / "kp.csv")
    spec = {"type": "highpass", "order": 4, "corners_cpd": [24.0], "padding_hours": 6.0}
    rep, labels, _ = _make(tmp_path, filter=spec, quiet_per_event=5)
    assert rep["events_dropped_padding"] == 1 and rep["events_dropped_gaps"] == 0
    assert labels[labels.label == 1].event_id.tolist() == ["ev1"]
    c = rep["quiet_candidates"]
    # starts < 217 (record start) and starts in [501, 717] (run after the gap too short)
    assert c["excluded_padding"] == 217 + 217 and c["excluded_gaps"] == 60
    qs = _minutes(labels[labels.label == 0].start).to_numpy()
    assert qs.size > 0 and np.all((qs >= 217) & ((qs <= 440) | (qs > 717)))
    # a gap at 400 leaves a 260-sample run: E1 is filtered from that shorter padding
    write_ground(tmp_path / "TST.nc", gap_at=[400])
    rep, labels, _ = _make(tmp_path, filter=spec, quiet_per_event=5)
    assert rep["events_dropped_padding"] == 0 and rep["earthquake_windows"] == 2


DAY = 1440
LONG_DAYS = 32


def write_sines(path, *, after=None, n_days=LONG_DAYS):
    """X: 10 nT at 1 cpd + 2 nT at 10 cpd on 20,000 nT; Y: 500 nT; Z: 40,000 nT + 5 nT at
    3 cpd.  ``after=(k, f)`` replaces every sample from index k on by f(sample)."""
    t = np.arange(n_days * DAY) / DAY
    x = 20000 + 10 * np.sin(2 * np.pi * t + 0.4) + 2 * np.sin(2 * np.pi * 10 * t + 1.0)
    y = 500 + 0 * t
    z = 40000 + 5 * np.sin(2 * np.pi * 3 * t)
    data = np.stack([x, y, z], axis=1)
    if after is not None:
        k, f = after
        data[k:] = f(data[k:])
    ds = xr.Dataset(
        {c: ("time", data[:, i]) for i, c in enumerate("XYZ")}
        | {"gap_mask": ("time", np.zeros(len(t), np.int8))},
        coords={"time": T0 + np.arange(len(t)).astype("timedelta64[m]")},
        attrs={"iaga_code": "TST"},
    )
    ds.to_netcdf(path)
    return data


def _week_dataset(tmp, flt, name="ds"):
    """Week windows of the 32-day series: events at days 11 and 18, quiet windows after."""
    write_catalog(tmp / "cat.csv", ["2020-01-12T00:00:00Z", "2020-01-19T00:00:00Z"])
    kp = pd.date_range("2020-01-01", periods=LONG_DAYS * 8, freq="3h", tz="UTC")
    kp = pd.DataFrame({"time": kp.strftime("%Y-%m-%dT%H:%M:%SZ"), "kp": 1.0})
    kp.to_csv(tmp / "kp.csv", index=False)
    out = tmp / name
    rep = labelling.make_dataset(
        tmp / "TST.nc", tmp / "cat.csv", tmp / "kp.csv", out, window="week",
        exclusion_hours=1, kp_threshold=4, seed=1, quiet_per_event=1.0, filter=flt,
    )  # fmt: skip
    labels = pd.read_csv(out / "labels.csv", dtype={"event_id": str})
    return rep, labels, np.load(out / "windows.npy")


DEFAULT_FILTER = {"type": "highpass", "order": 4, "corners_cpd": [1.5], "padding_hours": 72}


def _gains(window, bz_scale, start_min):
    """Amplitude of X at 1 and 10 cpd over the window's first 3/4 (before the backward
    pass's end transient), relative to the 10 and 2 nT put in."""
    x = window[0].astype(float) * bz_scale
    t = (start_min + np.arange(x.size)) / DAY
    m = 3 * x.size // 4
    cols = [f(2 * np.pi * c * t) for c in (1, 10) for f in (np.sin, np.cos)]
    design = np.stack([*cols, np.ones_like(t)], axis=1)[:m]
    c = np.linalg.lstsq(design, x[:m], rcond=None)[0]
    return np.hypot(c[0], c[1]) / 10, np.hypot(c[2], c[3]) / 2


def test_the_filter_is_applied_as_its_response_says(tmp_path):
    """Stored windows carry the filter's gain: |H(f)|^2 (forward-backward) at 1 and 10 cpd,
    for earthquake and quiet windows alike; unfiltered windows keep gain 1.  A skipped
    filter reads gain 1 at 1 cpd and fails."""
    from scipy import signal

    write_sines(tmp_path / "TST.nc")
    spec = filters.validate_filter(DEFAULT_FILTER)
    _, h = signal.sosfreqz(filters._sos(spec), worN=[1.0, 10.0], fs=DAY)
    want = np.abs(h) ** 2  # about 0.038 and 1.000
    assert want[0] < 0.05 and want[1] > 0.99
    for flt, expected in ((DEFAULT_FILTER, want), (None, [1.0, 1.0])):
        rep, labels, windows = _week_dataset(tmp_path, flt)
        assert set(labels.label) == {0, 1}, rep
        for row in labels.itertuples():
            start = _minutes(pd.Series([row.start]))[0]
            g1, g10 = _gains(windows[row.index], row.bz_scale, start)
            assert g1 == pytest.approx(expected[0], abs=0.004), (flt, row)
            assert g10 == pytest.approx(expected[1], abs=0.01), (flt, row)


def test_windows_do_not_see_data_after_their_end(tmp_path):
    """A step, a spike and noise after the first event's origin leave every window that ends
    at or before it byte for byte unchanged (the whole-record filter would change them)."""
    origin = 11 * DAY  # the first event: its week window ends here
    rng = np.random.default_rng(0)

    def disturb(d):
        d = d + 300.0 + rng.normal(0, 20, d.shape)
        d[5] += 5000.0
        return d

    before = write_sines(tmp_path / "TST.nc")
    rep_a, lab_a, win_a = _week_dataset(tmp_path, DEFAULT_FILTER, "a")
    after = write_sines(tmp_path / "TST.nc", after=(origin, disturb))
    rep_b, lab_b, win_b = _week_dataset(tmp_path, DEFAULT_FILTER, "b")
    pd.testing.assert_frame_equal(lab_a.drop(columns="bz_scale"), lab_b.drop(columns="bz_scale"))
    ends = _minutes(lab_a.end).to_numpy()
    past = np.flatnonzero(ends <= origin)
    assert past.size >= 1 and lab_a.label[past].tolist() == [1]
    assert win_a[past].tobytes() == win_b[past].tobytes()
    assert win_a[ends > origin].tobytes() != win_b[ends > origin].tobytes()  # the data did change
    # the test can fail: filtered over the whole record, that window would see the change
    s = int(_minutes(lab_a.start)[past[0]])
    whole_a, _ = filters.apply_filter(before, DEFAULT_FILTER)
    whole_b, _ = filters.apply_filter(after, DEFAULT_FILTER)
    assert np.abs(whole_a[s:origin] - whole_b[s:origin]).max() > 1.0


def test_shipped_filters_pad_beyond_their_support():
    """The schema default is the code's, and every configured filter's padding passes."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    schema = yaml.safe_load((root / "schemas/config.schema.yaml").read_text())
    entry = schema["properties"]["ground_cnn"]["properties"]["filters"]["additionalProperties"]
    assert entry["properties"]["padding_hours"]["default"] == filters.DEFAULT_PADDING_HOURS
    checked = 0
    for name in ("config/config.yaml", "config/paper.yaml", "tests/config/test.yaml"):
        for flt in yaml.safe_load((root / name).read_text())["ground_cnn"]["filters"].values():
            spec = filters.validate_filter(flt)
            if spec is not None:
                support = filters.effective_support_hours(spec)
                assert support < spec["padding_hours"], (name, spec, support)
                checked += 1
    assert checked >= 3


def test_figure_3_draws_what_a_dataset_window_holds(tmp_path):
    from eqprecursors.ground import figure_data

    data = write_sines(tmp_path / "TST.nc")
    spec = filters.validate_filter(DEFAULT_FILTER)
    fig = figure_data.filter_comparison(tmp_path / "TST.nc", spec, start="2020-01-06", days=7)
    window = filters.filter_window(data, 5 * DAY, 7 * DAY, spec)
    assert fig["padding_hours_used"] == 72
    np.testing.assert_allclose(fig["z_filtered"], window[:, 2], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(fig["z"], data[5 * DAY : 12 * DAY, 2])
    # from the record's first day only the two days before it can pad
    early = figure_data.filter_comparison(tmp_path / "TST.nc", spec, start="2020-01-03", days=1)
    assert early["padding_hours_used"] == 48


def test_filter_window_pads_from_the_gap_free_run_before_it():
    spec = filters.validate_filter(DEFAULT_FILTER)  # at most 4320, at least 3434 samples
    most, least = filters.padding_samples(spec)
    assert (most, least) == (4320, filters.support_samples(spec)) and least < most
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (20 * DAY, 2)).cumsum(axis=0)
    s, n = 10 * DAY, DAY
    full = filters.filter_window(x, s, n, spec)
    np.testing.assert_allclose(full, filters.apply_filter(x[s - most : s + n], spec)[0][most:])
    gapped = x.copy()
    gapped[s - least - 10] = np.nan  # the run before the window: least + 9 samples
    short = filters.filter_window(gapped, s, n, spec)
    np.testing.assert_allclose(short, filters.apply_filter(x[s - least - 9 : s + n], spec)[0][-n:])
    gapped[s - least + 10] = np.nan
    with pytest.raises(ValueError, match="support"):
        filters.filter_window(gapped, s, n, spec)
    with pytest.raises(ValueError, match="gap"):
        filters.filter_window(gapped, s - least, n, spec)
