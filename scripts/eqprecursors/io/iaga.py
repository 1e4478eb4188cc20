"""IAGA-2002 geomagnetic observatory files: the reader, the frame mapping and the sniffer.

Why a hand-written reader: a year of 1-second data is ~2.7 GB of text and the workflow decodes
every observatory on every run, so the data block is parsed in bulk.  When every data line
has the standard fixed 70-character layout (the normal case) the block is viewed as a byte
matrix and the date, time and F10.2 value fields are decoded with SWAR integer arithmetic
(eight ASCII characters per uint64 operation) after a strict per-field template check.
Anything that does not match the template exactly falls back to a whitespace-splitting
regular-expression parser, which is also the single source of error messages, so a damaged
file always yields an :class:`IagaFormatError` naming the file and the 1-based line number.

Format facts (INTERMAGNET technical manual, IAGA-2002): header lines start with a space and
end with ``|``; comment lines start with `` #``; the column-header line starts with
``DATE       TIME         DOY`` and names each element as IAGA code + one letter (mapped by
letter, never by position); ``99999.00`` is missing and ``88888.00`` not recorded.  The
writer is :mod:`.iaga_writer`; merging, the gap policy and the netCDF product are
:mod:`eqprecursors.ground.decode`.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from eqprecursors.core.times import NS_PER_DAY, NS_PER_S
from eqprecursors.io.parsing import FormatError

__all__ = [
    "FRAME_GEOGRAPHIC",
    "FRAME_SENSOR_HEZ",
    "IagaFormatError",
    "IagaRecord",
    "looks_like_iaga2002",
    "read_iaga",
    "to_geographic",
]

MISSING = 99999.0  # IAGA-2002: value missing
NOT_RECORDED = 88888.0  # IAGA-2002: element not recorded
FRAME_GEOGRAPHIC = "geographic XYZ"
FRAME_SENSOR_HEZ = "sensor HEZ"
IAGA_SUFFIXES = (".min", ".sec", ".hor", ".day", ".mon", ".yr", ".iaga", ".txt")
LINE_WIDTH = 70

# datetime64[ns] covers 1677-09-21 .. 2262-04-11; whole years inside that range only.
_YEAR_MIN, _YEAR_MAX = 1678, 2261


class IagaFormatError(FormatError):
    """Malformed IAGA-2002 input.  The message always names the file and the 1-based line."""

    def __init__(self, path, line: int, message: str):
        self.path = str(path)
        self.line = int(line)
        self.reason = message
        super().__init__(f"{self.path}, line {self.line}: {message}")


@dataclass
class IagaRecord:
    """One decoded IAGA-2002 file (or zip member)."""

    path: str
    header: dict[str, str]
    iaga_code: str
    latitude: float
    longitude: float
    elevation: float
    data_type: str
    elements: str
    time: np.ndarray
    values: dict[str, np.ndarray]
    #: 1-based line number of the first data row (row ``i`` is line ``first_data_line + i``).
    first_data_line: int = 0
    #: lower-cased header label -> 1-based line number, so later checks can name the line.
    label_lines: dict[str, int] = field(default_factory=dict)


# ======================================================================================
# reading
# ======================================================================================
def read_iaga(path) -> list[IagaRecord]:
    """Read a plain, gzip (.gz) or zip (.zip, every IAGA member) IAGA-2002 file.

    Always returns a list so callers treat single files and bundles alike.  Compression is
    recognised by magic bytes as well as by suffix (downloads are often mislabelled).
    """
    p = os.fspath(path)
    with open(p, "rb") as fh:
        raw = fh.read()
    if raw[:4] == b"PK\x03\x04" or (p.lower().endswith(".zip") and raw[:2] != b"\x1f\x8b"):
        return _read_zip(p, raw)
    if raw[:2] == b"\x1f\x8b" or p.lower().endswith(".gz"):
        raw = _gunzip(p, raw)
    return [_parse(p, raw)]


def _gunzip(path: str, raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise IagaFormatError(path, 1, f"corrupt gzip stream ({exc})") from None


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, ValueError)


def _read_zip(path: str, raw: bytes) -> list[IagaRecord]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        infos = sorted(
            (i for i in zf.infolist() if not i.is_dir() and not _hidden_member(i.filename)),
            key=lambda i: i.filename,
        )
        chosen = [i for i in infos if _iaga_name(i.filename)]
        contents = {i.filename: zf.read(i) for i in (chosen or infos)}
    except _ZIP_ERRORS as exc:  # ValueError: e.g. "negative seek value" from a bad offset
        raise IagaFormatError(path, 1, f"corrupt zip archive ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # unsupported method / encrypted
        raise IagaFormatError(path, 1, f"unreadable zip archive ({exc})") from None
    records = []
    for name, data in contents.items():
        member = f"{path}!{name}"
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(member, data)
        if not chosen and b"IAGA-2002" not in data[:400].upper():
            continue  # not an IAGA member (README, checksum, ...)
        records.append(_parse(member, data))
    if not records:
        raise IagaFormatError(path, 1, "zip archive holds no IAGA-2002 member")
    return records


def _iaga_name(name: str) -> bool:
    return name.lower().removesuffix(".gz").endswith(IAGA_SUFFIXES)


def _hidden_member(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith(".")


_DATA_START = re.compile(rb"\s*\d")
_NON_BLANK = re.compile(rb"\S")


def _parse(path: str, raw: bytes) -> IagaRecord:
    """Header scan (line by line, it is short) then bulk decoding of the data block."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if _NON_BLANK.search(raw) is None:
        raise IagaFormatError(path, 1, "empty file")
    header: dict[str, str] = {}
    label_lines: dict[str, int] = {}
    comments: list[str] = []
    pos, lineno, n = 0, 0, len(raw)
    while True:
        if pos >= n:
            raise IagaFormatError(
                path, lineno + 1, "missing 'DATE TIME DOY' column-header line (end of file)"
            )
        end = raw.find(b"\n", pos)
        stop = n if end < 0 else end
        text = raw[pos:stop].rstrip(b"\r").decode("latin-1")
        pos = n if end < 0 else end + 1
        lineno += 1
        if text[:4].upper() == "DATE":
            letters, codes = _column_line(path, lineno, text)
            break
        stripped = text.strip()
        if not stripped:
            continue
        if text.startswith(" ") and not _DATA_START.match(text.encode("latin-1")):
            body = stripped.removesuffix("|").strip()
            if body.startswith("#"):
                comments.append(body[1:].strip())
                continue
            label, value = _split_header(text)
            key = label.lower()
            header[key] = value
            label_lines[key] = lineno
            continue
        if _DATA_START.match(text.encode("latin-1")):
            msg = "missing 'DATE TIME DOY' column-header line before the first data line"
        else:
            msg = f"unrecognised header line {text[:40]!r}"
        raise IagaFormatError(path, lineno, msg)
    if comments:
        header["comments"] = "\n".join(comments)

    first = lineno + 1
    k = len(letters)
    parsed = _fast_block(path, raw, pos, k, first)
    if parsed is None:
        parsed = _slow_block(path, raw[pos:], k, first)
    time, vals = parsed
    check_monotonic(path, time, first)

    code = header.get("iaga code", "").strip().upper() or (codes[0].upper() if codes else "")
    lon = _header_float(path, header, label_lines, "geodetic longitude")
    if lon > 180.0:
        lon = round(lon - 360.0, 9)  # spec allows 0..360 east; keep -180..180
    return IagaRecord(
        path=path,
        header=header,
        iaga_code=code,
        latitude=_header_float(path, header, label_lines, "geodetic latitude"),
        longitude=lon,
        elevation=_header_float(path, header, label_lines, "elevation"),
        data_type=header.get("data type", "").strip(),
        elements="".join(letters),
        time=time,
        values={c: vals[:, j].copy() for j, c in enumerate(letters)},
        first_data_line=first,
        label_lines=label_lines,
    )


