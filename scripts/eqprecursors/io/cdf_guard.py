"""Checks that keep cdflib off a damaged CDF file before it loops for ever or fills memory.

cdflib follows the counts a file states about itself: it walks as many variable,
attribute and entry records as the GDR and ADRs say, reads as many index entries and
dimension sizes as the VXRs and VDRs say (stopping neither at the end of a record nor at
the end of the file), and allocates a variable's whole record range at once (a zero-filled
``bytearray`` of MaxRec x record size). One damaged byte in a count then costs minutes of
looping or gigabytes of memory, where a reader should answer at once that the file is
broken. So the file's internal records are walked here first (CDF Internal Format
Description, CDF 2.x and 3.x: each record starts with its size and its type, and together
they tile the file from byte 8 to the GDR's end-of-file offset) and every count cdflib will
follow is checked against the records there are, every list pointer against the record
starts (a pointer into the middle of a record would have cdflib read a "size" from data);
:func:`check_record_range` bounds a variable's record range by what the file can hold.
"""

from __future__ import annotations

from collections import Counter

from eqprecursors.io.parsing import FormatError

MAGIC_V3 = bytes.fromhex("cdf30001")
MAGIC_V2 = (bytes.fromhex("cdf26002"), bytes.fromhex("0000ffff"))
COMPRESSED = bytes.fromhex("cccc0001")
#: Internal record types (CDF Internal Format Description).
GDR, RVDR, ADR, AGREDR, VXR, ZVDR, AZEDR = 2, 3, 4, 5, 6, 8, 9
#: Bytes per element of each CDF data type (CDF_INT1 ... CDF_UCHAR).
TYPE_BYTES = {1: 1, 2: 2, 4: 4, 8: 8, 11: 1, 12: 2, 14: 4, 21: 4, 22: 8, 31: 8, 32: 16,
              33: 8, 41: 1, 44: 4, 45: 8, 51: 1, 52: 1}  # fmt: skip
#: What a file of ``n`` bytes can decode to: deflate (the GZIP compression of CDF) expands
#: at most ~1032:1; sparse records add a pad value per missing record, so allow 1 MiB more.
MAX_EXPANSION = 1100


class CdfFormatError(FormatError):
    """A CDF file that cannot be read; the message names the file."""


def _int(data, at: int, width: int) -> int:
    return int.from_bytes(data[at : at + width], "big", signed=True)


#: Absolute offsets of the fields read here, by CDF major version: GDR end of file,
#: NrVars, NumAttr, rNumDims, NzVars, rDimSizes and list heads (rVDR, zVDR, ADR); a
#: record's next pointer; VDR VXR head/tail, CPR/SPR offset and zNumDims; ADR NgrEntries,
#: NzEntries and entry heads; VXR Nentries, NusedEntries, first entry, bytes per entry.
_AT = {
    3: dict(w=8, eof=36, nr=44, natt=48, rdims=56, nz=60, rsizes=84, heads=(12, 20, 28),
            next=12, vxr=(28, 36), cpr=72, zdims=340, ngr=36, nze=56, edr=(20, 48),
            nent=20, nused=24, ent=28, per=16),
    2: dict(w=4, eof=20, nr=24, natt=28, rdims=36, nz=40, rsizes=60, heads=(8, 12, 16),
            next=8, vxr=(20, 24), cpr=56, zdims=128, ngr=24, nze=40, edr=(12, 36),
            nent=12, nused=16, ent=20, per=12),
}  # fmt: skip
CPR, SPR, VVR, CVVR = 11, 12, 7, 13


