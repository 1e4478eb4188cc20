"""Catalog reading (io.catalogs) and event selection (ground.events) on real catalog files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from geographiclib.geodesic import Geodesic

from eqprecursors.ground import events as selection
from eqprecursors.io import catalogs as catalog

ROOT = Path(__file__).resolve().parents[1]
SEISMOSTATS = ROOT / "data/catalog/usgs_comcat_M5plus_global_2022-2024_seismostats.csv"
WEBVALLEY = ROOT / "data/catalog/usgs_M5plus_global_2013-07_2024-07_webvalley_eq.csv"
QUAKEML = ROOT / "tests/data/catalog/usgs_event_quakeml1.2_obspy.xml"
ISF = ROOT / "tests/data/catalog/isc_isf_19670130012028_obspy.isf"
CATCSV = ROOT / "tests/data/catalog/isc_catcsv_constructed.html"
INGV = ROOT / "data/catalog/ingv_bsi_italy_2005-04_2021-06_floatcsep.csv"

# QuakeML 1.0 in the layout of the EMSC's NERIES answers (obspy keeps one as
# obspy/core/tests/data/neries_events.xml): one namespace for everything, depth in km, event
# type "null", time with "+00:00". Constructed, not downloaded: the origins and magnitudes
# are the USGS solutions of Amatrice and Norcia in WEBVALLEY; the third event is a made-up
# quarry blast for the earthquake filter.
QUAKEML_1_0 = """<?xml version='1.0' encoding='UTF-8'?>
<quakeml xmlns="http://quakeml.org/xmlns/quakeml/1.0">
  <eventParameters publicID="smi://eu.emsc/unid">
    <event publicID="quakeml:eu.emsc/event/20160824_0000006">
      <preferredOriginID>quakeml:eu.emsc/origin/rts/521201/1</preferredOriginID>
      <preferredMagnitudeID>quakeml:eu.emsc/NetworkMagnitude/rts/521201/1/2</preferredMagnitudeID>
      <type>null</type>
      <creationInfo>
        <agencyURI>smi:smi-registry/organization/EMSC</agencyURI>
        <version>1.0.1</version>
      </creationInfo>
      <description>
        <type>Flinn-Engdahl region</type>
        <text>CENTRAL ITALY</text>
      </description>
      <origin publicID="quakeml:eu.emsc/origin/rts/521201/1">
        <time>
          <value>2016-08-24T01:36:32.0+00:00</value>
          <uncertainty>0</uncertainty>
        </time>
        <latitude><value>42.723</value></latitude>
        <longitude><value>13.1877</value></longitude>
        <depth>
          <value>4.44</value>
          <uncertainty>0</uncertainty>
        </depth>
        <depthType>from location</depthType>
        <evaluationMode>manual</evaluationMode>
      </origin>
      <magnitude publicID="quakeml:eu.emsc/NetworkMagnitude/rts/521201/1/1">
        <mag><value>5.9</value></mag>
        <type>mb</type>
        <originID>quakeml:eu.emsc/origin/rts/521201/1</originID>
      </magnitude>
      <magnitude publicID="quakeml:eu.emsc/NetworkMagnitude/rts/521201/1/2">
        <mag><value>6.2</value></mag>
        <type>Mw</type>
        <originID>quakeml:eu.emsc/origin/rts/521201/1</originID>
      </magnitude>
    </event>
    <event publicID="quakeml:eu.emsc/event/20161030_0000029">
      <preferredOriginID>quakeml:eu.emsc/origin/rts/540711/3</preferredOriginID>
      <preferredMagnitudeID>quakeml:eu.emsc/NetworkMagnitude/rts/540711/3/1</preferredMagnitudeID>
      <type>null</type>
      <origin publicID="quakeml:eu.emsc/origin/rts/540711/3">
        <time><value>2016-10-30T06:40:18.0+00:00</value></time>
        <latitude><value>42.8621</value></latitude>
        <longitude><value>13.0961</value></longitude>
        <depth><value>8</value></depth>
      </origin>
      <magnitude publicID="quakeml:eu.emsc/NetworkMagnitude/rts/540711/3/1">
        <mag><value>6.6</value></mag>
        <type>Mw</type>
      </magnitude>
    </event>
    <event publicID="quakeml:eu.emsc/event/20161102_0000045">
      <type>quarry blast</type>
      <origin publicID="quakeml:eu.emsc/origin/rts/541002/1">
        <time><value>2016-11-02T10:00:00.0+00:00</value></time>
        <latitude><value>41.5</value></latitude>
        <longitude><value>14.5</value></longitude>
        <depth><value>0</value></depth>
      </origin>
      <magnitude publicID="quakeml:eu.emsc/NetworkMagnitude/rts/541002/1/1">
        <mag><value>2.1</value></mag>
        <type>ML</type>
      </magnitude>
    </event>
  </eventParameters>
