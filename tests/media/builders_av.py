"""Dirty audio and video, built at test time with ffmpeg and planted identifiers.

Container tags, Apple location keys, timecode and subtitle tracks, cover art, and tags
appended by hand where ffmpeg will not write them (APEv2, ID3v1, ID3 before ADTS, iXML).
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from tests.media.builders import exiftool, pixels, write

FFMPEG_TAGS = [
    "-metadata",
    "title=PLANTTITLE",
    "-metadata",
    "artist=PLANTARTIST",
    "-metadata",
    "comment=PLANTCOMMENT",
    "-metadata",
    "creation_time=2024-05-01T10:00:00Z",
    "-metadata",
    "encoder=PLANTAPP",
]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def _cover_jpeg(folder: Path) -> Path:
    cover = folder / "cover.jpg"
    Image.fromarray(pixels(16, 16)).save(cover, "JPEG", comment=b"PLANTCOMMENT cover")
    return cover


def video(
    folder: Path, name: str = "clip.mp4", *, container: str = "mp4", rotation: int = 0
) -> Path:
    """H.264 + AAC with global/stream tags, Apple location keys, a timecode track, a
    subtitle stream (as timed-metadata stand-in) and x264's SEI settings string; shot in
    portrait when `rotation` is set (phones store that in the track's display matrix)."""
    path = folder / name
    subs = folder / f"{name}.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:00,500\nPLANTGPS 48.8583 2.2945\n")
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=10:duration=0.5",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=0.5",
        "-i",
        str(subs),
        "-map",
        "0",
        "-map",
        "1",
        "-map",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-c:s",
        "mov_text",
        *FFMPEG_TAGS,
        "-metadata",
        "location=+48.8583+002.2945/",
        "-metadata:s:v:0",
        "handler_name=PLANTHANDLER",
        "-timecode",
        "01:02:03:04",
        "-movflags",
        "+use_metadata_tags",
        "-metadata",
        "com.apple.quicktime.location.ISO6709=+48.8583+002.2945/",
        "-f",
        container,
        str(path),
    )
    subs.unlink()
    exiftool(path, "-XMP-dc:Creator=PLANTXMP", "-UserData:Make=PLANTMAKE")
    if rotation:
        exiftool(path, f"-Rotation={rotation}")
    return path


def audio(folder: Path, name: str, *, codec: list[str], muxer: str, cover: bool = False) -> Path:
    """A short tone with title/artist/comment/date/encoder tags (and a cover photo)."""
    path = folder / name
    inputs = ["-f", "lavfi", "-i", "sine=frequency=440:duration=0.5"]
    maps = ["-map", "0:a"]
    if cover:
        inputs += ["-i", str(_cover_jpeg(folder))]
        maps += ["-map", "1", "-c:v", "copy", "-disposition:v", "attached_pic"]
    ffmpeg(*inputs, *maps, *codec, *FFMPEG_TAGS, "-f", muxer, str(path))
    return path


def mp3(folder: Path) -> Path:
    """MP3 with ID3v2 (and cover art), then APEv2 and ID3v1 tags appended."""
    path = audio(folder, "voice.mp3", codec=["-c:a", "libmp3lame"], muxer="mp3", cover=True)
    item = struct.pack("<II", 11, 0) + b"Artist\x00PLANTARTIST"
    footer = b"APETAGEX" + struct.pack("<IIII", 2000, 32 + len(item), 1, 0) + bytes(8)
    id3v1 = b"TAG" + b"PLANTTITLE".ljust(30, b"\x00") + b"PLANTARTIST".ljust(30, b"\x00")
    id3v1 += bytes(128 - len(id3v1))
    return write(path, path.read_bytes() + item + footer + id3v1)


def aac(folder: Path) -> Path:
    """ADTS AAC behind an ID3v2 tag (as some recorders write it)."""
    path = audio(folder, "voice.aac", codec=["-c:a", "aac"], muxer="adts")
    frame = b"TIT2" + struct.pack(">I", 11) + b"\x00\x00" + b"\x00PLANTTITLE"
    header = b"ID3\x04\x00\x00" + bytes(_syncsafe(len(frame)))
    return write(path, header + frame + path.read_bytes())


def _syncsafe(value: int) -> list[int]:
    return [(value >> shift) & 0x7F for shift in (21, 14, 7, 0)]


def wav(folder: Path) -> Path:
    """WAV with LIST/INFO tags, a broadcast-wave bext chunk and an iXML chunk."""
    path = folder / "memo.wav"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=0.3",
        *FFMPEG_TAGS,
        "-write_bext",
        "1",
        "-metadata",
        "originator=PLANTAPP",
        "-c:a",
        "pcm_s16le",
        str(path),
    )
    data = path.read_bytes()
    ixml = b"iXML" + struct.pack("<I", 20) + b"<PLANTSERIAL></iXML>"
    body = data[12:] + ixml
    return write(path, b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)


def amr(folder: Path) -> Path:
    """AMR-NB (no encoder in Debian's ffmpeg): valid 12.2 kbit/s frames, then a trailer."""
    rng = np.random.default_rng(5)
    frames = b"".join(
        b"\x3c" + rng.integers(0, 256, 31, dtype=np.uint8).tobytes() for _ in range(25)
    )
    return write(folder / "note.amr", b"#!AMR\n" + frames + b"ID3PLANTTRAILER")


def webm(folder: Path) -> Path:
    path = folder / "clip.webm"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=10:duration=0.5",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=0.5",
        "-c:v",
        "libvpx",
        "-deadline",
        "realtime",
        "-c:a",
        "libopus",
        *FFMPEG_TAGS,
        "-metadata:s:v:0",
        "title=PLANTHANDLER",
        str(path),
    )
    return path
