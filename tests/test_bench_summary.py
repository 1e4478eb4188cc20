"""benchmarks/run_all.py: last-line parsing, goals and the summary table (no benchmark runs)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("run_all", ROOT / "benchmarks" / "run_all.py")
run_all = importlib.util.module_from_spec(_spec)
sys.modules["run_all"] = run_all  # dataclasses look their module up there
_spec.loader.exec_module(run_all)
BENCH = {b.name: b for b in run_all.BENCHES}

SAMPLES = {
    "decode_iaga": 'decode_iaga: 353.6 MB/s, 2.16x pandas read_csv(sep=r"\\s+")',
    "generate": "generate: 0.461 years/s (45.1x the raw write of the same 366 files, 0.048 s)",
    "label": "label: 0.35 s for 24 windows of a decoded year "
    "(5.56x the numpy read+copy floor 0.062 s)",
    "train_ground": "train_ground: 46.23, 62.5 = 0.56 of GEMM peak, input stall 0.05%",
    "train_satellite": "train_satellite: 5944; tuning trial 9.0 s (max 11.1 s of 3), "
    "worst case 20.2 s",
    "tuning_trial": "tuning_trial: 18.4 s for one trial (1.05x the plain fit's 17.6 s)",
    "dryrun_paper": "dryrun_paper: 4.10 s for 812 jobs (1.52x the default's 2.70 s for 301 jobs)",
}


def test_every_benchmark_script_exists_and_has_a_sample():
    assert set(BENCH) == set(SAMPLES)
    for b in run_all.BENCHES:
        assert (ROOT / "benchmarks" / b.script).is_file(), b.script


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_lines_parse(name):
    out = f"progress line\n{name}: not the last one 1 2\nnoise\n{SAMPLES[name]}\n"
    rec = run_all.parse(BENCH[name], out, 0, 12.345)
    assert rec["error"] is None
    assert rec["line"] == SAMPLES[name]
    assert rec["metrics"], name
    assert rec["seconds"] == 12.35 and rec["exit_status"] == 0
    assert rec["ratio"] == rec["metrics"].get("ratio")


def test_metrics_are_the_numbers_of_the_line():
    rec = run_all.parse(BENCH["train_ground"], SAMPLES["train_ground"], 0, 1.0)
    assert rec["metrics"] == {
        "samples_per_s": 46.23,
        "gflops": 62.5,
        "ratio": 0.56,
        "stall_pct": 0.05,
    }
    rec = run_all.parse(BENCH["decode_iaga"], SAMPLES["decode_iaga"], 0, 1.0)
    assert rec["metrics"] == {"mb_per_s": 353.6, "ratio": 2.16}
    rec = run_all.parse(BENCH["dryrun_paper"], SAMPLES["dryrun_paper"], 0, 1.0)
    assert rec["metrics"]["jobs"] == 812 and rec["metrics"]["baseline_s"] == 2.70
    assert rec["ratio"] == 1.52


def test_train_satellite_has_no_ratio_but_a_goal():
    rec = run_all.parse(BENCH["train_satellite"], SAMPLES["train_satellite"], 0, 1.0)
    assert rec["ratio"] is None and rec["metrics"]["worst_s"] == 20.2
    assert rec["met"] is True


@pytest.mark.parametrize(
    ("name", "line", "met"),
    [
        ("decode_iaga", "decode_iaga: 300.0 MB/s, 1.80x pandas", True),
        ("decode_iaga", "decode_iaga: 300.0 MB/s, 1.79x pandas", False),
        ("train_ground", "train_ground: 40, 50.0 = 0.49 of GEMM peak, input stall 0.10%", False),
        ("train_ground", "train_ground: 40, 60.0 = 0.60 of GEMM peak, input stall 5.00%", False),
        ("train_ground", "train_ground: 40, 60.0 = 0.50 of GEMM peak, input stall 4.99%", True),
        (
            "dryrun_paper",
            "dryrun_paper: 10.5 s for 9 jobs (2.00x the default's 5.2 s for 3 jobs)",
            False,
        ),
        (
            "train_satellite",
            "train_satellite: 10; tuning trial 9.0 s (max 11.1 s of 3), worst case 30.0 s",
            False,
        ),
        ("label", SAMPLES["label"], None),
        ("tuning_trial", SAMPLES["tuning_trial"], None),
    ],
)
def test_goals(name, line, met):
    assert run_all.parse(BENCH[name], line, 0, 1.0)["met"] is met


def test_missing_line_names_the_script_and_fails_the_goal():
    rec = run_all.parse(BENCH["decode_iaga"], "Traceback ...\n", 1, 3.0)
    assert rec["line"] is None and rec["metrics"] == {}
    assert "benchmarks/decode_iaga.py" in rec["error"] and "decode_iaga" in rec["error"]
    assert rec["met"] is False and rec["exit_status"] == 1


def test_unmatched_line_and_nonzero_exit_are_errors():
    rec = run_all.parse(BENCH["label"], "label: something else entirely", 0, 1.0)
    assert "does not match" in rec["error"] and rec["met"] is None
    rec = run_all.parse(BENCH["label"], SAMPLES["label"], 2, 1.0)
    assert rec["metrics"]["windows"] == 24 and "status 2" in rec["error"]


def test_machine_describes_this_host():
    host = run_all.machine()
    assert host["cores"] >= 1 and host["python"].startswith("3.")
    assert host["date"].endswith("Z") and host["memory_gib"] > 0
    json.dumps(host)  # goes into summary.json


def test_cpu_generation_reads_family_model_and_widest_simd(tmp_path):
    """ "AMD EPYC" named two CPUs whose GEMM peaks differed 2x; family/model tell them apart."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
        "model name\t: AMD EPYC\nflags\t\t: fpu sse4_2 avx avx2 avx512f avx512_bf16\n\n"
        "processor\t: 1\ncpu family\t: 99\nmodel\t\t: 1\n"
    )
    assert run_all.cpu_generation(str(cpuinfo)) == "family 25 model 17, avx512f"
    cpuinfo.write_text("cpu family\t: 6\nmodel\t\t: 85\nflags\t\t: sse4_2 avx avx2\n")
    assert run_all.cpu_generation(str(cpuinfo)) == "family 6 model 85, avx2"
    assert run_all.cpu_generation(str(tmp_path / "missing")) is None


