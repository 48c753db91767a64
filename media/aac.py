"""Blank the text an AAC encoder writes into the first audio frame.

Encoders may open a frame with fill (FIL) or data-stream (DSE) elements before the
audio; ffmpeg's encoder writes its name and version there ("Lavc59.37.100"), others can
write anything. These payloads are zeroed bit for bit, so the frame keeps its size
(nothing in the container moves) and decoders skip them exactly as before: a FIL
element of zeros is plain filler, a DSE of zeros is ignored data.
"""

from __future__ import annotations

from media.errors import MediaRefused

_SCE, _CPE, _DSE, _FIL, _END = 0, 1, 4, 6, 7
_MAX_LEADING = 16  # elements looked at before the audio starts


class _Bits:
    """A big-endian bit cursor over one frame."""

    def __init__(self, frame: bytes) -> None:
        self.value = int.from_bytes(frame, "big")
        self.size = len(frame) * 8
        self.pos = 0

    def read(self, count: int) -> int:
        if self.pos + count > self.size:
            raise ValueError("past the end of the frame")
        self.pos += count
        return (self.value >> (self.size - self.pos)) & ((1 << count) - 1)

    def zero(self, count: int) -> None:
        """Clear the next `count` bits and move past them."""
        if self.pos + count > self.size:
            raise ValueError("past the end of the frame")
        mask = ((1 << count) - 1) << (self.size - self.pos - count)
        self.value &= ~mask
        self.pos += count


def blank_leading_extensions(frame: bytes) -> bytes:
    """`frame` (one raw AAC frame) with the payloads of its leading FIL/DSE zeroed."""
    bits = _Bits(frame)
    try:
        for _ in range(_MAX_LEADING):
            element = bits.read(3)
            if element == _FIL:
                count = bits.read(4)
                if count == 15:
                    count += bits.read(8) - 1
                bits.zero(8 * count)
            elif element == _DSE:
                bits.read(4)  # element instance tag
                aligned = bits.read(1)
                count = bits.read(8)
                if count == 255:
                    count += bits.read(8)
                if aligned:
                    bits.read(-bits.pos % 8)
                bits.zero(8 * count)
            else:
                break
    except ValueError:
        raise MediaRefused("The audio could not be cleaned (malformed first frame)") from None
    return bits.value.to_bytes(len(frame), "big")


def adts_header_size(frame: bytes) -> int:
    """7 bytes, or 9 when the header carries a CRC (protection_absent is 0)."""
    return 7 if frame[1] & 1 else 9
