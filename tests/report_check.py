"""The HTML report of a finished workflow run, checked (tests/run_workflow.py --report-out).

`snakemake --report` writes one self-contained HTML file; its results (path, caption, data
URI) sit in a JSON object, `var results = {...}`, in the `<script id="results">` element.
The check compares those results with every output the DAG of the config's default target
flags `report()` (asked from Snakemake's DAG, so a new figure or table is expected without
editing this file), then opens the report in headless Chromium (Debian's `chromium`): the
front page must show the workflow description, beginning inside the window, and a
screenshot of it must be a non-blank PNG of the window's size.

Chromium is installed with apt-get when missing and we are root, as tests/slurm/cluster.sh
installs SLURM; otherwise, or with SKIP_CHROMIUM=1, only the browser part is skipped and the
reason printed. The HTML checks always run.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM_PACKAGES = ["chromium", "fonts-dejavu-core"]  # the fonts: text must render
WINDOW = (1280, 2000)  # width, height of the screenshot, in pixels
MIN_COLOURS = 64  # a rendered page has anti-aliased text and coloured widgets
# Blank: the background covers more than this share, i.e. under 0.2 % of the 1280 x 2000
# window is drawn (a line of "Loading..." text is about 0.1 %; the toy report's front page,
# description and DAG, with its sidebar not yet styled, measured 0.58 %, styled 19 %).
MAX_DOMINANT_SHARE = 0.998
CHROMIUM_TIMEOUT_S = 120
APT_TIMEOUT_S = 900
MIN_CAPTION_CHARS = 40

# Asks Snakemake (in a child process run in the workdir, so its logging stays there) for the
# DAG of the default target, as `snakemake --report` builds it, and prints {output path: rule}
# of every output flagged report(). The command line is parsed by Snakemake's own parser, so
# the workflow profile applies as it does for `snakemake --report` (the Snakefile reads
# config/config.yaml only when no config file is given). The DAG comes from
# the API's workflow object, as Workflow.create_report gets it.
_DAG_REPORT_OUTPUTS = r"""
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.cli import parse_args, parse_config
from snakemake.io import is_flagged
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings
workdir, configfile = Path(sys.argv[1]), Path(sys.argv[2])
_, args = parse_args(["--snakefile", str(workdir / "Snakefile"), "--configfile", str(configfile)])
config_settings = ConfigSettings(
    config=parse_config(args.config),
    configfiles=args.configfile,
    config_args=args.config,
    replace_workflow_config=args.replace_workflow_config,
)
with SnakemakeApi(OutputSettings()) as api:
    workflow_api = api.workflow(
        snakefile=workdir / "Snakefile",
        workdir=workdir,
        config_settings=config_settings,
        resource_settings=ResourceSettings(cores=1),
    )
    workflow = workflow_api.dag(DAGSettings()).workflow_api._workflow
    workflow._prepare_dag(forceall=False, ignore_incomplete=True, lock_warn_only=True, nolock=True)
    workflow._build_dag()
    found = {
        str(f): job.rule.name
        for job in workflow.dag.jobs
        for f in job.output
        if is_flagged(f, "report")
    }
print("REPORT_OUTPUTS=" + json.dumps(found))
"""


def dag_report_outputs(workdir: Path, configfile: Path) -> dict[str, str]:
    """{path: rule} of every report() output of the default target's DAG."""
    run = subprocess.run(
        [sys.executable, "-c", _DAG_REPORT_OUTPUTS, str(workdir), str(configfile)],
        cwd=workdir,
        text=True,
        capture_output=True,
        timeout=300,
    )
    line = [x for x in run.stdout.splitlines() if x.startswith("REPORT_OUTPUTS=")]
    assert run.returncode == 0 and line, f"DAG query failed:\n{run.stdout}\n{run.stderr[-4000:]}"
    found = json.loads(line[-1].removeprefix("REPORT_OUTPUTS="))
    assert found, "the DAG flags no output report(): nothing for the report to show"
    return found


