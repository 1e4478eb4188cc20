"""Robust downloads: retries with backoff, format checks, atomic writes.

Data services fail in ordinary ways: a 503 during maintenance, a connection dropped half
way through a month of minute data, or a 200 whose body is an HTML error page. Snakemake
trusts any file that exists, so a download must either produce the complete, plausible
file or nothing at all: bytes go to a temporary file in the destination directory and are
renamed into place (``os.replace``, atomic on POSIX) only after they pass the checks.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlencode, urlparse

import requests

from eqprecursors.core.atomic import atomic_path, atomic_write_bytes  # noqa: F401 (re-export)

log = logging.getLogger(__name__)

#: HTTP statuses worth retrying besides 5xx: request timeout and rate limiting.
TRANSIENT_STATUS = {408, 429}
USER_AGENT = "eqprecursors/0.1 (reproducible research workflow; python-requests)"
_CHUNK = 1 << 16
_MAX_RETRY_AFTER_S = 120.0


class DownloadError(RuntimeError):
    """A download that failed for good; the message always names the URL."""


class _Transient(Exception):
    """A failure worth another attempt (timeout, dropped connection, 5xx)."""


# --------------------------------------------------------------------------------------
# atomic files
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path):
    """Yield a binary file handle whose content replaces ``path`` only on success."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # fh.name: validators read it
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


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
                _attempt(session, url, dest, validate, timeout_s)
            except _Transient as exc:
                last = exc
                continue
            log.info("%s -> %s (%d bytes)", url, dest, dest.stat().st_size)
            return dest
        raise DownloadError(f"{url}: giving up after {retries + 1} attempt(s): {last}")
    finally:
        if own_session:
            session.close()


def _attempt(session, url, dest, validate, timeout_s) -> None:
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
    """:func:`fetch` with a validator named in the workflow (see :data:`VALIDATORS`)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
        )
    return fetch(
        url,
        dest,
        validate=get_validator(validator),
        retries=retries,
        backoff_s=backoff_s,
        timeout_s=timeout_s,
    )


# --------------------------------------------------------------------------------------
# validators: raise ValueError saying why, return True when the content looks right
# --------------------------------------------------------------------------------------

_HTML_RE = re.compile(rb"<\s*(!doctype\s+html|html|head|body)\b", re.I)


def _text_head(content: bytes, n: int = 1 << 16) -> str:
    return content[:n].removeprefix(b"\xef\xbb\xbf").decode("latin-1")


def _reject_html(content: bytes) -> None:
    if _HTML_RE.search(content[:4096]):
        raise ValueError(f"an HTML page, not data: {_snippet(content)}")


def _snippet(content: bytes) -> str:
    return repr(content[:80].decode("latin-1"))


def looks_like_iaga2002(content: bytes) -> bool:
    """IAGA-2002 text: first line `` Format  IAGA-2002``, a ``DATE  TIME  DOY`` column line.

    A header without data rows is accepted (a month the observatory did not report);
    downstream decoding deals with gaps.
    """
    _reject_html(content)
    text = _text_head(content)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not re.match(r"^\s*Format\s+IAGA-2002\b", lines[0], re.I):
        raise ValueError(f"first line is not ' Format  IAGA-2002': {_snippet(content)}")
    if not re.search(r"^\s?DATE\s+TIME\s+DOY\b", text, re.M):
        raise ValueError("no 'DATE       TIME         DOY' column header line")
    return True


def looks_like_usgs_csv(content: bytes) -> bool:
    """USGS FDSN csv: a header line naming time, latitude, longitude. Empty is allowed:
    an FDSN service answers 204 No Content when no event matches."""
    if not content.strip():
        return True
    _reject_html(content)
    first = _text_head(content, 4096).splitlines()[0].lower()
    cols = {c.strip() for c in first.split(",")}
    if not ({"latitude", "longitude"} <= cols and ({"time", "trigger_time"} & cols)):
        raise ValueError(f"not a USGS csv header: {_snippet(content)}")
    return True


def looks_like_isc_catcsv(content: bytes) -> bool:
    """ISC CATCSV page: the ``EVENTID,...`` column line, or the ISC's "No events" notice.
    (The ISC wraps the CSV in HTML, so HTML alone is no reason to reject.)"""
    text = content.decode("latin-1")
    if re.search(r"^\s*EVENTID\s*,", text, re.M):
        return True
    if "no events were found" in text.lower():
        return True
    raise ValueError(f"no ISC CATCSV 'EVENTID,...' line: {_snippet(content)}")


def looks_like_celestrak(content: bytes) -> bool:
    """CelesTrak SW-All: a ``BEGIN OBSERVED`` block."""
    _reject_html(content)
    if b"BEGIN OBSERVED" not in content:
        raise ValueError(f"no 'BEGIN OBSERVED' block (CelesTrak SW-All): {_snippet(content)}")
    return True


def looks_like_gfz_kp(content: bytes) -> bool:
    """GFZ ``Kp_ap_Ap_SN_F107`` text: ``#`` header lines, then rows of >= 28 columns."""
    _reject_html(content)
    text = _text_head(content, 1 << 17)
    data = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not text.startswith("#") or not data or len(data[0].split()) < 28:
        raise ValueError(f"not a GFZ Kp_ap_Ap_SN_F107 file: {_snippet(content)}")
    return True


