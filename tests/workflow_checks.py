"""Value checks of a finished workflow run (tests/run_workflow.py's check step).

Values, not only columns and file sizes: decoded samples against the raw IAGA-2002 files,
the selected events against their geodesic distances and the raw catalog, the labelled
windows against the events and the labelling report, the split against its rules, and the
metrics recomputed with scikit-learn from ``predictions.csv``.  Each check reads the files
independently of the project's readers (a check that called the decoder would only compare
the decoder with itself) and raises :class:`CheckFailed` naming the file and the value.
Each returns how many items it checked; :func:`check_values` fails when a check saw none.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

METRIC_TOL = 1e-9
"""metrics.json against the recomputed value (both are float64 of the same sums)."""
SAMPLE_TOL_NT = 1e-6
"""Decoded against raw nT: the raw text has 0.01 nT, the rotation is exact in float64."""
CSV_REL_TOL = 1e-5
"""The catalog CSV writes floats with 6 significant digits (``%.6g``)."""
SAMPLES_PER_OBSERVATORY = 25
MISSING, NOT_RECORDED = 99999.0, 88888.0
DEFAULT_EMBARGO_HOURS = 168.0  # schemas/config.schema.yaml ground_cnn.split.embargo_hours


class CheckFailed(AssertionError):
    """A value of a workflow output disagrees with what it was made from."""


def fail(path, message: str) -> None:
    raise CheckFailed(f"{path}: {message}")


def utc_ns(values) -> np.ndarray:
    """ISO times (any resolution, 'Z' or not) -> int64 ns since the epoch, UTC."""
    t = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    return t.dt.tz_localize(None).to_numpy().astype("datetime64[ns]").astype(np.int64)


def end_exclusive_ns(end: str) -> int:
    """A config ``end`` date means through that day (eqprecursors.core.dates.period_bound)."""
    t = pd.Timestamp(end, tz="UTC")
    if len(str(end)) == 10:
        t += pd.Timedelta(days=1)
    return int(t.value)


# ------------------------------------------------------------------ decoded samples
def raw_ground_files(workdir: Path, obs: str, site: dict) -> list[Path]:
    """The IAGA-2002 inputs of one observatory (rules/common.smk ground_raw_files)."""
    if site["source"] == "synthetic":
        pattern = workdir / f"resources/synthetic/ground/{obs}"
    elif site["source"] == "intermagnet":
        pattern = workdir / f"resources/intermagnet/{obs}"
    else:
        pattern = workdir / site["path"]
    if pattern.is_dir():
        files = sorted(p for p in pattern.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        files = sorted(p for p in pattern.parent.glob(pattern.name) if p.is_file())
    if not files:
        fail(pattern, f"no raw IAGA-2002 file of {obs}")
    return files


def iaga_texts(path: Path) -> list[tuple[str, str]]:
    """(name, text) of each IAGA-2002 text in a plain, .gz or .zip file."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            names = sorted(
                n
                for n in z.namelist()
                if not n.endswith("/") and not Path(n).name.startswith(".") and "__MACOSX" not in n
            )
            return [(f"{path}!{n}", z.read(n).decode("latin-1")) for n in names]
    return [(str(path), raw.decode("latin-1"))]


def parse_iaga(name: str, text: str) -> dict[str, tuple[float, float, float]]:
    """Minimal fixed-column IAGA-2002 reader: 'YYYY-MM-DD HH:MM:SS.sss' -> geographic X, Y, Z.

    Values in columns 31-40, 41-50, ... (1-based), named by the last letter of the column
    line's element names; 99999 (missing, or above) and 88888 (not recorded) are NaN. XYZ
    as given, HDZ rotated (X = H cos D, Y = H sin D, D in minutes of arc), HEZ as H and E.
    """
    lines = text.splitlines()
    head = next((i for i, ln in enumerate(lines) if ln.startswith("DATE")), None)
    if head is None:
        fail(name, "no 'DATE TIME DOY' column line")
    letters = [tok[-1] for tok in lines[head].replace("|", " ").split()[3:]]
    out = {}
    for ln in lines[head + 1 :]:
        if len(ln) < 30 + 10 * len(letters) or ln.startswith(" "):
            continue
        vals = {}
        for i, letter in enumerate(letters):
            v = float(ln[30 + 10 * i : 40 + 10 * i])
            vals[letter] = math.nan if v >= MISSING or v == NOT_RECORDED else v
        if "X" in vals and "Y" in vals:
            x, y = vals["X"], vals["Y"]
        elif "D" in vals:
            d = math.radians(vals["D"] / 60.0)
            x, y = vals["H"] * math.cos(d), vals["H"] * math.sin(d)
        else:
            x, y = vals["H"], vals["E"]
        out[ln[:23]] = (x, y, vals["Z"])
    return out


