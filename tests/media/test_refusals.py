"""Files that must not be stored are refused (415) quickly, leaving nothing behind.

"Quickly" is a CPU-time cap on the sanitiser and the decoders it starts
(tests/media/measure.py), not a stopwatch.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from core.errors import UnsupportedMediaType
from core.settings import Settings
from media import MediaRefused, sanitize_file
from tests.media import builders
from tests.media.measure import bounded


def _refused(source: Path, workdir: Path, settings: Settings) -> str:
    with pytest.raises(MediaRefused) as refusal:
        bounded(sanitize_file, source, workdir, settings=settings)
    assert list(workdir.iterdir()) == [], "a refused file leaves nothing in the workdir"
    assert refusal.value.status == 415 and isinstance(refusal.value, UnsupportedMediaType)
    return refusal.value.detail


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.txt", b"just some text, not a photo"),
        ("doc.pdf", b"%PDF-1.7\n%PLANTAPP\n"),
        ("empty.jpg", b""),
        ("movie.mkv", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska"),
        ("raw.bmp", b"BM" + bytes(60)),
    ],
)
def test_unknown_types_are_refused(
    name: str, data: bytes, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    _refused(_write(tmp_path, name, data), workdir, settings)


def test_a_zip_named_like_a_photo_is_refused(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    path = tmp_path / "holiday.jpg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("secret.txt", "PLANTAPP")
    assert "Unrecognised" in _refused(path, workdir, settings)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("fake.jpg", b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20),
        ("fake.gif", b"GIF89a" + b"\x00" * 40),
        ("fake.webp", b"RIFF\x20\x00\x00\x00WEBPVP8 " + bytes(24)),
        ("fake.mp4", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x07" * 300),
        ("fake.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x05hello" + b"\x00" * 200),
        ("fake.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x01" * 300),
        ("fake.ogg", b"OggS" + b"\x00" * 200),
        ("fake.wav", b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(28)),
    ],
)
def test_files_that_lie_about_their_type_are_refused(
    name: str, data: bytes, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    _refused(_write(tmp_path, name, data), workdir, settings)


@pytest.mark.parametrize(
    "name", ["jpeg", "png", "gif", "webp", "heic", "tiff", "mp4", "wav", "m4a"]
)
def test_truncated_files_are_refused(
    name: str, corpus: dict[str, Path], tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    data = corpus[name].read_bytes()
    cut = data[: len(data) // 2]
    if name in ("jpeg", "png", "gif", "webp"):
        cut = data[: data.index(b"PLANTTRAILER") - 200]  # cut inside the picture data
    _refused(_write(tmp_path, f"cut-{corpus[name].name}", cut), workdir, settings)


def test_png_decompression_bomb_is_refused_before_inflating(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    detail = _refused(builders.png_bomb(tmp_path), workdir, settings)
    assert "too large" in detail


def test_jpeg_claiming_absurd_dimensions_is_refused(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    jpeg = bytearray(builders.encode(builders_image(), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 65000, 65000)
    assert "too large" in _refused(_write(tmp_path, "huge.jpg", bytes(jpeg)), workdir, settings)


def test_tiff_bomb_is_refused_by_the_sandboxed_decoder(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """A TIFF declaring 60 000 x 60 000 pixels: the decoder child refuses it, quickly."""
    source = tmp_path / "bomb.tif"
    builders_image().save(source, "TIFF")
    data = bytearray(source.read_bytes())
    for tag in (256, 257):  # ImageWidth, ImageLength: rewritten as LONG entries in IFD0
        index = max(data.find(struct.pack("<HH", tag, kind)) for kind in (3, 4))
        data[index + 2 : index + 12] = struct.pack("<HII", 4, 1, 60_000)
    source.write_bytes(bytes(data))
    assert "too large" in _refused(source, workdir, settings)


def test_media_longer_than_allowed_is_refused(
    corpus: dict[str, Path], workdir: Path, tmp_path: Path
) -> None:
    strict = Settings(_env_file=None, data_dir=tmp_path / "var", max_media_duration_seconds=0.1)
    for name in ("mp3", "wav", "amr", "mp4"):
        assert "too long" in _refused(corpus[name], workdir, strict)


def test_decoder_that_runs_out_of_time_is_stopped(
    corpus: dict[str, Path], workdir: Path, tmp_path: Path
) -> None:
    hurried = Settings(_env_file=None, data_dir=tmp_path / "var", sanitize_timeout_seconds=0.01)
    assert "Timed out" in _refused(corpus["heic"], workdir, hurried)


def test_decoder_that_runs_out_of_memory_is_refused(
    corpus: dict[str, Path], workdir: Path, tmp_path: Path
) -> None:
    starved = Settings(_env_file=None, data_dir=tmp_path / "var", sanitize_memory_mb=16)
    _refused(corpus["heic"], workdir, starved)
    _refused(corpus["mp4"], workdir, starved)


def builders_image() -> Image.Image:
    return Image.fromarray(builders.pixels(16, 16))
