"""A stand-in for the real data services on 127.0.0.1, serving real bundled files.

It answers the same paths and query parameters as the BGS GIN web service, the USGS FDSN
event service and the GFZ/CelesTrak Kp downloads, so that the workflow's download rules run
end to end without the internet. Requests are logged so tests can count them.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parents[1]

# (observatory, first day of the month) -> real IAGA-2002 file
GIN_FILES = {("BOU", "2016-01-01"): ROOT / "data/iaga/BOU201601adj.min"}
FDSN_FILE = ROOT / "data/catalog/usgs_comcat_M5plus_global_2022-2024_seismostats.csv"
STATIC = {
    "/app/files/Kp_ap_Ap_SN_F107_since_1932.txt": ROOT
    / "tests/data/kp/Kp_ap_Ap_SN_F107_since_2024.txt",
    "/SpaceData/SW-All.txt": ROOT / "data/kp/celestrak_SW-All.txt",
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append(self.path)
        body = None
        if url.path.endswith("/GIN_V1/GINServices"):
            key = (query.get("observatoryIagaCode", "").upper(), query.get("dataStartDate", ""))
            path = GIN_FILES.get(key)
            body = path.read_bytes() if path else None
        elif url.path.endswith("/fdsnws/event/1/query") and query.get("format") == "csv":
            body = FDSN_FILE.read_bytes()
        elif url.path in STATIC:
            body = STATIC[url.path].read_bytes()
        if body is None:
            self.send_error(404, "no such file on the fake service")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


class FakeServices:
    """Context manager: `with FakeServices() as svc: svc.base` is http://127.0.0.1:PORT."""

    def __enter__(self) -> FakeServices:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.requests = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[str]:
        return self.server.requests

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
