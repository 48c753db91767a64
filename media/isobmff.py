"""A bounded ISO base-media (MP4/MOV/3GP/M4A) box walker, used as an independent check.

ffmpeg writes the clean copy; this module re-reads what it wrote without ffmpeg and
fails closed if any place that can hold identifying data is present: user-data and
metadata boxes (titles, GPS `©xyz`, Apple location keys, XMP), `uuid` boxes, non-zero
creation or modification times, handler names other than ffmpeg's generic ones, or SEI
messages in an HEVC decoder configuration. It also checks input files end exactly where
their last box does (truncation), and removes those SEI messages (`strip_hevc_sei`).
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import BinaryIO

from media.errors import MediaRefused

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex"}
_FORBIDDEN = {b"udta", b"meta", b"uuid", b"XMP_", b"\xa9xyz", b"keys", b"ilst", b"tref"}
_TOP_LEVEL = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide"}
_TIMED = {b"mvhd", b"tkhd", b"mdhd"}
_GENERIC_HANDLERS = {b"", b"VideoHandler", b"SoundHandler", b"DataHandler"}
_MAX_BOXES = 100_000
_MAX_MOOV_BYTES = 256 * 1024 * 1024
_SAMPLE_TABLE_PATH = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
_HEVC_ENTRIES = {b"hvc1", b"hev1"}
_VISUAL_ENTRY_FIELDS = 8 + 70  # SampleEntry, then VisualSampleEntry, before child boxes
_HVCC_ARRAYS_AT = 22  # numOfArrays follows the 22-byte fixed part of hvcC
_SEI_NAL_TYPES = {39, 40}


def _boxes(stream: BinaryIO, start: int, end: int) -> list[tuple[bytes, int, int, int]]:
    """(type, box start, payload start, box end) for each box in [start, end)."""
    found = []
    pos = start
    while pos < end:
        stream.seek(pos)
        header = stream.read(16)
        if len(header) < 8:
            raise MediaRefused("Malformed video: truncated box header")
        size, kind = struct.unpack_from(">I4s", header)
        payload = pos + 8
        if size == 1:
            if len(header) < 16:
                raise MediaRefused("Malformed video: truncated box header")
            (size,) = struct.unpack_from(">Q", header, 8)
            payload = pos + 16
        elif size == 0:
            size = end - pos
        if size < payload - pos or pos + size > end:
            raise MediaRefused("Malformed video: box extends past the end (truncated?)")
        found.append((kind, pos, payload, pos + size))
        pos += size
        if len(found) > _MAX_BOXES:
            raise MediaRefused("Malformed video: too many boxes")
    return found


def check_complete(path: Path) -> None:
    """Refuse an input whose top-level boxes do not fill the file (it was cut short).

    Zero bytes after the last box are tolerated: some recorders pad the file they
    pre-allocated, and nothing is hidden in zeros.
    """
    size = path.stat().st_size
    with path.open("rb") as stream:
        try:
            _boxes(stream, 0, size)
        except MediaRefused:
            end = _last_box_end(stream, size)
            stream.seek(end)
            if end == 0 or size - end > 1 << 20 or stream.read().strip(b"\x00"):
                raise


def _last_box_end(stream: BinaryIO, size: int) -> int:
    """Where the last whole top-level box ends."""
    pos = 0
    for _ in range(_MAX_BOXES):
        stream.seek(pos)
        header = stream.read(8)
        if len(header) < 8:
            break
        length, _ = struct.unpack(">I4s", header)
        if length < 8 or pos + length > size:
            break
        pos += length
    return pos


def strip_hevc_sei(path: Path) -> None:
    """Remove SEI NAL units from the HEVC decoder configurations (`hvcC`) of `path`.

    ffmpeg's filter_units drops SEI from the packets but copies `hvcC` as it was, and
    encoders store their name, version and options there (x265 does; so can a phone's
    vendor encoder). ffmpeg writes `moov` after `mdat`, so `moov` is rewritten in place
    at the end and no sample offset moves; a file laid out otherwise is refused.
    """
    with path.open("r+b") as stream:
        size = path.stat().st_size
        top = _boxes(stream, 0, size)
        kind, start, _, end = top[-1]
        if b"moov" not in [box[0] for box in top]:
            return
        if kind != b"moov" or end - start > _MAX_MOOV_BYTES:
            raise MediaRefused("The video could not be cleaned (unexpected layout)")
        stream.seek(start)
        moov = stream.read(end - start)
        cleaned = _without_sei(moov)
        if cleaned != moov:
            stream.seek(start)
            stream.write(cleaned)
            stream.truncate()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _children(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int, int]]:
    """`_boxes` over bytes already read (a `moov`, an `stsd`), with 8-byte headers only:
    the rewrite assumes them, and ffmpeg never writes 64-bit sizes inside `moov`."""
    found = _boxes(io.BytesIO(data), start, end)
    if any(payload - box != 8 for _, box, payload, _ in found):
        raise MediaRefused("Malformed video: unexpected 64-bit box inside the movie header")
    return found


def _without_sei(box: bytes) -> bytes:
    """`box` rebuilt with SEI arrays removed from every HEVC sample entry inside it."""
    kind = box[4:8]
    if kind in _SAMPLE_TABLE_PATH:
        inner = [_without_sei(box[s:e]) for _, s, _, e in _children(box, 8, len(box))]
        return _box(kind, b"".join(inner))
    if kind == b"stsd":  # full box and entry count, then the sample entries
        entries = [_without_sei(box[s:e]) for _, s, _, e in _children(box, 16, len(box))]
        return _box(kind, box[8:16] + b"".join(entries))
    if kind in _HEVC_ENTRIES:
        fields = 8 + _VISUAL_ENTRY_FIELDS
        inner = [
            _hvcc_without_sei(box[s:e]) if name == b"hvcC" else box[s:e]
            for name, s, _, e in _children(box, fields, len(box))
        ]
        return _box(kind, box[8:fields] + b"".join(inner))
    return box


def _hvcc_arrays(hvcc: bytes) -> list[tuple[int, bytes]]:
    """(NAL unit type, the array's bytes) for each array of an `hvcC` box."""
    payload = hvcc[8:]
    if len(payload) <= _HVCC_ARRAYS_AT:
        raise MediaRefused("Malformed video: short HEVC configuration")
    arrays, pos = [], _HVCC_ARRAYS_AT + 1
    for _ in range(payload[_HVCC_ARRAYS_AT]):
        if pos + 3 > len(payload):
            raise MediaRefused("Malformed video: truncated HEVC configuration")
        start, nal_type = pos, payload[pos] & 0x3F
        (count,) = struct.unpack_from(">H", payload, pos + 1)
        pos += 3
        for _ in range(count):
            if pos + 2 > len(payload):
                raise MediaRefused("Malformed video: truncated HEVC configuration")
            pos += 2 + struct.unpack_from(">H", payload, pos)[0]
        if pos > len(payload):
            raise MediaRefused("Malformed video: truncated HEVC configuration")
        arrays.append((nal_type, payload[start:pos]))
    return arrays


def _hvcc_without_sei(hvcc: bytes) -> bytes:
    kept = [raw for nal_type, raw in _hvcc_arrays(hvcc) if nal_type not in _SEI_NAL_TYPES]
    fixed = hvcc[8 : 8 + _HVCC_ARRAYS_AT]
    return _box(b"hvcC", fixed + bytes([len(kept)]) + b"".join(kept))


def verify(path: Path) -> None:
    """Fail closed unless the clean file has no metadata-bearing boxes (see module doc)."""
    with path.open("rb") as stream:
        top = _boxes(stream, 0, path.stat().st_size)
        if any(kind not in _TOP_LEVEL for kind, *_ in top):
            raise MediaRefused("Verification failed: unexpected top-level box")
        pending = [box for box in top if box[0] == b"moov"]
        while pending:
            _, _, payload, end = pending.pop()
            for child in _boxes(stream, payload, end):
                name = child[0]
                if name == b"udta" and _is_empty_udta(stream, child):
                    continue
                if name in _FORBIDDEN:
                    raise MediaRefused("Verification failed: a metadata box remains")
                if name in _CONTAINERS:
                    pending.append(child)
                elif name in _TIMED:
                    _check_times(stream, child[2])
                elif name == b"hdlr":
                    _check_handler(stream, child[2], child[3])
                elif name == b"stsd":
                    _check_sample_entries(stream, child)


def _is_empty_udta(stream: BinaryIO, udta: tuple[bytes, int, int, int]) -> bool:
    """ffmpeg's MP4 muxer always writes udta/meta with a handler and an empty item list."""
    inner = _boxes(stream, udta[2], udta[3])
    if [kind for kind, *_ in inner] != [b"meta"]:
        return False
    _, _, payload, end = inner[0]
    items = _boxes(stream, payload + 4, end)  # meta is a full box: skip version/flags
    names = [kind for kind, *_ in items]
    return names == [b"hdlr", b"ilst"] and items[1][3] - items[1][2] == 0


def _check_times(stream: BinaryIO, payload: int) -> None:
    stream.seek(payload)
    head = stream.read(20)
    version = head[0]
    times = struct.unpack_from(">QQ" if version == 1 else ">II", head, 4)
    if any(times):
        raise MediaRefused("Verification failed: a creation or modification date remains")


def _check_handler(stream: BinaryIO, payload: int, end: int) -> None:
    stream.seek(payload + 24)
    name = stream.read(min(end - payload - 24, 256))
    if name[:1] and name[0] == len(name) - 1:  # QuickTime: a Pascal string
        name = name[1:]
    if name.rstrip(b"\x00") not in _GENERIC_HANDLERS:
        raise MediaRefused("Verification failed: a handler name remains")


def _check_sample_entries(stream: BinaryIO, stsd: tuple[bytes, int, int, int]) -> None:
    """Fail closed if an HEVC decoder configuration still carries an SEI message."""
    _, start, _, end = stsd
    if end - start > _MAX_MOOV_BYTES:
        raise MediaRefused("Verification failed: sample description too large")
    stream.seek(start)
    data = stream.read(end - start)
    for kind, entry, _, entry_end in _children(data, 16, len(data)):
        if kind not in _HEVC_ENTRIES:
            continue
        for name, box, _, box_end in _children(data, entry + 8 + _VISUAL_ENTRY_FIELDS, entry_end):
            if name == b"hvcC" and any(
                nal_type in _SEI_NAL_TYPES for nal_type, _ in _hvcc_arrays(data[box:box_end])
            ):
                raise MediaRefused("Verification failed: an encoder message remains")
