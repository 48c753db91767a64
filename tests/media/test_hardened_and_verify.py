"""Hardened mode re-encodes photos; the verifiers fail closed on anything left over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from core.settings import Settings
from media import MediaRefused, gif, jpeg, png, sanitize_file, wav, webp
from tests.media import oracle


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow reading the odd original
def test_hardened_mode_reencodes_resizes_and_applies_orientation(
    corpus: dict[str, Path], workdir: Path, tmp_path: Path
) -> None:
    hardened = Settings(_env_file=None, data_dir=tmp_path / "var", hardened_photos=True)
    with Image.open(corpus["jpeg"]) as original:
        width, height = original.size

    result = sanitize_file(corpus["jpeg"], workdir, settings=hardened)

    assert result.reencoded and "hardened" in result.notes
    with Image.open(result.path) as clean:
        assert clean.getexif().get(0x0112, 1) == 1, "rotation is in the pixels now"
        assert clean.size == (round(height * 0.93), round(width * 0.93)), "turned and shrunk"
    assert oracle.leaks(result.path) == []


def test_hardened_mode_leaves_animations_lossless(
    corpus: dict[str, Path], workdir: Path, tmp_path: Path
) -> None:
    hardened = Settings(_env_file=None, data_dir=tmp_path / "var", hardened_photos=True)
    assert not sanitize_file(corpus["gif"], workdir, settings=hardened).reencoded


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("name", "verify"),
    [
        ("jpeg", lambda data: jpeg.verify(data, max_pixels=10**8)),
        ("png", png.verify),
        ("gif", lambda data: gif.verify(data, max_pixels=10**8)),
        ("webp", webp.verify_webp),
    ],
)
def test_verifiers_reject_the_dirty_originals(
    name: str, verify: Callable[[bytes], None], corpus: dict[str, Path]
) -> None:
    """The post-clean check is strict: fed a dirty file, it refuses (fail closed)."""
    with pytest.raises(MediaRefused, match=r"Verification failed|Malformed"):
        verify(corpus[name].read_bytes())


def test_jpeg_verifier_rejects_a_comment_smuggled_into_clean_output(
    corpus: dict[str, Path], workdir: Path, settings: Settings
) -> None:
    clean = sanitize_file(corpus["jpeg"], workdir, settings=settings).path.read_bytes()
    smuggled = clean[:2] + b"\xff\xfe\x00\x0ePLANTCOMMENT" + clean[2:]
    with pytest.raises(MediaRefused, match="metadata segment"):
        jpeg.verify(smuggled, max_pixels=10**8)
    with pytest.raises(MediaRefused, match="after the end"):
        jpeg.verify(clean + b"PLANTTRAILER", max_pixels=10**8)


def test_wav_verifier_rejects_an_info_chunk(corpus: dict[str, Path]) -> None:
    with pytest.raises(MediaRefused, match="metadata chunk"):
        wav.verify_wav(corpus["wav"].read_bytes())
