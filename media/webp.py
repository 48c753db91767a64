"""Lossless WebP cleaning: picture chunks only, and the orientation the phone showed.

Picture chunks are copied, animation frames are rebuilt from their picture chunks alone,
and VP8X is rebuilt from what the clean file holds. The only metadata written back is a
fixed EXIF chunk holding Orientation (see media.exif), so a sideways-stored phone photo
still displays upright. Chunk walking and writing: media.riff.
"""

from __future__ import annotations

import struct

from media.errors import MediaRefused
from media.exif import EXIF_HEADER, orientation_tiff, read_orientation
from media.riff import Chunk, Parts, chunks, malformed, pack_chunk, riff_body, riff_file

WEBP_KEEP = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"}
WEBP_FRAME_KEEP = {b"VP8 ", b"VP8L", b"ALPH"}

# VP8X flag bits. Only alpha, EXIF (our own orientation block) and animation are written.
_ICC, _ALPHA, _EXIF, _XMP, _ANIMATION = 0x20, 0x10, 0x08, 0x04, 0x02
_VP8X_WRITTEN_FLAGS = _ALPHA | _EXIF | _ANIMATION
_VP8X_SIZE, _ANIM_SIZE, _ANMF_HEADER = 10, 6, 16
_ANMF_FLAG_BITS = 0x03  # blending and disposal; the other six bits are reserved
_ORIENTATION_EXIF = frozenset(orientation_tiff(value) for value in range(2, 9))