def raw_samples(files: list[Path]) -> dict[str, np.ndarray]:
    """Every raw file merged: per time stamp and component the last non-NaN value wins."""
    merged: dict[str, np.ndarray] = {}
    texts = sorted((t for f in files for t in iaga_texts(f)), key=lambda t: t[0])
    for name, text in texts:
        for key, xyz in parse_iaga(name, text).items():
            new = np.array(xyz)
            old = merged.get(key)
            merged[key] = new if old is None else np.where(np.isnan(new), old, new)
    return merged


def check_decoded(workdir: Path, config: dict, n_samples: int = SAMPLES_PER_OBSERVATORY) -> int:
    """Seeded random samples of each decoded netCDF equal the raw files' values.

    Only samples where every raw component is present are compared (elsewhere the decoder
    may have filled a short gap); they must not be flagged as gaps either.  The decoded
    time axis must span the raw one.
    """
    import xarray as xr

    checked = 0
    for k, (obs, site) in enumerate(sorted(config["observatories"].items())):
        raw = raw_samples(raw_ground_files(workdir, obs, site))
        nc = workdir / f"results/decoded/ground/{obs}.nc"
        with xr.open_dataset(nc) as ds:
            times = ds["time"].values.astype("datetime64[ms]")
            xyz = np.stack([ds[c].values for c in "XYZ"], axis=1)
            gap = ds["gap_mask"].values.astype(bool) if "gap_mask" in ds else None
        keys = [s.replace("T", " ") for s in np.datetime_as_string(times, unit="ms")]
        if (keys[0], keys[-1]) != (min(raw), max(raw)):
            fail(nc, f"time axis {keys[0]} .. {keys[-1]}, raw files {min(raw)} .. {max(raw)}")
        valid = [i for i, key in enumerate(keys) if key in raw and np.isfinite(raw[key]).all()]
        if not valid:
            fail(nc, f"no time stamp with a complete raw sample of {obs}")
        rng = np.random.default_rng(1000 + k)
        for i in rng.choice(valid, size=min(n_samples, len(valid)), replace=False).tolist():
            want = raw[keys[i]]
            if not np.allclose(xyz[i], want, rtol=0, atol=SAMPLE_TOL_NT):
                fail(nc, f"{obs} at {keys[i]}: X, Y, Z = {xyz[i].tolist()}, raw {want.tolist()}")
            if gap is not None and gap[i]:
                fail(nc, f"{obs} at {keys[i]}: gap_mask = 1 where the raw sample is complete")
            checked += 1
    return checked


# ---------------------------------------------------------------------- selected events
def geodesic_km(lat0: float, lon0: float, lat, lon) -> np.ndarray:
    from geographiclib.geodesic import Geodesic

    g = Geodesic.WGS84
    return np.array(
        [g.Inverse(lat0, lon0, a, b)["s12"] / 1000.0 for a, b in zip(lat, lon, strict=True)]
    )


def raw_catalog(workdir: Path, config: dict, obs: str) -> tuple[Path, pd.DataFrame | None]:
    """(path, events) of the catalog that selection read; None when not a USGS csv."""
    site = config["observatories"][obs]
    entry = site.get("catalog", config["catalog"])
    if entry["source"] == "local":
        path = workdir / entry["path"]
    else:
        path = workdir / f"resources/catalog/{entry['source']}/{obs}.csv"
    if entry.get("format", "usgs_csv") != "usgs_csv":
        return path, None
    df = pd.read_csv(path, dtype={"id": str})
    needed = {"time", "latitude", "longitude", "depth", "mag", "id"}
    if not needed <= set(df.columns):
        fail(path, f"not a USGS csv: columns {list(df.columns)}, need {sorted(needed)}")
    df["time_ns"] = utc_ns(df["time"]) if len(df) else np.empty(0, np.int64)
    return path, df


