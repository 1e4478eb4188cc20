"""Downloads against a local HTTP server (127.0.0.1 only, never the network).

The server serves real IAGA-2002 files from data/iaga and misbehaves on request: 5xx a
few times, 4xx, an HTML error page with status 200, a stalled response, and a connection
that dies mid-body (Content-Length larger than what is sent).
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from eqprecursors.core.atomic import atomic_output, atomic_write_bytes
from eqprecursors.io import catalogs, iaga, kp
from eqprecursors.sources import http as download
from eqprecursors.sources.http import DownloadError

ROOT = Path(__file__).resolve().parents[1]
IAGA_DIR = ROOT / "data" / "iaga"
DAY_FILE = "bou20141101vmin.min"
FAST = 0.01  # backoff in tests: real waits, just short
IAGA_CHECK = download.get_validator("iaga2002")  # the io sniffer behind the HTML check


class _Handler(http.server.BaseHTTPRequestHandler):
    """Routes: /file/N, /flaky/CODE/K/N (CODE K times, then N), /status/CODE, /html,
    /slow/SECONDS, /slow_once/SECONDS/N, /truncated/N, /truncated_once/N. A query string
    (e.g. ?t=<uuid>) makes a path unique so each test counts its own hits."""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _count(self) -> int:
        with self.server.lock:
            self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
            return self.server.hits[self.path]

    def _send(self, code, body: bytes, ctype="application/octet-stream", length=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        n = self._count()
        parts = urlparse(self.path).path.strip("/").split("/")
        route = parts[0]
        if route == "file":
            self._send(200, (IAGA_DIR / parts[1]).read_bytes(), "text/plain")
        elif route == "flaky":
            code, times, name = int(parts[1]), int(parts[2]), parts[3]
            if n <= times:
                self._send(code, b"temporarily unavailable\n", "text/plain")
            else:
                self._send(200, (IAGA_DIR / name).read_bytes(), "text/plain")
        elif route == "status":
            code = int(parts[1])
            if code == 204:
                self.send_response(204)
                self.end_headers()
            else:
                self._send(code, f"error {code}\n".encode(), "text/plain")
        elif route == "html":
            page = b"<!DOCTYPE html>\n<html><head><title>Error</title></head>"
            page += b"<body><h1>No data for the requested period</h1></body></html>\n"
            self._send(200, page, "text/html")
        elif route == "slow":
            time.sleep(float(parts[1]))
            self._send(200, b"too late\n")
        elif route == "slow_once":
            if n == 1:
                time.sleep(float(parts[1]))
            self._send(200, (IAGA_DIR / parts[2]).read_bytes(), "text/plain")
        elif route in ("truncated", "truncated_once"):
            body = (IAGA_DIR / parts[1]).read_bytes()
            if route == "truncated" or n == 1:
                self._send(200, body[:5000], "text/plain", length=len(body))
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            else:
                self._send(200, body, "text/plain")
        else:
            self._send(404, b"no such route\n", "text/plain")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):  # broken pipes after client timeouts
        pass


class LocalServer:
    def __init__(self):
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.hits = {}
        self.httpd.lock = threading.Lock()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        """A fresh, unique URL for ``path`` (so hit counts never mix between tests)."""
        return f"{self.base}{path}?t={uuid.uuid4().hex}"

    def hits(self, url: str) -> int:
        p = urlparse(url)
        return self.httpd.hits.get(f"{p.path}?{p.query}", 0)


@pytest.fixture(scope="module")
def server():
    srv = LocalServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _only(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# ---------------------------------------------------------------- fetch


def test_success_writes_identical_bytes(server, tmp_path):
    url = server.url(f"/file/{DAY_FILE}")
    dest = tmp_path / "deep" / "er" / "BOU.min"
    got = download.fetch(url, dest, validate=IAGA_CHECK, backoff_s=FAST)
    assert got == dest
    assert dest.read_bytes() == (IAGA_DIR / DAY_FILE).read_bytes()
    assert server.hits(url) == 1
    assert _only(dest.parent) == ["BOU.min"]


@pytest.mark.parametrize("backoff_s", [FAST])
@pytest.mark.parametrize("code", [500, 503, 429])
def test_transient_status_retried_then_succeeds(server, tmp_path, backoff_s, code):
    url = server.url(f"/flaky/{code}/3/{DAY_FILE}")
    t0 = time.monotonic()
    download.fetch(url, tmp_path / "x.min", retries=4, backoff_s=backoff_s)
    elapsed = time.monotonic() - t0
    assert server.hits(url) == 4  # three failures, then the file
    assert elapsed >= backoff_s * (1 + 2 + 4)  # exponential backoff actually waited
    assert (tmp_path / "x.min").read_bytes() == (IAGA_DIR / DAY_FILE).read_bytes()


@pytest.mark.parametrize("backoff_s", [FAST])
def test_5xx_gives_up_after_retries(server, tmp_path, backoff_s):
    url = server.url(f"/flaky/500/99/{DAY_FILE}")
    with pytest.raises(DownloadError) as err:
        download.fetch(url, tmp_path / "x.min", retries=2, backoff_s=backoff_s)
    assert url in str(err.value) and "500" in str(err.value)
    assert server.hits(url) == 3
    assert _only(tmp_path) == []


@pytest.mark.parametrize("code", [400, 403, 404])
def test_4xx_raises_at_once_naming_url(server, tmp_path, code):
    url = server.url(f"/status/{code}")
    with pytest.raises(DownloadError) as err:
        download.fetch(url, tmp_path / "x.min", retries=4, backoff_s=5.0)  # no wait at all
    assert url in str(err.value) and str(code) in str(err.value)
    assert server.hits(url) == 1
    assert _only(tmp_path) == []


def test_html_body_rejected_naming_url(server, tmp_path):
    url = server.url("/html")
    with pytest.raises(DownloadError) as err:
        download.fetch(url, tmp_path / "x.min", validate=IAGA_CHECK)
    assert url in str(err.value) and "HTML" in str(err.value)
    assert server.hits(url) == 1  # content problems are not retried
    assert _only(tmp_path) == []


def test_failure_keeps_existing_file(server, tmp_path):
    dest = tmp_path / "x.min"
    dest.write_text("previous good download")
    with pytest.raises(DownloadError):
        download.fetch(server.url("/html"), dest, validate=IAGA_CHECK)
    assert dest.read_text() == "previous good download"
    assert _only(tmp_path) == ["x.min"]


def test_validator_returning_false_rejects(server, tmp_path):
    url = server.url(f"/file/{DAY_FILE}")
    with pytest.raises(DownloadError, match="rejected"):
        download.fetch(url, tmp_path / "x.min", validate=lambda content: False)
    assert _only(tmp_path) == []


@pytest.mark.parametrize("backoff_s", [FAST])
def test_timeout_retried_then_fails(server, tmp_path, backoff_s, caplog):
    """Each attempt is cut by the read timeout; none waits the 3 s for the late answer
    (which would succeed: /slow answers 200 in the end)."""
    url = server.url("/slow/3")
    with caplog.at_level("WARNING", logger=download.__name__):
        with pytest.raises(DownloadError) as err:
            download.fetch(url, tmp_path / "x.min", retries=1, backoff_s=backoff_s, timeout_s=0.3)
    assert url in str(err.value)
    assert "giving up after 2 attempt(s): ReadTimeout" in str(err.value)  # the 2nd attempt
    retried = [r.getMessage() for r in caplog.records if "attempt 1/2 failed" in r.getMessage()]
    assert len(retried) == 1 and "(ReadTimeout:" in retried[0]  # the 1st attempt
    assert server.hits(url) == 2
    assert _only(tmp_path) == []


@pytest.mark.parametrize("backoff_s", [FAST])
def test_slow_once_then_ok(server, tmp_path, backoff_s):
    url = server.url(f"/slow_once/2/{DAY_FILE}")
    download.fetch(url, tmp_path / "x.min", retries=2, backoff_s=backoff_s, timeout_s=0.3)
    assert server.hits(url) == 2
    assert (tmp_path / "x.min").read_bytes() == (IAGA_DIR / DAY_FILE).read_bytes()


@pytest.mark.parametrize("backoff_s", [FAST])
def test_interrupted_body_leaves_no_partial_file(server, tmp_path, backoff_s):
    url = server.url(f"/truncated/{DAY_FILE}")
    dest = tmp_path / "x.min"
    with pytest.raises(DownloadError) as err:
        download.fetch(url, dest, validate=IAGA_CHECK, backoff_s=backoff_s, retries=2)
    assert url in str(err.value)
    assert server.hits(url) == 3  # a dropped connection is worth retrying
    assert _only(tmp_path) == []  # neither x.min nor a .part file


@pytest.mark.parametrize("backoff_s", [FAST])
def test_interrupted_once_then_complete(server, tmp_path, backoff_s):
    url = server.url(f"/truncated_once/{DAY_FILE}")
    download.fetch(url, tmp_path / "x.min", backoff_s=backoff_s)
    assert server.hits(url) == 2
    assert (tmp_path / "x.min").read_bytes() == (IAGA_DIR / DAY_FILE).read_bytes()
    assert _only(tmp_path) == ["x.min"]


def test_connection_refused_names_url(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/nothing"
    with pytest.raises(DownloadError, match=url):
        download.fetch(url, tmp_path / "x", retries=1, backoff_s=FAST, timeout_s=1)
    assert _only(tmp_path) == []


def test_no_content_is_the_empty_result(server, tmp_path):
    """FDSN services answer 204 (or 404 to nodata=404) when no event matches: the source's
    empty result (a header-only USGS csv), valid for its validator."""
    for k, url in enumerate([server.url("/status/204"), server.url("/status/404") + "&nodata=404"]):
        dest = download.fetch(
            url,
            tmp_path / f"cat{k}.csv",
            validate=catalogs.looks_like_usgs_csv,
            empty_result=download.USGS_CSV_HEADER,
        )
        assert dest.read_bytes() == download.USGS_CSV_HEADER
    assert download.EMPTY_RESULTS["usgs_catalog"] == download.USGS_CSV_HEADER


def test_no_content_without_an_empty_result_fails(server, tmp_path):
    """A 204 from a source that has no empty result (an IAGA-2002 month) is an error, and a
    404 without nodata=404 stays one for catalogs too: never a silent empty file."""
    url = server.url("/status/204")
    with pytest.raises(DownloadError, match="204"):
        download.fetch_for_rule(url, tmp_path / "x.min", validator="iaga2002", backoff_s=FAST)
    with pytest.raises(DownloadError, match="404"):
        download.fetch_for_rule(
            server.url("/status/404"), tmp_path / "c.csv", validator="usgs_catalog"
        )
    assert _only(tmp_path) == []


def test_caller_session_is_used_and_left_open(server, tmp_path):
    with requests.Session() as session:
        url = server.url(f"/file/{DAY_FILE}")
        download.fetch(url, tmp_path / "a.min", session=session)
        download.fetch(server.url(f"/file/{DAY_FILE}"), tmp_path / "b.min", session=session)
    assert _only(tmp_path) == ["a.min", "b.min"]


def test_fetch_for_rule_uses_named_validator(server, tmp_path):
    url = server.url(f"/file/{DAY_FILE}")
    download.fetch_for_rule(url, tmp_path / "ok.min", validator="iaga2002", backoff_s=FAST)
    assert (tmp_path / "ok.min").exists()
    with pytest.raises(DownloadError, match="usgs|USGS"):
        download.fetch_for_rule(url, tmp_path / "no.csv", validator="usgs_catalog")
    with pytest.raises(ValueError, match="unknown validator"):
        download.fetch_for_rule(url, tmp_path / "x", validator="nope")


def test_file_url(tmp_path):
    src = IAGA_DIR / DAY_FILE
    dest = download.fetch(
        src.as_uri(), tmp_path / "copy.min", validate=download.VALIDATORS["iaga2002"]
    )
    assert dest.read_bytes() == src.read_bytes()
    with pytest.raises(DownloadError, match="copy2.csv|unexpected content"):
        download.fetch(src.as_uri(), tmp_path / "copy2.csv", validate=catalogs.looks_like_usgs_csv)
    assert _only(tmp_path) == ["copy.min"]


def test_atomic_write_bytes_cleans_up_on_error(tmp_path):
    dest = tmp_path / "out.bin"
    with pytest.raises(RuntimeError), atomic_output(dest) as fh:
        fh.write(b"half")
        raise RuntimeError("interrupted")
    assert _only(tmp_path) == []
    atomic_write_bytes(dest, b"whole")
    assert dest.read_bytes() == b"whole" and _only(tmp_path) == ["out.bin"]


# ---------------------------------------------------------------- validators

IAGA_FILES = sorted(IAGA_DIR.glob("*.min")) + sorted(
    p for p in (ROOT / "tests/data/iaga").glob("*") if p.suffix in {".sec", ".hor", ".day"}
)


@pytest.mark.parametrize("path", IAGA_FILES, ids=lambda p: p.name)
def test_real_iaga_files_pass(path):
    assert iaga.looks_like_iaga2002(path.read_bytes())
    assert IAGA_CHECK(path.read_bytes())


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body>Service Unavailable</body></html>",
        b"\n\n<!DOCTYPE HTML PUBLIC><HTML><BODY>error</BODY></HTML>",
        b"time,latitude,longitude,depth,mag\n",
        b" Format                 IAGA-2002                                    |\n",
        b"",
    ],
)
def test_iaga_validator_rejects(content):
    with pytest.raises(ValueError):
        IAGA_CHECK(content)


def test_catalog_and_kp_validators():
    usgs = (ROOT / "data/catalog/usgs_comcat_M5plus_global_2022-2024_seismostats.csv").read_bytes()
    assert catalogs.looks_like_usgs_csv(usgs)  # with its BOM
    assert catalogs.looks_like_usgs_csv(usgs[3:])
    webvalley = ROOT / "data/catalog/usgs_M5plus_global_2013-07_2024-07_webvalley_eq.csv"
    assert catalogs.looks_like_usgs_csv(webvalley.read_bytes()[:2000])
    isc = (ROOT / "tests/data/catalog/isc_catcsv_constructed.html").read_bytes()
    assert catalogs.looks_like_isc_catcsv(isc)
    for bad in (b"<html><body>Error 500</body></html>", (IAGA_DIR / DAY_FILE).read_bytes()):
        with pytest.raises(ValueError):
            catalogs.looks_like_usgs_csv(bad)
        with pytest.raises(ValueError):
            catalogs.looks_like_isc_catcsv(bad)
        with pytest.raises(ValueError):
            kp.looks_like_kp(bad)
    kp_files = {
        "celestrak_kp": ROOT / "data/kp/celestrak_SW-All.txt",
        "gfz_kp": ROOT / "tests/data/kp/Kp_ap_Ap_SN_F107_since_2024.txt",
        "gfz_json_kp": ROOT / "tests/data/kp/gfz_kp_2024-05-10_12.json",
    }
    for name, path in kp_files.items():
        content = path.read_bytes()
        assert kp.looks_like_kp(content)
        assert download.get_validator(name)(content)
        others = [v for k, v in kp_files.items() if k != name]
        with pytest.raises(ValueError):
            download.get_validator(name)(others[0].read_bytes())
    assert download.get_validator(None) is None and download.get_validator("none") is None