def _column_line(path: str, lineno: int, text: str) -> tuple[list[str], list[str]]:
    tokens = text.replace("|", " ").split()
    if len(tokens) < 4 or [t.upper() for t in tokens[:3]] != ["DATE", "TIME", "DOY"]:
        raise IagaFormatError(path, lineno, f"malformed column-header line {text[:40]!r}")
    names = tokens[3:]
    if len(names) > 8 or any(len(nm) < 2 for nm in names):
        raise IagaFormatError(path, lineno, f"malformed element names {names!r}")
    letters = [nm[-1].upper() for nm in names]
    if len(set(letters)) != len(letters):
        raise IagaFormatError(path, lineno, f"duplicate element letters in {names!r}")
    return letters, [nm[:-1] for nm in names]


def _split_header(text: str) -> tuple[str, str]:
    """Fixed columns (label 2-24, value 25-69) when the line follows them, else 2+ spaces."""
    t = text.rstrip().removesuffix("|").rstrip()
    region = t[1:24].rstrip()
    if len(t) > 24 and t[0] == " " and t[23] == " " and "  " not in region.strip():
        return region.strip(), t[24:].strip()
    m = re.match(r"\s*(.*?)(?:\s{2,}(.*))?$", t)
    return m.group(1).strip(), (m.group(2) or "").strip()


