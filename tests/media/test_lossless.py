"""The lossless paths keep every pixel and the orientation the phone showed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageOps, ImageSequence

from core.settings import Settings
from media import sanitize_file
from tests.media import builders, oracle


def _frames(path: Path) -> list[bytes]:
    with Image.open(path) as image:
        return [frame.convert("RGBA").tobytes() for frame in ImageSequence.Iterator(image)]


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow on the deliberately odd originals
@pytest.mark.parametrize(
    ("name", "orientation"),
    [("jpeg", 6), ("jpeg-progressive", 8), ("jpeg-restart", 1), ("png", 6)],
)
def test_pixels_are_bit_identical_and_orientation_is_kept(
    name: str, orientation: int, corpus: dict[str, Path], workdir: Path, settings: Settings
) -> None:
    source = corpus[name]
    result = sanitize_file(source, workdir, settings=settings)

    assert _frames(result.path) == _frames(source)
    with Image.open(result.path) as clean, Image.open(source) as original:
        assert clean.getexif().get(0x0112, 1) == orientation
        assert ImageOps.exif_transpose(clean).size == ImageOps.exif_transpose(original).size
        assert dict(clean.getexif()) == ({0x0112: orientation} if orientation != 1 else {})


@pytest.mark.parametrize("name", ["gif", "webp", "webp-animated"])
def test_animations_keep_every_frame(
    name: str, corpus: dict[str, Path], workdir: Path, settings: Settings
) -> None:
    result = sanitize_file(corpus[name], workdir, settings=settings)

    frames = _frames(result.path)
    assert frames == _frames(corpus[name])
    if name != "webp":
        assert len(frames) > 1
    with Image.open(result.path) as clean, Image.open(corpus[name]) as original:
        assert clean.info.get("loop") == original.info.get("loop")


def test_jpeg_entropy_data_is_copied_byte_for_byte(
    corpus: dict[str, Path], workdir: Path, settings: Settings
) -> None:
    source = corpus["jpeg"].read_bytes()
    result = sanitize_file(corpus["jpeg"], workdir, settings=settings)
    clean = result.path.read_bytes()

    scan = clean.index(b"\xff\xda")
    assert clean[scan:] in source, "from the first scan to EOI, the bytes are the original's"
    assert clean.endswith(b"\xff\xd9")


def test_cmyk_jpeg_keeps_the_colour_transform_it_needs(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """Adobe's segment says how CMYK decodes; only a fixed, minimal copy of it is kept."""
    source = tmp_path / "cmyk.jpg"
    Image.fromarray(builders.pixels(32, 24, channels=4), "CMYK").save(source, "JPEG")
    builders.exiftool(source, "-Artist=PLANTARTIST")

    result = sanitize_file(source, workdir, settings=settings)

    assert _frames(result.path) == _frames(source)
    assert oracle.planted_bytes(result.path) == []


def test_photo_with_unusual_but_valid_layout_is_cleaned(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """Fill bytes before markers and stray bytes between segments are legal-ish: dropped."""
    clean_jpeg = builders.encode(Image.fromarray(builders.pixels(16, 16)), "JPEG")
    odd = clean_jpeg[:2] + b"\xff\xff\xff" + clean_jpeg[2:20] + b"PLANTAPP" + clean_jpeg[20:]
    source = tmp_path / "odd.jpg"
    source.write_bytes(odd)

    with Image.open(io.BytesIO(clean_jpeg)) as reference:
        expected = reference.convert("RGBA").tobytes()
    result = sanitize_file(source, workdir, settings=settings)

    assert _frames(result.path) == [expected]
    assert b"PLANTAPP" not in result.path.read_bytes()
