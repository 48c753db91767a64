"""Lossless WAV cleaning: format, fact and sample data only, with honest sizes.

Dropped: LIST/INFO, broadcast-wave `bext`, iXML, ID3, cue and every vendor chunk.
Headers that a recorder never finalised, and RF64, are read and written back as a
plain, sized RIFF. Chunk walking and writing: media.riff.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from media.errors import MediaRefused
from media.riff import (
    UNSET_SIZES,
    Chunk,
    Parts,
    chunks,
    malformed,
    pack_chunk,
    riff_body,
    riff_file,
)

WAV_KEEP = {b"fmt ", b"fact", b"data"}

# WAV format tags and the size of what follows the 16 basic `fmt ` bytes.
_PCM, _EXTENSIBLE = 0x0001, 0xFFFE
_NO_EXTENSION = {0x0003, 0x0006, 0x0007}  # IEEE float, A-law, mu-law: cbSize is always 0
_EXTENSIBLE_EXTRA = 22


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
        raise malformed("WAV", "bad header")
    (size,) = struct.unpack_from("<I", data, 4)
    large: dict[bytes, int] = {}
    if data[:4] == b"RF64":
        size, large[b"data"] = _ds64(data)
    if size in UNSET_SIZES or _empty_placeholder(data, size):
        return _Extent(len(data), True, {})
    if size + 8 > len(data) or size < 4:
        raise malformed("WAV", "truncated file")
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
        raise malformed("WAV", "RF64 without its size chunk")
    riff_size, data_size = struct.unpack_from("<QQ", data, 20)
    return (0 if riff_size in (0, 2**64 - 1) else riff_size), data_size


def _canonical_fmt(fmt: memoryview) -> bytes:
    """The format chunk cut to exactly what its format tag needs.

    PCM needs the 16 basic bytes; float, A-law and mu-law add an empty cbSize;
    WAVE_FORMAT_EXTENSIBLE has a fixed 22-byte extension; other codecs need their cbSize
    bytes of codec data. Bytes past that are read by no decoder.
    """
    if len(fmt) < 16:
        raise malformed("WAV", "short format chunk")
    (tag,) = struct.unpack_from("<H", fmt)
    if tag == _PCM or (len(fmt) < 18 and tag != _EXTENSIBLE):
        return bytes(fmt[:16])
    if tag in _NO_EXTENSION:
        return bytes(fmt[:16]) + bytes(2)
    (extra,) = struct.unpack_from("<H", fmt, 16) if len(fmt) >= 18 else (0,)
    if tag == _EXTENSIBLE:
        if extra < _EXTENSIBLE_EXTRA or len(fmt) < 18 + _EXTENSIBLE_EXTRA:
            raise malformed("WAV", "short format chunk")
        extra = _EXTENSIBLE_EXTRA
        return bytes(fmt[:16]) + struct.pack("<H", extra) + bytes(fmt[18 : 18 + extra])
    if 18 + extra > len(fmt):
        raise malformed("WAV", "short format chunk")
    return bytes(fmt[: 18 + extra])


def _wav_chunks(view: memoryview, found: list[Chunk]) -> tuple[bytes, bytes, memoryview]:
    """(canonical format chunk, fact payload or b"", samples) from the chunk list."""
    kinds = [k for k, _, _ in found]
    if kinds.count(b"fmt ") != 1 or kinds.count(b"data") != 1:
        raise malformed("WAV", "needs one format and one data chunk")
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
        raise malformed("WAV", "no byte rate")
    if extent.unfinalised or _uncompressed(fmt):  # whole sample frames only
        samples = samples[: len(samples) - len(samples) % block_align]
    if len(samples) / byte_rate > max_seconds:
        raise MediaRefused("Audio is too long")
    parts: Parts = [pack_chunk(b"fmt ", fmt)]
    if fact:
        parts.append(pack_chunk(b"fact", fact))
    parts += [b"data" + struct.pack("<I", len(samples)), samples]
    if len(samples) & 1:
        parts.append(b"\x00")
    return riff_file(b"WAVE", parts)


def verify_wav(data: bytes) -> None:
    """Fail closed unless `data` is exactly format, optional 4-byte fact, then samples."""
    view, end = riff_body(data, "WAV", b"WAVE")
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
