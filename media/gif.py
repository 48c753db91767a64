"""Lossless GIF cleaning: a block walker that keeps only what draws the frames.

Kept: header, logical screen, colour tables, image descriptors with their LZW data, and
graphic-control extensions (frame timing and transparency). Dropped: comments, plain-text
extensions, every application extension (XMP, ICC, vendor data) and anything after the
trailer. Animation looping is carried over by writing a fresh NETSCAPE2.0 block holding
only the loop count. Pure, bounded parsing; no decoder runs.
"""

from __future__ import annotations

import struct

from media.errors import MediaRefused

_EXTENSION, _IMAGE, _TRAILER = 0x21, 0x2C, 0x3B
_GRAPHIC_CONTROL, _APPLICATION = 0xF9, 0xFF
_LOOPING_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _malformed(why: str) -> MediaRefused:
    return MediaRefused(f"Malformed GIF: {why}")


def _loop_block(count: int) -> bytes:
    return b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", count) + b"\x00"


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """Position just after a chain of data sub-blocks (ended by a zero-length block)."""
    while True:
        if pos >= len(data):
            raise _malformed("truncated data")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _table_size(flags: int) -> int:
    return 3 << ((flags & 0x07) + 1) if flags & 0x80 else 0


def blocks(data: bytes, *, max_pixels: int) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each block; kind is screen/image/control/loop/other/trailer."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise _malformed("bad header")
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    if not width or not height:
        raise _malformed("no dimensions")
    if width * height > max_pixels:
        raise MediaRefused("Image dimensions are too large")
    pos = 13 + _table_size(flags)
    found = [("screen", 0, pos)]
    while True:
        if pos >= len(data):
            raise _malformed("truncated (no trailer)")
        introducer = data[pos]
        start = pos
        if introducer == _TRAILER:
            found.append(("trailer", pos, pos + 1))
            return found
        if introducer == _IMAGE:
            if pos + 11 > len(data):
                raise _malformed("truncated image")
            pos += 10 + _table_size(data[pos + 9])
            if pos >= len(data) or not 2 <= data[pos] <= 8:
                raise _malformed("bad image data")
            pos = _skip_sub_blocks(data, pos + 1)
            found.append(("image", start, pos))
        elif introducer == _EXTENSION and pos + 2 < len(data):
            label = data[pos + 1]
            pos = _skip_sub_blocks(data, pos + 2)
            kind = "other"
            if label == _GRAPHIC_CONTROL and pos - start == 8:
                kind = "control"
            elif label == _APPLICATION and data[start + 3 : start + 14] in _LOOPING_APPS:
                kind = "loop"
            found.append((kind, start, pos))
        else:
            raise _malformed("unknown block")
        if len(found) > 100_000:
            raise MediaRefused("Too many frames")


def clean(data: bytes, *, max_pixels: int) -> list[bytes | memoryview]:
    """The clean GIF as parts (slices of `data` plus a fixed loop block)."""
    view = memoryview(data)
    parts: list[bytes | memoryview] = []
    for kind, start, end in blocks(data, max_pixels=max_pixels):
        if kind in ("screen", "image", "control", "trailer"):
            parts.append(view[start:end])
        elif kind == "loop" and end - start >= 19 and data[start + 15] == 1:
            (count,) = struct.unpack_from("<H", data, start + 16)
            parts.append(_loop_block(count))
    return parts


def verify(data: bytes, *, max_pixels: int) -> None:
    """Fail closed unless only drawing blocks (and our loop block) remain, to the trailer."""
    found = blocks(data, max_pixels=max_pixels)
    if found[-1][2] != len(data):
        raise MediaRefused("Verification failed: data after the end of the image")
    for kind, start, end in found:
        if kind == "other" or (kind == "loop" and not _is_loop_block(data[start:end])):
            raise MediaRefused("Verification failed: a metadata block remains")


def _is_loop_block(block: bytes) -> bool:
    return len(block) == 19 and block == _loop_block(block[16] | block[17] << 8)