def webp_dimensions(view: memoryview, found: list[Chunk]) -> tuple[int, int]:
    """Canvas size: from VP8X, or for a simple file from its bitstream's frame header."""
    kind, start, end = found[0]
    if kind == b"VP8X" and end - start >= _VP8X_SIZE:
        w = int.from_bytes(view[start + 4 : start + 7], "little") + 1
        h = int.from_bytes(view[start + 7 : start + 10], "little") + 1
        return w, h
    if (
        kind == b"VP8 "
        and end - start >= 10
        and bytes(view[start + 3 : start + 6]) == b"\x9d\x01\x2a"
    ):
        w, h = struct.unpack_from("<HH", view, start + 6)
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L" and end - start >= 5 and view[start] == 0x2F:
        bits = int.from_bytes(view[start + 1 : start + 5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise malformed("WebP", "no picture header")


def clean_webp(data: bytes, *, max_pixels: int) -> Parts:
    """Picture chunks, a rebuilt VP8X, and a fixed EXIF chunk when the photo is turned."""
    view, end = riff_body(data, "WebP", b"WEBP")
    found = chunks(view, 12, end, "WebP")
    if not found:
        raise malformed("WebP", "empty")
    width, height = webp_dimensions(view, found)
    if width * height > max_pixels:
        raise MediaRefused("Image dimensions are too large")
    if not any(k in (b"VP8 ", b"VP8L", b"ANMF") for k, _, _ in found):
        raise malformed("WebP", "no picture data")
    pictures = _webp_pictures(view, found)
    orientation = _webp_orientation(view, found)
    exif = [pack_chunk(b"EXIF", orientation_tiff(orientation))] if orientation != 1 else []
    if found[0][0] != b"VP8X":
        return riff_file(b"WEBP", pictures)  # a simple file stays simple (and has no EXIF)
    flags = _vp8x_flags(view, found, exif=bool(exif))
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    header = pack_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + canvas)
    return riff_file(b"WEBP", [header, *pictures, *exif])  # EXIF follows the image data


def _webp_pictures(view: memoryview, found: list[Chunk]) -> Parts:
    """The picture chunks in their order; frames rebuilt, ANIM cut to its fixed 6 bytes.

    VP8X is not among them (it is rebuilt), nor is any later VP8X or ANIM: viewers read
    only the first, so a second one could only carry something else.
    """
    parts: Parts = []
    animation_seen = False
    for kind, start, stop in found:
        if kind == b"ANMF":
            parts.append(pack_chunk(kind, _webp_frame(view, start, stop)))
        elif kind == b"ANIM" and not animation_seen:
            if stop - start < _ANIM_SIZE:
                raise malformed("WebP", "short animation header")
            parts.append(pack_chunk(kind, view[start : start + _ANIM_SIZE]))
            animation_seen = True
        elif kind in WEBP_FRAME_KEEP:
            parts.append(pack_chunk(kind, view[start:stop]))
    return parts


def _webp_frame(view: memoryview, start: int, stop: int) -> bytes:
    """An ANMF payload: its 16-byte header (reserved bits cleared) and picture chunks."""
    if stop - start < _ANMF_HEADER:
        raise malformed("WebP", "bad animation frame")
    header = bytearray(view[start : start + _ANMF_HEADER])
    header[-1] &= _ANMF_FLAG_BITS
    inner = chunks(view, start + _ANMF_HEADER, stop, "WebP")
    return bytes(header) + b"".join(
        pack_chunk(k, view[s:e]) for k, s, e in inner if k in WEBP_FRAME_KEEP
    )


def _webp_orientation(view: memoryview, found: list[Chunk]) -> int:
    """Orientation from the first EXIF chunk (the one viewers read); 1 when none.

    libwebp (browsers, Android, Pillow) reads EXIF only from an extended file whose VP8X
    flags announce it; an EXIF chunk anywhere else turns nothing and is not carried over.
    The chunk should hold a bare TIFF block, but some writers put JPEG's "Exif\\0\\0"
    in front, and viewers accept both.
    """
    kind, start, _ = found[0]
    first = next(((s, e) for k, s, e in found if k == b"EXIF"), None)
    if first is None or kind != b"VP8X" or not view[start] & _EXIF:
        return 1
    tiff = view[first[0] : first[1]]
    if bytes(tiff[: len(EXIF_HEADER)]) == EXIF_HEADER:
        tiff = tiff[len(EXIF_HEADER) :]
    return read_orientation(tiff)


def _vp8x_flags(view: memoryview, found: list[Chunk], *, exif: bool) -> int:
    """VP8X flags for what the clean file holds: never ICC or XMP, EXIF only if written.

    Alpha is kept when the original said so (decoders take it from the flag) and added
    when the picture has an alpha chunk or a lossless bitstream using alpha.
    """
    flags = _EXIF if exif else 0
    kinds = {k for k, _, _ in found}
    if b"ANMF" in kinds:
        flags |= _ANIMATION
    kind, start, _ = found[0]
    if (kind == b"VP8X" and view[start] & _ALPHA) or b"ALPH" in kinds:
        flags |= _ALPHA
    if any(k == b"VP8L" and e - s >= 5 and view[s + 4] & 0x10 for k, s, e in found):
        flags |= _ALPHA  # VP8L header: 14+14 bits of size, then the alpha_is_used bit
    return flags


def verify_webp(data: bytes) -> None:
    """Fail closed unless `data` holds picture chunks and our own fixed chunks only."""
    view, end = riff_body(data, "WebP", b"WEBP")
    if end != len(data):
        raise MediaRefused("Verification failed: data after the end of the image")
    found = chunks(view, 12, end, "WebP")
    for index, (kind, start, stop) in enumerate(found):
        if not _webp_chunk_is_clean(view, index, kind, start, stop):
            raise MediaRefused("Verification failed: a metadata chunk remains")
    exif = [k for k, _, _ in found].count(b"EXIF")
    flagged = found[0][0] == b"VP8X" and bool(view[found[0][1]] & _EXIF)
    if exif > 1 or flagged != bool(exif):
        raise MediaRefused("Verification failed: a metadata chunk remains")


def _webp_chunk_is_clean(view: memoryview, index: int, kind: bytes, start: int, stop: int) -> bool:
    """Whether one top-level chunk of our output is one we write, at its exact size."""
    payload = view[start:stop]
    if kind == b"VP8X":
        return (
            index == 0
            and len(payload) == _VP8X_SIZE
            and not payload[0] & ~_VP8X_WRITTEN_FLAGS & 0xFF
            and bytes(payload[1:4]) == b"\x00\x00\x00"
        )
    if kind == b"EXIF":
        return bytes(payload) in _ORIENTATION_EXIF
    if kind == b"ANIM":
        return len(payload) == _ANIM_SIZE
    if kind == b"ANMF":
        return (
            len(payload) >= _ANMF_HEADER
            and not payload[_ANMF_HEADER - 1] & ~_ANMF_FLAG_BITS & 0xFF
            and all(
                k in WEBP_FRAME_KEEP for k, _, _ in chunks(view, start + _ANMF_HEADER, stop, "WebP")
            )
        )
    return kind in WEBP_KEEP