def looks_like_gfz_json(content: bytes) -> bool:
    """GFZ JSON API answer: an object with ``datetime`` and ``Kp`` arrays."""
    try:
        obj = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON ({exc}): {_snippet(content)}") from exc
    if not isinstance(obj, dict) or "datetime" not in obj or "Kp" not in obj:
        raise ValueError("JSON lacks the 'datetime' and 'Kp' arrays of the GFZ Kp API")
    return True


def looks_like_kp(content: bytes) -> bool:
    """Any Kp source this workflow reads: CelesTrak, GFZ text or GFZ JSON."""
    reasons = []
    for check in (looks_like_celestrak, looks_like_gfz_kp, looks_like_gfz_json):
        try:
            return check(content)
        except ValueError as exc:
            reasons.append(str(exc))
    raise ValueError("not a Kp file: " + "; ".join(reasons))


#: Validator names used by the workflow's download rules.
VALIDATORS: dict[str, Callable[[bytes], bool]] = {
    "iaga2002": looks_like_iaga2002,
    "usgs_catalog": looks_like_usgs_csv,
    "isc_catalog": looks_like_isc_catcsv,
    "gfz_kp": looks_like_gfz_kp,
    "gfz_json_kp": looks_like_gfz_json,
    "celestrak_kp": looks_like_celestrak,
    "kp": looks_like_kp,
}


def get_validator(name: str | None) -> Callable[[bytes], bool] | None:
    """The validator called ``name`` (``None``/``"none"``: no check)."""
    if name in (None, "", "none"):
        return None
    try:
        return VALIDATORS[name]
    except KeyError:
        raise ValueError(f"unknown validator {name!r}; known: {sorted(VALIDATORS)}") from None


# --------------------------------------------------------------------------------------
# INTERMAGNET (BGS Edinburgh GIN)
# --------------------------------------------------------------------------------------


def intermagnet_url(
    base_url: str,
    *,
    iaga_code: str,
    start: date,
    duration_days: int,
    publication_state: str = "best-avail",
    samples_per_day: str = "minute",
    orientation: str | None = None,
) -> str:
    """BGS GIN web service ``GetData`` URL for one observatory, as IAGA-2002.

    Parameters as documented at https://imag-data.bgs.ac.uk/GIN_V1/ (Request=GetData;
    ``observatoryIagaCode``, ``samplesPerDay`` = minute|second, ``publicationState`` =
    best-avail|definitive|quasi-definitive|provisional|adj-or-rep, ``dataStartDate`` as
    yyyy-mm-dd, ``dataDuration`` in days, ``format=iaga2002``, ``testObsys=0`` for real
    rather than test observatories), and as used by public clients, e.g.
    ``GINServices?Request=GetData&format=IAGA2002&testObsys=0&observatoryIagaCode=ARS&
    samplesPerDay=minute&publicationState=...&dataStartDate=...&dataDuration=...``.
    ``base_url`` is the ``.../GIN_V1/GINServices`` endpoint or the host root.
    ``orientation`` (e.g. ``native``) is passed on only when given.
    """
    if duration_days < 1:
        raise ValueError(f"duration_days must be >= 1, got {duration_days}")
    if not re.fullmatch(r"[A-Za-z0-9]{3}", iaga_code):
        raise ValueError(f"not an IAGA observatory code: {iaga_code!r}")
    url = base_url.rstrip("/")
    if not url.endswith("GINServices"):
        url += "/GIN_V1/GINServices"
    params = {
        "Request": "GetData",
        "format": "iaga2002",
        "testObsys": "0",
        "observatoryIagaCode": iaga_code.upper(),
        "samplesPerDay": samples_per_day,
        "publicationState": publication_state,
        "dataStartDate": start.isoformat(),
        "dataDuration": str(int(duration_days)),
    }
    if orientation:
        params["orientation"] = orientation
    return f"{url}?{urlencode(params)}"


def month_starts(start: date, end: date) -> list[date]:
    """First-of-month dates of every month that overlaps ``start``..``end`` (both inclusive).

    One GIN request per observatory and month keeps each download small enough to retry
    cheaply and gives Snakemake one file per month to track.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def days_in_month(first: date) -> int:
    """Number of days of ``first``'s month (the ``dataDuration`` of a monthly request)."""
    return calendar.monthrange(first.year, first.month)[1]
