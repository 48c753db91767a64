"""Lossless AMR cleaning: copy the magic and the speech frames, nothing after them.

An AMR file (RFC 4867 storage format) is a magic line followed by self-delimiting frames
whose one-byte header gives the frame type and therefore its size. The walk stops at the
first byte that is not a valid frame header, which drops appended tags or payloads.
The format has no metadata fields of its own. Pure, bounded parsing; no decoder runs.

An appended trailer can happen to parse as frames for a while (in AMR-WB an "L" is the
header of a 5-byte comfort-noise frame; in AMR-NB a "<" that of a 31-byte 12.2 kbit/s
frame). Speech frames are compressed bits and look random, so a trailing run of frames
that are plain text is a trailer and is dropped, as is a trailing frame that is mostly
text and has its padding bits set (encoders pad with zeros; text rarely does). Only
frames after the last real speech frame are ever dropped, so a recording is never
refused for this, and at worst loses a few milliseconds of comfort noise at its end.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from media.errors import MediaRefused

NB_MAGIC, WB_MAGIC = b"#!AMR\n", b"#!AMR-WB\n"
# Payload bytes per frame type (-1 = reserved, refused; NO_DATA frames are header-only),
# and the bits of each payload that are speech (the rest of its last byte is padding),
# from 3GPP TS 26.101 (AMR-NB) and TS 26.201 (AMR-WB).
_NB_SIZES = (12, 13, 15, 17, 19, 20, 26, 31, 5, -1, -1, -1, -1, -1, -1, 0)
_NB_BITS = (95, 103, 118, 134, 148, 159, 204, 244, 39, 0, 0, 0, 0, 0, 0, 0)
_WB_SIZES = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, -1, -1, -1, -1, 0, 0)
_WB_BITS = (132, 177, 253, 285, 317, 365, 397, 461, 477, 40, 0, 0, 0, 0, 0, 0)
FRAME_SECONDS = 0.02
# Bytes of plain text (and the NULs that pad text records); speech is random bits.
_TEXT = bytes(range(0x20, 0x7F)) + b"\t\n\r\x00"


class _Codec(NamedTuple):
    """Per header byte (256 entries each): frame length with its header (0 = not a valid
    header) and the mask of padding bits in the frame's last byte."""

    steps: tuple[int, ...]
    padding: tuple[int, ...]
    empty_run: re.Pattern[bytes]  # a run of header-only (NO_DATA, SPEECH_LOST) frames


def _codec(sizes: tuple[int, ...], bits: tuple[int, ...]) -> _Codec:
    steps, padding, empty = [], [], []
    for header in range(256):
        kind = (header >> 3) & 0x0F
        size = sizes[kind] if not header & 0x83 else -1  # padding bits of the header set
        steps.append(1 + size if size >= 0 else 0)
        padding.append((1 << (8 * size - bits[kind])) - 1 if size > 0 else 0)
        if size == 0:
            empty.append(re.escape(bytes([header])))
    return _Codec(tuple(steps), tuple(padding), re.compile(b"(?:" + b"|".join(empty) + b")+"))


_NB, _WB = _codec(_NB_SIZES, _NB_BITS), _codec(_WB_SIZES, _WB_BITS)


def _not_speech(frame: bytes, padding_mask: int) -> bool:
    """Whether a frame is (the end of) text rather than encoded speech.

    All text: a random 6-byte frame (the smallest) is all text once in 140; a 13-byte one
    once in 250 000. Mostly text with padding bits set: the frame straddling a text
    trailer's end; a conforming encoder never sets them.
    """
    other = len(frame.translate(None, _TEXT))
    return not other or (bool(frame[-1] & padding_mask) and 2 * other <= len(frame))


def frames_end(data: bytes, max_frames: int | None = None) -> tuple[int, int]:
    """(offset where the audio ends, number of frames up to there).

    Frames after the last speech frame that are not speech (see `_not_speech`) are left
    out. With `max_frames`, the walk stops as soon as the count exceeds it: a file of
    1-byte frames must not cost one Python step per byte of a large upload.
    """
    if data[: len(NB_MAGIC)] == NB_MAGIC:
        pos, codec = len(NB_MAGIC), _NB
    elif data[: len(WB_MAGIC)] == WB_MAGIC:
        pos, codec = len(WB_MAGIC), _WB
    else:
        raise MediaRefused("Malformed AMR: bad header")
    budget = len(data) if max_frames is None else max_frames + 1
    count, cut = 0, None  # cut: (pos, count) at the first non-speech frame since speech
    while pos < len(data) and count < budget:
        header = data[pos]
        step = codec.steps[header]
        if not step or pos + step > len(data):
            break
        if step == 1:  # header-only frames: skip the whole run at C speed
            run = codec.empty_run.match(data, pos)
            taken = min(run.end() - pos if run else 1, budget - count)
            pos, count = pos + taken, count + taken
            continue
        if _not_speech(bytes(data[pos : pos + step]), codec.padding[header]):
            cut = cut or (pos, count)
        else:
            cut = None
        pos, count = pos + step, count + 1
    if count >= budget and max_frames is not None:
        return pos, count  # too long: refused whatever its end holds
    return cut or (pos, count)


def clean(data: bytes, *, max_seconds: float) -> list[bytes | memoryview]:
    max_frames = int(max_seconds / FRAME_SECONDS)
    end, count = frames_end(data, max_frames)
    if count > max_frames:
        raise MediaRefused("The recording is too long")
    if not count:
        raise MediaRefused("Malformed AMR: no audio frames")
    return [memoryview(data)[:end]]


def verify(data: bytes) -> None:
    end, count = frames_end(data)
    if end != len(data) or not count:
        raise MediaRefused("Verification failed: data after the end of the audio")
