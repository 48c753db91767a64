"""Ordinary phone and browser recordings that are laid out unusually: each is accepted,
plays or displays as it did, and keeps nothing identifying (or is refused, fail closed,
where nothing can be cut out without re-encoding)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from core.settings import Settings
from media import MediaRefused, sanitize_file
from tests.media import builders, builders_av, oracle
from tests.media.builders_av import FFMPEG_TAGS, ffmpeg

TONE = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
PICTURE = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=0.5"]


def _plays(path: Path) -> None:
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr, done.stderr


def _codecs(path: Path) -> list[str]:
    return [str(stream["codec_name"]) for stream in oracle.streams(path)]


def test_android_amr_voice_note_in_an_mp4_file(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    # MediaRecorder with OutputFormat.MPEG_4 and AudioEncoder.AMR_NB writes AMR into an
    # "isom" MP4. ffmpeg here can neither encode AMR nor mux it as MP4, so the builder's
    # AMR frames go into a 3GP whose brand is then made "isom", as the phone's is.
    raw = builders_av.amr(tmp_path)
    raw.write_bytes(raw.read_bytes().split(b"ID3")[0])  # the frames, not the trailer
    source = tmp_path / "voice.mp4"
    ffmpeg("-f", "amr", "-i", str(raw), "-c", "copy", *FFMPEG_TAGS, "-f", "3gp", str(source))
    data = bytearray(source.read_bytes())
    data[8:12] = b"isom"
    source.write_bytes(bytes(data))
    assert _codecs(source) == ["amr_nb"] and oracle.leaks(source)

    result = sanitize_file(source, workdir, settings=settings)

    assert (result.kind, result.mime, result.extension) == ("audio", "audio/3gpp", ".3gp")
    assert _codecs(result.path) == ["amr_nb"]
    _plays(result.path)
    assert oracle.leaks(result.path) == []


def test_browser_recording_of_h264_labelled_webm_is_kept_as_matroska(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    # MediaRecorder("video/webm;codecs=h264"): a Matroska file that WebM does not allow.
    source = tmp_path / "recording.webm"
    ffmpeg(*PICTURE, *TONE, "-c:v", "libx264", "-c:a", "libopus", *FFMPEG_TAGS,
           "-shortest", "-f", "matroska", str(source))  # fmt: skip
    source.write_bytes(source.read_bytes().replace(b"matroska", b"webm\x00\x00\x00\x00", 1))

    result = sanitize_file(source, workdir, settings=settings)

    assert (result.mime, result.extension) == ("video/x-matroska", ".mkv")
    assert _codecs(result.path) == ["h264", "opus"]
    _plays(result.path)
    assert oracle.leaks(result.path) == []


def test_hevc_encoder_settings_in_the_decoder_configuration_are_removed(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = tmp_path / "hevc.mp4"
    ffmpeg(*PICTURE, "-c:v", "libx265", "-x265-params", "log-level=none", "-tag:v", "hvc1",
           str(source))  # fmt: skip
    assert source.read_bytes().count(b"x265") >= 1

    result = sanitize_file(source, workdir, settings=settings)

    assert b"x265" not in result.path.read_bytes()
    assert _codecs(result.path) == ["hevc"]
    _plays(result.path)


def _syncsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _id3v24(text: bytes, *, footer: bool = False) -> bytes:
    frame = b"TIT2" + _syncsafe(len(text) + 1) + b"\x00\x00\x03" + text
    flags = bytes([0x10 if footer else 0])
    tag = b"ID3\x04\x00" + flags + _syncsafe(len(frame)) + frame
    return tag + (b"3DI\x04\x00" + flags + _syncsafe(len(frame)) if footer else b"")


@pytest.fixture
def bare_mp3(tmp_path: Path) -> bytes:
    path = tmp_path / "bare.mp3"
    ffmpeg(*TONE, "-c:a", "libmp3lame", "-map_metadata", "-1", "-id3v2_version", "0",
           "-write_xing", "0", str(path))  # fmt: skip
    return path.read_bytes()


@pytest.mark.parametrize(
    "tail",
    [
        _id3v24(b"PLANTTITLE", footer=True),  # ID3v2.4 appended, found by its footer
        b"LYRICSBEGINPLANTARTIST la la laLYRICSEND" + b"TAG".ljust(128, b"\x00"),  # Lyrics3 v1
    ],
    ids=["id3v24-appended", "lyrics3v1"],
)
def test_tags_appended_to_an_mp3_are_cut_off(
    tail: bytes, bare_mp3: bytes, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = builders.write(tmp_path / "song.mp3", bare_mp3 + tail)

    result = sanitize_file(source, workdir, settings=settings)

    assert oracle.leaks(result.path) == []
    _plays(result.path)


def test_mp3_joined_from_two_recordings_with_a_tag_between_is_refused(
    bare_mp3: bytes, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    middle = bare_mp3.find(b"\xff\xfb", len(bare_mp3) // 2)
    joined = bare_mp3[:middle] + _id3v24(b"PLANTTITLE") + bare_mp3[middle:]
    source = builders.write(tmp_path / "joined.mp3", joined)

    with pytest.raises(MediaRefused, match="tag remains"):
        sanitize_file(source, workdir, settings=settings)
    assert list(workdir.iterdir()) == []


def test_mp4_padded_with_zeros_after_its_last_box_is_accepted(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = tmp_path / "padded.mp4"
    ffmpeg(*PICTURE, "-c:v", "libx264", str(source))
    whole = source.read_bytes()
    source.write_bytes(whole + bytes(4))  # too short for a box header: padding

    _plays(sanitize_file(source, workdir, settings=settings).path)

    source.write_bytes(whole[:-4])  # cut short: still refused
    with pytest.raises(MediaRefused, match="truncated"):
        sanitize_file(source, workdir, settings=settings)


def test_sixteen_bit_big_endian_scan_keeps_its_grey_levels(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    levels = (np.arange(64 * 48, dtype=np.uint32).reshape(48, 64) * 21).astype(">u2")
    source = tmp_path / "scan.tif"
    Image.frombytes("I;16B", (64, 48), levels.tobytes()).save(source, "TIFF")

    result = sanitize_file(source, workdir, settings=settings)

    with Image.open(result.path) as clean:
        assert np.array_equal(np.asarray(clean).astype(np.uint16), levels.astype(np.uint16))


def test_heif_file_shows_its_primary_image_not_the_first_one(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    first, primary = builders.pixels(64, 48, seed=1), 255 - builders.pixels(64, 48, seed=2)
    heif = pillow_heif.from_pillow(Image.fromarray(first))
    heif.add_from_pillow(Image.fromarray(primary))
    source = tmp_path / "two.heic"
    heif.save(source, quality=95, primary_index=1)

    result = sanitize_file(source, workdir, settings=settings)

    with Image.open(result.path) as clean:
        shown = np.asarray(clean.convert("RGB"), dtype=float)
    assert np.abs(shown - primary).mean() < 12 < np.abs(shown - first).mean()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # the test's own
def test_108_megapixel_photo_is_cleaned_losslessly(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = tmp_path / "ultra.jpg"
    Image.new("L", (12000, 9000), 128).save(source, "JPEG", quality=50)
    builders.exiftool(source, *builders.EXIF_ARGS)

    result = sanitize_file(source, workdir, settings=settings)

    assert not result.reencoded and oracle.leaks(result.path) == []
    with Image.open(result.path) as clean:
        assert clean.size == (12000, 9000)


def test_old_phone_mpeg4_video_is_reencoded_without_its_encoder_strings(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = tmp_path / "old.3gp"
    ffmpeg(*PICTURE, *TONE, "-c:v", "mpeg4", "-c:a", "aac", "-shortest", str(source))
    data = source.read_bytes()
    assert b"\x00\x00\x01\xb2Lavc" in data  # user data in the VOL header and key frames
    source.write_bytes(data.replace(b"Lavc", b"PLANTMAKE "[:4]))

    result = sanitize_file(source, workdir, settings=settings)

    clean = result.path.read_bytes()
    assert result.reencoded and "re-encoded" in result.notes
    assert _codecs(result.path) == ["h264", "aac"]
    assert b"PLAN" not in clean and b"Lavc" not in clean and b"x264" not in clean
    _plays(result.path)
    assert oracle.leaks(result.path) == []


def _decoded(path: Path) -> bytes:
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(("name", "muxer"), [("voice.m4a", "ipod"), ("voice.aac", "adts")])
def test_aac_encoder_name_in_the_first_frame_is_blanked_and_the_sound_unchanged(
    name: str, muxer: str, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = tmp_path / name
    ffmpeg(*TONE, "-c:a", "aac", "-f", muxer, str(source))  # writes "Lavc…" in frame one
    source.write_bytes(source.read_bytes().replace(b"Lavc", b"PLAN"))
    assert b"PLAN" in source.read_bytes()

    result = sanitize_file(source, workdir, settings=settings)

    assert b"PLAN" not in result.path.read_bytes()
    _plays(result.path)
    assert _decoded(result.path) == _decoded(source)
