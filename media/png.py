"""Lossless PNG cleaning: keep the chunks that draw the picture, drop every other one.

Pure, bounded parsing in-process: chunk CRCs are checked, the chunk count is capped, the
declared dimensions are limited before anything is inflated, and every compressed stream
(IDAT, and each APNG frame's fdAT) is inflated in bounded steps only to prove that it is
complete, exactly as long as the header says, and to find where it ends. Pixel data is
copied untouched, but only up to the end of its zlib stream: bytes after it (inside the
last chunk, or in further IDAT/fdAT chunks) are invisible to viewers and would carry
anything, so they are cut and the last chunk gets a fresh CRC.

Kept: IHDR, PLTE, IDAT, IEND, transparency, gamma/chromaticity/sRGB/cICP colour facts,
significant bits, background, and the APNG animation chunks, each only at the size the
spec allows for the image's colour type (a wrong-sized one is dropped: its extra bytes
could hold anything). Dropped: text, compressed and international text, eXIf, time, ICC
profiles (they carry names and dates), physical size, suggested palettes, private and
unknown ancillary chunks, and anything after IEND. An eXIf Orientation is carried over as
a fresh eXIf holding only that tag.

`verify` runs the same walk in strict mode: anything `clean` would cut or drop refuses.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import NamedTuple

from media.errors import MediaRefused
from media.exif import orientation_tiff, read_orientation

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CHUNKS = 200_000  # 256 MB in libpng's 8 KB IDATs is 32k; APNGs add 2-3 per frame
ANIMATION_PIXELS_FACTOR = 4  # all frames together may hold 4x the still-image limit
VERIFY_MAX_PIXELS = 1 << 34  # verify sees only our output, whose size clean already capped
_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"cICP",
    b"sBIT", b"bKGD", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
          (0, 1, 1, 2))  # fmt: skip
# Sizes fixed by the spec, and those that depend on the colour type (tRNS in palette
# images is checked against the palette instead).
_FIXED_SIZE = {b"gAMA": 4, b"cHRM": 32, b"sRGB": 1, b"cICP": 4, b"acTL": 8, b"fcTL": 26}
_SIZE_BY_COLOUR = {
    b"tRNS": {0: 2, 2: 6},
    b"bKGD": {0: 2, 4: 2, 2: 6, 6: 6, 3: 1},
    b"sBIT": {0: 1, 2: 3, 3: 3, 4: 2, 6: 4},
}
_BEFORE_PLTE = {b"gAMA", b"cHRM", b"sRGB", b"cICP", b"sBIT"}
_BEFORE_IDAT = _BEFORE_PLTE | {b"tRNS", b"bKGD", b"acTL"}
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_STEP = 1 << 20  # inflate output per step: bounded memory whatever the stream claims


def _malformed(why: str) -> MediaRefused:
    return MediaRefused(f"Malformed PNG: {why}")


def chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, start, end) of every chunk up to IEND, CRC-checked; refuses on any damage.

    A generator, so a caller keeps only the chunks it wants (memory grows with kept
    chunks, not with a flood of dropped ones), and capped at MAX_CHUNKS so a file of
    millions of empty chunks is refused in a fraction of a second.
    """
    if data[: len(SIGNATURE)] != SIGNATURE:
        raise _malformed("bad signature")
    view = memoryview(data)
    size = len(data)
    pos = len(SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if pos + 12 > size:
            raise _malformed("truncated (no IEND chunk)")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > size:
            raise _malformed("truncated chunk")
        if not kind.isalpha():
            raise _malformed("bad chunk type")
        if zlib.crc32(view[pos + 4 : end - 4]) != struct.unpack_from(">I", data, end - 4)[0]:
            raise _malformed("chunk checksum mismatch")
        yield kind, pos, end
        if kind == b"IEND":
            return
        pos = end
    raise _malformed("too many chunks")


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + crc


def _chunk_parts(kind: bytes, prefix: bytes, body: memoryview) -> list[bytes | memoryview]:
    """A chunk of `prefix + body` with a fresh CRC, without copying `body`."""
    crc = zlib.crc32(body, zlib.crc32(kind + prefix))
    head = struct.pack(">I", len(prefix) + len(body)) + kind + prefix
    return [head, body, struct.pack(">I", crc)]


class _Header(NamedTuple):
    width: int
    height: int
    depth: int
    colour: int
    interlaced: bool

    def data_size(self, width: int, height: int) -> int:
        """Bytes a width x height image (or APNG frame) inflates to, filter bytes included."""
        bits = self.depth * _CHANNELS[self.colour]
        if not self.interlaced:
            return height * (1 + (width * bits + 7) // 8)
        total = 0
        for x0, y0, dx, dy in _ADAM7:
            cols, rows = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
            if cols and rows:
                total += rows * (1 + (cols * bits + 7) // 8)
        return total


def _header(data: bytes, max_pixels: int) -> _Header:
    """The validated IHDR (which must come first): refuses what no decoder could draw."""
    if data[12:16] != b"IHDR" or data[8:12] != b"\x00\x00\x00\x0d":
        raise _malformed("no image header")
    width, height, depth, colour, method, filters, interlace = struct.unpack_from(
        ">IIBBBBB", data, 16
    )
    if depth not in _DEPTHS.get(colour, ()) or not width or not height:
        raise _malformed("bad image header")
    if method or filters or interlace > 1 or width >= 1 << 31 or height >= 1 << 31:
        raise _malformed("bad image header")
    if width * height > max_pixels:
        raise MediaRefused("Image dimensions are too large")
    return _Header(width, height, depth, colour, interlace == 1)


class _Stream:
    """One zlib stream spread over chunks, inflated in bounded steps to find its end."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.produced = 0
        self.inflater = zlib.decompressobj()

    @property
    def ended(self) -> bool:
        return self.inflater.eof

    def feed(self, piece: memoryview) -> int:
        """Inflate `piece`; returns how many of its bytes belong to the stream."""
        if self.inflater.eof:
            return 0
        pending: memoryview | bytes = piece
        try:
            while pending and not self.inflater.eof:
                self.produced += len(self.inflater.decompress(pending, _STEP))
                if self.produced > self.expected:
                    raise _malformed("more image data than the header declares")
                pending = self.inflater.unconsumed_tail
        except zlib.error:
            raise _malformed("corrupt image data") from None
        return len(piece) - len(self.inflater.unused_data)

    def finish(self) -> None:
        """Refuse unless the stream ended and inflated to exactly the declared size."""
        if not self.inflater.eof:
            try:
                self.produced += len(self.inflater.flush())
            except zlib.error:
                raise _malformed("corrupt image data") from None
        if self.produced != self.expected or not self.inflater.eof:
            raise _malformed("incomplete image data")


_ALLOWED_EXIF = {_chunk(b"eXIf", orientation_tiff(value)) for value in range(2, 9)}


class _Walk:
    """One pass over the chunks, building the clean copy; `strict` (verify) refuses
    wherever clean would drop or cut something."""

    def __init__(self, data: bytes, header: _Header, *, strict: bool, max_pixels: int) -> None:
        self.data, self.view, self.header, self.strict = data, memoryview(data), header, strict
        self.parts: list[bytes | memoryview] = [SIGNATURE, self.view[8:33]]
        self.seen: set[bytes] = set()
        self.palette = 0
        self.idat = _Stream(header.data_size(header.width, header.height))
        self.idat_closed = False  # a non-IDAT chunk followed the IDATs
        self.frames: int | None = None  # acTL's frame count, once seen before IDAT
        self.frame: _Stream | None = None  # the fdAT stream being read
        self.fctls = 0
        self.sequence = 0  # next APNG sequence number expected in the input
        self.written_sequence = 0  # next one written (dropped chunks leave no gap)
        self.frame_budget = max_pixels * ANIMATION_PIXELS_FACTOR
        self.orientation = 1
        self.end = 0

    def drop(self, why: str) -> None:
        """Clean drops silently; verify of our own output must never find such a chunk."""
        if self.strict:
            raise MediaRefused(f"Verification failed: {why}")

    def run(self) -> list[bytes | memoryview]:
        for kind, start, end in chunks(self.data):
            self.end = end
            if kind != b"IDAT" and b"IDAT" in self.seen:
                self.idat_closed = True
            if kind in _KEEP or kind == b"eXIf" or kind[0] < 0x61:  # kept, or critical
                self.chunk(kind, start, end)
                self.seen.add(kind)
            else:  # the common flood: private or metadata chunks, nothing kept
                self.drop("a metadata chunk remains")
        return self.finish()

    def chunk(self, kind: bytes, start: int, end: int) -> None:
        body = self.view[start + 8 : end - 4]
        if kind == b"IHDR":
            if start != 8:
                raise _malformed("second image header")
        elif kind == b"IDAT":
            self.image_data(start, end, body)
        elif kind == b"PLTE":
            self.plte(start, end, body)
        elif kind == b"IEND":
            if body:
                self.drop("data inside IEND")
        elif kind in (b"acTL", b"fcTL", b"fdAT"):
            self.animation(kind, start, end, body)
        elif kind == b"eXIf":
            self.exif(start, end, body)
        elif kind in _KEEP:
            self.ancillary(kind, start, end)
        else:
            raise _malformed("unknown critical chunk")

    def exif(self, start: int, end: int, body: memoryview) -> None:
        if self.strict and bytes(self.view[start:end]) in _ALLOWED_EXIF:
            return
        self.drop("a metadata chunk remains")
        self.orientation = read_orientation(body)

    def plte(self, start: int, end: int, body: memoryview) -> None:
        """The palette is critical: refuse it wherever a decoder would."""
        entries, rest = divmod(len(body), 3)
        colour, depth = self.header.colour, self.header.depth
        if colour in (0, 4) or rest or not 1 <= entries <= 256 or b"PLTE" in self.seen:
            raise _malformed("bad palette")
        if (colour == 3 and entries > 1 << depth) or b"IDAT" in self.seen:
            raise _malformed("bad palette")
        self.palette = entries
        self.parts.append(self.view[start:end])

    def ancillary(self, kind: bytes, start: int, end: int) -> None:
        """Keep a colour fact only once, in its place, at the size the spec gives it."""
        size = end - start - 12
        if kind in self.seen or (kind in _BEFORE_IDAT and b"IDAT" in self.seen):
            return self.drop("a repeated or misplaced chunk")
        if kind in _BEFORE_PLTE and b"PLTE" in self.seen:
            return self.drop("a misplaced chunk")
        if not self.size_allowed(kind, size):
            return self.drop("a chunk of the wrong size")
        self.parts.append(self.view[start:end])
        return None

    def size_allowed(self, kind: bytes, size: int) -> bool:
        colour = self.header.colour
        if kind in _FIXED_SIZE:
            return size == _FIXED_SIZE[kind]
        if kind == b"tRNS" and colour == 3:
            return 1 <= size <= self.palette
        if kind == b"bKGD" and colour == 3 and not self.palette:
            return False  # a palette index, so it must follow the palette
        return size == _SIZE_BY_COLOUR[kind].get(colour, -1)

    def image_data(self, start: int, end: int, body: memoryview) -> None:
        """IDATs (consecutive) hold one zlib stream; only the stream itself is kept."""
        if self.idat_closed and not self.idat.ended:
            raise _malformed("image data split by other chunks")
        used = self.trimmed(self.idat, body)
        if used and used == len(body):
            self.parts.append(self.view[start:end])  # whole chunk: verbatim, CRC and all
        elif used:
            self.parts.extend(_chunk_parts(b"IDAT", b"", body[:used]))

    def trimmed(self, stream: _Stream, body: memoryview) -> int:
        """How much of `body` is inside `stream` (the rest, if any, is dropped)."""
        used = stream.feed(body) if body else 0
        if used < len(body) or not body:
            self.drop("data after the end of the image data")
        return used

    def animation(self, kind: bytes, start: int, end: int, body: memoryview) -> None:
        """APNG: acTL before IDAT, then numbered fcTL/fdAT; renumbered on output."""
        if kind == b"acTL":
            if b"acTL" in self.seen or b"IDAT" in self.seen or len(body) != 8:
                return self.drop("a misplaced animation chunk")
            (frames,) = struct.unpack_from(">I", body)
            if not 1 <= frames <= MAX_CHUNKS:
                raise _malformed("bad animation header")
            self.frames = frames
            self.parts.append(self.view[start:end])
            return None
        if self.frames is None:  # not an animation as far as any viewer is concerned
            return self.drop("a stray animation chunk")
        if len(body) < 4 or int.from_bytes(body[:4]) != self.sequence:
            raise _malformed("bad animation sequence")
        self.sequence += 1
        if kind == b"fcTL":
            return self.frame_control(body)
        if self.frame is None:
            raise _malformed("frame data without a frame")
        used = self.trimmed(self.frame, body[4:])
        if used:
            self.parts.extend(_chunk_parts(b"fdAT", self.next_sequence(), body[4 : 4 + used]))
        return None

    def next_sequence(self) -> bytes:
        self.written_sequence += 1
        return struct.pack(">I", self.written_sequence - 1)

    def frame_control(self, body: memoryview) -> None:
        """A frame: inside the canvas, and the previous frame's data complete."""
        if len(body) != 26:
            raise _malformed("bad frame header")
        width, height, x, y, _, _, dispose, blend = struct.unpack_from(">IIIIHHBB", body, 4)
        header = self.header
        inside = x + width <= header.width and y + height <= header.height
        if not (width and height and inside) or dispose > 2 or blend > 1:
            raise _malformed("bad frame header")
        first = b"IDAT" not in self.seen
        if first and self.fctls:
            raise _malformed("two frames before the image data")
        if first and (width, height, x, y) != (header.width, header.height, 0, 0):
            raise _malformed("bad frame header")
        self.close_frame()
        self.frame_budget -= width * height
        if self.frame_budget < 0:
            raise MediaRefused("Animation is too large")
        self.fctls += 1
        self.frame = None if first else _Stream(header.data_size(width, height))
        fresh = self.next_sequence() + bytes(body[4:])
        self.parts.append(_chunk(b"fcTL", fresh))

    def close_frame(self) -> None:
        if self.frame is not None:
            self.frame.finish()

    def finish(self) -> list[bytes | memoryview]:
        if self.end != len(self.data):
            self.drop("data after the end of the image")
        if b"IDAT" not in self.seen:
            raise _malformed("no image data")
        if self.header.colour == 3 and not self.palette:
            raise _malformed("no palette")
        self.idat.finish()
        self.close_frame()
        if self.frames is not None and self.fctls != self.frames:
            raise _malformed("frame count does not match the animation header")
        if self.orientation != 1:
            self.parts.insert(2, _chunk(b"eXIf", orientation_tiff(self.orientation)))
        self.parts.append(_IEND)
        return self.parts


def clean(data: bytes, *, max_pixels: int) -> list[bytes | memoryview]:
    """The clean PNG as parts (slices of `data` plus fixed or re-chunked chunks)."""
    if data[: len(SIGNATURE)] != SIGNATURE:
        raise _malformed("bad signature")
    header = _header(data, max_pixels)
    return _Walk(data, header, strict=False, max_pixels=max_pixels).run()


def verify(data: bytes) -> None:
    """Fail closed unless `data` holds only kept chunks (or our eXIf) at their allowed
    sizes, each compressed stream ends exactly at the end of its last chunk, and the
    file ends at IEND."""
    if data[: len(SIGNATURE)] != SIGNATURE:
        raise _malformed("bad signature")
    header = _header(data, VERIFY_MAX_PIXELS)
    _Walk(data, header, strict=True, max_pixels=VERIFY_MAX_PIXELS).run()
