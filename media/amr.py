"""Lossless AMR cleaning: copy the magic and the speech frames, nothing after them.

An AMR file (RFC 4867 storage format) is a magic line followed by self-delimiting frames
whose one-byte header gives the frame type and therefore its size. The walk stops at the
first byte that is not a valid frame header, which drops appended tags or payloads.
The format has no metadata fields of its own. Pure, bounded parsing; no decoder runs.
"""

from __future__ import annotations

from media.errors import MediaRefused

NB_MAGIC, WB_MAGIC = b"#!AMR\n", b"#!AMR-WB\n"
# Payload bytes per frame type (0 = reserved, refused; NO_DATA frames are header-only).
_NB_SIZES = (12, 13, 15, 17, 19, 20, 26, 31, 5, -1, -1, -1, -1, -1, -1, 0)
_WB_SIZES = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, -1, -1, -1, -1, 0, 0)
FRAME_SECONDS = 0.02


def frames_end(data: bytes) -> tuple[int, int]:
    """(offset where valid frames stop, number of frames)."""
    if data[: len(NB_MAGIC)] == NB_MAGIC:
        pos, sizes = len(NB_MAGIC), _NB_SIZES
    elif data[: len(WB_MAGIC)] == WB_MAGIC:
        pos, sizes = len(WB_MAGIC), _WB_SIZES
    else:
        raise MediaRefused("Malformed AMR: bad header")
    count = 0
    while pos < len(data):
        header = data[pos]
        size = sizes[(header >> 3) & 0x0F]
        if header & 0x83 or size < 0 or pos + 1 + size > len(data):
            break
        pos += 1 + size
        count += 1
    return pos, count


def clean(data: bytes, *, max_seconds: float) -> list[bytes | memoryview]:
    end, count = frames_end(data)
    if not count:
        raise MediaRefused("Malformed AMR: no audio frames")
    if count * FRAME_SECONDS > max_seconds:
        raise MediaRefused("The recording is too long")
    return [memoryview(data)[:end]]


def verify(data: bytes) -> None:
    end, count = frames_end(data)
    if end != len(data) or not count:
        raise MediaRefused("Verification failed: data after the end of the audio")
