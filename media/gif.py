"""Lossless GIF cleaning: a block walker that keeps only what draws the frames.

Kept: header, logical screen, colour tables, image descriptors with their LZW data, and
graphic-control extensions (frame timing and transparency). Dropped: comments, plain-text
extensions, every application extension (XMP, ICC, vendor data), anything after the
trailer, and anything after an image's LZW end-of-information code (viewers stop there,
so bytes after it would carry anything unseen). Animation looping is carried over by
writing a fresh NETSCAPE2.0 block holding only the loop count. A missing trailer or zero
bytes between blocks (both shown by browsers) are tolerated; the output always ends with
a trailer. Pure, bounded parsing; no decoder runs: the LZW codes are only read (with
numpy, at C speed; media.lzw) far enough to find each image's end code.
"""

from __future__ import annotations

import re
import struct

from media.errors import MediaRefused

_EXTENSION, _IMAGE, _TRAILER = 0x21, 0x2C, 0x3B
_GRAPHIC_CONTROL, _APPLICATION = 0xF9, 0xFF
_LOOPING_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")
MAX_BLOCKS = 100_000
MAX_SUB_BLOCK_RUNS = 1_000_000  # runs of equal-sized sub-blocks: 255-byte ones are 1 run
MAX_CLEAR_CODES = 100_000  # encoders clear every ~4k codes: 100 MP is ~30k clears
_NON_ZERO = re.compile(rb"[^\x00]")
_MAX_WINDOW = 1 << 16  # sub-blocks compared per step of a run: bounded memory


def _malformed(why: str) -> MediaRefused:
    return MediaRefused(f"Malformed GIF: {why}")


def _loop_block(count: int) -> bytes:
    return b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", count) + b"\x00"


class _Budget:
    """Per-file counters that bound the work a hostile layout can cause."""

    def __init__(self) -> None:
        self.runs = MAX_SUB_BLOCK_RUNS
        self.clears = MAX_CLEAR_CODES

    def run(self) -> None:
        self.runs -= 1
        if self.runs < 0:
            raise _malformed("too many data sub-blocks")

    def clear(self) -> None:
        self.clears -= 1
        if self.clears < 0:
            raise _malformed("too many LZW clear codes")


def _run_length(data: bytes, pos: int, size: int) -> int:
    """How many whole sub-blocks of `size` bytes follow one another from `pos`.

    Their length bytes sit every size+1 bytes, so one extended slice and an lstrip (C
    speed) check a whole window of them: 1-byte sub-blocks cost no Python loop per block.
    """
    step = size + 1
    fits = (len(data) - pos) // step
    marker = bytes((size,))
    count, window = 0, 16
    while count < fits:
        wanted = min(window, fits - count)
        at = pos + count * step
        lengths = data[at : at + wanted * step : step]
        same = len(lengths) - len(lengths.lstrip(marker))
        count += same
        if same < wanted:
            break
        window = min(window * 8, _MAX_WINDOW)
    return count


def _sub_blocks(data: bytes, pos: int, budget: _Budget, sink: bytearray | None = None) -> int:
    """Position just after a chain of data sub-blocks (ended by a zero-length block),
    walked run by run; their payload is appended to `sink` if one is given."""
    while True:
        if pos >= len(data):
            raise _malformed("truncated data")
        size = data[pos]
        if size == 0:
            return pos + 1
        count = _run_length(data, pos, size)
        if not count:
            raise _malformed("truncated data")
        budget.run()
        if sink is not None:
            _append_payload(data, pos, size, count, sink)
        pos += count * (size + 1)


def _append_payload(data: bytes, pos: int, size: int, count: int, sink: bytearray) -> None:
    """Append the payload of `count` sub-blocks of `size` bytes (their length bytes cut)."""
    import numpy as np  # imported when a GIF is cleaned: the sanitize command starts without it

    if count == 1:
        sink += data[pos + 1 : pos + 1 + size]
        return
    rows = np.frombuffer(data, np.uint8, count * (size + 1), pos).reshape(count, size + 1)
    sink += rows[:, 1:].tobytes()


def _table_size(flags: int) -> int:
    return 3 << ((flags & 0x07) + 1) if flags & 0x80 else 0


def _lzw_start(data: bytes, start: int) -> int:
    """Offset of an image's LZW minimum code size byte (after descriptor and table)."""
    if start + 11 > len(data):
        raise _malformed("truncated image")
    pos = start + 10 + _table_size(data[start + 9])
    if pos >= len(data) or not 2 <= data[pos] <= 8:
        raise _malformed("bad image data")
    return pos