def _script_json(text: str, name: str, element: str):
    """The JSON value assigned to `var <name>` inside `<script id="<element>">`."""
    start = text.find(f'<script id="{element}">')
    assert start >= 0, f'report HTML has no <script id="{element}">'
    match = re.compile(rf"var {name}\s*=\s*").search(text, start)
    assert match, f"report HTML: no `var {name} =` in <script id={element}>"
    value, _ = json.JSONDecoder().raw_decode(text, match.end())
    return value


def report_results(report_html: Path) -> tuple[dict, dict, str]:
    """(results, categories, workflow description HTML) embedded in a Snakemake report."""
    text = report_html.read_text(encoding="utf-8")
    return (
        _script_json(text, "results", "results"),
        _script_json(text, "categories", "categories"),
        _script_json(text, "workflow_desc", "workflow-desc"),
    )


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment, tags (and style or script elements) dropped, whitespace
    collapsed."""
    fragment = re.sub(r"<(style|script)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def rendered_rst_problems(fragment: str) -> list[str]:
    """What shows that a caption was not rendered cleanly: docutils messages, raw Jinja."""
    problems = []
    if "system-message" in fragment:
        problems.append("docutils error/warning (system-message) in the rendered text")
    if re.search(r"\{\{|\{%|%\}|\}\}", fragment):
        problems.append("unrendered Jinja markup")
    return problems


def check_report_html(report_html: Path, workdir: Path, expected: dict[str, str]) -> list[str]:
    """Every expected result is in the report, once, with a clean caption and its data.

    Returns the problems found (empty when the report is complete)."""
    results, categories, description = report_results(report_html)
    problems = []
    missing = sorted(set(expected) - set(results))
    extra = sorted(set(results) - set(expected))
    problems += [
        f"{p} (rule {expected[p]}): flagged report() but not in the report" for p in missing
    ]
    problems += [f"{p}: in the report but not a report() output of the DAG" for p in extra]
    listed = [p for cat in categories.values() for sub in cat.values() for p in sub]
    for path, result in results.items():
        where = f"{path} (rule {result['job_properties']['rule']})"
        caption = result.get("caption") or ""
        if len(plain_text(caption)) < MIN_CAPTION_CHARS:
            problems.append(f"{where}: caption missing or too short: {plain_text(caption)!r}")
        problems += [f"{where}: caption: {p}" for p in rendered_rst_problems(caption)]
        if listed.count(path) != 1:
            problems.append(f"{where}: listed {listed.count(path)} times in the categories")
        head, _, data = result["data_uri"].partition(";base64,")
        if not head.startswith(f"data:{result['mime_type']}"):
            problems.append(f"{where}: data URI {head!r} is not of type {result['mime_type']}")
        elif base64.b64decode(data) != (workdir / path).read_bytes():
            problems.append(f"{where}: embedded data differ from the file")
    if len(plain_text(description)) < MIN_CAPTION_CHARS:
        problems.append("workflow description (report/workflow.rst) missing")
    problems += [f"report/workflow.rst: {p}" for p in rendered_rst_problems(description)]
    return problems


def chromium_or_reason() -> tuple[str | None, str | None]:
    """(path of chromium, None), installing it with apt-get if needed, or (None, why not)."""
    if os.environ.get("SKIP_CHROMIUM") == "1":
        return None, "SKIP_CHROMIUM=1 is set"
    exe = shutil.which("chromium")
    if exe:
        return exe, None
    if not sys.platform.startswith("linux"):
        return None, f"chromium is missing and Debian's package needs Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return None, "chromium is missing and installing it with apt-get needs root"
    if shutil.which("apt-get") is None:
        return None, "chromium is missing and there is no apt-get to install it"
    install_chromium()
    exe = shutil.which("chromium")
    assert exe, "apt-get installed chromium but it is not on PATH"
    return exe, None


def install_chromium() -> None:
    """apt-get install chromium (no recommends; waits up to 5 min for another apt's lock)."""
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    t0 = time.monotonic()
    for cmd in (
        ["apt-get", *lock, "update", "-qq"],
        ["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", *CHROMIUM_PACKAGES],
    ):
        print("+", " ".join(cmd), flush=True)
        run = subprocess.run(cmd, env=env, text=True, capture_output=True, timeout=APT_TIMEOUT_S)
        assert run.returncode == 0, (
            f"{' '.join(cmd)} failed (rc {run.returncode}; SKIP_CHROMIUM=1 skips the browser "
            f"check):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
        )
    print(f"installed {' '.join(CHROMIUM_PACKAGES)} in {time.monotonic() - t0:.0f} s", flush=True)


def _chromium(exe: str, page: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium on a file, with a throwaway profile; JS gets 10 s of virtual time."""
    with tempfile.TemporaryDirectory(prefix="eqp-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        cmd += ["--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=10000"]
        cmd += [*args, page.resolve().as_uri()]
        run = subprocess.run(cmd, text=True, capture_output=True, timeout=CHROMIUM_TIMEOUT_S)
    assert run.returncode == 0, f"{' '.join(cmd)} failed:\n{run.stderr[-3000:]}"
    return run


# A page that loads the report in an iframe of the screenshot's size and, once its scripts
# have run, writes where the front page's description sits (its top edge in the viewport) and
# how it begins into <pre id="probe">, which `chromium --dump-dom` then prints. A probe, not
# the report's DOM alone, because the text can be in the DOM yet out of reach: the content
# panel centres its child vertically, so a front page taller than the window overflows at
# the top.
PROBE_HTML = """<!doctype html>
<html><body style="margin:0">
<iframe id="report" src="{src}" style="width:{w}px;height:{h}px;border:0"></iframe>
<pre id="probe">no answer</pre>
<script>
const frame = document.getElementById("report");
frame.addEventListener("load", () => setTimeout(() => {{
  const out = document.getElementById("probe");
  const doc = frame.contentDocument;
  const prose = doc && doc.querySelector("#app .prose");
  if (!doc) {{ out.textContent = JSON.stringify({{error: "report not readable"}}); return; }}
  if (!prose) {{ out.textContent = JSON.stringify({{error: "no description rendered"}}); return; }}
  const box = prose.getBoundingClientRect();
  out.textContent = JSON.stringify({{top: box.top, height: box.height, text: prose.innerText}});
}}, 1000));
</script>
</body></html>
"""


def probe_front_page(exe: str, report_html: Path) -> dict:
    """{top, height, text} of the front page's description, as Chromium lays it out."""
    probe = report_html.with_name(report_html.stem + "_probe.html")
    probe.write_text(PROBE_HTML.format(src=report_html.name, w=WINDOW[0], h=WINDOW[1]))
    try:
        dom = _chromium(exe, probe, "--allow-file-access-from-files", "--dump-dom").stdout
    finally:
        probe.unlink()
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.S)
    assert match, f"probe page printed no answer:\n{dom[-2000:]}"
    return json.loads(html.unescape(match.group(1)))


def front_page_problems(found: dict, description: str) -> list[str]:
    """The description must be rendered and begin inside the window (top edge visible)."""
    if "error" in found:
        return [f"front page: {found['error']}"]
    problems = []
    # the description's first sentence; spaces dropped (tags leave spaces in plain_text)
    first = plain_text(description).split(". ")[0][:80]
    if "".join(first.split()) not in "".join(found["text"].split()):
        problems.append(f"front page does not show {first!r}: {found['text'][:300]!r}")
    if not 0 <= found["top"] < WINDOW[1]:
        problems.append(
            f"front page: the workflow description begins at y = {found['top']:.0f} px, "
            f"outside the {WINDOW[0]} x {WINDOW[1]} window: its start cannot be read"
        )
    return problems


def screenshot_problems(
    png: Path, size: tuple[int, int] = WINDOW, rows: tuple[float, float] | None = None
) -> list[str]:
    """Why a PNG is not a rendered page: wrong size, one colour, too few colours, and (with
    ``rows``, the description's top and height from the layout probe) nothing painted in
    the rows where the description was laid out."""
    import numpy as np
    from PIL import Image

    with Image.open(png) as image:
        if image.format != "PNG":
            return [f"{png}: not a PNG ({image.format})"]
        problems = []
        if image.size != size:
            problems.append(
                f"{png}: {image.size[0]} x {image.size[1]} px, not {size[0]} x {size[1]}"
            )
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=image.width * image.height)
        pixels = np.asarray(rgb)
    dominant, background = max(colours)
    top = dominant / sum(count for count, _ in colours)
    if rows is not None:
        first, last = max(0, int(rows[0])), min(pixels.shape[0], int(rows[0] + rows[1]) + 1)
        if first >= last or (pixels[first:last] == background).all():
            problems.append(
                f"{png}: nothing painted in rows {first}-{last} where the layout put the "
                "workflow description"
            )
    if len(colours) < MIN_COLOURS:
        problems.append(f"{png}: only {len(colours)} distinct colours (< {MIN_COLOURS})")
    if top > MAX_DOMINANT_SHARE:
        problems.append(f"{png}: one colour covers {100 * top:.1f} % of the pixels: blank page")
    return problems