def check_cdf_structure(path, data: bytes) -> None:
    """Raise :class:`CdfFormatError` unless ``data`` (an uncompressed CDF) is sound enough
    for cdflib: records that tile the file, counts that do not exceed its records, and
    list pointers that lead to records of the right type (0 or -1: none)."""
    if data[:4] != MAGIC_V3 and data[:4] not in MAGIC_V2:
        return  # not a CDF: cdflib says so itself
    at = dict(_AT[3 if data[:4] == MAGIC_V3 else 2])
    w = at["w"]  # width of sizes and offsets
    if w == 4 and not (_int(data, 20, 4) == 2 and _int(data, 24, 4) >= 5):
        at["cpr"] += 128  # a CDF 2 before release 2.5 (CDR version, release at 20, 24) has
        at["zdims"] += 128  # a VDR 128 bytes longer, as cdflib decides too
    pos, end, counts, gdr, starts, links = 8, len(data), Counter(), None, {}, []
    entries = {AGREDR: 0, AZEDR: 0}
    view = memoryview(data)
    while pos < end:
        if pos + w + 4 > end:
            raise CdfFormatError(f"{path}: internal record at byte {pos} is cut short")
        size, kind = _int(data, pos, w), _int(data, pos + w, 4)
        if size < w + 4 or pos + size > end:
            raise CdfFormatError(
                f"{path}: internal record at byte {pos} (type {kind}) claims {size} bytes, "
                f"{end - pos} are left"
            )
        rec = view[pos : pos + size]
        starts[pos] = kind
        counts[kind] += 1

        def link(offset, types, rec=rec, pos=pos):
            links.append((pos, _int(rec, offset, w), types))

        if kind == GDR and gdr is None:
            gdr, end = rec, _int(rec, at["eof"], w)
            if not pos < end <= len(data):
                raise CdfFormatError(
                    f"{path}: the GDR puts the end of the file at byte {end}, the file has "
                    f"{len(data)} bytes (cut short?)"
                )
            _fits(path, "the GDR's rDimSizes", _int(rec, at["rdims"], 4), at["rsizes"], 4, size)
            for offset, types in zip(at["heads"], ({RVDR}, {ZVDR}, {ADR}), strict=True):
                link(offset, types)
        elif kind in (RVDR, ZVDR):
            link(at["next"], {kind})
            link(at["vxr"][0], {VXR})
            link(at["vxr"][1], {VXR})
            link(at["cpr"], {CPR, SPR})
            if kind == ZVDR:
                ndims = _int(rec, at["zdims"], 4)
                _fits(path, f"zVDR at byte {pos}", ndims, at["zdims"] + 4, 8, size)
        elif kind == ADR:
            entries[AGREDR] += _count(path, rec, at["ngr"], "ADR gr entries")
            entries[AZEDR] += _count(path, rec, at["nze"], "ADR z entries")
            link(at["next"], {ADR})
            link(at["edr"][0], {AGREDR})
            link(at["edr"][1], {AZEDR})
        elif kind in (AGREDR, AZEDR):
            link(at["next"], {kind})
        elif kind == VXR:
            n, used = _int(rec, at["nent"], 4), _int(rec, at["nused"], 4)
            if not 0 <= used <= n:
                raise CdfFormatError(f"{path}: VXR at byte {pos} uses {used} of {n} entries")
            _fits(path, f"VXR at byte {pos}", n, at["ent"], at["per"], size)
            link(at["next"], {VXR})
            for i in range(used):
                link(at["ent"] + 8 * n + (at["per"] - 8) * i, {VXR, VVR, CVVR})
        pos += size
    if gdr is None:
        raise CdfFormatError(f"{path}: no GDR record (not a CDF, or cut short)")
    for source, target, types in links:
        if target not in (0, -1) and starts.get(target) not in types:
            raise CdfFormatError(
                f"{path}: the record at byte {source} points to byte {target}, which starts "
                f"no record of type {sorted(types)}"
            )
    claims = {
        "zVariables": (_int(gdr, at["nz"], 4), counts[ZVDR]),
        "rVariables": (_int(gdr, at["nr"], 4), counts[RVDR]),
        "attributes": (_int(gdr, at["natt"], 4), counts[ADR]),
        "global/r attribute entries": (entries[AGREDR], counts[AGREDR]),
        "z attribute entries": (entries[AZEDR], counts[AZEDR]),
    }
    for what, (claimed, there) in claims.items():
        if not 0 <= claimed <= there:
            raise CdfFormatError(f"{path}: the file claims {claimed} {what}, it holds {there}")


def _count(path, rec, offset: int, what: str) -> int:
    n = _int(rec, offset, 4)
    if n < 0:
        raise CdfFormatError(f"{path}: negative count {n} of {what}")
    return n


def _fits(path, what: str, n: int, start: int, per: int, size: int) -> None:
    if n < 0 or start + n * per > size:
        raise CdfFormatError(f"{path}: {what} claims {n} items, more than its {size} bytes hold")


def check_record_range(path, info, file_size: int) -> None:
    """A variable's records (cdflib's ``varinq``) must fit what the file can decode to."""
    per = TYPE_BYTES.get(int(info.Data_Type), 16) * max(int(info.Num_Elements), 1)
    for dim in info.Dim_Sizes or ():
        per *= max(int(dim), 1)
    total = (int(info.Last_Rec) + 1) * per
    if total > MAX_EXPANSION * file_size + (1 << 20):
        raise CdfFormatError(
            f"{path}: variable {info.Variable} claims {int(info.Last_Rec) + 1} records of "
            f"{per} bytes, more than a {file_size}-byte file can hold"
        )