def blocks(data: bytes, *, max_pixels: int, strict: bool = False) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each block; kind is screen/image/control/loop/other/trailer.

    Not strict (cleaning): zero bytes between blocks are skipped, and the end of the data
    after at least one whole image stands for the trailer (an empty "trailer" block).
    """
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise _malformed("bad header")
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    if not width or not height:
        raise _malformed("no dimensions")
    if width * height > max_pixels:
        raise MediaRefused("Image dimensions are too large")
    pos = 13 + _table_size(flags)
    found = [("screen", 0, pos)]
    budget = _Budget()
    images = 0
    while True:
        if pos >= len(data):
            if strict or not images or pos > len(data):
                raise _malformed("truncated (no trailer)")
            found.append(("trailer", pos, pos))
            return found
        introducer = data[pos]
        start = pos
        if introducer == _TRAILER:
            found.append(("trailer", pos, pos + 1))
            return found
        if introducer == 0 and not strict:
            skip = _NON_ZERO.search(data, pos)  # stray padding: skipped at C speed
            pos = skip.start() if skip else len(data)
            continue
        if introducer == _IMAGE:
            pos = _sub_blocks(data, _lzw_start(data, pos) + 1, budget)
            found.append(("image", start, pos))
            images += 1
        elif introducer == _EXTENSION and pos + 2 < len(data):
            label = data[pos + 1]
            pos = _sub_blocks(data, pos + 2, budget)
            kind = "other"
            if label == _GRAPHIC_CONTROL and pos - start == 8:
                kind = "control"
            elif label == _APPLICATION and data[start + 3 : start + 14] in _LOOPING_APPS:
                kind = "loop"
            found.append((kind, start, pos))
        else:
            raise _malformed("unknown block")
        if len(found) > MAX_BLOCKS:
            raise MediaRefused("Too many frames")


def _frame_pixels(data: bytes, start: int) -> int:
    width: int
    height: int
    width, height = struct.unpack_from("<HH", data, start + 5)
    return width * height


def _reblock(payload: bytearray, used: int) -> bytes:
    """`payload[:used]` as 255-byte sub-blocks, then the terminator."""
    import numpy as np

    full, rest = divmod(used, 255)
    out = np.empty((full, 256), np.uint8)
    out[:, 0] = 255
    out[:, 1:] = np.frombuffer(payload, np.uint8, full * 255).reshape(full, 255)
    tail = bytes((rest,)) + bytes(payload[full * 255 : used]) if rest else b""
    return out.tobytes() + tail + b"\x00"


def _image_stream(data: bytes, start: int, budget: _Budget) -> tuple[int, bytearray, int]:
    """(LZW start, joined payload, bytes of it up to the end code) of one image block."""
    from media import lzw as codes  # with numpy: imported when a GIF is cleaned, not before

    lzw = _lzw_start(data, start)
    payload = bytearray()
    _sub_blocks(data, lzw + 1, budget, payload)
    used = codes.end_of_codes(payload, data[lzw], _frame_pixels(data, start), budget.clear)
    if used is None:
        raise _malformed("image data without an end code")
    return lzw, payload, used


def _clean_image(data: bytes, start: int, end: int, budget: _Budget) -> list[bytes | memoryview]:
    """The image block, cut after its end code; kept verbatim if already minimal."""
    view = memoryview(data)
    lzw, payload, used = _image_stream(data, start, budget)
    minimal = used + (used + 254) // 255 + 1
    if used == len(payload) and end - (lzw + 1) == minimal:
        return [view[start:end]]
    return [view[start : lzw + 1], _reblock(payload, used)]


def clean(data: bytes, *, max_pixels: int) -> list[bytes | memoryview]:
    """The clean GIF as parts (slices of `data`, re-blocked image data, fixed blocks)."""
    view = memoryview(data)
    parts: list[bytes | memoryview] = []
    budget = _Budget()
    for kind, start, end in blocks(data, max_pixels=max_pixels):
        if kind == "image":
            parts.extend(_clean_image(data, start, end, budget))
        elif kind in ("screen", "control"):
            parts.append(view[start:end])
        elif kind == "trailer":
            parts.append(bytes((_TRAILER,)))
        elif kind == "loop" and end - start >= 19 and data[start + 15] == 1:
            (count,) = struct.unpack_from("<H", data, start + 16)
            parts.append(_loop_block(count))
    return parts


def verify(data: bytes, *, max_pixels: int) -> None:
    """Fail closed unless only drawing blocks (and our loop block) remain, each image's
    data ends with its LZW end code, and the file ends at the trailer."""
    found = blocks(data, max_pixels=max_pixels, strict=True)
    if found[-1][2] != len(data):
        raise MediaRefused("Verification failed: data after the end of the image")
    budget = _Budget()
    for kind, start, end in found:
        if kind == "other" or (kind == "loop" and not _is_loop_block(data[start:end])):
            raise MediaRefused("Verification failed: a metadata block remains")
        if kind == "image":
            _, payload, used = _image_stream(data, start, budget)
            if used != len(payload):
                raise MediaRefused("Verification failed: data after the end of the image data")


def _is_loop_block(block: bytes) -> bool:
    return len(block) == 19 and block == _loop_block(block[16] | block[17] << 8)
