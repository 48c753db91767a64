"""A small ISO base-media box editor for tests: what phones write and our tools do not.

ffmpeg cannot mux a GoPro `gpmd` GPS track or an Apple `mebx` timed-metadata track, and
pillow-heif cannot write the `irot` rotation that iPhones put on HEIC photos. These
helpers add them to real files, fixing up every size and file offset they move, so
ffprobe, exiftool and libheif read the result as they would a phone's own file.
"""

from __future__ import annotations

import struct
from pathlib import Path

_MOVIE_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts"}


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *payload)


def children(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int, int]]:
    """(type, box start, payload start, box end) of the boxes in data[start:end]."""
    found = []
    pos = start
    while pos < end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        found.append((kind, pos, pos + header, pos + size))
        pos += size
    return found


def _find(data: bytes, start: int, end: int, kind: bytes) -> tuple[bytes, int, int, int]:
    return next(child for child in children(data, start, end) if child[0] == kind)


# --- a timed-metadata track (GPS) in an MP4/MOV --------------------------------------


def add_metadata_track(path: Path, *, entry: bytes, handler: bytes, sample: bytes) -> Path:
    """Add a one-sample track of sample entry `entry` (b"gpmd", b"mebx"…) holding `sample`.

    The sample goes into a new `mdat` at the end; the track is appended to `moov`, and
    the chunk offsets of the existing tracks are moved by as much as `moov` grew.
    """
    data = path.read_bytes()
    _, moov_start, moov_payload, moov_end = _find(data, 0, len(data), b"moov")
    track_id = _next_track_id(data, moov_payload, moov_end)
    probe = _metadata_trak(track_id, entry, handler, len(sample), offset=0)
    grown = len(probe)
    offset = len(data) + grown + 8  # the new mdat's payload, after the moved tail
    trak = _metadata_trak(track_id, entry, handler, len(sample), offset=offset)
    moved = _shift_chunk_offsets(data[moov_payload:moov_end], grown, moov_end)
    moov = box(b"moov", moved, trak)
    path.write_bytes(data[:moov_start] + moov + data[moov_end:] + box(b"mdat", sample))
    return path


def _next_track_id(data: bytes, start: int, end: int) -> int:
    _, _, payload, _ = _find(data, start, end, b"mvhd")
    version = data[payload]
    at = payload + (4 + 8 + 8 + 4 + 8 if version == 1 else 4 + 4 + 4 + 4 + 4) + 76
    return struct.unpack_from(">I", data, at)[0]


def _metadata_trak(track_id: int, entry: bytes, handler: bytes, size: int, offset: int) -> bytes:
    duration, matrix = 500, struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    times_and_id = struct.pack(">IIIII", 0, 0, track_id, 0, duration)
    tkhd = full_box(b"tkhd", 0, 1, times_and_id, bytes(16), matrix, bytes(8))  # no picture size
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, 1000, duration, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, struct.pack(">I4s", 0, b"meta"), bytes(12), handler, b"\0")
    entry_payload = bytes(6) + struct.pack(">H", 1)
    if entry == b"mebx":  # Apple: the entry lists the keys its samples carry
        key = b"com.apple.quicktime.location.ISO6709"
        keyd = box(b"keyd", b"mdta", key)
        entry_payload += box(b"keys", box(struct.pack(">I", 1), keyd))
    stbl = box(
        b"stbl",
        full_box(b"stsd", 0, 0, struct.pack(">I", 1), box(entry, entry_payload)),
        full_box(b"stts", 0, 0, struct.pack(">III", 1, 1, duration)),
        full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, 1, 1)),
        full_box(b"stsz", 0, 0, struct.pack(">III", 0, 1, size)),
        full_box(b"stco", 0, 0, struct.pack(">II", 1, offset)),
    )
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))
    minf = box(b"minf", full_box(b"nmhd", 0, 0), dinf, stbl)
    return box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf))


def _shift_chunk_offsets(payload: bytes, delta: int, after: int) -> bytes:
    """`payload` (of moov) with every stco/co64 offset at or past `after` moved by delta."""
    rebuilt = []
    for kind, start, inner, end in children(payload, 0, len(payload)):
        if kind in _MOVIE_CONTAINERS:
            rebuilt.append(box(kind, _shift_chunk_offsets(payload[inner:end], delta, after)))
        elif kind in (b"stco", b"co64"):
            form = ">I" if kind == b"stco" else ">Q"
            (count,) = struct.unpack_from(">I", payload, inner + 4)
            offsets = struct.unpack_from(f">{count}{form[1]}", payload, inner + 8)
            moved = [value + delta if value >= after else value for value in offsets]
            rebuilt.append(
                box(kind, payload[inner : inner + 8], struct.pack(f">{count}{form[1]}", *moved))
            )
        else:
            rebuilt.append(payload[start:end])
    return b"".join(rebuilt)