</quakeml>
"""

DUR = dict(latitude=41.39, longitude=14.28)
IZN = dict(latitude=40.50, longitude=29.72)
MLR = dict(latitude=45.491, longitude=25.945)
PAPER = dict(max_distance_km=200.0, min_magnitude=4.0, max_depth_km=30.0)


@pytest.fixture(scope="module")
def webvalley():
    return catalog.read_catalog(WEBVALLEY)


@pytest.fixture(scope="module")
def seismostats():
    return catalog.read_catalog(SEISMOSTATS)


def _row(df, when):
    hit = df[df["time"].dt.strftime("%Y-%m-%d %H:%M:%S") == when]
    assert len(hit) == 1, f"expected exactly one event at {when}, got {len(hit)}"
    return hit.iloc[0]


# ---------------------------------------------------------------- reading USGS csv


def test_usgs_csv_dtypes_and_order(seismostats):
    assert list(seismostats.columns) == catalog.READ_COLUMNS
    assert str(seismostats["time"].dtype) == "datetime64[ns, UTC]"
    assert len(seismostats) == 4118
    assert seismostats["time"].is_monotonic_increasing
    duzce = _row(seismostats, "2022-11-23 01:08:15")
    assert duzce["event_id"] == "us7000irp8"
    assert duzce["magnitude"] == 6.1 and duzce["mag_type"] == "mww"
    assert duzce["time"] == pd.Timestamp("2022-11-23T01:08:15.435Z")


def test_bom_and_no_bom_parse_identically(tmp_path, seismostats):
    raw = SEISMOSTATS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "fixture must keep its real BOM"
    plain = tmp_path / "nobom.csv"
    plain.write_bytes(raw[3:])
    pd.testing.assert_frame_equal(catalog.read_catalog(plain), seismostats)
    assert catalog.sniff_catalog_format(raw.decode("utf-8")) == "usgs_csv"


def test_webvalley_renamed_columns(webvalley):
    assert list(webvalley.columns) == catalog.READ_COLUMNS
    assert len(webvalley) == 18580
    amatrice = _row(webvalley, "2016-08-24 01:36:32")
    assert amatrice["event_id"] == "us10006g7d"
    assert amatrice["depth_km"] == pytest.approx(4.44)
    assert amatrice["magnitude"] == 6.2


def test_both_usgs_files_agree_on_duzce(webvalley, seismostats):
    a = _row(webvalley, "2022-11-23 01:08:15")
    b = seismostats[seismostats["event_id"] == "us7000irp8"].iloc[0]
    assert (a["latitude"], a["longitude"], a["magnitude"]) == (
        b["latitude"],
        b["longitude"],
        b["magnitude"],
    )


# ---------------------------------------------------------------- other formats


def test_quakeml_preferred_origin_and_magnitude():
    df = catalog.read_catalog(QUAKEML)
    assert catalog.sniff_catalog_format(QUAKEML.read_text()) == "quakeml"
    assert len(df) == 2
    first, second = df.iloc[0], df.iloc[1]
    assert first["event_id"] == "ci37285320"
    assert first["time"] == pd.Timestamp("2014-11-06T00:24:42.240Z")
    assert (first["latitude"], first["longitude"]) == (35.0476667, -117.6623333)
    assert first["depth_km"] == pytest.approx(0.010)  # QuakeML depth is in metres
    assert (first["magnitude"], first["mag_type"]) == (1.54, "ml")
    assert (second["event_id"], second["magnitude"], second["mag_type"]) == (
        "uw60916552",
        1.6,
        "Md",
    )
    # Both are quarry blasts: the earthquake filter uses the QuakeML event type.
    assert catalog.read_catalog(QUAKEML, earthquakes_only=True).empty


def test_isc_catcsv_inside_html():
    df = catalog.read_catalog(CATCSV)
    assert catalog.sniff_catalog_format(CATCSV.read_text()) == "isc_catcsv"
    assert list(df["event_id"]) == ["900000001", "900000002", "900000003", "900000004"]
    assert df.loc[0, "time"] == pd.Timestamp("2016-08-24T01:36:32Z")
    # Largest moment magnitude wins over mb/ML (and over a smaller Mw of another agency).
    assert (df.loc[0, "magnitude"], df.loc[0, "mag_type"]) == (6.2, "Mww")
    assert (df.loc[1, "magnitude"], df.loc[1, "mag_type"]) == (6.6, "Mww")
    # Without any Mw the largest magnitude of any type is kept; a blank depth is NaN.
    assert (df.loc[2, "magnitude"], df.loc[2, "mag_type"]) == (4.0, "ML")
    assert np.isnan(df.loc[2, "depth_km"])
    # A known mine explosion ("km") is dropped by the earthquake filter.
    quakes = catalog.read_catalog(CATCSV, "isc_catcsv", earthquakes_only=True)
    assert "900000004" not in set(quakes["event_id"])
    # M 4.0 fails M > 4, the unknown depth cannot pass; the explosion needs the filter.
    sel = selection.select_events(df, **DUR, **PAPER)
    assert list(sel["event_id"]) == ["900000001", "900000002", "900000004"]
    sel = selection.select_events(quakes, **DUR, **PAPER)
    assert list(sel["event_id"]) == ["900000001", "900000002"]


def test_isc_catcsv_bare_and_empty(tmp_path):
    text = CATCSV.read_text()
    bare = text[text.index("DATA_TYPE") : text.index("</pre>")]
    (tmp_path / "bare.csv").write_text(bare)
    pd.testing.assert_frame_equal(
        catalog.read_catalog(tmp_path / "bare.csv"), catalog.read_catalog(CATCSV)
    )
    (tmp_path / "none.html").write_text("<html><body><pre>\nNo events were found.\n</pre>")
    empty = catalog.read_catalog(tmp_path / "none.html", "isc_catcsv")
    assert empty.empty and list(empty.columns) == catalog.READ_COLUMNS


def test_pick_isc_magnitude_rule():
    assert catalog.pick_isc_magnitude([("ISC", "mb", 5.9), ("NEIC", "Mww", 5.7)]) == ("Mww", 5.7)
    assert catalog.pick_isc_magnitude([("A", "ML", 4.1), ("B", "mb", 4.4)]) == ("mb", 4.4)
    m_type, value = catalog.pick_isc_magnitude([])
    assert m_type == "" and np.isnan(value)


def test_isc_isf_prime_origin():
    df = catalog.read_catalog(ISF)
    assert len(df) == 1
    ev = df.iloc[0]
    # The #PRIME origin is the ISC one, not the first listed.
    assert ev["time"] == pd.Timestamp("1967-01-30T01:20:28.70Z")
    assert (ev["latitude"], ev["longitude"], ev["depth_km"]) == (41.09, 44.31, 11.0)
    assert ev["event_id"] == "840268"
    assert (ev["mag_type"], ev["magnitude"]) == ("MB", 5.1)  # no Mw: largest listed


def test_bad_file_error_names_file(tmp_path):
    bad = tmp_path / "oops.csv"
    bad.write_text("<html><body>Service unavailable</body></html>\n")
    with pytest.raises(catalog.CatalogFormatError, match="oops.csv"):
        catalog.read_catalog(bad)
    broken = tmp_path / "broken.xml"
    broken.write_text('<?xml version="1.0"?><q:quakeml xmlns:q="x"><unclosed>')
    with pytest.raises(catalog.CatalogFormatError, match="broken.xml"):
        catalog.read_catalog(broken)
    with pytest.raises(catalog.CatalogFormatError, match="missing.csv"):
        catalog.read_catalog(tmp_path / "missing.csv")
    with pytest.raises(catalog.CatalogFormatError, match="unknown catalog format"):
        catalog.read_catalog(SEISMOSTATS, "geojson")


def test_zero_byte_file_is_empty_catalog(tmp_path):
    empty = tmp_path / "nodata.csv"
    empty.write_bytes(b"")
    df = catalog.read_catalog(empty)
    assert df.empty and list(df.columns) == catalog.READ_COLUMNS
    assert selection.select_events(df, **DUR, **PAPER).columns.tolist() == catalog.CATALOG_COLUMNS


# ---------------------------------------------------------------- CSEP ASCII (INGV bulletin)


def _ingv_lines(n):
    """The header and the first ``n`` events of the bundled INGV file, as real text."""
    return INGV.read_text().splitlines()[: n + 1]


@pytest.fixture(scope="module")
def ingv():
    return catalog.read_catalog(INGV, "csep_csv")


def test_csep_csv_real_lines(tmp_path):
    lines = _ingv_lines(3)
    assert lines[0] == "lon,lat,mag,time_string,depth,catalog_id,event_id"
    path = tmp_path / "three.csv"
    path.write_text("\n".join(lines) + "\n")
    assert catalog.sniff_catalog_format(path.read_text()) == "csep_csv"
    df = catalog.read_catalog(path)
    assert list(df.columns) == catalog.READ_COLUMNS
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    first, second = df.iloc[0], df.iloc[1]
    # fractional seconds, and (second line) none: both are UTC
    assert first["time"] == pd.Timestamp("2005-04-17T05:06:52.38Z")
    assert second["time"] == pd.Timestamp("2005-04-17T10:46:59Z")
    assert (first["longitude"], first["latitude"]) == (13.292, 43.075)
    assert (first["magnitude"], first["depth_km"]) == (2.1, 21.7)
    assert first["event_id"] == "1592369" and first["mag_type"] == ""


def test_csep_csv_whole_bulletin(ingv):
    assert len(ingv) == 35020
    assert ingv["time"].is_monotonic_increasing
    assert ingv["time"].iloc[0] == pd.Timestamp("2005-04-17T05:06:52.38Z")
    assert ingv["time"].iloc[-1] == pd.Timestamp("2021-06-30T19:26:58.73Z")
    assert ingv["depth_km"].max() <= 30 and ingv["magnitude"].min() >= 2.1
    laquila = _row(ingv, "2009-04-06 01:32:40")
    assert (laquila["event_id"], laquila["magnitude"]) == ("1895389", 5.8)


def test_csep_csv_selection_around_duronia(ingv):
    sel = selection.select_events(ingv, **DUR, **PAPER)
    assert (sel["magnitude"] > 4).all() and (sel["distance_km"] <= 200).all()
    years = sel["time"].dt.year
    assert len(sel) == 77  # the figure given with the file (../shared/data/README.md)
    assert (years == 2009).sum() == 19 and years.isin([2016, 2017]).sum() == 43
    assert "1895389" in set(sel["event_id"])  # L'Aquila 2009-04-06


def test_csep_csv_errors_name_file_and_line(tmp_path):
    lines = _ingv_lines(3)
    short = tmp_path / "short.csv"
    short.write_text("\n".join([*lines[:2], lines[2].rsplit(",", 2)[0], lines[3]]) + "\n")
    with pytest.raises(catalog.CatalogFormatError, match=r"short\.csv: line 3: 5 fields"):
        catalog.read_catalog(short, "csep_csv")
    nodepth = tmp_path / "nodepth.csv"
    nodepth.write_text("lon,lat,mag,time_string\n13.2,43.0,2.1,2005-04-17T05:06:52\n")
    with pytest.raises(catalog.CatalogFormatError, match=r"nodepth\.csv: line 1: .*depth_km"):
        catalog.read_catalog(nodepth, "csep_csv")
    badtime = tmp_path / "badtime.csv"
    badtime.write_text(
        "\n".join([*lines[:3], lines[3].replace("2005-04-18T", "2005-13-18T")]) + "\n"
    )
    with pytest.raises(catalog.CatalogFormatError, match=r"badtime\.csv: line 4: bad time"):
        catalog.read_catalog(badtime)
    badnum = tmp_path / "badnum.csv"
    badnum.write_text("\n".join([lines[0], lines[1].replace("13.292", "13.2x2"), lines[2]]) + "\n")
    with pytest.raises(catalog.CatalogFormatError, match=r"badnum\.csv: line 2: .*13\.2x2"):
        catalog.read_catalog(badnum, "csep_csv")


def test_csep_csv_empty_is_an_error(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(catalog.CatalogFormatError, match="empty.csv: empty csep_csv"):
        catalog.read_catalog(empty, "csep_csv")
    header = tmp_path / "header.csv"
    header.write_text(_ingv_lines(0)[0] + "\n")
    with pytest.raises(catalog.CatalogFormatError, match="header.csv: .*no events"):
        catalog.read_catalog(header)


# ---------------------------------------------------------------- selection


def test_duronia_amatrice_and_norcia(webvalley):
    sel = selection.select_events(webvalley, **DUR, **PAPER)
    assert list(sel.columns) == catalog.CATALOG_COLUMNS
    assert str(sel["time"].dtype) == "datetime64[ns, UTC]"
    assert sel["time"].is_monotonic_increasing
    ids = set(sel["event_id"])
    assert {"us10006g7d", "us1000731j"} <= ids  # Accumoli/Amatrice, Norcia
    amatrice = sel.set_index("event_id").loc["us10006g7d"]
    norcia = sel.set_index("event_id").loc["us1000731j"]
    # Independent check of the distance with geographiclib directly.
    ref = Geodesic.WGS84.Inverse(41.39, 14.28, 42.723, 13.1877)["s12"] / 1000
    assert amatrice["distance_km"] == pytest.approx(ref, abs=1e-6)
    assert 160 < amatrice["distance_km"] < 190
    assert 175 < norcia["distance_km"] < 200
    assert (sel["distance_km"] <= 200).all() and (sel["depth_km"] <= 30).all()
    assert (sel["magnitude"] > 4).all()
    # Far away (Myanmar, same day as Amatrice) and deep/far events are not selected.
    assert "us10006gbf" not in ids
    assert len(sel) == 11


def test_visso_sits_just_outside_200_km(webvalley):
    """2016-10-26 M6.1 Visso is 200.80 km from DUR: geodesic precision decides."""
    sel = selection.select_events(webvalley, **DUR, **PAPER)
    assert "us1000725y" not in set(sel["event_id"])
    wider = selection.select_events(webvalley, **DUR, **{**PAPER, "max_distance_km": 201.0})
    visso = wider.set_index("event_id").loc["us1000725y"]
    assert visso["distance_km"] == pytest.approx(200.803, abs=0.01)


def test_iznik_duzce_and_marmara(webvalley, seismostats):
    sel = selection.select_events(seismostats, **IZN, **PAPER)
    duzce = sel.set_index("event_id").loc["us7000irp8"]
    assert 100 < duzce["distance_km"] < 125
    assert duzce["time"] == pd.Timestamp("2022-11-23T01:08:15.435Z")
    sel_wv = selection.select_events(
        webvalley, **IZN, **PAPER, start="2019-01-01", end="2019-12-31"
    )
    assert list(sel_wv["event_id"]) == ["us70005lkl"]  # 2019-09-26 M5.7 Marmara
    assert 130 < sel_wv["distance_km"].iloc[0] < 150


def test_mlr_vrancea_criteria(webvalley):
    """Muntele Rosu: 100 km, depth <= 100 km keeps the two 2016 events, not the deeper ones."""
    sel = selection.select_events(
        webvalley, **MLR, max_distance_km=100.0, min_magnitude=4.0, max_depth_km=100.0
    )
    assert list(sel["event_id"]) == ["us10006s5c", "us10007n3r"]
    assert (sel["depth_km"] <= 100).all() and (sel["distance_km"] <= 100).all()
    deeper = selection.select_events(
        webvalley, **MLR, max_distance_km=100.0, min_magnitude=4.0, max_depth_km=200.0
    )
    assert len(deeper) == 5 and (deeper["depth_km"] > 100).sum() == 3


def _synthetic(mags, depths=None):
    n = len(mags)
    return pd.DataFrame(
        {
            "time": pd.date_range("2016-01-01", periods=n, freq="D", tz="UTC"),
            "latitude": [41.5] * n,
            "longitude": [14.3] * n,
            "depth_km": depths if depths is not None else [10.0] * n,
            "magnitude": mags,
            "mag_type": ["ml"] * n,
            "event_id": [f"e{i}" for i in range(n)],
        }
    )


def test_strict_magnitude_excludes_exactly_four():
    df = _synthetic([3.9, 4.0, 4.1, np.nan])
    strict = selection.select_events(df, **DUR, **PAPER)
    assert list(strict["event_id"]) == ["e2"]
    loose = selection.select_events(df, **DUR, **PAPER, strict_magnitude=False)
    assert list(loose["event_id"]) == ["e1", "e2"]


def test_depth_boundary_and_unknown_depth():
    df = _synthetic([5.0, 5.0, 5.0], depths=[30.0, 30.01, np.nan])
    assert list(selection.select_events(df, **DUR, **PAPER)["event_id"]) == ["e0"]


def test_time_window_end_date_is_inclusive_day():
    df = _synthetic([5.0] * 4)  # 2016-01-01 .. 2016-01-04, 00:00 UTC
    df.loc[3, "time"] = pd.Timestamp("2016-01-03T23:59:59Z")
    sel = selection.select_events(df, **DUR, **PAPER, start="2016-01-02", end="2016-01-03")
    assert list(sel["event_id"]) == ["e1", "e2", "e3"]
    exact = selection.select_events(
        df, **DUR, **PAPER, start="2016-01-02", end=pd.Timestamp("2016-01-03T00:00Z")
    )
    assert list(exact["event_id"]) == ["e1"]  # a timestamp end is exclusive


# ---------------------------------------------------------------- writing


def test_write_catalog_round_trip(tmp_path, webvalley):
    sel = selection.select_events(webvalley, **DUR, **PAPER)
    out = catalog.write_catalog(sel, tmp_path / "sub" / "DUR.csv")
    text = out.read_text()
    lines = text.splitlines()
    assert lines[0] == ",".join(catalog.CATALOG_COLUMNS)
    assert any(line.startswith("2016-08-24T01:36:32Z,") for line in lines)
    assert [p.name for p in out.parent.iterdir()] == ["DUR.csv"]  # no temp file left
    back = catalog.read_catalog(out)
    assert list(back.columns) == catalog.CATALOG_COLUMNS
    pd.testing.assert_series_equal(back["time"], sel["time"])
    np.testing.assert_allclose(back["distance_km"], sel["distance_km"], rtol=1e-5)
    assert list(back["event_id"]) == list(sel["event_id"])


def test_select_catalog_file(tmp_path):
    dest = tmp_path / "results" / "DUR.csv"
    events = selection.select_catalog_file(
        WEBVALLEY, dest, fmt="usgs_csv", **DUR, **PAPER, start="2016-01-01", end="2016-12-31"
    )
    assert dest.exists() and len(events) == 4
    assert list(catalog.read_catalog(dest)["event_id"]) == list(events["event_id"])


# ---------------------------------------------------------------- exclusion catalog


def test_exclusion_events_ignore_depth_and_magnitude_cuts():
    df = _synthetic([5.0, 3.1, 4.0, np.nan, 5.0], depths=[10.0, 12.0, 150.0, 8.0, np.nan])
    df.loc[4, "latitude"] = 44.0  # ~290 km north of DUR: outside any radius used here
    sel = selection.select_events(df, **DUR, **PAPER)
    assert list(sel["event_id"]) == ["e0"]
    every = selection.exclusion_events(df, **DUR, radius_km=200.0)
    # deep (e2), small (e1) and unknown-magnitude (e3) events are kept; far (e4) is not
    assert list(every["event_id"]) == ["e0", "e1", "e2", "e3"]
    assert list(every.columns) == catalog.CATALOG_COLUMNS
    floor = selection.exclusion_events(df, **DUR, radius_km=200.0, min_magnitude=4.0)
    assert list(floor["event_id"]) == ["e0", "e2", "e3"]  # M >= 4.0, unknown M stays
    wide = selection.exclusion_events(df, **DUR, radius_km=400.0)
    assert "e4" in set(wide["event_id"])


def test_exclusion_period_has_a_margin():
    df = _synthetic([5.0] * 5)  # 2016-01-01 .. 2016-01-05, 00:00 UTC
    bare = selection.exclusion_events(
        df, **DUR, radius_km=200.0, start="2016-01-02", end="2016-01-03"
    )
    assert list(bare["event_id"]) == ["e1", "e2"]
    padded = selection.exclusion_events(
        df, **DUR, radius_km=200.0, start="2016-01-02", end="2016-01-03", margin_hours=24
    )
    assert list(padded["event_id"]) == ["e0", "e1", "e2", "e3"]


def _labelled_series(path, days):
    import xarray as xr

    n = days * 1440
    t = np.datetime64("2016-01-01T00:00", "ns") + np.arange(n).astype("timedelta64[m]")
    rng = np.random.default_rng(0)
    comps = {
        c: ("time", base + rng.normal(0, 1, n))
        for c, base in zip("XYZ", (2e4, 5e2, 4e4), strict=True)
    }
    ds = xr.Dataset({**comps, "gap_mask": ("time", np.zeros(n, np.int8))}, coords={"time": t})
    ds.attrs["iaga_code"] = "DUR"
    ds.to_netcdf(path)


def test_quiet_window_beside_unselected_deep_event(tmp_path):
    """exclude_all_catalog_events: no quiet window within exclusion_hours of a deep M 5 event."""
    from eqprecursors.ground import labels

    days, excl_h = 12, 24
    raw = _synthetic([5.0, 5.0], depths=[10.0, 150.0])
    raw["time"] = pd.to_datetime(["2016-01-03T12:00Z", "2016-01-09T12:00Z"])
    catalog.write_catalog(raw, tmp_path / "raw.csv")
    opts = dict(**DUR, start="2016-01-01", end="2016-01-12")
    selected = selection.select_catalog_file(
        tmp_path / "raw.csv", tmp_path / "sel.csv", **opts, **PAPER
    )
    assert list(selected["event_id"]) == ["e0"]  # the deep event is not selected
    excl = selection.exclusion_catalog_file(
        tmp_path / "raw.csv", tmp_path / "excl.csv", **opts, radius_km=200.0, margin_hours=excl_h
    )
    assert list(excl["event_id"]) == ["e0", "e1"]
    _labelled_series(tmp_path / "DUR.nc", days)
    kp_t = pd.date_range("2016-01-01", periods=days * 8, freq="3h", tz="UTC")
    pd.DataFrame({"time": kp_t.strftime("%Y-%m-%dT%H:%M:%SZ"), "kp": 1.0}).to_csv(
        tmp_path / "kp.csv", index=False
    )
    deep_min = 8 * 1440 + 720  # the deep event, minutes after the series start

    def quiet_starts(all_events_csv, name):
        labels.make_dataset(
            tmp_path / "DUR.nc",
            tmp_path / "sel.csv",
            tmp_path / "kp.csv",
            tmp_path / name,
            window="hour",
            exclusion_hours=excl_h,
            kp_threshold=4,
            quiet_per_event=150,
            seed=1,
            all_events_csv=all_events_csv,
        )
        lab = pd.read_csv(tmp_path / name / "labels.csv")
        start = pd.to_datetime(lab.loc[lab.label == 0, "start"], utc=True)
        minutes = (start - pd.Timestamp("2016-01-01", tz="UTC")).dt.total_seconds() // 60
        return minutes.to_numpy(dtype=int)

    near = lambda s: (s + 60 + excl_h * 60 > deep_min) & (s - excl_h * 60 < deep_min)  # noqa: E731
    off = quiet_starts(None, "off")
    assert off.size > 0 and near(off).any()  # without the switch one sits beside it
    on = quiet_starts(tmp_path / "excl.csv", "on")
    assert on.size > 0 and not near(on).any()


# ---------------------------------------------------------------- magnitude type (Mw > 4)


def test_moment_magnitude_family():
    kinds = ["mww", "Mwc", "MWB", "mwr", "Mw", "mwp", "ml", "mb", "md", "ms_20", "Mi", "", None]
    assert list(catalog.is_moment_magnitude(kinds)) == [True] * 6 + [False] * 7


def test_usgs_csv_keeps_the_preferred_magnitudes_type(seismostats):
    kinds = seismostats["mag_type"].value_counts()
    assert kinds["mww"] == 2612 and kinds["mb"] == 1444 and kinds["ml"] == 11
    counts = selection.magnitude_type_counts(seismostats)
    assert counts == {
        "moment": 2612 + 26 + 12 + 7 + 1 + 1,
        "other": 1444 + 11 + 2 + 1 + 1,  # mb, ml, Mi, ms_20, ml(texnet)
        "untyped": 0,
    }


def test_magnitude_type_decides_what_an_event_without_mw_does():
    df = _synthetic([4.5, 4.6, 4.7, 4.8])
    df["mag_type"] = ["mww", "mb", "", "Mw"]
    moment = selection.select_events(df, **DUR, **PAPER)  # the default
    assert list(moment["event_id"]) == ["e0", "e1", "e2", "e3"]
    assert list(moment["mag_type"]) == ["mww", "mb", "", "Mw"]  # the flag
    assert selection.magnitude_type_counts(moment) == {"moment": 2, "other": 1, "untyped": 1}
    only = selection.select_events(df, **DUR, **PAPER, magnitude_type="moment_only")
    assert list(only["event_id"]) == ["e0", "e3"]
    assert selection.select_events(df, **DUR, **PAPER, magnitude_type="any").equals(moment)
    with pytest.raises(ValueError, match="selection.magnitude_type: 'mb' is not one of"):
        selection.select_events(df, **DUR, **PAPER, magnitude_type="mb")


def test_moment_only_on_a_catalog_without_types_names_the_key(ingv):
    assert (ingv["mag_type"] == "").all()  # CSEP csv carries no magnitude type
    with pytest.raises(ValueError, match="selection.magnitude_type: moment_only needs"):
        selection.select_events(ingv, **DUR, **PAPER, magnitude_type="moment_only")
    assert len(selection.select_events(ingv, **DUR, **PAPER)) > 0


def test_quakeml_prefers_an_mw_over_its_preferred_magnitude(tmp_path):
    text = QUAKEML.read_text()
    ml = '<magnitude catalog:datasource="ci"'
    mww = (
        '<magnitude publicID="quakeml:test/mww"><mag><value>1.9</value></mag>'
        "<type>Mww</type></magnitude>\n      "
    )
    assert text.count(ml) == 1
    path = tmp_path / "two_magnitudes.xml"
    path.write_text(text.replace(ml, mww + ml))
    preferred = catalog.read_catalog(path)
    assert (preferred["magnitude"][0], preferred["mag_type"][0]) == (1.54, "ml")
    moment = catalog.read_catalog(path, prefer_moment=True)
    assert (moment["magnitude"][0], moment["mag_type"][0]) == (1.9, "Mww")
    assert (moment["magnitude"][1], moment["mag_type"][1]) == (1.6, "Md")  # it has no Mw


def test_isc_pick_keeps_mw_over_a_larger_body_wave_magnitude():
    mags = [("ISC", "mb", 5.6), ("GCMT", "MW", 5.4), ("NEIC", "Mww", 5.3)]
    assert catalog.pick_isc_magnitude(mags) == ("MW", 5.4)


def test_selection_log_counts_the_magnitude_types(tmp_path, caplog):
    path = tmp_path / "usgs.csv"
    path.write_text(
        "time,latitude,longitude,depth,mag,magType,id\n"
        "2016-03-01T00:00:00Z,41.5,14.3,10,4.5,mww,a\n"
        "2016-03-02T00:00:00Z,41.5,14.3,10,4.4,mb,b\n"
        "2016-03-03T00:00:00Z,41.5,14.3,10,4.3,ml,c\n"
    )
    with caplog.at_level("INFO"):
        kept = selection.select_catalog_file(path, tmp_path / "m.csv", **DUR, **PAPER)
    assert list(kept["event_id"]) == ["a", "b", "c"]
    assert "1 Mw, 2 of another type" in caplog.text
    caplog.clear()
    with caplog.at_level("INFO"):
        only = selection.select_catalog_file(
            path, tmp_path / "o.csv", **DUR, **PAPER, magnitude_type="moment_only"
        )
    assert list(only["event_id"]) == ["a"]
    assert "dropped for want of an Mw (moment_only): 2" in caplog.text
    assert list(catalog.read_catalog(tmp_path / "o.csv")["mag_type"]) == ["mww"]


def test_schema_default_takes_mw_where_offered():
    import yaml
    from snakemake.utils import validate

    config = yaml.safe_load((ROOT / "config/paper.yaml").read_text())
    validate(config, str(ROOT / "schemas/config.schema.yaml"))
    assert {s["selection"]["magnitude_type"] for s in config["observatories"].values()} == {
        "moment"
    }


# ---------------------------------------------------------------- QuakeML 1.0


def test_quakeml_1_0_reads_like_the_usgs_csv(tmp_path, webvalley):
    path = tmp_path / "emsc.xml"
    path.write_text(QUAKEML_1_0)
    assert catalog.sniff_catalog_format(QUAKEML_1_0) == "quakeml"
    df = catalog.read_catalog(path)
    assert len(df) == 3
    assert df.loc[0, "event_id"] == "quakeml:eu.emsc/event/20160824_0000006"  # no ANSS ids
    assert df.loc[0, "time"] == pd.Timestamp("2016-08-24T01:36:32Z")  # "+00:00" read as UTC
    # the preferred magnitude (the Mw), not the first one listed (the mb)
    assert (df.loc[0, "magnitude"], df.loc[0, "mag_type"]) == (6.2, "Mw")
    # QuakeML 1.0 depths are km: the USGS csv's 4.44 and 8.0, not a thousandth of them
    for k, when in ((0, "2016-08-24 01:36:32"), (1, "2016-10-30 06:40:18")):
        usgs = _row(webvalley, when)
        for col in ("latitude", "longitude", "depth_km", "magnitude"):
            assert df.loc[k, col] == pytest.approx(usgs[col]), col
    # The EMSC's type "null" means no type given: kept by the earthquake filter.
    quakes = catalog.read_catalog(path, earthquakes_only=True)
    assert list(quakes["event_id"]) == list(df["event_id"][:2])


def test_quakeml_of_another_namespace_is_an_error_not_an_empty_catalog(tmp_path):
    odd = tmp_path / "odd.xml"
    odd.write_text(QUAKEML_1_0.replace("xmlns/quakeml/1.0", "xmlns/quakeml/0.9"))
    with pytest.raises(
        catalog.CatalogFormatError,
        match=r"odd\.xml: QuakeML namespace 'http://quakeml.org/xmlns/quakeml/0\.9' is not",
    ):
        catalog.read_catalog(odd)
    # a 1.2 root over 1.0 content: the events are not where 1.2 puts them
    mixed = tmp_path / "mixed.xml"
    mixed.write_text(QUAKEML_1_0.replace('xmlns/quakeml/1.0">', 'xmlns/quakeml/1.2">'))
    with pytest.raises(catalog.CatalogFormatError, match=r"mixed\.xml: no <eventParameters>"):
        catalog.read_catalog(mixed)
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><seiscomp><EventParameters/></seiscomp>')
    with pytest.raises(catalog.CatalogFormatError, match=r"other\.xml: .*<seiscomp>"):
        catalog.read_catalog(other, "quakeml")


QML12 = (
    '<q:quakeml xmlns="http://quakeml.org/xmlns/bed/1.2" '
    'xmlns:q="http://quakeml.org/xmlns/quakeml/1.2"><eventParameters publicID="smi:x">{}'
    "</eventParameters></q:quakeml>"
)
ORIGIN = (
    '<origin publicID="smi:o{0}"><time><value>2016-08-2{0}T01:36:32Z</value></time>'
    "<latitude><value>42.7</value></latitude><longitude><value>13.2</value></longitude>"
    "</origin>"
)


def test_quakeml_is_empty_only_when_it_holds_no_event(tmp_path, caplog):
    path = tmp_path / "q.xml"
    path.write_text(QML12.format("<creationInfo><agencyID>us</agencyID></creationInfo>"))
    with caplog.at_level("WARNING", logger="eqprecursors.io.catalogs"):
        assert catalog.read_catalog(path).empty  # an FDSN answer with no match
    assert "q.xml: the catalog holds no event" in caplog.text
    path.write_text(QML12.format(ORIGIN.format(1)))  # QuakeML-RT: origins outside events
    with pytest.raises(catalog.CatalogFormatError, match=r"q\.xml: .*no <event> but \['origin'\]"):
        catalog.read_catalog(path)
    path.write_text(QML12.format('<event publicID="smi:e1"/><event publicID="smi:e2"/>'))
    with pytest.raises(catalog.CatalogFormatError, match=r"q\.xml: none of its 2 events has an"):
        catalog.read_catalog(path)
    caplog.clear()
    path.write_text(QML12.format(f'<event publicID="smi:e1">{ORIGIN.format(4)}</event>'
                                 '<event publicID="smi:e2"/>'))  # fmt: skip
    with caplog.at_level("WARNING", logger="eqprecursors.io.catalogs"):
        df = catalog.read_catalog(path)
    assert list(df["event_id"]) == ["smi:e1"]
    assert "q.xml: 1 events without an <origin> left out" in caplog.text
    path.write_text(QML12.format(f'<event publicID="smi:e3">{ORIGIN.format(5)}</event>'
                                 .replace("<value>42.7", "<value>4x.7")))  # fmt: skip
    with pytest.raises(catalog.CatalogFormatError, match=r"event 'smi:e3': latitude '4x\.7'"):
        catalog.read_catalog(path)


# ---------------------------------------------------------------- a file cut short or damaged


def test_usgs_csv_header_alone_is_empty_but_a_short_row_is_an_error(tmp_path):
    lines = SEISMOSTATS.read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "usgs.csv"
    path.write_text(lines[0] + "\n")  # the answer to a query that matches nothing
    assert catalog.read_catalog(path).empty
    path.write_text("\n".join([lines[0], lines[1], lines[2][:60]]) + "\n")  # cut inside row 2
    with pytest.raises(catalog.CatalogFormatError, match=r"usgs\.csv: line 3: \d+ fields, header"):
        catalog.read_catalog(path)
    bad_time = lines[2].replace("2024-05-16T05:13:54.185Z", "2024-05-16T05:1x:54.185Z")
    path.write_text("\n".join([lines[0], lines[1], bad_time]) + "\n")
    with pytest.raises(catalog.CatalogFormatError, match=r"usgs\.csv: line 3: bad time"):
        catalog.read_catalog(path)
    bad_lat = lines[1].replace("-3.8229", "-3.8x29")
    path.write_text("\n".join([lines[0], bad_lat]) + "\n")
    with pytest.raises(catalog.CatalogFormatError, match=r"line 2: latitude '-3\.8x29' is not"):
        catalog.read_catalog(path)
    no_times = [",".join(["", *row.split(",")[1:]]) for row in lines[1:3]]
    path.write_text("\n".join([lines[0], *no_times]) + "\n")
    with pytest.raises(catalog.CatalogFormatError, match=r"none of its 2 events has a time"):
        catalog.read_catalog(path)


def test_isc_files_cut_before_their_stop_line_are_errors(tmp_path):
    text = CATCSV.read_text()
    cut = tmp_path / "cut.html"
    cut.write_text(text[: text.index("STOP")])
    with pytest.raises(catalog.CatalogFormatError, match=r"cut\.html: no STOP line after the 4"):
        catalog.read_catalog(cut)
    head = text[: text.index("900000001")]
    (tmp_path / "none.csv").write_text(head + "STOP\n</pre>\n")  # a block without events
    assert catalog.read_catalog(tmp_path / "none.csv").empty
    bad = tmp_path / "bad.html"  # line numbers count in the page, not in its <pre>
    bad.write_text(text.replace("2016-10-30,06:40:18.00", "2016-10-30,06:4x:18.00"))
    with pytest.raises(catalog.CatalogFormatError, match=r"bad\.html: line 20: bad time"):
        catalog.read_catalog(bad)

    isf = ISF.read_text()
    path = tmp_path / "cut.isf"
    path.write_text(isf[: isf.index("STOP")])
    with pytest.raises(catalog.CatalogFormatError, match=r"cut\.isf: no STOP line after 1 event"):
        catalog.read_catalog(path)
    path.write_text(isf.replace("Event   840268 Western Caucasus", ""))
    with pytest.raises(catalog.CatalogFormatError, match=r"line 5: origin line before any 'Event'"):
        catalog.read_catalog(path, "isc_isf")
    path.write_text(isf.replace("1967/01/30 01:20:28.70", "1967/13/30 01:20:28.70"))
    with pytest.raises(catalog.CatalogFormatError, match=r"cut\.isf: line 15: bad time"):
        catalog.read_catalog(path)
    path.write_text(isf.replace("1967/01/30 01:20:28.70", "1967/01/30 01:2x:28.70"))
    with pytest.raises(catalog.CatalogFormatError, match=r"line 15: not an origin line"):
        catalog.read_catalog(path)  # not skipped: the #PRIME below would mark another origin


def test_csep_csv_without_its_last_line_end_was_cut_short(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text("\n".join(_ingv_lines(2)) + "\n" + _ingv_lines(3)[-1][:-3])
    with pytest.raises(catalog.CatalogFormatError, match=r"cut\.csv: line 4 has no line end"):
        catalog.read_catalog(path, "csep_csv")


def test_catalog_errors_are_format_errors():
    """The one base class the fuzz tests (and callers) can catch."""
    from eqprecursors.io.parsing import FormatError

    assert issubclass(catalog.CatalogFormatError, FormatError)
    assert issubclass(FormatError, ValueError)
