"""Lossless cleaning of RIFF files (WebP images, WAV audio): keep listed chunks only.

A RIFF file is a flat list of tagged chunks, so cleaning is choosing which to copy and
fixing the sizes. WebP: the extended header's flags for ICC, EXIF and XMP are cleared
and animation frames are rebuilt from their picture chunks alone. WAV: only the format,
fact and sample data chunks are kept, which drops LIST/INFO, broadcast-wave `bext`,
iXML, ID3, cue and every vendor chunk. Pure, bounded parsing; no decoder runs.
"""

from __future__ import annotations

import struct

from media.errors import MediaRefused

WEBP_KEEP = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"}
WEBP_FRAME_KEEP = {b"VP8 ", b"VP8L", b"ALPH"}
WAV_KEEP = {b"fmt ", b"fact", b"data"}
_VP8X_METADATA_FLAGS = 0x20 | 0x08 | 0x04  # ICC, EXIF, XMP


def _malformed(form: str, why: str) -> MediaRefused:
    return MediaRefused(f"Malformed {form}: {why}")


def chunks(
    data: bytes | memoryview, start: int, end: int, form: str
) -> list[tuple[bytes, int, int]]:
    """(id, payload start, payload end) for each chunk in data[start:end]."""
    found = []
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise _malformed(form, "truncated chunk header")
        kind = bytes(data[pos : pos + 4])
        (size,) = struct.unpack_from("<I", data, pos + 4)
        if pos + 8 + size > end:
            raise _malformed(form, "truncated chunk")
        found.append((kind, pos + 8, pos + 8 + size))
        pos += 8 + size + (size & 1)
        if len(found) > 100_000:
            raise _malformed(form, "too many chunks")
    return found


def _body(data: bytes, form: str, tag: bytes) -> tuple[memoryview, int]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != tag:
        raise _malformed(form, "bad header")
    (size,) = struct.unpack_from("<I", data, 4)
    if size + 8 > len(data) or size < 4:
        raise _malformed(form, "truncated file")
    return memoryview(data), size + 8


def _pack(kind: bytes, payload: bytes | memoryview) -> bytes:
    pad = b"\x00" if len(payload) & 1 else b""
    return kind + struct.pack("<I", len(payload)) + bytes(payload) + pad


def _riff(tag: bytes, parts: list[bytes | memoryview]) -> list[bytes | memoryview]:
    body = sum(len(p) for p in parts) + 4
    return [b"RIFF" + struct.pack("<I", body) + tag, *parts]


def webp_dimensions(view: memoryview, found: list[tuple[bytes, int, int]]) -> tuple[int, int]:
    kind, start, end = found[0]
    if kind == b"VP8X" and end - start >= 10:
        w = int.from_bytes(view[start + 4 : start + 7], "little") + 1
        h = int.from_bytes(view[start + 7 : start + 10], "little") + 1
        return w, h
    if kind == b"VP8 " and end - start >= 10 and view[start + 3 : start + 6] == b"\x9d\x01\x2a":
        w, h = struct.unpack_from("<HH", view, start + 6)
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L" and end - start >= 5 and view[start] == 0x2F:
        bits = int.from_bytes(view[start + 1 : start + 5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise _malformed("WebP", "no picture header")


def clean_webp(data: bytes, *, max_pixels: int) -> list[bytes | memoryview]:
    view, end = _body(data, "WebP", b"WEBP")
    found = chunks(view, 12, end, "WebP")
    if not found:
        raise _malformed("WebP", "empty")
    width, height = webp_dimensions(view, found)
    if width * height > max_pixels:
        raise MediaRefused("Image dimensions are too large")
    parts: list[bytes | memoryview] = []
    for kind, start, stop in found:
        if kind == b"VP8X":
            header = bytearray(view[start:stop])
            header[0] &= ~_VP8X_METADATA_FLAGS & 0xFF
            parts.append(_pack(kind, header))
        elif kind == b"ANMF":
            if stop - start < 16:
                raise _malformed("WebP", "bad animation frame")
            inner = chunks(view, start + 16, stop, "WebP")
            frame = bytes(view[start : start + 16]) + b"".join(
                _pack(k, view[s:e]) for k, s, e in inner if k in WEBP_FRAME_KEEP
            )
            parts.append(_pack(kind, frame))
        elif kind in WEBP_KEEP:
            parts.append(_pack(kind, view[start:stop]))
    if not any(k in (b"VP8 ", b"VP8L", b"ANMF") for k, _, _ in found):
        raise _malformed("WebP", "no picture data")
    return _riff(b"WEBP", parts)


def verify_webp(data: bytes) -> None:
    view, end = _body(data, "WebP", b"WEBP")
    if end != len(data):
        raise MediaRefused("Verification failed: data after the end of the image")
    for kind, start, stop in chunks(view, 12, end, "WebP"):
        if kind not in WEBP_KEEP or (kind == b"VP8X" and view[start] & _VP8X_METADATA_FLAGS):
            raise MediaRefused("Verification failed: a metadata chunk remains")
        if kind == b"ANMF" and any(
            k not in WEBP_FRAME_KEEP for k, _, _ in chunks(view, start + 16, stop, "WebP")
        ):
            raise MediaRefused("Verification failed: a metadata chunk remains")


def clean_wav(data: bytes, *, max_seconds: float) -> list[bytes | memoryview]:
    view, end = _body(data, "WAV", b"WAVE")
    found = chunks(view, 12, end, "WAV")
    kinds = [k for k, _, _ in found]
    if kinds.count(b"fmt ") != 1 or kinds.count(b"data") != 1:
        raise _malformed("WAV", "needs one format and one data chunk")
    fmt = next((s, e) for k, s, e in found if k == b"fmt ")
    data_size = next(e - s for k, s, e in found if k == b"data")
    if fmt[1] - fmt[0] < 16:
        raise _malformed("WAV", "short format chunk")
    (byte_rate,) = struct.unpack_from("<I", view, fmt[0] + 8)
    if not byte_rate or data_size / byte_rate > max_seconds:
        raise MediaRefused("Audio is too long" if byte_rate else "Malformed WAV: no byte rate")
    parts: list[bytes | memoryview] = []
    for kind, start, stop in found:
        if kind in WAV_KEEP:
            parts.append(kind + struct.pack("<I", stop - start))
            parts.append(view[start:stop])
            if (stop - start) & 1:
                parts.append(b"\x00")
    return _riff(b"WAVE", parts)


def verify_wav(data: bytes) -> None:
    view, end = _body(data, "WAV", b"WAVE")
    if end != len(data):
        raise MediaRefused("Verification failed: data after the end of the audio")
    if any(kind not in WAV_KEEP for kind, _, _ in chunks(view, 12, end, "WAV")):
        raise MediaRefused("Verification failed: a metadata chunk remains")
