"""The only EXIF the sanitiser ever writes: a minimal TIFF block holding Orientation.

Phones store the picture sideways and say "rotate me" in EXIF; dropping that tag would
show the photo sideways. Rather than keeping any of the phone's EXIF, the sanitiser reads
that one number and writes a fresh, fixed-layout block with nothing else in it.
"""

from __future__ import annotations

import struct

ORIENTATION_TAG = 0x0112
EXIF_HEADER = b"Exif\x00\x00"
# The standard says SHORT (type 3); some writers use LONG (4), which viewers also honour,
# so ignoring it would show those photos sideways. Both fit in the entry's value field.
_VALUE_FORMATS = {3: "H", 4: "I"}


def read_orientation(tiff: bytes | memoryview) -> int:
    """Orientation (1–8) from a TIFF/EXIF block; 1 when absent or unreadable.

    Bounded: reads one IFD entry table and never follows other offsets.
    """
    try:
        order = bytes(tiff[:2])
        if order == b"II":
            endian = "<"
        elif order == b"MM":
            endian = ">"
        else:
            return 1
        (ifd,) = struct.unpack_from(endian + "I", tiff, 4)
        (count,) = struct.unpack_from(endian + "H", tiff, ifd)
        for index in range(min(count, 512)):
            tag, kind, number = struct.unpack_from(endian + "HHI", tiff, ifd + 2 + 12 * index)
            if tag == ORIENTATION_TAG and kind in _VALUE_FORMATS and number == 1:
                value_format = endian + _VALUE_FORMATS[kind]
                (value,) = struct.unpack_from(value_format, tiff, ifd + 2 + 12 * index + 8)
                return value if 1 <= value <= 8 else 1
    except struct.error:
        return 1
    return 1


def orientation_tiff(value: int) -> bytes:
    """A TIFF block with one IFD holding only Orientation = `value` (fixed 26 bytes)."""
    return b"MM\x00*" + struct.pack(">IHHHIHHI", 8, 1, ORIENTATION_TAG, 3, 1, value, 0, 0)