def _header_float(path, header, label_lines, key) -> float:
    text = header.get(key, "").strip()
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise IagaFormatError(path, label_lines[key], f"unparsable number {text!r} for {key!r}")
    return value


def check_monotonic(path: str, time: np.ndarray, first: int) -> None:
    if time.size > 1:
        bad = np.flatnonzero(np.diff(time) <= np.timedelta64(0, "ns"))
        if bad.size:
            i = int(bad[0])
            raise IagaFormatError(
                path,
                first + i + 1,
                f"time {time[i + 1]} is not after the previous row's {time[i]} "
                "(non-monotonic or duplicate time stamp)",
            )


# --------------------------------------------------------------------------------------
# fast path: standard fixed layout, SWAR digit arithmetic
# --------------------------------------------------------------------------------------
def _u64(s: bytes) -> np.uint64:
    return np.uint64(int.from_bytes(s, "little"))


_LO = _u64(b"\x0f" * 8)
_HI = _u64(b"\xf0" * 8)
_K30 = _u64(b"\x30" * 8)
_K06 = _u64(b"\x06" * 8)
_K10 = _u64(b"\x10" * 8)
_M16 = _u64(b"\xff\x00" * 4)
_M32 = _u64(b"\xff\xff\x00\x00" * 2)
_T_DATE = _u64(b"0000-00-")
_T_TIME = _u64(b"00:00:00")
_T_MSDOY = _u64(b".000 000")
# Integer part + point of an F10.2 field: ' '*s, optional '-', digits (>= 1), '.'.
_FIELD_TEMPLATES = sorted(
    (int.from_bytes((b" " * s + b"-" * neg).ljust(7, b"0") + b".", "little"), neg)
    for s in range(7)
    for neg in (0, 1)
    if s + neg <= 6
)
_FIELD_KEYS = np.array([t for t, _ in _FIELD_TEMPLATES], dtype=np.uint64)
_FIELD_NEG = np.array([neg for _, neg in _FIELD_TEMPLATES], dtype=bool)


def _digit_lanes(w: np.ndarray) -> np.ndarray:
    """0x0F in every byte of ``w`` that is an ASCII digit, 0x00 elsewhere (SWAR)."""
    c = ((w & _HI) ^ _K30) | (((w & _LO) + _K06) & _HI)  # high nibble != 3 or low > 9
    nd = (c | (c >> np.uint64(1)) | (c >> np.uint64(2)) | (c >> np.uint64(3))) & _K10
    return ((nd ^ _K10) >> np.uint64(4)) * np.uint64(15)


def _swar8(d: np.ndarray) -> np.ndarray:
    """Eight digit bytes (0..9, first byte most significant) -> their decimal value."""
    d = (d * np.uint64(2561)) >> np.uint64(8)
    d = ((d & _M16) * np.uint64(6553601)) >> np.uint64(16)
    return ((d & _M32) * np.uint64(42949672960001)) >> np.uint64(32)


