"""Where the audio is in an MP3 or ADTS file: inside any tags stuck on either end.

ID3v2 sits in front (or, with a "3DI" footer, behind); ID3v1, APEv2 and Lyrics3 (v1 and
v2) are appended behind the last frame, and
ffmpeg's demuxers copy some of them through as if they were audio. The sanitiser hands
ffmpeg only the byte range between the tags (via its `subfile` protocol), so no tag byte
ever reaches the muxer, and nothing is copied to disk to get there.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from media.errors import MediaRefused

_TAIL = 256 * 1024
_LYRICS3V1_MAX = 5100 + 20  # the lyrics, LYRICSBEGIN and LYRICSEND
# An ID3v2 header: version 2-4, revision 0, flags, a four-byte syncsafe size.
_ID3V2_HEADER = re.compile(rb"ID3[\x02-\x04]\x00.[\x00-\x7f]{4}", re.DOTALL)
_SCAN_CHUNK = 1 << 20


def audio_range(path: Path) -> tuple[int, int]:
    """[start, end) of the bytes between leading and trailing tags."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        start = 0
        for _ in range(16):  # files can carry several ID3v2 tags in a row
            stream.seek(start)
            head = stream.read(10)
            if len(head) < 10 or head[:3] != b"ID3":
                break
            length = _syncsafe(head[6:10]) + 10 + (10 if head[5] & 0x10 else 0)
            start += length
        stream.seek(max(start, size - _TAIL))
        tail_at = stream.tell()
        tail = stream.read()
    end = len(tail)
    for _ in range(8):
        before = end
        if end >= 128 and tail[end - 128 : end - 125] == b"TAG":
            end -= 128
        if end >= 32 and tail[end - 32 : end - 24] == b"APETAGEX":
            (length,) = struct.unpack_from("<I", tail, end - 20)
            (flags,) = struct.unpack_from("<I", tail, end - 12)
            end -= length + (32 if flags & 0x80000000 else 0)
        digits = tail[end - 15 : end - 9]
        if end >= 15 and tail[end - 9 : end] == b"LYRICS200" and digits.isdigit():
            end -= int(digits) + 15
        if end >= 20 and tail[end - 9 : end] == b"LYRICSEND":
            begins = tail.rfind(b"LYRICSBEGIN", max(0, end - _LYRICS3V1_MAX), end)
            end = begins if begins >= 0 else end
        if end >= 20 and tail[end - 10 : end - 7] == b"3DI":  # ID3v2.4 appended, footer last
            end -= _syncsafe(tail[end - 4 : end]) + 20
        if end == before or end < 0:
            break
    end = tail_at + max(end, 0)
    if end <= start:
        raise MediaRefused("The file holds no audio")
    return start, end


def _syncsafe(raw: bytes) -> int:
    return (raw[0] & 0x7F) << 21 | (raw[1] & 0x7F) << 14 | (raw[2] & 0x7F) << 7 | (raw[3] & 0x7F)


def holds_id3_tag(path: Path) -> bool:
    """Whether an ID3v2 tag header appears anywhere in `path`.

    Joined recordings carry the second file's tag in the middle of the audio, where no
    range cut can reach it and ffmpeg copies it through as if it were a damaged frame.
    The header's fixed bits occur in audio by chance about once in 2^42 positions (a
    few terabytes), so a hit means a tag, and the file is refused rather than stored.
    """
    overlap = 9
    with path.open("rb") as stream:
        previous = b""
        while chunk := stream.read(_SCAN_CHUNK):
            if _ID3V2_HEADER.search(previous + chunk):
                return True
            previous = chunk[-overlap:]
    return False
