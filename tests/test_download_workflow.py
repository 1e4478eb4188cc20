"""Download faults through the workflow itself (issue 12): the `download_kp` rule run by
Snakemake against a local server that misbehaves, not only `sources.http.fetch` in-process.

Each case runs `snakemake resources/kp/celestrak.txt` in a scratch working directory (links
to the clone's config/ and data/, nothing else) with the CelesTrak URL pointed at one route
of the server, and checks what a user would see: the rule retries a 5xx and succeeds with
the served bytes; a truncated body, an HTML error page served with status 200 and a 404
fail the run with the URL named in the job's log; and no partial or temporary file is left
under resources/ or results/.
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
KP_FILE = ROOT / "data/kp/celestrak_SW-All.txt"
TARGET = "resources/kp/celestrak.txt"
LOG = "logs/download_kp/celestrak.log"
SNAKEMAKE_TIMEOUT_S = 300


class _Handler(http.server.BaseHTTPRequestHandler):
    """/ok, /flaky/K (500 K times, then the file), /truncated, /html, /missing (404)."""

    def log_message(self, *args):
        pass

    def _send(self, code: int, body: bytes, ctype: str, length: int | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with self.server.lock:
            self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
            n = self.server.hits[self.path]
        parts = self.path.strip("/").split("/")
        body = KP_FILE.read_bytes()
        if parts[0] == "ok" or (parts[0] == "flaky" and n > int(parts[1])):
            self._send(200, body, "text/plain")
        elif parts[0] == "flaky":
            self._send(500, b"internal error\n", "text/plain")
        elif parts[0] == "truncated":  # promises the whole file, sends a tenth, hangs up
            self._send(200, body[: len(body) // 10], "text/plain", length=len(body))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif parts[0] == "html":
            page = b"<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head>"
            page += b"<body><h1>Maintenance</h1></body></html>\n"
            self._send(200, page, "text/html")
        else:
            self._send(404, b"not found\n", "text/plain")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):  # broken pipes after hang-ups
        pass


@pytest.fixture(scope="module")
def server():
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.hits, httpd.lock = {}, threading.Lock()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def run_download(route_url: str) -> tuple[subprocess.CompletedProcess, Path]:
    """`snakemake TARGET` in a fresh scratch directory with CelesTrak at ``route_url``."""
    workdir = Path(tempfile.mkdtemp(prefix="eqprecursors-download-"))
    for name in ("config", "data"):
        (workdir / name).symlink_to(ROOT / name)
    overlay = {
        "kp": {"source": "celestrak", "format": "celestrak"},
        "services": {
            "celestrak": {"url": route_url},
            "http": {"retries": 2, "backoff_s": 0.05, "timeout_s": 10},
        },
    }
    (workdir / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    cmd = [sys.executable, "-m", "snakemake", TARGET, "--cores", "1", "--nolock"]
    cmd += ["--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir)]
    cmd += ["--configfile", str(ROOT / "config/config.yaml"), str(workdir / "overlay.yaml")]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=SNAKEMAKE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"snakemake did not finish in {SNAKEMAKE_TIMEOUT_S} s:\n{out[-3000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, ""), workdir


def files_under(workdir: Path, *dirs: str) -> list[str]:
    """Every file (hidden ones included) under ``dirs`` of ``workdir``."""
    found = []
    for name in dirs:
        root = workdir / name
        if root.exists():
            found += [str(p.relative_to(workdir)) for p in root.rglob("*") if p.is_file()]
    return sorted(found)


@pytest.fixture
def cleanup():
    made = []
    yield made
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


def test_a_5xx_is_retried_and_the_served_bytes_land(server, cleanup):
    httpd, base = server
    run, workdir = run_download(f"{base}/flaky/2")
    cleanup.append(workdir)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (workdir / TARGET).read_bytes() == KP_FILE.read_bytes()
    assert httpd.hits["/flaky/2"] == 3  # two 500s, then the file
    log = (workdir / LOG).read_text()
    assert log.count("attempt 1/3 failed") == 1 and log.count("attempt 2/3 failed") == 1
    assert files_under(workdir, "resources") == [TARGET]


@pytest.mark.parametrize(
    "route, reason",
    [
        ("truncated", "giving up after 3 attempt(s)"),  # retried: a dropped connection
        ("html", "HTML"),  # an error page with status 200 is not data
        ("missing", "404"),  # a client error fails at once
    ],
)
def test_a_bad_answer_fails_naming_the_url_and_leaves_no_file(server, cleanup, route, reason):
    httpd, base = server
    url = f"{base}/{route}"
    run, workdir = run_download(url)
    cleanup.append(workdir)
    assert run.returncode != 0, run.stdout[-3000:]
    assert "Error in rule download_kp" in run.stdout
    log = (workdir / LOG).read_text()
    assert url in log and reason in log, log[-3000:]
    # neither the target nor a temporary or partial file anywhere a user would look
    assert files_under(workdir, "resources", "results") == [], files_under(workdir, "resources")
    if route == "missing":
        assert httpd.hits["/missing"] == 1  # not retried
    if route == "truncated":
        assert httpd.hits["/truncated"] == 3
