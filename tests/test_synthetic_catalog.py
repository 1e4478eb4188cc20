"""Synthetic earthquake catalog: USGS csv format, Gutenberg-Richter, clustering."""

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from eqprecursors.ground.events import select_events
from eqprecursors.io.catalogs import read_catalog
from eqprecursors.synthetic.earthquakes import (
    USGS_COLUMNS,
    aki_b_value,
    generate_catalog,
    omori_times,
    simulate_catalog,
)

DUR = {"latitude": 41.39, "longitude": 14.28}


def test_usgs_csv_format_read_by_catalog_reader(tmp_path):
    path = tmp_path / "cat.csv"
    df = generate_catalog(
        path, **DUR, radius_km=200, start="2010-01-01", end="2012-12-31", rate_per_year=20,
        min_magnitude=3.0, seed=1, site_name="Duronia",
    )  # fmt: skip
    header = path.read_text().splitlines()[0]
    assert header == ",".join(USGS_COLUMNS)
    # the real USGS service: ISO times with ms and Z, newest first, unique ids
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in df["time"])
    assert df["time"].is_monotonic_decreasing
    assert df["id"].is_unique
    assert df["place"].str.fullmatch(r"\d+ km [NESW]{1,3} of Duronia").all()
    cat = read_catalog(path)
    assert len(cat) == len(df)
    assert cat["time"].min() >= pd.Timestamp("2010-01-01", tz="UTC")
    assert cat["time"].max() < pd.Timestamp("2013-01-01", tz="UTC")
    assert (cat["magnitude"] >= 3.0).all()
    sel = select_events(cat, **DUR, max_distance_km=200, min_magnitude=4.0, max_depth_km=30)
    assert (sel["distance_km"] <= 200).all()


def test_mainshocks_fill_the_disk(tmp_path):
    df = simulate_catalog(
        **DUR, radius_km=150, start="2000-01-01", end="2009-12-31", rate_per_year=100,
        min_magnitude=3.0, aftershocks=False, seed=4,
    )  # fmt: skip
    cat = df.rename(columns={"mag": "magnitude", "depth": "depth_km"})
    d = select_events(cat, **DUR, max_distance_km=1000, min_magnitude=0, max_depth_km=100)
    assert d["distance_km"].max() <= 150 * 1.01
    # area-uniform: half of the events beyond R / sqrt(2)
    assert (d["distance_km"] > 150 / np.sqrt(2)).mean() == pytest.approx(0.5, abs=0.05)
    assert len(df) == pytest.approx(1000, rel=0.1)  # Poisson rate


@pytest.mark.parametrize("b", [1.0, 1.3])
def test_gutenberg_richter_b_value_recovered(b):
    df = simulate_catalog(
        **DUR, radius_km=300, start="2000-01-01", end="2019-12-31", rate_per_year=300,
        min_magnitude=3.0, b_value=b, aftershocks=False, seed=2,
    )  # fmt: skip
    assert len(df) > 5000
    assert aki_b_value(df["mag"], 3.0) == pytest.approx(b, abs=0.04)
    # magnitudes come binned to 0.1 like a catalog
    assert np.allclose(df["mag"] * 10, np.round(df["mag"] * 10))


def test_aftershock_clusters_follow_omori_and_bath():
    kw = dict(**DUR, radius_km=300, start="2000-01-01", end="2019-12-31", rate_per_year=300,
              min_magnitude=3.0, seed=2)  # fmt: skip
    main = simulate_catalog(aftershocks=False, **kw)
    full = simulate_catalog(aftershocks=True, **kw)
    assert len(full) > 1.2 * len(main)
    # b stays near 1 (aftershock magnitudes are capped at their mainshock's)
    assert aki_b_value(full["mag"], 3.0) == pytest.approx(1.0, abs=0.1)

    # clustering: many more short inter-event times than a Poisson process has
    def short_fraction(df):
        t = np.sort(pd.to_datetime(df["time"]).dt.as_unit("ns").astype("int64").to_numpy())
        return float(np.mean(np.diff(t) < 3600e9))

    assert short_fraction(full) > 2 * short_fraction(main)


def test_omori_times_decay():
    rng = np.random.default_rng(0)
    t = omori_times(rng, 20000, c=0.05, p=1.1, t_max=365.0)
    assert t.min() >= 0 and t.max() <= 365.0
    early = np.mean(t < 1.0)
    later = np.mean((t >= 100.0) & (t < 101.0))
    assert early > 50 * later


def test_catalog_is_deterministic(tmp_path):
    kw = dict(**DUR, radius_km=200, start="2015-01-01", end="2015-12-31", rate_per_year=30,
              min_magnitude=3.0, seed=9)  # fmt: skip
    generate_catalog(tmp_path / "a.csv", **kw)
    generate_catalog(tmp_path / "b.csv", **kw)
    generate_catalog(tmp_path / "c.csv", **{**kw, "seed": 10})
    sha = {
        n: hashlib.sha256((tmp_path / n).read_bytes()).hexdigest()
        for n in "a.csv b.csv c.csv".split()
    }
    assert sha["a.csv"] == sha["b.csv"] != sha["c.csv"]