def _word8(a: np.ndarray, start: int) -> np.ndarray:
    return np.ascontiguousarray(a[:, start : start + 8]).view("<u8").reshape(a.shape[0])


def _two_digits(a: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-character decimal field -> (value, ok) from a strided byte matrix."""
    hi = a[:, start] - np.uint8(48)
    lo = a[:, start + 1] - np.uint8(48)
    ok = (hi <= 9) & (lo <= 9)
    return hi.astype(np.int64) * 10 + lo, ok


def _fast_block(path, raw: bytes, pos: int, k: int, first: int):
    """Decode a block in which every line has the standard width; None if it does not."""
    width = 30 + 10 * k
    end = raw.find(b"\n", pos)
    if end < 0:
        return None
    cr = end > pos and raw[end - 1] == 13
    stride = width + 1 + int(cr)
    if end + 1 - pos != stride:
        return None
    size = len(raw) - pos
    rem = size % stride
    buf = memoryview(raw)[pos:]
    if rem:  # a trailing blank line, or a last line without its newline, is acceptable
        tail = bytes(buf[size - rem :])
        if not tail.strip():
            size -= rem
            buf = buf[:size]
        elif len(tail.rstrip(b"\r\n")) == width:
            buf = bytes(buf[: size - rem]) + tail.rstrip(b"\r\n") + (b"\r\n" if cr else b"\n")
            size = len(buf)
        else:
            return None
    n = size // stride
    if n == 0:
        return None
    a = np.frombuffer(buf, dtype=np.uint8).reshape(n, stride)
    if not (a[:, stride - 1] == 10).all() or (cr and not (a[:, stride - 2] == 13).all()):
        return None
    if not ((a[:, 10] == 32) & (a[:, 23] == 32)).all():
        return None
    if not (a[:, 27:30] == 32).all():
        return None

    wd = _word8(a, 0)  # YYYY-MM-
    dl = _digit_lanes(wd)
    ok = (wd & ~dl) == _T_DATE
    ymd = _swar8(wd & dl).astype(np.int64)  # YYYY0MM0
    day, okd = _two_digits(a, 8)
    wt = _word8(a, 11)  # HH:MM:SS
    dl = _digit_lanes(wt)
    ok &= (wt & ~dl) == _T_TIME
    hms = _swar8(wt & dl).astype(np.int64)  # HH0MM0SS
    wm = _word8(a, 19)  # .mmm DOY
    dl = _digit_lanes(wm)
    ok &= ((wm & ~dl) == _T_MSDOY) & okd
    msd = _swar8(wm & dl).astype(np.int64)  # 0mmm0DOY
    if not ok.all():
        return None

    fields = a[:, 30:width].reshape(n, k, 10)
    wv = np.ascontiguousarray(fields[:, :, :8]).view("<u8").reshape(n, k)
    dl = _digit_lanes(wv)
    key = wv & ~dl
    idx = np.minimum(np.searchsorted(_FIELD_KEYS, key), _FIELD_KEYS.size - 1)
    ok = _FIELD_KEYS[idx] == key
    f_hi = fields[:, :, 8] - np.uint8(48)
    f_lo = fields[:, :, 9] - np.uint8(48)
    ok &= (f_hi <= 9) & (f_lo <= 9)
    if not ok.all():
        return None
    frac = f_hi.astype(np.int64) * 10 + f_lo
    mant = _swar8(wv & dl).astype(np.int64) * 10 + frac  # value * 100
    vals = mant / 100.0
    np.negative(vals, out=vals, where=_FIELD_NEG[idx])
    _missing_to_nan(vals)

    time = _assemble_time(
        path,
        first,
        year=ymd // 10_000,
        month=(ymd // 10) % 100,
        day=day,
        hour=hms // 1_000_000,
        minute=(hms // 1_000) % 100,
        second=hms % 100,
        frac_ns=((msd // 10_000) % 1_000) * 1_000_000,
    )
    return time, vals


# --------------------------------------------------------------------------------------
# slow path: whitespace separated, authoritative error messages
# --------------------------------------------------------------------------------------
_NUM = rb"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
_SEP = rb"[ \t]+"


@lru_cache(maxsize=16)
def _line_pattern(k: int) -> re.Pattern:
    body = (
        rb"[ \t]*(\d{4})-(\d{1,2})-(\d{1,2})"
        + _SEP
        + rb"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{0,9}))?"
        + _SEP
        + rb"\d{1,3}"
        + (_SEP + _NUM) * k
        + rb"[ \t]*\|?[ \t]*\r?"
    )
    return re.compile(rb"^" + body + rb"$", re.MULTILINE)


def _slow_block(path, blk: bytes, k: int, first: int):
    lines = blk.split(b"\n")
    ended = blk.endswith(b"\n")
    if ended:
        lines.pop()
    while lines and not lines[-1].strip():
        lines.pop()
        ended = True
    if not lines:
        raise IagaFormatError(path, first, "no data lines after the column-header line")
    last = len(lines) - 1
    last_len = len(lines[-1].rstrip(b"\r"))
    if last:
        widths = {len(x.rstrip(b"\r")) for x in lines[:-1]}
        truncated = len(widths) == 1 and last_len < widths.pop()
    else:
        truncated = not ended and last_len < 30 + 10 * k
    if truncated:
        raise IagaFormatError(path, first + last, "truncated data line (file cut short)")
    pat = _line_pattern(k)
    rows = pat.findall(b"\n".join(lines))
    if len(rows) != len(lines):
        for i, line in enumerate(lines):
            if not pat.match(line):
                raise IagaFormatError(path, first + i, _diagnose(line, k))
    cols = np.array(rows, dtype=bytes).reshape(len(rows), 7 + k)
    ints = cols[:, :6].astype(np.int64)
    frac = np.char.ljust(cols[:, 6], 9, b"0").astype(np.int64)
    time = _assemble_time(
        path,
        first,
        year=ints[:, 0],
        month=ints[:, 1],
        day=ints[:, 2],
        hour=ints[:, 3],
        minute=ints[:, 4],
        second=ints[:, 5],
        frac_ns=frac,
    )
    vals = cols[:, 7:].astype(np.float64)
    bad = ~np.isfinite(vals)
    if bad.any():
        i = int(np.flatnonzero(bad.any(axis=1))[0])
        raise IagaFormatError(path, first + i, "number out of range")
    _missing_to_nan(vals)
    return time, vals


def _diagnose(line: bytes, k: int) -> str:
    tokens = line.split()
    if len(tokens) and tokens[-1] == b"|":
        tokens = tokens[:-1]
    if len(tokens) != 3 + k:
        return f"wrong field count: expected {3 + k} fields, found {len(tokens)}"
    checks = [
        (rb"\d{4}-\d{1,2}-\d{1,2}", "date"),
        (rb"\d{1,2}:\d{2}:\d{2}(\.\d{0,9})?", "time"),
        (rb"\d{1,3}", "day of year"),
    ] + [(_NUM, f"value {j + 1}") for j in range(k)]
    for tok, (rx, what) in zip(tokens, checks, strict=True):
        if not re.fullmatch(rx, tok):
            return f"unparsable {what} {tok.decode('latin-1')!r}"
    return f"malformed data line {line.decode('latin-1')[:LINE_WIDTH]!r}"


def _missing_to_nan(vals: np.ndarray) -> None:
    vals[(vals >= MISSING) | (vals == NOT_RECORDED)] = np.nan


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _days_from_civil(y, m, d):
    """Proleptic Gregorian date -> days since 1970-01-01 (H. Hinnant), vectorised."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def _assemble_time(path, first, *, year, month, day, hour, minute, second, frac_ns):
    """Validate and combine date/time fields.  Calendar work is done once per run of equal
    dates (a day holds 1440 or 86400 rows), which keeps it off the per-row budget."""
    key = (year * 100 + month) * 100 + day
    starts = np.concatenate(([0], np.flatnonzero(key[1:] != key[:-1]) + 1))
    y, m, d = year[starts], month[starts], day[starts]
    mclip = np.clip(m, 1, 12)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    dim = _DAYS_IN_MONTH[mclip - 1] + ((mclip == 2) & leap)
    ok_day = (y >= _YEAR_MIN) & (y <= _YEAR_MAX) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= dim)
    ok = (hour < 24) & (minute < 60) & (second < 60)
    if not (ok.all() and ok_day.all()):
        bad = np.flatnonzero(~ok)
        bad_day = starts[~ok_day]
        i = int(min(bad[0] if bad.size else key.size, bad_day[0] if bad_day.size else key.size))
        stamp = (
            f"{year[i]:04d}-{month[i]:02d}-{day[i]:02d} "
            f"{hour[i]:02d}:{minute[i]:02d}:{second[i]:02d}"
        )
        raise IagaFormatError(path, first + i, f"invalid or out-of-range date/time {stamp}")
    lengths = np.diff(np.concatenate((starts, [key.size])))
    day_ns = np.repeat(_days_from_civil(y, m, d) * NS_PER_DAY, lengths)
    tod = ((hour * 60 + minute) * 60 + second) * NS_PER_S
    return (day_ns + tod + frac_ns).astype("datetime64[ns]")


