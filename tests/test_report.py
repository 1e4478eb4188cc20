"""The report checks of tests/report_check.py, and the split warning of the report captions.

The full check (the workflow's own report, screenshot included) runs in `make workflow-test`
(tests/run_workflow.py --report-out); here the checker itself is tested on a toy workflow's
real Snakemake report, so a check that cannot fail would show.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jinja2
import numpy as np
import pytest
import yaml
from docutils.core import publish_parts
from PIL import Image
from snakemake.utils import update_config, validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import report_check

from eqprecursors.core.splits import leakage_warning

ROOT = Path(__file__).resolve().parents[1]
# captions that print the ground split, found by what they print (no hard-coded list)
SPLIT_CAPTIONS = sorted(
    p for p in (ROOT / "report").glob("*.rst") if '["split"]["method"]' in p.read_text()
)


def shipped_config(*names: str) -> dict:
    """The config Snakemake sees for `--configfile names` (config/config.yaml first), with
    the schema's defaults filled in as the Snakefile's validate() fills them."""
    config: dict = {}
    for name in ("config/config.yaml", *names):
        update_config(config, yaml.safe_load((ROOT / name).read_text()))
    validate(config, str(ROOT / "schemas" / "config.schema.yaml"))
    return config


def render_caption(path: Path, config: dict) -> str:
    """A caption as the report shows it: Jinja as Snakemake renders it, then docutils."""
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    snakemake = SimpleNamespace(
        config=config,
        # one value of each wildcard the ground captions use
        wildcards=SimpleNamespace(figure="fig5_histories", window="hour", filter="filtered"),
        params=SimpleNamespace(kwargs={}),
    )
    text = env.from_string(path.read_text()).render(snakemake=snakemake, categories={}, files=[])
    body = publish_parts(text, writer="html", settings_overrides={"report_level": 5})
    return report_check.plain_text(body["body"])


def test_split_captions_are_found():
    names = {p.name for p in SPLIT_CAPTIONS}
    assert {"ground_experiment.rst", "ground_fig8.rst", "workflow.rst"} <= names, names


@pytest.mark.parametrize("caption", SPLIT_CAPTIONS, ids=lambda p: p.name)
def test_caption_warns_of_leakage_only_on_a_random_split(caption):
    paper = shipped_config("config/paper.yaml")  # the paper's random split
    default = shipped_config()
    assert paper["ground_cnn"]["split"]["method"] == "random"
    assert default["ground_cnn"]["split"]["method"] == "chronological"
    warning = leakage_warning("random")
    assert warning and warning in render_caption(caption, paper), (
        f"report/{caption.name} prints the split but, on a random split, lacks the words of "
        f"eqprecursors.core.splits.leakage_warning('random'): {warning!r}"
    )
    assert warning not in render_caption(caption, default), caption.name


# A toy workflow: a PNG figure and a CSV table, each with a caption, and a description.
TOY_SNAKEFILE = """
report: "workflow.rst"

rule all:
    input: "results/figure.png", "results/table.csv", "results/plain.txt"

rule figure:
    output: report("results/figure.png", caption="figure.rst", category="Toy")
    run:
        import numpy as np
        from PIL import Image
        Image.fromarray(np.arange(64 * 64 * 3, dtype=np.uint8).reshape(64, 64, 3)).save(output[0])

rule table:
    output: report("results/table.csv", caption="table.rst", category="Toy")
    shell: "printf 'a,b\\\\n1,2\\\\n' > {output}"

rule plain:
    output: "results/plain.txt"
    shell: "echo not in the report > {output}"