def check_events(workdir: Path, config: dict) -> int:
    """Every selected event lies within the cuts, by a recomputed geodesic distance, and
    every raw-catalog event within the cuts is selected (none lost)."""
    checked = 0
    for obs, site in sorted(config["observatories"].items()):
        sel = site["selection"]
        lat0, lon0 = float(site["latitude"]), float(site["longitude"])
        t0 = int(pd.Timestamp(site["start"], tz="UTC").value)
        t1 = end_exclusive_ns(site["end"])
        csv = workdir / f"results/catalog/ground/{obs}.csv"
        chosen = pd.read_csv(csv, dtype={"event_id": str})
        raw_path, raw = raw_catalog(workdir, config, obs)
        if raw is None:
            print(f"workflow_checks: {raw_path}: not usgs_csv, none-lost check skipped")
            continue
        mag, depth = raw["mag"].to_numpy(float), raw["depth"].to_numpy(float)
        strict = sel.get("strict_magnitude", True)
        cut = mag > sel["min_magnitude"] if strict else mag >= sel["min_magnitude"]
        cut &= depth <= sel["max_depth_km"]
        cut &= (raw["time_ns"].to_numpy() >= t0) & (raw["time_ns"].to_numpy() < t1)
        lat, lon = raw["latitude"].to_numpy(float), raw["longitude"].to_numpy(float)
        dist = np.full(len(raw), np.nan)
        dist[cut] = geodesic_km(lat0, lon0, lat[cut], lon[cut])
        cut &= dist <= sel["max_distance_km"]
        by_id = raw.assign(distance_km=dist).set_index("id")
        lost = sorted(set(raw.loc[cut, "id"]) - set(chosen["event_id"]))
        if lost:
            fail(csv, f"{obs}: events of {raw_path} within the cuts not selected: {lost}")
        for row in chosen.itertuples(index=False):
            if row.event_id not in by_id.index:
                fail(csv, f"{obs}: event {row.event_id} is not in {raw_path}")
            ev = by_id.loc[row.event_id]
            d = geodesic_km(lat0, lon0, [ev["latitude"]], [ev["longitude"]])[0]
            where = f"{obs}: event {row.event_id}"
            if not math.isclose(row.distance_km, d, rel_tol=CSV_REL_TOL, abs_tol=1e-3):
                fail(csv, f"{where}: distance_km {row.distance_km}, geodesic {d:.6f} km")
            if d > sel["max_distance_km"]:
                fail(csv, f"{where}: {d:.3f} km beyond max_distance_km {sel['max_distance_km']}")
            if not ev["depth"] <= sel["max_depth_km"]:
                fail(csv, f"{where}: depth {ev['depth']} > max_depth_km {sel['max_depth_km']}")
            if not (
                ev["mag"] > sel["min_magnitude"]
                or (not strict and ev["mag"] == sel["min_magnitude"])
            ):
                fail(csv, f"{where}: magnitude {ev['mag']} not above {sel['min_magnitude']}")
            if not t0 <= ev["time_ns"] < t1:
                fail(csv, f"{where}: time {ev['time']} outside {site['start']} .. {site['end']}")
            checked += 1
    return checked


