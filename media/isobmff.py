"""A bounded ISO base-media (MP4/MOV/3GP/M4A) box walker, used as an independent check.

ffmpeg writes the clean copy; this module re-reads what it wrote without ffmpeg and
fails closed if any place that can hold identifying data is present: user-data and
metadata boxes (titles, GPS `©xyz`, Apple location keys, XMP), `uuid` boxes, non-zero
creation or modification times, or handler names other than ffmpeg's generic ones. It
also checks input files end exactly where their last box does (truncation).
"""

from __future__ import annotations

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
    """Refuse an input whose top-level boxes do not exactly fill the file."""
    with path.open("rb") as stream:
        _boxes(stream, 0, path.stat().st_size)


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
