"""Lossless cleaning of RIFF files (WebP images, WAV audio): keep listed chunks only.

A RIFF file is a flat list of tagged chunks, so cleaning is choosing which to copy and
fixing the sizes. Chunks that are kept but have a fixed layout (WebP's VP8X and ANIM,
WAV's `fmt ` and `fact`) are rewritten at exactly the size their layout needs: bytes past
that are read by nobody and would otherwise carry whatever a writer put there.

WebP: picture chunks are copied, animation frames are rebuilt from their picture chunks
alone, and VP8X is rebuilt from what the clean file holds. The only metadata written back
is a fixed EXIF chunk holding Orientation (see media.exif), so a sideways-stored phone
photo still displays upright. WAV: only format, fact and sample data are kept (dropping
LIST/INFO, broadcast-wave `bext`, iXML, ID3, cue and every vendor chunk); headers that a
recorder never finalised, and RF64, are read and written back as a plain, sized RIFF.
Pure, bounded parsing; no decoder runs.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from media.errors import MediaRefused
from media.exif import EXIF_HEADER, orientation_tiff, read_orientation

Chunk = tuple[bytes, int, int]  # id, payload start, payload end
Parts = list[bytes | memoryview]

WEBP_KEEP = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"}
WEBP_FRAME_KEEP = {b"VP8 ", b"VP8L", b"ALPH"}
WAV_KEEP = {b"fmt ", b"fact", b"data"}
MAX_CHUNKS = 100_000

# VP8X flag bits. Only alpha, EXIF (our own orientation block) and animation are written.
_ICC, _ALPHA, _EXIF, _XMP, _ANIMATION = 0x20, 0x10, 0x08, 0x04, 0x02
_VP8X_WRITTEN_FLAGS = _ALPHA | _EXIF | _ANIMATION
_VP8X_SIZE, _ANIM_SIZE, _ANMF_HEADER = 10, 6, 16
_ANMF_FLAG_BITS = 0x03  # blending and disposal; the other six bits are reserved
_ORIENTATION_EXIF = frozenset(orientation_tiff(value) for value in range(2, 9))

# WAV format tags and the size of what follows the 16 basic `fmt ` bytes.
_PCM, _EXTENSIBLE = 0x0001, 0xFFFE
_NO_EXTENSION = {0x0003, 0x0006, 0x0007}  # IEEE float, A-law, mu-law: cbSize is always 0
_EXTENSIBLE_EXTRA = 22
# Sizes left in the header by writers that stream, or that died before patching it.
_UNSET = {0, 0xFFFFFFFF}


def _malformed(form: str, why: str) -> MediaRefused:
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
            raise _malformed(form, "truncated chunk header")
        kind = bytes(data[pos : pos + 4])
        (size,) = struct.unpack_from("<I", data, pos + 4)
        if kind == open_ended and size in _UNSET:
            found.append((kind, pos + 8, end))
            break
        if large and size == 0xFFFFFFFF and kind in large:
            size = large[kind]
        if pos + 8 + size > end:
            raise _malformed(form, "truncated chunk")
        found.append((kind, pos + 8, pos + 8 + size))
        pos += 8 + size + (size & 1)
        if len(found) > MAX_CHUNKS:
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


def _riff(tag: bytes, parts: Parts) -> Parts:
    body = sum(len(p) for p in parts) + 4
    return [b"RIFF" + struct.pack("<I", body) + tag, *parts]


# --- WebP -------------------------------------------------------------------------------


def webp_dimensions(view: memoryview, found: list[Chunk]) -> tuple[int, int]:
    """Canvas size: from VP8X, or for a simple file from its bitstream's frame header."""
    kind, start, end = found[0]
    if kind == b"VP8X" and end - start >= _VP8X_SIZE:
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


def clean_webp(data: bytes, *, max_pixels: int) -> Parts:
    """Picture chunks, a rebuilt VP8X, and a fixed EXIF chunk when the photo is turned."""
    view, end = _body(data, "WebP", b"WEBP")
    found = chunks(view, 12, end, "WebP")
    if not found:
        raise _malformed("WebP", "empty")
    width, height = webp_dimensions(view, found)
    if width * height > max_pixels:
        raise MediaRefused("Image dimensions are too large")
    if not any(k in (b"VP8 ", b"VP8L", b"ANMF") for k, _, _ in found):
        raise _malformed("WebP", "no picture data")
    pictures = _webp_pictures(view, found)
    orientation = _webp_orientation(view, found)
    exif = [_pack(b"EXIF", orientation_tiff(orientation))] if orientation != 1 else []
    if found[0][0] != b"VP8X":
        return _riff(b"WEBP", pictures)  # a simple file stays simple (and has no EXIF)
    flags = _vp8x_flags(view, found, exif=bool(exif))
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    header = _pack(b"VP8X", bytes([flags, 0, 0, 0]) + canvas)
    return _riff(b"WEBP", [header, *pictures, *exif])  # EXIF follows the image data