# ----------------------------------------------------------------------------- labels
def check_labels(workdir: Path, config: dict) -> int:
    """Class counts equal the labelling report's; earthquake windows end within the lead
    before their selected event; quiet windows keep exclusion_hours clear of every event."""
    cnn = config["ground_cnn"]
    lab = cnn["labelling"]
    lead_ns = int(round(float(lab["lead_time_minutes"]) * 60e9))
    excl_ns = int(round(float(lab["exclusion_hours"]) * 3600e9))
    checked = 0
    per_name: dict[str, list[int]] = {}
    for obs in cnn["observatories"]:
        catalog = pd.read_csv(
            workdir / f"results/catalog/ground/{obs}.csv", dtype={"event_id": str}
        )
        origin = dict(zip(catalog["event_id"], utc_ns(catalog["time"]), strict=True))
        events = np.asarray(list(origin.values()), dtype=np.int64)
        exclusion = workdir / f"results/catalog/ground/exclusion/{obs}.csv"
        if lab.get("exclude_all_catalog_events", True):
            events = np.union1d(events, utc_ns(pd.read_csv(exclusion)["time"]))
        dirs = sorted((workdir / "results/ground/datasets" / obs).glob("*/labels.csv"))
        if not dirs:
            fail(workdir / "results/ground/datasets" / obs, "no labelled dataset")
        for path in dirs:
            labels, counts = _labels_and_counts(path)
            total = per_name.setdefault(path.parent.name, [0, 0])
            total[0], total[1] = total[0] + counts[0], total[1] + counts[1]
            report = json.loads((path.parent / "report.json").read_text())
            cadence_ns = int(round(float(report["cadence_s"]) * 1e9))
            start, end = utc_ns(labels["start"]), utc_ns(labels["end"])
            for key, n in (("earthquake_windows", counts[1]), ("quiet_windows", counts[0])):
                if report.get(key, n) != n:
                    fail(path.parent / "report.json", f"{key} = {report[key]}, labels.csv {n}")
            length = report["window_samples"] * cadence_ns
            if np.any(end - start != length):
                i = int(np.flatnonzero(end - start != length)[0])
                fail(
                    path,
                    f"row {i}: window of {(end[i] - start[i]) / 60e9:g} min, not {length / 60e9:g}",
                )
            for i in np.flatnonzero(labels["label"].to_numpy() == 1).tolist():
                eid = labels["event_id"].iloc[i]
                if eid not in origin:
                    fail(path, f"row {i}: event {eid} is not a selected event of {obs}")
                due = origin[eid] - lead_ns  # the window holds the samples before this
                if not due <= end[i] < due + cadence_ns:
                    fail(
                        path,
                        f"row {i}: earthquake window ends {labels['end'].iloc[i]}, "
                        f"not within one sample after event {eid} minus the lead",
                    )
                checked += 1
            for i in np.flatnonzero(labels["label"].to_numpy() == 0).tolist():
                near = (events > start[i] - excl_ns) & (events < end[i] + excl_ns)
                if near.any():
                    t = pd.Timestamp(int(events[near][0]), tz="UTC")
                    fail(
                        path,
                        f"row {i}: quiet window {labels['start'].iloc[i]} .. "
                        f"{labels['end'].iloc[i]} within exclusion_hours "
                        f"{lab['exclusion_hours']} of the event at {t}",
                    )
                checked += 1
    for path in sorted((workdir / "results/ground/datasets/ALL").glob("*/labels.csv")):
        _, counts = _labels_and_counts(path)
        if counts != per_name.get(path.parent.name):
            fail(
                path, f"class counts {counts}, the observatories' {per_name.get(path.parent.name)}"
            )
    return checked


