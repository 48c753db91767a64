"""RIFF, the container of WebP images and WAV audio: walking, reading and writing chunks.

A RIFF file is a flat list of tagged chunks, so cleaning is choosing which to copy and
fixing the sizes (media.webp, media.wav). Chunks that are kept but have a fixed layout
(WebP's VP8X and ANIM, WAV's `fmt ` and `fact`) are rewritten at exactly the size their
layout needs: bytes past that are read by nobody and would otherwise carry whatever a
writer put there. Pure, bounded parsing; no decoder runs.
"""

from __future__ import annotations

import struct

from media.errors import MediaRefused

Chunk = tuple[bytes, int, int]  # id, payload start, payload end
Parts = list[bytes | memoryview]

MAX_CHUNKS = 100_000
# Sizes left in the header by writers that stream, or that died before patching it.
UNSET_SIZES = {0, 0xFFFFFFFF}


def malformed(form: str, why: str) -> MediaRefused:
    return MediaRefused(f"Malformed {form}: {why}")


def chunks(
    data: bytes | memoryview,
    start: int,
    end: int,
    form: str,
    *,
    open_ended: bytes | None = None,
    large: dict[bytes, int] | None = None,
) -> list[Chunk]:
    """(id, payload start, payload end) for each chunk in data[start:end].

    A chunk of kind `open_ended` whose size is unset (0 or 0xFFFFFFFF) runs to `end` and
    ends the walk: that is how a WAV looks when its writer never finalised the header.
    `large` gives the real size of chunks whose 32-bit size is 0xFFFFFFFF (RF64's ds64).
    """
    found: list[Chunk] = []
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise malformed(form, "truncated chunk header")
        kind = bytes(data[pos : pos + 4])
        (size,) = struct.unpack_from("<I", data, pos + 4)
        if kind == open_ended and size in UNSET_SIZES:
            found.append((kind, pos + 8, end))
            break
        if large and size == 0xFFFFFFFF and kind in large:
            size = large[kind]
        if pos + 8 + size > end:
            raise malformed(form, "truncated chunk")
        found.append((kind, pos + 8, pos + 8 + size))
        pos += 8 + size + (size & 1)
        if len(found) > MAX_CHUNKS:
            raise malformed(form, "too many chunks")
    return found


def riff_body(data: bytes, form: str, tag: bytes) -> tuple[memoryview, int]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != tag:
        raise malformed(form, "bad header")
    (size,) = struct.unpack_from("<I", data, 4)
    if size + 8 > len(data) or size < 4:
        raise malformed(form, "truncated file")
    return memoryview(data), size + 8


def pack_chunk(kind: bytes, payload: bytes | memoryview) -> bytes:
    pad = b"\x00" if len(payload) & 1 else b""
    return kind + struct.pack("<I", len(payload)) + bytes(payload) + pad


def riff_file(tag: bytes, parts: Parts) -> Parts:
    body = sum(len(p) for p in parts) + 4
    return [b"RIFF" + struct.pack("<I", body) + tag, *parts]
