"""Hostile JPEG layouts: bounded work and memory, and the orientation viewers would show.

The JPEG cleaner runs in-process with no sandbox and no timeout, so a file built to make
the segment walk slow or memory-hungry must be refused or cleaned within a CPU-time cap
(tests/media/measure.py), in memory that does not grow with the number of dropped segments.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from core.settings import Settings
from media import sanitize_file
from media.errors import MediaRefused
from tests.media import builders
from tests.media.measure import Case

EMPTY_APP0 = b"\xff\xe0\x00\x02"


def _plain_jpeg() -> bytes:
    return builders.encode(Image.fromarray(builders.pixels(64, 48)), "JPEG")


def _with(inserted: bytes) -> bytes:
    """The plain JPEG with `inserted` right after its start-of-image marker."""
    plain = _plain_jpeg()
    return plain[:2] + inserted + plain[2:]


# Just under jpeg.MAX_SEGMENTS (the old walk kept 60k objects); memory tracing slows the
# walk about sixfold, hence the higher cap.
SEGMENTS = Case("segments.jpg", lambda: _with(EMPTY_APP0 * 60_000), cpu=5.0, memory=True)
# 120 times the segment cap: walking them all before refusing is about 90 times the work.
SEGMENT_FLOOD = Case("flood.jpg", lambda: _with(EMPTY_APP0 * 8_000_000))
# A Python step per fill byte is about 20 times slower than the regex skip.
FILL = Case("fill.jpg", lambda: _with(b"\xff" * (32 << 20)))


def _pixels(data: bytes | Path) -> bytes:
    """Decoded pixels (compare with the plain encoding: Pillow crawls hostile layouts)."""
    with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as image:
        return image.convert("RGB").tobytes()


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _exif_app1(endian: str, orientation: int, kind: int = 3) -> bytes:
    """An EXIF APP1 whose only tag is Orientation, stored as SHORT (3) or LONG (4)."""
    order = b"II*\x00" if endian == "<" else b"MM\x00*"
    if kind == 4:
        value = struct.pack(endian + "I", orientation)
    else:
        value = struct.pack(endian + "HH", orientation, 0)
    ifd = struct.pack(endian + "IHHHI", 8, 1, 0x0112, kind, 1) + value + bytes(4)
    payload = b"Exif\x00\x00" + order + ifd
    return struct.pack(">BBH", 0xFF, 0xE1, len(payload) + 2) + payload


def _orientation(path: Path) -> int:
    with Image.open(path) as image:
        return image.getexif().get(0x0112, 1)


def test_many_dropped_segments_clean_in_bounded_memory_and_time(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """Just under the segment cap: no per-dropped-segment object is kept."""
    source = SEGMENTS.write(tmp_path)

    run = SEGMENTS.sanitize(source, workdir, settings)
    clean = run.value.path

    assert run.peak < source.stat().st_size + 1_000_000, f"peak {run.peak} bytes"
    assert clean.read_bytes().count(b"\xff\xe0") == 0
    assert _pixels(clean) == _pixels(_plain_jpeg())


def test_too_many_segments_are_refused_quickly(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = SEGMENT_FLOOD.write(tmp_path)

    with pytest.raises(MediaRefused, match="too many segments"):
        SEGMENT_FLOOD.sanitize(source, workdir, settings)

    assert list(workdir.iterdir()) == []


def test_long_run_of_fill_bytes_is_skipped_quickly(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """Fill bytes (0xFF padding before a marker) are legal; 32 MB of them must not crawl."""
    plain = _plain_jpeg()
    source = FILL.write(tmp_path)

    result = FILL.sanitize(source, workdir, settings).value

    assert result.path.stat().st_size < len(plain) + 100
    assert _pixels(result.path) == _pixels(plain)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [(1, 6, 1), (6, 1, 6), (3, 8, 3)],
)
def test_only_the_first_exif_segment_gives_the_orientation(
    first: int, second: int, expected: int, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """Viewers and exiftool read the first EXIF APP1; a second one must not rotate the photo."""
    plain = _plain_jpeg()
    data = plain[:2] + _exif_app1(">", first) + _exif_app1("<", second) + plain[2:]
    source = _write(tmp_path, "two_exif.jpg", data)
    assert _orientation(source) == expected, "the oracle (Pillow) reads the first one"

    result = sanitize_file(source, workdir, settings=settings)

    assert _orientation(result.path) == expected
    assert _pixels(result.path) == _pixels(source)


@pytest.mark.parametrize("endian", ["<", ">"])
def test_orientation_stored_as_long_is_kept(
    endian: str, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    plain = _plain_jpeg()
    source = _write(tmp_path, "long.jpg", plain[:2] + _exif_app1(endian, 6, kind=4) + plain[2:])

    result = sanitize_file(source, workdir, settings=settings)

    assert _orientation(result.path) == 6


@pytest.mark.parametrize("value", [0, 9, 0x10006])
def test_invalid_long_orientation_is_dropped(
    value: int, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    plain = _plain_jpeg()
    source = _write(tmp_path, "bad.jpg", plain[:2] + _exif_app1(">", value, kind=4) + plain[2:])

    result = sanitize_file(source, workdir, settings=settings)

    assert _orientation(result.path) == 1
    assert b"Exif" not in result.path.read_bytes()
