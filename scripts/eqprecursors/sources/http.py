"""Robust downloads: retries with backoff, format checks, atomic writes.

Data services fail in ordinary ways: a 503 during maintenance, a connection dropped half
way through a month of minute data, or a 200 whose body is an HTML error page. Snakemake
trusts any file that exists, so a download must either produce the complete, plausible
file or nothing at all: bytes go to a temporary file in the destination directory and are
renamed into place (``os.replace``, atomic on POSIX) only after they pass the checks.
Each check is the format sniffer of :mod:`eqprecursors.io` for that source; the request
URLs are built in :mod:`eqprecursors.sources.urls`.

An FDSN event service answers a query that matches nothing with "204 No Content" (or 404
when the query says ``nodata=404``; FDSN Web Service Specifications 1.2, fdsn.org/
webservices). That is a result, not a failure: for a source with an *empty result*
(:data:`EMPTY_RESULTS`, the USGS csv header line) it becomes a header-only file and a log
line "0 events"; any other source fails on a 204, so an empty body never passes silently.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import requests

from eqprecursors.core.atomic import atomic_output
from eqprecursors.io import catalogs, iaga, kp

log = logging.getLogger(__name__)

#: HTTP statuses worth retrying besides 5xx: request timeout and rate limiting.
TRANSIENT_STATUS = {408, 429}
USER_AGENT = "eqprecursors/0.1 (reproducible research workflow; python-requests)"
_CHUNK = 1 << 16
_MAX_RETRY_AFTER_S = 120.0

#: The header of the USGS FDSN ``format=csv`` answer (earthquake.usgs.gov/fdsnws/event/1),
#: written alone when a catalog query matches no event.
USGS_CSV_HEADER = (
    b"time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type,"
    b"horizontalError,depthError,magError,magNst,status,locationSource,magSource\n"
)
#: Validator name -> the file that stands for "nothing matched" (see the module docstring).
EMPTY_RESULTS: dict[str, bytes] = {"usgs_catalog": USGS_CSV_HEADER}


class DownloadError(RuntimeError):
    """A download that failed for good; the message always names the URL."""


class _Transient(Exception):
    """A failure worth another attempt (timeout, dropped connection, 5xx)."""


# --------------------------------------------------------------------------------------
# fetching
# --------------------------------------------------------------------------------------


def fetch(
    url: str,
    dest,
    *,
    validate: Callable[[bytes], object] | None = None,
    retries: int = 4,
    backoff_s: float = 1.0,
    timeout_s: float = 60,
    session: requests.Session | None = None,
    empty_result: bytes | None = None,
) -> Path:
    """Download ``url`` to ``dest`` atomically and return ``dest``.

    Up to ``retries`` further attempts follow a timeout, a connection error, a truncated
    body (fewer bytes than Content-Length) or an HTTP 5xx/408/429, waiting
    ``backoff_s * 2**k`` seconds before retry k (or the server's Retry-After, capped).
    Any other 4xx fails at once. ``validate(content)`` may raise ValueError (or return
    False) to reject a body, e.g. an HTML error page served with status 200; that is final,
    not retried. Every failure raises :class:`DownloadError` naming the URL and leaves
    neither ``dest`` (an older ``dest`` stays untouched) nor a temporary file behind.
    ``file://`` URLs are copied with the same checks (local mirrors, tests).

    ``empty_result``: the bytes to write when the service says it found nothing (HTTP 204,
    or 404 to a query with ``nodata=404``); without it such an answer is a DownloadError.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if urlparse(url).scheme == "file":
        return _fetch_file(url, dest, validate)
    own_session = session is None
    if own_session:
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
    try:
        last: Exception | None = None
        for attempt in range(retries + 1):
            if attempt:
                wait = backoff_s * 2 ** (attempt - 1)
                wait = max(wait, getattr(last, "retry_after", 0.0) or 0.0)
                log.warning(
                    "%s: attempt %d/%d failed (%s); retrying in %.2f s",
                    url,
                    attempt,
                    retries + 1,
                    last,
                    wait,
                )
                time.sleep(wait)
            try:
                _attempt(session, url, dest, validate, timeout_s, empty_result)
            except _Transient as exc:
                last = exc
                continue
            log.info("%s -> %s (%d bytes)", url, dest, dest.stat().st_size)
            return dest
        raise DownloadError(f"{url}: giving up after {retries + 1} attempt(s): {last}")
    finally:
        if own_session:
            session.close()


def _attempt(session, url, dest, validate, timeout_s, empty_result=None) -> None:
    try:
        resp = session.get(url, stream=True, timeout=timeout_s)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise _Transient(f"{type(exc).__name__}: {exc}") from exc
    with resp:
        status = resp.status_code
        if status >= 500 or status in TRANSIENT_STATUS:
            err = _Transient(f"HTTP {status} {resp.reason}")
            err.retry_after = _retry_after(resp)
            raise err
        if _is_no_data(url, status):
            if empty_result is None:
                raise DownloadError(f"{url}: HTTP {status} {resp.reason}: the service has no data")
            with atomic_output(dest) as fh:
                fh.write(empty_result)
                if validate is not None:
                    fh.flush()
                    _validate(url, validate, empty_result)
            log.info("%s: HTTP %d, nothing matched: wrote the empty result", url, status)
            return
        if status >= 400:
            raise DownloadError(f"{url}: HTTP {status} {resp.reason}")
        with atomic_output(dest) as fh:
            n = 0
            try:
                for chunk in resp.iter_content(_CHUNK):
                    fh.write(chunk)
                    n += len(chunk)
            except (
                requests.Timeout,
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                raise _Transient(f"body interrupted after {n} bytes: {exc}") from exc
            expected = resp.headers.get("Content-Length")
            if expected and not resp.headers.get("Content-Encoding"):
                if expected.isdigit() and n != int(expected):
                    raise _Transient(f"body incomplete: {n} of {expected} bytes")
            if validate is not None:
                fh.flush()
                _validate(url, validate, Path(fh.name).read_bytes())


def _is_no_data(url: str, status: int) -> bool:
    """An FDSN "no data" answer: 204, or 404 where the query asked for ``nodata=404``."""
    if status == 204:
        return True
    return status == 404 and "404" in parse_qs(urlparse(url).query).get("nodata", [])


def _validate(url, validate, content: bytes) -> None:
    try:
        ok = validate(content)
    except ValueError as exc:
        raise DownloadError(f"{url}: unexpected content: {exc}") from exc
    if ok is False:
        name = getattr(validate, "__name__", "validator")
        raise DownloadError(f"{url}: unexpected content (rejected by {name})")


def _retry_after(resp) -> float:
    value = resp.headers.get("Retry-After", "")
    try:
        return min(float(value), _MAX_RETRY_AFTER_S)
    except ValueError:
        return 0.0


def _fetch_file(url, dest, validate) -> Path:
    src = Path(unquote(urlparse(url).path))
    try:
        with src.open("rb") as fin, atomic_output(dest) as fout:
            shutil.copyfileobj(fin, fout)
            if validate is not None:
                fout.flush()
                _validate(url, validate, Path(fout.name).read_bytes())
    except OSError as exc:
        raise DownloadError(f"{url}: {exc}") from exc
    return dest


def fetch_for_rule(
    url: str,
    dest,
    *,
    validator: str | None = None,
    retries: int = 4,
    backoff_s: float = 1.0,
    timeout_s: float = 60,
) -> Path:
    """:func:`fetch` with a validator named in the workflow (see :data:`VALIDATORS`).

    A catalog's log says how many events came (``0 events`` for an empty result)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
        )
    out = fetch(
        url,
        dest,
        validate=get_validator(validator),
        retries=retries,
        backoff_s=backoff_s,
        timeout_s=timeout_s,
        empty_result=EMPTY_RESULTS.get(validator or ""),
    )
    if validator == "usgs_catalog":
        log.info("%s: %d events", out, count_csv_rows(out))
    return out


def count_csv_rows(path) -> int:
    """Data rows of a one-header-line csv (a quoted field holds no newline in USGS csv)."""
    with open(path, "rb") as fh:
        lines = [line for line in fh if line.strip()]
    return max(len(lines) - 1, 0)


# --------------------------------------------------------------------------------------
# validators: the io sniffers, behind a check for HTML error pages served with status 200
# --------------------------------------------------------------------------------------

_HTML_RE = re.compile(rb"<\s*(!doctype\s+html|html|head|body)\b", re.I)


def _no_html(check: Callable[[bytes], bool]) -> Callable[[bytes], bool]:
    """``check`` preceded by the rejection of an HTML page (a service's error page)."""

    def validate(content: bytes) -> bool:
        if _HTML_RE.search(content[:4096]):
            raise ValueError(f"an HTML page, not data: {content[:80].decode('latin-1')!r}")
        return check(content)

    validate.__name__ = getattr(check, "__name__", "validate")
    return validate


#: Validator names used by the workflow's download rules. The ISC wraps its CSV in HTML.
VALIDATORS: dict[str, Callable[[bytes], bool]] = {
    "iaga2002": _no_html(iaga.looks_like_iaga2002),
    "usgs_catalog": _no_html(catalogs.looks_like_usgs_csv),
    "isc_catalog": catalogs.looks_like_isc_catcsv,
    "gfz_kp": _no_html(kp.looks_like_gfz_kp),
    "gfz_json_kp": kp.looks_like_gfz_json,
    "celestrak_kp": _no_html(kp.looks_like_celestrak),
    "kp": _no_html(kp.looks_like_kp),
}


def get_validator(name: str | None) -> Callable[[bytes], bool] | None:
    """The validator called ``name`` (``None``/``"none"``: no check)."""
    if name in (None, "", "none"):
        return None
    try:
        return VALIDATORS[name]
    except KeyError:
        raise ValueError(f"unknown validator {name!r}; known: {sorted(VALIDATORS)}") from None