def check_in_browser(exe: str, report_html: Path, screenshot: Path, description: str) -> list[str]:
    """Render the report: the front page shows the workflow description; screenshot it."""
    found = probe_front_page(exe, report_html)
    problems = front_page_problems(found, description)
    rows = (found["top"], found["height"]) if "top" in found else None
    screenshot.unlink(missing_ok=True)
    _chromium(
        exe, report_html, f"--screenshot={screenshot}", f"--window-size={WINDOW[0]},{WINDOW[1]}"
    )
    if not screenshot.exists():
        return problems + [f"chromium wrote no screenshot {screenshot}"]
    return problems + screenshot_problems(screenshot, rows=rows)


def check_report(workdir: Path, configfile: Path, run_snakemake, out_dir: Path | None) -> None:
    """Build results/report.html in the finished run `workdir` and check it (AssertionError).

    run_snakemake(workdir, configfile, *args) runs snakemake there; out_dir, when given,
    receives report.html and report_screenshot.png for a person to look at."""
    t0 = time.monotonic()
    report_html = workdir / "results" / "report.html"
    built = run_snakemake(workdir, configfile, "--report", str(report_html))
    assert built.returncode == 0, f"snakemake --report failed:\n{built.stderr[-6000:]}"
    t_report = time.monotonic() - t0
    expected = dag_report_outputs(workdir, configfile)
    problems = check_report_html(report_html, workdir, expected)
    print(f"report: {len(expected)} report() outputs in the DAG, {len(problems)} problems so far")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(report_html, out_dir / "report.html")
    t1 = time.monotonic()
    exe, reason = chromium_or_reason()
    if exe is None:
        print(f"report: browser check skipped: {reason}")
    else:
        screenshot = workdir / "results" / "report_screenshot.png"
        _, _, description = report_results(report_html)
        problems += check_in_browser(exe, report_html, screenshot, description)
        if out_dir is not None and screenshot.exists():
            shutil.copy2(screenshot, out_dir / "report_screenshot.png")
    t2 = time.monotonic()
    print(
        f"report: built in {t_report:.0f} s, HTML checked in {t1 - t0 - t_report:.0f} s, "
        f"browser {'skipped' if exe is None else f'check {t2 - t1:.0f} s'}"
        + (f"; kept in {out_dir}" if out_dir is not None else ""),
        flush=True,
    )
    assert not problems, "report check failed:\n" + "\n".join(problems)
