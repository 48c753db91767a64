"""Lossless PNG cleaning: keep the chunks that draw the picture, drop every other one.

Pure, bounded parsing in-process: chunk CRCs are checked, the declared dimensions are
limited before anything is inflated, and the image data is inflated in bounded steps
only to prove that it is complete and exactly as long as the header says (a truncated,
malformed or bomb-like stream is refused). Pixel data is copied untouched.

Kept: IHDR, PLTE, IDAT, IEND, transparency, gamma/chromaticity/sRGB/cICP colour facts,
significant bits, background, and the APNG animation chunks. Dropped: text, compressed
and international text, eXIf, time, ICC profiles (they carry names and dates), physical
size, suggested palettes, private and unknown ancillary chunks, and anything after IEND.
An eXIf Orientation is carried over as a fresh eXIf holding only that tag.
"""

from __future__ import annotations

import struct
import zlib

from media.errors import MediaRefused
from media.exif import orientation_tiff, read_orientation

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"cICP",
    b"sBIT", b"bKGD", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
          (0, 1, 1, 2))  # fmt: skip


def _malformed(why: str) -> MediaRefused:
    return MediaRefused(f"Malformed PNG: {why}")


def chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of every chunk up to IEND, CRC-checked; refuses on any damage."""
    if data[: len(SIGNATURE)] != SIGNATURE:
        raise _malformed("bad signature")
    view = memoryview(data)
    found: list[tuple[bytes, int, int]] = []
    pos = len(SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise _malformed("truncated (no IEND chunk)")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > len(data):
            raise _malformed("truncated chunk")
        if not kind.isalpha():
            raise _malformed("bad chunk type")
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(view[pos + 4 : end - 4]) != crc:
            raise _malformed("chunk checksum mismatch")
        found.append((kind, pos, end))
        pos = end
        if kind == b"IEND":
            return found


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + crc


def _expected_size(width: int, height: int, depth: int, colour: int, interlaced: bool) -> int:
    bits = depth * _CHANNELS[colour]
    if not interlaced:
        return height * (1 + (width * bits + 7) // 8)
    total = 0
    for x0, y0, dx, dy in _ADAM7:
        cols, rows = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if cols and rows:
            total += rows * (1 + (cols * bits + 7) // 8)
    return total


def _check_image_data(data: memoryview, parts: list[tuple[int, int]], expected: int) -> None:
    """Inflate in bounded steps: the stream must end exactly at the declared size."""
    inflater = zlib.decompressobj()
    produced = 0
    try:
        for start, end in parts:
            pending = data[start:end]
            while pending:
                produced += len(inflater.decompress(pending, 1 << 20))
                pending = inflater.unconsumed_tail
                if produced > expected:
                    raise _malformed("more image data than the header declares")
        produced += len(inflater.flush())
    except zlib.error:
        raise _malformed("corrupt image data") from None
    if produced != expected or not inflater.eof:
        raise _malformed("incomplete image data")


def clean(data: bytes, *, max_pixels: int) -> list[bytes | memoryview]:
    """The clean PNG as parts (slices of `data` plus fixed chunks)."""
    found = chunks(data)
    view = memoryview(data)
    if found[0][0] != b"IHDR" or found[0][2] - found[0][1] != 25:
        raise _malformed("no image header")
    width, height, depth, colour, _, _, interlace = struct.unpack_from(">IIBBBBB", data, 16)
    if colour not in _CHANNELS or not width or not height or interlace > 1:
        raise _malformed("bad image header")
    if width * height > max_pixels:
        raise MediaRefused("Image dimensions are too large")
    for kind, _, _ in found:
        if kind[0:1].isupper() and kind not in _KEEP:
            raise _malformed("unknown critical chunk")
    idat = [(s + 8, e - 4) for kind, s, e in found if kind == b"IDAT"]
    if not idat:
        raise _malformed("no image data")
    _check_image_data(view, idat, _expected_size(width, height, depth, colour, interlace == 1))
    orientation = 1
    for kind, start, end in found:
        if kind == b"eXIf":
            orientation = read_orientation(view[start + 8 : end - 4])
    parts: list[bytes | memoryview] = [SIGNATURE]
    for kind, start, end in found:
        if kind in _KEEP:
            parts.append(view[start:end])
        if kind == b"IHDR" and orientation != 1:
            parts.append(_chunk(b"eXIf", orientation_tiff(orientation)))
    return parts


_ALLOWED_EXIF = {_chunk(b"eXIf", orientation_tiff(value)) for value in range(2, 9)}


def verify(data: bytes) -> None:
    """Fail closed unless `data` holds only kept chunks (or our eXIf) and ends at IEND."""
    found = chunks(data)
    if found[-1][2] != len(data):
        raise MediaRefused("Verification failed: data after the end of the image")
    for kind, start, end in found:
        if kind not in _KEEP and bytes(data[start:end]) not in _ALLOWED_EXIF:
            raise MediaRefused("Verification failed: a metadata chunk remains")