# ======================================================================================
# components and format sniffing
# ======================================================================================
_VARIATION_TYPES = ("variation", "reported", "adjusted")


def _decbas(rec: IagaRecord) -> str | None:
    m = re.search(r"\bDECBAS\s+(-?\d+)", rec.header.get("comments", ""), re.IGNORECASE)
    return m.group(1) if m else None


def to_geographic(rec: IagaRecord) -> tuple[dict[str, np.ndarray], str]:
    """Map a record's elements (by letter) to X/Y/Z(/F/G) and name the frame they are in.

    XYZ is geographic.  HDZ: X = H cos D, Y = H sin D (D in minutes of arc); that frame is
    geographic only when D is the absolute declination.  Variation (reported/adjusted) files
    that carry a ``DECBAS`` comment (USGS) give D relative to that baseline declination, so
    H cos D, H sin D are the sensor H and E components: the frame is then "sensor HEZ",
    which also keeps such files mergeable with the same observatory's HEZ files.  HEZ is
    kept in the sensor frame (X := H, Y := E).  G (delta F) stays "G", never "F".
    """
    v = rec.values
    line = rec.first_data_line - 1 if rec.first_data_line else 1
    if "Z" not in v:
        raise IagaFormatError(rec.path, line, f"elements {rec.elements!r} have no Z component")
    if "X" in v and "Y" in v:
        x, y, frame = v["X"], v["Y"], FRAME_GEOGRAPHIC
    elif "H" in v and "D" in v:
        d = np.deg2rad(v["D"] / 60.0)
        x, y = v["H"] * np.cos(d), v["H"] * np.sin(d)
        variation = rec.data_type.lower().startswith(_VARIATION_TYPES)
        frame = FRAME_SENSOR_HEZ if variation and _decbas(rec) else FRAME_GEOGRAPHIC
    elif "H" in v and "E" in v:
        x, y, frame = v["H"], v["E"], FRAME_SENSOR_HEZ
    else:
        raise IagaFormatError(
            rec.path, line, f"elements {rec.elements!r} give no horizontal components"
        )
    out = {"X": np.array(x, dtype=np.float64), "Y": np.array(y, dtype=np.float64)}
    out["Z"] = np.array(v["Z"], dtype=np.float64)
    for extra in ("F", "G"):
        if extra in v:
            out[extra] = np.array(v[extra], dtype=np.float64)
    return out, frame


def looks_like_iaga2002(content: bytes) -> bool:
    """IAGA-2002 text: first line `` Format  IAGA-2002``, a ``DATE  TIME  DOY`` column line.

    The download check of INTERMAGNET bodies. A header without data rows is accepted (a
    month the observatory did not report); decoding deals with gaps. Raises ValueError.
    """
    text = content[: 1 << 16].removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not re.match(r"^\s*Format\s+IAGA-2002\b", lines[0], re.I):
        raise ValueError(f"first line is not ' Format  IAGA-2002': {content[:80]!r}")
    if not re.search(r"^\s?DATE\s+TIME\s+DOY\b", text, re.M):
        raise ValueError("no 'DATE       TIME         DOY' column header line")
    return True