def test_markdown_table_has_one_row_per_record_and_honest_goals():
    host = {
        "date": "2026-12-02T07:00:00Z",
        "cpu": "Test CPU",
        "cpu_generation": "family 25 model 17, avx512f",
        "cores": 2,
        "memory_gib": 23.4,
        "load_average_1m": 3.1,
        "python": "3.11.9",
        "tensorflow": "2.21.0",
    }
    recs = [
        run_all.parse(BENCH["decode_iaga"], "decode_iaga: 300.0 MB/s, 1.50x pandas", 0, 2.0),
        run_all.parse(BENCH["label"], SAMPLES["label"], 0, 5.0),
        run_all.parse(BENCH["generate"], "", 124, 900.0),
    ]
    md = run_all.markdown(recs, host)
    lines = md.strip().splitlines()
    assert "Test CPU (family 25 model 17, avx512f; 2 cores" in lines[0]
    assert "2026-12-02" in lines[0]
    rows = [ln for ln in lines if ln.startswith("| ") and not ln.startswith("| benchmark")]
    assert len(rows) == 3
    assert all(r.count(" | ") == 6 for r in rows)  # pipes inside lines are escaped
    assert "**fail**" in rows[0] and "1.5" in rows[0]
    assert "| — |" in rows[1] and "5.56" in rows[1]
    assert "**fail**" in rows[2] and "printed no line" in rows[2]


def test_main_writes_summary_files(tmp_path, monkeypatch):
    def fake_run(bench, python):
        return run_all.parse(bench, SAMPLES[bench.name], 0, 1.0)

    monkeypatch.setattr(run_all, "run", fake_run)
    assert run_all.main(["--out", str(tmp_path), "--only", "label", "train_ground"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [r["name"] for r in summary["benchmarks"]] == ["label", "train_ground"]
    assert summary["machine"]["cores"] >= 1
    assert summary["benchmarks"][1]["met"] is True
    assert "| train_ground |" in (tmp_path / "summary.md").read_text()


def test_machine_finds_the_tensorflow_wheel():
    """The venv installs tensorflow-cpu; its version must still be reported."""
    from importlib import metadata

    names = {d.metadata["Name"].lower().replace("_", "-") for d in metadata.distributions()}
    if not names & {"tensorflow", "tensorflow-cpu", "tensorflow-intel"}:
        pytest.skip("no TensorFlow wheel in this environment")
    assert run_all.machine()["tensorflow"] is not None


def test_table_from_rerenders_a_saved_summary(tmp_path, monkeypatch):
    def fake_run(bench, python):
        return run_all.parse(bench, SAMPLES[bench.name], 0, 1.0)

    monkeypatch.setattr(run_all, "run", fake_run)
    run_all.main(["--out", str(tmp_path), "--only", "decode_iaga"])
    first = (tmp_path / "summary.md").read_text()
    (tmp_path / "summary.md").unlink()
    saved = str(tmp_path / "summary.json")
    assert run_all.main(["--out", str(tmp_path), "--table-from", saved]) == 0
    assert (tmp_path / "summary.md").read_text() == first