def _webp_pictures(view: memoryview, found: list[Chunk]) -> Parts:
    """The picture chunks in their order; frames rebuilt, ANIM cut to its fixed 6 bytes.

    VP8X is not among them (it is rebuilt), nor is any later VP8X or ANIM: viewers read
    only the first, so a second one could only carry something else.
    """
    parts: Parts = []
    animation_seen = False
    for kind, start, stop in found:
        if kind == b"ANMF":
            parts.append(_pack(kind, _webp_frame(view, start, stop)))
        elif kind == b"ANIM" and not animation_seen:
            if stop - start < _ANIM_SIZE:
                raise _malformed("WebP", "short animation header")
            parts.append(_pack(kind, view[start : start + _ANIM_SIZE]))
            animation_seen = True
        elif kind in WEBP_FRAME_KEEP:
            parts.append(_pack(kind, view[start:stop]))
    return parts


def _webp_frame(view: memoryview, start: int, stop: int) -> bytes:
    """An ANMF payload: its 16-byte header (reserved bits cleared) and picture chunks."""
    if stop - start < _ANMF_HEADER:
        raise _malformed("WebP", "bad animation frame")
    header = bytearray(view[start : start + _ANMF_HEADER])
    header[-1] &= _ANMF_FLAG_BITS
    inner = chunks(view, start + _ANMF_HEADER, stop, "WebP")
    return bytes(header) + b"".join(
        _pack(k, view[s:e]) for k, s, e in inner if k in WEBP_FRAME_KEEP
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
    view, end = _body(data, "WebP", b"WEBP")
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
            and payload[1:4] == b"\x00\x00\x00"
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


# --- WAV --------------------------------------------------------------------------------


class _Extent(NamedTuple):
    """Where a WAV's chunks end, and how their sizes are to be read."""

    end: int
    unfinalised: bool  # the header's sizes were never written: data runs to end of file
    large: dict[bytes, int]  # RF64: real sizes of chunks marked 0xFFFFFFFF


def _wav_extent(data: bytes) -> _Extent:
    """Read the RIFF (or RF64) header, accepting the sizes of a never-finalised header.

    Recorders write the header first with placeholder sizes (0, 0xFFFFFFFF, or those of
    an empty file) and patch them when recording stops; a recorder that is killed, or
    writes to a stream, never does. A size that merely overruns the file is a cut file,
    and stays refused.
    """
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise _malformed("WAV", "bad header")
    (size,) = struct.unpack_from("<I", data, 4)
    large: dict[bytes, int] = {}
    if data[:4] == b"RF64":
        size, large[b"data"] = _ds64(data)
    if size in _UNSET or _empty_placeholder(data, size):
        return _Extent(len(data), True, {})
    if size + 8 > len(data) or size < 4:
        raise _malformed("WAV", "truncated file")
    return _Extent(size + 8, False, large)


def _empty_placeholder(data: bytes, size: int) -> bool:
    """A header written for an empty recording (RIFF ends at an empty data chunk's header)
    and never patched, with the samples after it."""
    return size >= 12 and size + 8 < len(data) and data[size : size + 8] == b"data" + bytes(4)


def _ds64(data: bytes) -> tuple[int, int]:
    """(RIFF size, data size) from RF64's ds64 chunk, which must come first.

    Unset 64-bit sizes read as 0 (never finalised). A file we can hold in memory is
    always under 4 GB, so the clean copy is a plain RIFF WAV and ds64 is dropped.
    """
    (ds64_size,) = struct.unpack_from("<I", data, 16) if len(data) >= 20 else (0,)
    if data[12:16] != b"ds64" or ds64_size < 24 or len(data) < 36:
        raise _malformed("WAV", "RF64 without its size chunk")
    riff_size, data_size = struct.unpack_from("<QQ", data, 20)
    return (0 if riff_size in (0, 2**64 - 1) else riff_size), data_size


def _canonical_fmt(fmt: memoryview) -> bytes:
    """The format chunk cut to exactly what its format tag needs.

    PCM needs the 16 basic bytes; float, A-law and mu-law add an empty cbSize;
    WAVE_FORMAT_EXTENSIBLE has a fixed 22-byte extension; other codecs need their cbSize
    bytes of codec data. Bytes past that are read by no decoder.
    """
    if len(fmt) < 16:
        raise _malformed("WAV", "short format chunk")
    (tag,) = struct.unpack_from("<H", fmt)
    if tag == _PCM or (len(fmt) < 18 and tag != _EXTENSIBLE):
        return bytes(fmt[:16])
    if tag in _NO_EXTENSION:
        return bytes(fmt[:16]) + bytes(2)
    (extra,) = struct.unpack_from("<H", fmt, 16) if len(fmt) >= 18 else (0,)
    if tag == _EXTENSIBLE:
        if extra < _EXTENSIBLE_EXTRA or len(fmt) < 18 + _EXTENSIBLE_EXTRA:
            raise _malformed("WAV", "short format chunk")
        extra = _EXTENSIBLE_EXTRA
        return bytes(fmt[:16]) + struct.pack("<H", extra) + bytes(fmt[18 : 18 + extra])
    if 18 + extra > len(fmt):
        raise _malformed("WAV", "short format chunk")
    return bytes(fmt[: 18 + extra])


def _wav_chunks(view: memoryview, found: list[Chunk]) -> tuple[bytes, bytes, memoryview]:
    """(canonical format chunk, fact payload or b"", samples) from the chunk list."""
    kinds = [k for k, _, _ in found]
    if kinds.count(b"fmt ") != 1 or kinds.count(b"data") != 1:
        raise _malformed("WAV", "needs one format and one data chunk")
    first = {k: view[s:e] for k, s, e in reversed(found) if k in WAV_KEEP}
    fact = first.get(b"fact", b"")
    # fact holds one number (samples per channel); a short one tells a player nothing.
    return (
        _canonical_fmt(first[b"fmt "]),
        bytes(fact[:4]) if len(fact) >= 4 else b"",
        first[b"data"],
    )


def _uncompressed(fmt: bytes) -> bool:
    """Whether a block is one sample frame, so a partial block at the end is no audio.

    (A compressed codec's last block may legitimately be short, and is then kept.)
    """
    (tag,) = struct.unpack_from("<H", fmt)
    return tag in (_PCM, _EXTENSIBLE) or tag in _NO_EXTENSION


def clean_wav(data: bytes, *, max_seconds: float) -> Parts:
    """Format, fact and sample chunks only, in that order, with correct sizes."""
    extent = _wav_extent(data)
    view = memoryview(data)
    opening = b"data" if extent.unfinalised else None
    found = chunks(view, 12, extent.end, "WAV", open_ended=opening, large=extent.large)
    fmt, fact, samples = _wav_chunks(view, found)
    byte_rate, block_align = struct.unpack_from("<IH", fmt, 8)
    if not byte_rate or not block_align:
        raise _malformed("WAV", "no byte rate")
    if extent.unfinalised or _uncompressed(fmt):  # whole sample frames only
        samples = samples[: len(samples) - len(samples) % block_align]
    if len(samples) / byte_rate > max_seconds:
        raise MediaRefused("Audio is too long")
    parts: Parts = [_pack(b"fmt ", fmt)]
    if fact:
        parts.append(_pack(b"fact", fact))
    parts += [b"data" + struct.pack("<I", len(samples)), samples]
    if len(samples) & 1:
        parts.append(b"\x00")
    return _riff(b"WAVE", parts)


def verify_wav(data: bytes) -> None:
    """Fail closed unless `data` is exactly format, optional 4-byte fact, then samples."""
    view, end = _body(data, "WAV", b"WAVE")
    if end != len(data):
        raise MediaRefused("Verification failed: data after the end of the audio")
    found = chunks(view, 12, end, "WAV")
    kinds = [kind for kind, _, _ in found]
    if any(kind not in WAV_KEEP for kind in kinds):
        raise MediaRefused("Verification failed: a metadata chunk remains")
    if kinds not in ([b"fmt ", b"data"], [b"fmt ", b"fact", b"data"]):
        raise MediaRefused("Verification failed: unexpected chunk layout")
    fmt = view[found[0][1] : found[0][2]]
    fact_sizes = [e - s for k, s, e in found if k == b"fact"]
    if bytes(fmt) != _canonical_fmt(fmt) or fact_sizes not in ([], [4]):
        raise MediaRefused("Verification failed: a chunk holds extra bytes")