def _labels_and_counts(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """labels.csv and its [quiet, earthquake] counts, checked against report.json."""
    labels = pd.read_csv(path, dtype={"event_id": str})
    counts = [int((labels["label"] == c).sum()) for c in (0, 1)]
    report_path = path.parent / "report.json"
    report = json.loads(report_path.read_text())
    said = {str(c): int(v) for c, v in report["counts_per_label"].items()}
    if said != {"0": counts[0], "1": counts[1]}:
        fail(
            report_path,
            f"counts_per_label {said}, {path} holds {counts[0]} quiet and {counts[1]} earthquake",
        )
    if report.get("n_windows", len(labels)) != len(labels):
        fail(report_path, f"n_windows {report['n_windows']}, {path} has {len(labels)} rows")
    return labels, counts


# ------------------------------------------------------------------------------ split
def check_splits(workdir: Path, config: dict) -> int:
    """Train and val disjoint, every window once, the counts the report's; chronological:
    every train window ends at least embargo_hours before any val window starts."""
    split_cfg = config["ground_cnn"]["split"]
    embargo_ns = int(round(float(split_cfg.get("embargo_hours", DEFAULT_EMBARGO_HOURS)) * 3600e9))
    paths = sorted((workdir / "results/ground/splits").glob("*/*.csv"))
    for path in paths:
        labels_csv = (
            workdir / "results/ground/datasets" / path.parent.name / path.stem / "labels.csv"
        )
        labels = pd.read_csv(labels_csv).set_index("index")
        split = pd.read_csv(path)
        parts = {p: set(split.loc[split["split"] == p, "index"]) for p in ("train", "val")}
        both = sorted(parts["train"] & parts["val"])
        if both:
            fail(path, f"indices in both train and val: {both[:10]}")
        dup = split["index"][split["index"].duplicated()].tolist()
        if dup:
            fail(path, f"indices listed twice: {dup[:10]}")
        if set(split["index"]) != set(labels.index):
            missing = sorted(set(labels.index) - set(split["index"]))
            extra = sorted(set(split["index"]) - set(labels.index))
            fail(path, f"does not cover {labels_csv}: missing {missing[:10]}, extra {extra[:10]}")
        odd = sorted(set(split["split"]) - {"train", "val", "dropped"})
        if odd or set(split["method"]) != {split_cfg["method"]}:
            fail(
                path,
                f"parts {odd}, method {sorted(set(split['method']))}; config {split_cfg['method']}",
            )
        report_path = path.with_suffix(".json")
        report = json.loads(report_path.read_text())
        for key, n in (
            ("n_train", len(parts["train"])),
            ("n_val", len(parts["val"])),
            ("n_total", len(split)),
        ):
            if report[key] != n:
                fail(report_path, f"{key} = {report[key]}, {path} has {n}")
        if not parts["train"] or not parts["val"]:
            fail(path, f"{len(parts['train'])} train and {len(parts['val'])} val windows")
        if split_cfg["method"] == "chronological":
            last_end = utc_ns(labels.loc[sorted(parts["train"]), "end"]).max()
            first_start = utc_ns(labels.loc[sorted(parts["val"]), "start"]).min()
            if last_end + embargo_ns > first_start:
                fail(
                    path,
                    f"a train window ends {pd.Timestamp(int(last_end), tz='UTC')}, a val "
                    f"window starts {pd.Timestamp(int(first_start), tz='UTC')}: less than "
                    f"embargo_hours {embargo_ns / 3600e9:g} apart",
                )
    return len(paths)


# ---------------------------------------------------------------------------- metrics
def _close(path, key: str, said, value: float) -> None:
    said = math.nan if said is None else float(said)
    if math.isnan(value) and math.isnan(said):
        return
    if not abs(said - value) <= METRIC_TOL:
        fail(path, f"{key} = {said!r}, recomputed from predictions.csv {value!r}")


def check_metrics(workdir: Path) -> int:
    """accuracy, MCC, F1 and AUC of every metrics.json beside a predictions.csv, recomputed
    with scikit-learn (binary ground runs; three-class satellite models and transfers)."""
    from sklearn import metrics as skm

    runs = sorted(p.parent for p in (workdir / "results").rglob("predictions.csv"))
    checked = 0
    for run in runs:
        metrics_path = run / "metrics.json"
        if not metrics_path.exists():
            continue
        pred = pd.read_csv(run / "predictions.csv")
        m = json.loads(metrics_path.read_text())
        y = pred["y_true"].to_numpy(int)
        if "p_earthquake" in pred:
            p = pred["p_earthquake"].to_numpy(float)
            yhat = (p > 0.5).astype(int)
            if not np.array_equal(yhat, pred["y_pred"].to_numpy(int)):
                fail(run / "predictions.csv", "y_pred is not p_earthquake > 0.5")
            both = 0 < y.sum() < y.size
            want = {
                "accuracy": skm.accuracy_score(y, yhat),
                "mcc": skm.matthews_corrcoef(y, yhat),
                "f1": skm.f1_score(y, yhat, labels=[0, 1], pos_label=1, zero_division=0.0),
                "roc_auc": skm.roc_auc_score(y, p) if both else math.nan,
            }
        elif {"p0", "p1", "p2"} <= set(pred.columns):
            yhat = pred["y_pred"].to_numpy(int)
            proba = pred[["p0", "p1", "p2"]].to_numpy(float)
            want = {
                "accuracy": skm.accuracy_score(y, yhat),
                "mcc": skm.matthews_corrcoef(y, yhat),
                "weighted_f1": skm.f1_score(y, yhat, average="weighted", zero_division=0.0),
            }
            aucs = []
            for c in range(3):
                yc = (y == c).astype(int)
                auc = skm.roc_auc_score(yc, proba[:, c]) if 0 < yc.sum() < yc.size else math.nan
                _close(metrics_path, f"auc[{c}]", m["auc"][str(c)], auc)
                aucs += [auc] if not math.isnan(auc) else []
            want["auc_macro"] = float(np.mean(aucs)) if aucs else math.nan
        else:
            fail(run / "predictions.csv", f"unknown columns {list(pred.columns)}")
        for key, value in want.items():
            if key not in m:
                fail(metrics_path, f"no {key!r}")
            _close(metrics_path, key, m[key], float(value))
        checked += 1
    return checked


def check_values(workdir: Path, config: dict) -> dict[str, int]:
    """Every check above; a check that found nothing to check fails too."""
    counts = {
        "decoded samples": check_decoded(workdir, config),
        "selected events": check_events(workdir, config),
    }
    if "ground_cnn" in config:
        counts["labelled windows"] = check_labels(workdir, config)
        counts["splits"] = check_splits(workdir, config)
    counts["metrics files"] = check_metrics(workdir)
    empty = [name for name, n in counts.items() if n == 0]
    if empty:
        raise CheckFailed(f"{workdir}: nothing was checked for {empty}: {counts}")
    print("workflow_checks:", ", ".join(f"{n} {name}" for name, n in counts.items()))
    return counts
