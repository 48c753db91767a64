"""Every supported format comes out with nothing identifying left, judged by exiftool
(with embedded documents) and by a raw byte search for the planted values."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.settings import Settings
from media import SanitizedFile, sanitize_file
from tests.media import boxes, builders, builders_av, oracle

EXPECTED = {
    "jpeg": ("image", "image/jpeg", ".jpg", False),
    "jpeg-progressive": ("image", "image/jpeg", ".jpg", False),
    "jpeg-restart": ("image", "image/jpeg", ".jpg", False),
    "png": ("image", "image/png", ".png", False),
    "gif": ("image", "image/gif", ".gif", False),
    "webp": ("image", "image/webp", ".webp", False),
    "webp-animated": ("image", "image/webp", ".webp", False),
    "heic": ("image", "image/jpeg", ".jpg", True),
    "avif": ("image", "image/jpeg", ".jpg", True),
    "tiff": ("image", "image/png", ".png", True),
    "mp4": ("video", "video/mp4", ".mp4", False),
    "mov": ("video", "video/quicktime", ".mov", False),
    "3gp": ("audio", "audio/3gpp", ".3gp", False),
    "m4a": ("audio", "audio/mp4", ".m4a", False),
    "mp3": ("audio", "audio/mpeg", ".mp3", False),
    "aac": ("audio", "audio/aac", ".aac", False),
    "ogg-opus": ("audio", "audio/ogg", ".ogg", False),
    "ogg-vorbis": ("audio", "audio/ogg", ".ogg", False),
    "amr": ("audio", "audio/amr", ".amr", False),
    "wav": ("audio", "audio/wav", ".wav", False),
    "webm": ("video", "video/webm", ".webm", False),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dirty_file_comes_out_clean(
    name: str, corpus: dict[str, Path], workdir: Path, settings: Settings
) -> None:
    source = corpus[name]
    assert oracle.leaks(source), "the builder must plant something for the test to mean much"
    before = source.read_bytes()

    result = sanitize_file(source, workdir, settings=settings)

    assert oracle.leaks(result.path) == []
    kind, mime, extension, reencoded = EXPECTED[name]
    assert (result.kind, result.mime, result.extension, result.reencoded) == (
        kind,
        mime,
        extension,
        reencoded,
    )
    _assert_record_matches_file(result)
    assert list(workdir.iterdir()) == [result.path], "only the clean copy is left behind"
    assert source.read_bytes() == before, "the original is only read"
    assert not any(value.decode() in result.notes for value in oracle.PLANTED)


def _assert_record_matches_file(result: SanitizedFile) -> None:
    data = result.path.read_bytes()
    assert result.path.suffix == result.extension
    assert result.size == len(data) > 0
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.notes


def test_clean_video_keeps_audio_and_video_but_drops_subtitle_and_timecode_tracks(
    corpus: dict[str, Path], workdir: Path, settings: Settings
) -> None:
    result = sanitize_file(corpus["mp4"], workdir, settings=settings)

    report = oracle.exiftool_report(result.path)
    handlers = {value for key, value in report.items() if key.endswith(":HandlerType")}
    assert {"Video Track", "Audio Track"} <= handlers
    assert not handlers & {"Time Code", "Text", "Subtitle", "Timed Metadata", "Closed Caption"}
    assert b"x264" not in result.path.read_bytes(), "encoder settings SEI removed"
    assert report["QuickTime:CreateDate"] == "0000:00:00 00:00:00"


def test_cover_art_photo_is_dropped_from_audio(
    corpus: dict[str, Path], workdir: Path, settings: Settings
) -> None:
    for name in ("mp3", "m4a"):
        result = sanitize_file(corpus[name], workdir, settings=settings)
        report = oracle.exiftool_report(result.path)
        assert not [key for key in report if "Picture" in key or "CoverArt" in key]
        assert result.kind == "audio"


@pytest.mark.parametrize(("container", "rotation"), [("mp4", 90), ("mov", 270), ("mp4", 180)])
def test_portrait_video_still_plays_upright(
    container: str, rotation: int, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = builders_av.video(
        tmp_path, f"portrait.{container}", container=container, rotation=rotation
    )

    result = sanitize_file(source, workdir, settings=settings)

    assert oracle.leaks(result.path) == []
    assert oracle.exiftool_report(result.path)["Composite:Rotation"] == rotation


GPS_SAMPLE = b"PLANTGPS +48.8583+002.2945+035.000/ 2024-05-01T10:00:00Z"


@pytest.mark.parametrize(
    ("container", "entry", "handler"),
    [("mp4", b"gpmd", b"GoPro MET"), ("mov", b"mebx", b"Core Media Metadata")],
)
def test_gps_track_recorded_beside_the_video_is_dropped(
    container: str, entry: bytes, handler: bytes, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = builders_av.video(tmp_path, f"walk.{container}", container=container)
    boxes.add_metadata_track(source, entry=entry, handler=handler, sample=GPS_SAMPLE)
    assert oracle.stream_kinds(source)[-1] == "data", "ffmpeg itself sees the GPS track"

    result = sanitize_file(source, workdir, settings=settings)

    assert oracle.leaks(result.path) == []
    assert oracle.stream_kinds(result.path) == ["video", "audio"]
    assert entry not in result.path.read_bytes()


def test_iphone_portrait_photo_is_turned_upright(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    # iPhones store the sensor's landscape pixels with a 270° anticlockwise `irot` and
    # say the same in EXIF (Orientation 6): the picture must be turned once, clockwise.
    source = boxes.add_heif_rotation(builders.heic(tmp_path), quarter_turns_anticlockwise=3)
    builders.exiftool(source, "-Orientation#=6")

    result = sanitize_file(source, workdir, settings=settings)

    _assert_turned_clockwise_once(result.path)


def test_android_avif_photo_is_turned_the_way_the_phone_showed_it(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = builders.avif(tmp_path, orientation=6)

    result = sanitize_file(source, workdir, settings=settings)

    _assert_turned_clockwise_once(result.path)


def _assert_turned_clockwise_once(path: Path) -> None:
    """The clean photo shows the builders' 64x48 picture turned 90° clockwise, and says
    nothing more about turning (so no viewer turns it again)."""
    with Image.open(path) as clean:
        assert clean.getexif().get(0x0112, 1) == 1
        shown = np.asarray(clean.convert("RGB"), dtype=float)
    original = builders.pixels(64, 48).astype(float)
    clockwise, anticlockwise = np.rot90(original, k=-1), np.rot90(original, k=1)
    assert shown.shape == clockwise.shape
    assert np.abs(shown - clockwise).mean() < 12 < np.abs(shown - anticlockwise).mean()