"""
TOY_FILES = {
    "workflow.rst": "This toy report shows one figure and one table of a toy workflow run.\n",
    "figure.rst": "**Figure.** A gradient drawn by the toy rule, to test the report check.\n",
    "table.rst": "**Table.** Two columns and one row, written by the toy rule, for the check.\n",
}


@pytest.fixture(scope="module")
def toy_report(tmp_path_factory):
    """(workdir, report.html, expected) of the toy workflow, run and reported for real."""
    workdir = tmp_path_factory.mktemp("toy")
    (workdir / "Snakefile").write_text(TOY_SNAKEFILE)
    (workdir / "config.yaml").write_text("{}\n")
    for name, text in TOY_FILES.items():
        (workdir / name).write_text(text)
    snakemake = [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "config.yaml"]
    for extra in ([], ["--report", "report.html"]):
        run = subprocess.run(
            snakemake + extra, cwd=workdir, text=True, capture_output=True, timeout=1800
        )
        assert run.returncode == 0, run.stderr[-3000:]
    expected = report_check.dag_report_outputs(workdir, workdir / "config.yaml")
    return workdir, workdir / "report.html", expected


@pytest.mark.slow
def test_dag_lists_the_report_outputs(toy_report):
    _, _, expected = toy_report
    assert expected == {"results/figure.png": "figure", "results/table.csv": "table"}


@pytest.mark.slow
def test_complete_report_passes(toy_report):
    workdir, report_html, expected = toy_report
    assert report_check.check_report_html(report_html, workdir, expected) == []


@pytest.mark.slow
def test_missing_result_is_found(toy_report):
    workdir, report_html, expected = toy_report
    expected = dict(expected, **{"results/plain.txt": "plain"})
    problems = report_check.check_report_html(report_html, workdir, expected)
    assert problems == ["results/plain.txt (rule plain): flagged report() but not in the report"]


def _edited_report(report_html: Path, dest: Path, edit) -> Path:
    """A copy of the report whose results JSON went through `edit`."""
    text = report_html.read_text(encoding="utf-8")
    results, _, _ = report_check.report_results(report_html)
    edit(results)
    start = text.index('<script id="results">')
    head, _, tail = text[start:].partition("var results = ")
    _, end = json.JSONDecoder().raw_decode(tail)
    dest.write_text(
        text[:start] + head + "var results = " + json.dumps(results) + tail[end:],
        encoding="utf-8",
    )
    return dest


@pytest.mark.slow
def test_bad_caption_and_stale_data_are_found(toy_report, tmp_path):
    workdir, report_html, expected = toy_report

    def edit(results):
        results["results/figure.png"]["caption"] = (
            '<div class="system-message">Unknown target name: "x".</div>' + "y" * 50
        )
        results["results/table.csv"]["data_uri"] = "data:text/csv;base64,eCx5Cg=="

    edited = _edited_report(report_html, tmp_path / "report.html", edit)
    problems = report_check.check_report_html(edited, workdir, expected)
    assert problems == [
        "results/figure.png (rule figure): caption: docutils error/warning (system-message) "
        "in the rendered text",
        "results/table.csv (rule table): embedded data differ from the file",
    ]


def _png(path: Path, pixels: np.ndarray) -> Path:
    Image.fromarray(pixels.astype(np.uint8)).save(path)
    return path


def test_screenshot_checks(tmp_path):
    h, w = 40, 30
    rng = np.random.default_rng(0)
    page = np.full((h, w, 3), 255)
    page[5:35, 3:27] = rng.integers(0, 256, (30, 24, 3))
    assert report_check.screenshot_problems(_png(tmp_path / "page.png", page), (w, h)) == []
    blank = _png(tmp_path / "blank.png", np.full((h, w, 3), 255))
    assert any("blank page" in p for p in report_check.screenshot_problems(blank, (w, h)))
    assert any("distinct colours" in p for p in report_check.screenshot_problems(blank, (w, h)))
    wrong = report_check.screenshot_problems(tmp_path / "page.png", (w, h + 1))
    assert wrong == [f"{tmp_path / 'page.png'}: 30 x 40 px, not 30 x 41"]
    # the description's rows: painted (5-34) passes, the empty margin (36-39) does not
    shot = tmp_path / "page.png"
    assert report_check.screenshot_problems(shot, (w, h), rows=(10.0, 5.0)) == []
    assert report_check.screenshot_problems(shot, (w, h), rows=(36.0, 3.0)) == [
        f"{shot}: nothing painted in rows 36-40 where the layout put the workflow description"
    ]


def test_a_sparse_but_drawn_page_is_not_blank(tmp_path):
    """A front page with little on it (the toy report: 0.6 % of the window drawn) is a
    rendered page; only a page with next to nothing drawn is blank."""
    h, w = 200, 500
    rng = np.random.default_rng(1)
    page = np.full((h, w, 3), 255)
    page[100:104, 0:150] = rng.integers(0, 256, (4, 150, 3))  # 0.6 % of the pixels
    sparse = report_check.screenshot_problems(_png(tmp_path / "sparse.png", page), (w, h))
    assert sparse == []
    page = np.full((h, w, 3), 255)
    page[100:102, 0:50] = rng.integers(0, 256, (2, 50, 3))  # 0.1 %: a loading line
    almost = report_check.screenshot_problems(_png(tmp_path / "almost.png", page), (w, h))
    assert any("blank page" in p for p in almost)


def test_front_page_must_begin_inside_the_window():
    description = "<p>This toy <b>report</b> shows a figure. And a table.</p>"
    shown = {"top": 36.0, "height": 900.0, "text": "This toy report shows a figure.\nAnd"}
    assert report_check.front_page_problems(shown, description) == []
    clipped = dict(shown, top=-824.0)  # centred and taller than the window
    assert report_check.front_page_problems(clipped, description) == [
        "front page: the workflow description begins at y = -824 px, outside the "
        "1280 x 2000 window: its start cannot be read"
    ]
    other = dict(shown, text="Loading Snakemake Report...")
    assert "does not show" in report_check.front_page_problems(other, description)[0]
    assert report_check.front_page_problems({"error": "no description rendered"}, "") == [
        "front page: no description rendered"
    ]


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="no chromium (make workflow-test installs it as root)"
)
def test_toy_report_front_page_renders(toy_report, tmp_path):
    _, report_html, _ = toy_report
    _, _, description = report_check.report_results(report_html)
    shot = tmp_path / "shot.png"
    assert report_check.check_in_browser("chromium", report_html, shot, description) == []
    with Image.open(shot) as image:
        assert image.size == report_check.WINDOW
