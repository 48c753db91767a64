"""Lossless JPEG cleaning: rebuild the file from its image-coding segments only.

The entropy-coded picture data is copied untouched, so the pixels are bit-identical and
no decoder ever runs on the input: this is pure, bounded parsing of the segment structure
and runs in-process (a few milliseconds for a 12-megapixel photo).

Dropped: every APPn segment (JFIF and its thumbnail, EXIF with GPS, maker notes and
thumbnails, XMP and extended XMP, ICC profiles, MPF, IPTC/Photoshop, Adobe, vendor
segments), comments, data between segments, and everything after the end-of-image
marker (motion-photo videos, MPF secondary images, appended payloads).

Written back: at most a fixed EXIF block holding only Orientation (so the photo displays
as the phone showed it) and a fixed Adobe segment only when the colour transform it names
changes how the pixels decode (RGB and CMYK/YCCK JPEGs). ICC profiles are dropped: they
name their maker, software and creation date, and could carry any text; wide-gamut photos
then display with sRGB primaries (slightly less saturated), a trade accepted for safety.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

from media.errors import MediaRefused
from media.exif import EXIF_HEADER, orientation_tiff, read_orientation

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
DHT, DAC, SOS, DQT, DRI = 0xC4, 0xCC, 0xDA, 0xDB, 0xDD
APP1, APP14, COM = 0xE1, 0xEE, 0xFE
_CODING = _SOF | {DHT, DAC, SOS, DQT, DRI}
_DROPPED = set(range(0xE0, 0xF0)) | {COM}
# A marker inside entropy-coded data: 0xFF followed by anything but stuffing, RSTn or fill.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_ADOBE = b"Adobe"


def _canonical_app1(orientation: int) -> bytes:
    payload = EXIF_HEADER + orientation_tiff(orientation)
    return struct.pack(">BBH", 0xFF, APP1, len(payload) + 2) + payload


def _canonical_app14(transform: int) -> bytes:
    payload = _ADOBE + struct.pack(">HHHB", 100, 0, 0, transform)
    return struct.pack(">BBH", 0xFF, APP14, len(payload) + 2) + payload


_ALLOWED_APP = {_canonical_app1(value) for value in range(2, 9)} | {
    _canonical_app14(transform) for transform in range(3)
}


# Real photos have tens of segments (a few thousand at most, for extended XMP split into
# 64 KB pieces); the cap bounds the walk's time and the kept-segment list on floods.
MAX_SEGMENTS = 65_536
# First byte that is not 0xFF fill: one C-speed search skips a run of any length.
_NOT_FILL = re.compile(rb"[^\xff]")


@dataclass(slots=True)
class Segment:
    """One kept marker segment [start, end); for SOS, `end` includes the entropy-coded data."""

    marker: int
    start: int
    end: int


@dataclass
class Structure:
    """What the rebuild needs: kept segments only, plus two facts from dropped ones.

    Dropped segments leave no object behind, so memory grows with what is kept (capped by
    MAX_SEGMENTS), never with how many empty APPn segments a hostile file repeats.
    """

    segments: list[Segment] = field(default_factory=list)  # coding segments and EOI
    end: int = 0  # just after EOI
    width: int = 0
    height: int = 0
    components: int = 0
    gaps: int = 0  # bytes between segments that belong to no segment (stray data, fill)
    count: int = 0  # every segment seen, kept or dropped
    exif: slice | None = None  # TIFF block of the FIRST EXIF APP1: the one viewers read
    transform: int | None = None  # colour transform named by the first Adobe APP14


def _malformed(why: str) -> MediaRefused:
    return MediaRefused(f"Malformed JPEG: {why}")


def parse(
    data: bytes, *, max_pixels: int, strict: bool = False, scans: dict[int, int] | None = None
) -> Structure:
    """Walk the segment structure, validating every segment that is kept.

    `strict` (used to verify our own output) also rejects fill bytes, stray data and any
    metadata segment other than our fixed ones.
    `scans` maps where picture data starts to where it ends when that data has already
    been proven marker-free (it is a verbatim copy of data scanned on input): the walk
    then checks that a marker follows at that point instead of scanning again, which
    halves the cost of verification.
    """
    if data[:2] != SOI:
        raise _malformed("no start-of-image marker")
    found = Structure()
    pos = _next_marker(data, 2, found, strict)
    while data[pos + 1] != 0xD9:
        marker = data[pos + 1]
        found.count += 1
        if found.count > MAX_SEGMENTS:
            raise _malformed("too many segments")
        end = _segment_end(data, pos, marker)
        if marker in _CODING:
            _validate(marker, memoryview(data)[pos + 4 : end], found, max_pixels)
            if marker == SOS:
                end = _scan_end(data, end, scans)
            found.segments.append(Segment(marker, pos, end))
        else:
            _note_dropped(data, marker, pos, end, found, strict)
        pos = _next_marker(data, end, found, strict)
    found.end = pos + 2
    found.segments.append(Segment(0xD9, pos, found.end))
    if not found.components or not any(seg.marker == SOS for seg in found.segments):
        raise _malformed("no picture data")
    return found


def _next_marker(data: bytes, pos: int, found: Structure, strict: bool) -> int:
    """Where the next marker (its last 0xFF) is, skipping stray bytes and fill bytes.

    The skip uses C-speed searches: one Python step per byte would let a file made of
    megabytes of legal 0xFF fill take seconds of unsandboxed CPU.
    """
    if pos + 2 > len(data):
        raise _malformed("truncated (no end-of-image marker)")
    if data[pos] == 0xFF and data[pos + 1] != 0xFF:
        return pos
    if strict:
        raise _malformed("data between segments")
    start = data.find(b"\xff", pos)
    after_fill = _NOT_FILL.search(data, start) if start >= 0 else None
    if after_fill is None:
        raise _malformed("truncated (no end-of-image marker)")
    marker = after_fill.start() - 1
    found.gaps += marker - pos
    return marker


def _segment_end(data: bytes, pos: int, marker: int) -> int:
    """End of the segment at `pos` from its length field; refuses unknown markers."""
    if marker not in _CODING and marker not in _DROPPED:
        raise _malformed(f"unsupported marker 0x{marker:02X}")
    if pos + 4 > len(data):
        raise _malformed("truncated segment")
    end = pos + 2 + ((data[pos + 2] << 8) | data[pos + 3])
    if end > len(data) or end < pos + 4:
        raise _malformed("truncated segment")
    return end


def _scan_end(data: bytes, start: int, scans: dict[int, int] | None) -> int:
    """End of the entropy-coded data from `start`: the first real marker after it."""
    known = scans.get(start) if scans else None
    if known is not None and _SCAN_END.match(data, known):
        return known
    match = _SCAN_END.search(data, start)
    if match is None:
        raise _malformed("truncated picture data")
    return match.start()


def _note_dropped(
    data: bytes, marker: int, start: int, end: int, found: Structure, strict: bool
) -> None:
    """Keep from a dropped segment only what the rebuild needs, and no per-segment object.

    Only the first EXIF APP1 counts, as in viewers and exiftool: a second one must not
    rotate the photo. In strict mode only our own fixed segments may appear at all.
    """
    if strict:
        if bytes(data[start:end]) not in _ALLOWED_APP:
            raise MediaRefused("Verification failed: a metadata segment remains")
        return
    head = data[start + 4 : start + 10]  # enough to tell EXIF and Adobe apart
    if marker == APP1 and found.exif is None and head == EXIF_HEADER:
        found.exif = slice(start + 10, end)
    elif marker == APP14 and found.transform is None and head[:5] == _ADOBE:
        found.transform = data[start + 15] if end - start >= 16 else None


def _validate(marker: int, payload: memoryview, found: Structure, max_pixels: int) -> None:
    """Check that a kept segment holds exactly what the standard says and nothing more."""
    length = len(payload)
    if marker in _SOF:
        if length < 6:
            raise _malformed("short frame header")
        _, height, width, count = struct.unpack_from(">BHHB", payload)
        if found.components or not 1 <= count <= 4 or length != 6 + 3 * count:
            raise _malformed("bad frame header")
        if not width or not height:
            raise _malformed("image without dimensions")
        if width * height > max_pixels:
            raise MediaRefused("Image dimensions are too large")
        found.width, found.height, found.components = width, height, count
    elif marker == SOS:
        if not found.components:
            raise _malformed("picture data before the frame header")
        if length < 1 or not 1 <= payload[0] <= 4 or length != 4 + 2 * payload[0]:
            raise _malformed("bad scan header")
    elif marker == DQT:
        offset = 0
        while offset < length:
            offset += 1 + 64 * (1 + (payload[offset] >> 4))
        if offset != length:
            raise _malformed("bad quantisation table")
    elif marker == DHT:
        offset = 0
        while offset + 17 <= length:
            offset += 17 + sum(payload[offset + 1 : offset + 17])
        if offset != length:
            raise _malformed("bad Huffman table")
    elif (marker == DRI and length != 2) or (marker == DAC and length % 2):
        raise _malformed("bad table segment")


@dataclass
class Cleaned:
    """The clean file as parts (mostly slices of the input) and what verification needs."""

    parts: list[bytes | memoryview]
    orientation: int
    scans: dict[int, int]  # output offset of picture data -> its end (see `parse`)


def clean(data: bytes, *, max_pixels: int) -> Cleaned:
    """Rebuild `data` from its coding segments (see the module docstring for what goes)."""
    found = parse(data, max_pixels=max_pixels)
    view = memoryview(data)
    orientation = read_orientation(view[found.exif]) if found.exif else 1
    transform = found.transform  # None when no Adobe segment: YCbCr or grey by default
    head = SOI
    if orientation != 1:
        head += _canonical_app1(orientation)
    if transform is not None and transform <= 2 and (found.components, transform) != (3, 1):
        head += _canonical_app14(transform)
    cleaned = Cleaned([head], orientation, {})
    offset = len(head)
    run_start = run_end = -1
    for seg in found.segments:
        if seg.marker == SOS:
            header = 2 + ((data[seg.start + 2] << 8) | data[seg.start + 3])
            cleaned.scans[offset + header] = offset + seg.end - seg.start
        if seg.start != run_end:  # not contiguous with the previous kept segment
            if run_start >= 0:
                cleaned.parts.append(view[run_start:run_end])
            run_start = seg.start
        run_end = seg.end
        offset += seg.end - seg.start
    cleaned.parts.append(view[run_start:run_end])
    return cleaned


def verify(data: bytes, *, max_pixels: int, scans: dict[int, int] | None = None) -> None:
    """Fail closed unless `data` is a bare JPEG: coding segments plus our fixed ones."""
    found = parse(data, max_pixels=max_pixels, strict=True, scans=scans)
    if found.end != len(data):
        raise MediaRefused("Verification failed: data after the end of the image")