# --- the rotation property of a HEIF photo -------------------------------------------


def add_heif_rotation(path: Path, quarter_turns_anticlockwise: int) -> Path:
    """Give the primary image an `irot` property, as iPhones do for portrait photos.

    The property goes at the end of `ipco` and is linked in `ipma`; `meta` grows, so
    every `iloc` extent that points past it is moved by as much.
    """
    data = path.read_bytes()
    _, meta_start, meta_payload, meta_end = _find(data, 0, len(data), b"meta")
    inner = meta_payload + 4  # meta is a full box
    primary = struct.unpack_from(">H", data, _find(data, inner, meta_end, b"pitm")[2] + 4)[0]
    _, _, iprp_payload, iprp_end = _find(data, inner, meta_end, b"iprp")
    ipco = _find(data, iprp_payload, iprp_end, b"ipco")
    ipma = _find(data, iprp_payload, iprp_end, b"ipma")
    index = len(children(data, ipco[2], ipco[3])) + 1
    new_ipco = box(
        b"ipco", data[ipco[2] : ipco[3]], box(b"irot", bytes([quarter_turns_anticlockwise]))
    )
    new_ipma = _associate(data[ipma[2] : ipma[3]], primary, index)
    delta = len(new_ipco) + len(new_ipma) - (ipco[3] - ipco[1]) - (ipma[3] - ipma[1])

    def rewrite_iprp(payload: bytes) -> bytes:
        parts = []
        for kind, start, _, end in children(payload, 0, len(payload)):
            parts.append({b"ipco": new_ipco, b"ipma": new_ipma}.get(kind, payload[start:end]))
        return b"".join(parts)

    def rewrite_meta(payload: bytes) -> bytes:
        parts = [payload[:4]]
        for kind, start, body, end in children(payload, 4, len(payload)):
            if kind == b"iprp":
                parts.append(box(b"iprp", rewrite_iprp(payload[body:end])))
            elif kind == b"iloc":
                parts.append(box(b"iloc", _shift_iloc(payload[body:end], delta, meta_end)))
            else:
                parts.append(payload[start:end])
        return b"".join(parts)

    meta = box(b"meta", rewrite_meta(data[meta_payload:meta_end]))
    path.write_bytes(data[:meta_start] + meta + data[meta_end:])
    return path


def _associate(ipma: bytes, item: int, index: int) -> bytes:
    """The ipma payload with property `index` (essential) added to `item`."""
    version, flags = ipma[0], int.from_bytes(ipma[1:4], "big")
    id_size, wide = (2 if version < 1 else 4), bool(flags & 1)
    (count,) = struct.unpack_from(">I", ipma, 4)
    out, pos = bytearray(ipma[:8]), 8
    for _ in range(count):
        item_id = int.from_bytes(ipma[pos : pos + id_size], "big")
        associations = ipma[pos + id_size]
        length = associations * (2 if wide else 1)
        body = ipma[pos + id_size + 1 : pos + id_size + 1 + length]
        if item_id == item:
            associations += 1
            body += struct.pack(">H", 0x8000 | index) if wide else bytes([0x80 | index])
        out += ipma[pos : pos + id_size] + bytes([associations]) + body
        pos += id_size + 1 + length
    return box(b"ipma", bytes(out))


def _shift_iloc(iloc: bytes, delta: int, after: int) -> bytes:
    """The iloc payload with file-offset extents at or past `after` moved by `delta`."""
    version = iloc[0]
    sizes = iloc[4], iloc[5]
    offset_size, length_size = sizes[0] >> 4, sizes[0] & 15
    base_size, index_size = sizes[1] >> 4, (sizes[1] & 15) if version else 0
    out = bytearray(iloc)
    pos = 6
    count_size = 4 if version == 2 else 2
    count = int.from_bytes(iloc[pos : pos + count_size], "big")
    pos += count_size

    def shift(at: int, size: int, method: int) -> None:
        value = int.from_bytes(out[at : at + size], "big")
        if size and method == 0 and value >= after:
            out[at : at + size] = (value + delta).to_bytes(size, "big")

    def read(at: int, size: int) -> int:
        return int.from_bytes(iloc[at : at + size], "big")

    for _ in range(count):
        pos += 4 if version == 2 else 2
        method = 0
        if version in (1, 2):
            method = read(pos, 2) & 15
            pos += 2
        pos += 2  # data reference index
        base_at = pos
        base = read(pos, base_size)
        pos += base_size
        extents = read(pos, 2)
        pos += 2
        if base:
            shift(base_at, base_size, method)
        for _ in range(extents):
            pos += index_size
            if not base:
                shift(pos, offset_size, method)
            pos += offset_size + length_size
    return bytes(out)
