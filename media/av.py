"""Video and audio: probe, remux without re-encoding, and verify, with ffmpeg boxed in.

ffprobe (sandboxed, with the demuxer forced to the type the first bytes showed, so a file
cannot talk ffmpeg into another parser) checks the duration and frame size and lists the
streams. ffmpeg (sandboxed) then copies only audio and video streams (no data, timecode,
timed-metadata/GPS, subtitle or cover-art streams) into a fresh container of the same
kind with no global, stream or chapter metadata, bit-exact muxing (no encoder strings,
zero creation times) and H.264/HEVC SEI messages removed (encoder settings and vendor
user data live there), in the packets and in the HEVC decoder configuration. MP3/ADTS
input is read only between its leading and trailing tags. The result is probed again
and MP4-family files are walked box by box without ffmpeg.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media import aac, isobmff, tags
from media.errors import MediaRefused
from media.formats import (
    AAC,
    ISO_FAMILY,
    M4A,
    MATROSKA,
    MP3,
    MP4,
    THREE_GP,
    WEBM,
    Format,
    sniff_frame_sync,
)
from media.limits import MediaSettings
from media.lossless import new_output
from media.result import SanitizedFile, describe
from media.sandbox import Limits, run_limited

_SEI_FILTERS = {"h264": "filter_units=remove_types=6", "hevc": "filter_units=remove_types=39|40"}
# Tags a clean copy may still report (None: any value); anything else means a leak.
_ALLOWED_TAGS: dict[str, set[str] | None] = {
    "major_brand": None,
    "minor_version": None,
    "compatible_brands": None,
    "language": None,
    "handler_name": {"VideoHandler", "SoundHandler"},
    "vendor_id": {"[0][0][0][0]", "FFMP"},
    "encoder": {"Lavf", "Lavc"},
    "duration": None,  # Matroska per-stream duration
}
_AUDIO_ONLY = {
    ".mp4": (".m4a", "audio/mp4"),
    ".3gp": (".3gp", "audio/3gpp"),
    ".webm": (".webm", "audio/webm"),
    ".mkv": (".mka", "audio/x-matroska"),
}
_WEBM_CODECS = {"vp8", "vp9", "av1", "opus", "vorbis"}
# MPEG-4 Part 2 (old and cheap phones' 3GP video) carries its encoder's name and version
# in user-data start codes in every key frame, which no ffmpeg filter removes: such video
# is re-encoded to H.264 at high quality (x264's own SEI is then filtered out).
_REENCODED_VIDEO = {"mpeg4"}
_H264_ENCODER = ["libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
_AMR_CODECS = {"amr_nb", "amr_wb"}


@dataclass(frozen=True)
class Probe:
    duration: float | None
    kept: list[dict[str, Any]]  # ffprobe's JSON stream entries
    has_video: bool


@dataclass(frozen=True)
class Source:
    """What ffmpeg reads: a forced demuxer and an input URL (maybe a byte range)."""

    demuxer: str
    url: str


def _limits(settings: MediaSettings, path: Path) -> Limits:
    output = 2 * path.stat().st_size + (64 << 20)
    return Limits(settings.sanitize_timeout_seconds, settings.sanitize_memory_mb, output)


def _ffprobe(
    url: str,
    demuxer: str | None,
    path: Path,
    settings: MediaSettings,
    show: tuple[str, ...] = ("-show_format", "-show_streams", "-show_chapters"),
) -> tuple[int, dict[str, Any]]:
    """ffprobe's JSON answer about `url`, boxed in; `show` picks what it reports."""
    forced = ["-f", demuxer] if demuxer else []
    done = run_limited(
        ["ffprobe", "-v", "error", "-hide_banner", "-of", "json", *show, *forced, "-i", url],
        _limits(settings, path),
        what="reading the media",
    )
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        return 1, {}


def probe(source: Source, path: Path, settings: MediaSettings) -> Probe:
    """What ffprobe sees, with the limits on duration and frame size enforced."""
    returncode, found = _ffprobe(source.url, source.demuxer, path, settings)
    if returncode or "format" not in found:
        raise MediaRefused("The media file could not be read")
    streams = found.get("streams", [])
    durations = [_seconds(found["format"].get("duration"))]
    durations += [_seconds(s.get("duration")) for s in streams]
    known = [d for d in durations if d is not None]
    if known and max(known) > settings.max_media_duration_seconds:
        raise MediaRefused("The recording is too long")
    kept = []
    for stream in streams:
        kind = stream.get("codec_type")
        if kind == "video" and not stream.get("disposition", {}).get("attached_pic"):
            pixels = int(stream.get("width") or 0) * int(stream.get("height") or 0)
            if pixels > settings.max_image_pixels:
                raise MediaRefused("Video dimensions are too large")
            kept.append(stream)
        elif kind == "audio":
            kept.append(stream)
    if not kept:
        raise MediaRefused("The file holds no audio or video")
    has_video = any(s["codec_type"] == "video" for s in kept)
    return Probe(max(known) if known else None, kept, has_video)


def _seconds(value: object) -> float | None:
    if not isinstance(value, str | int | float):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _source(path: Path, fmt: Format) -> tuple[Source, Format]:
    """The ffmpeg input for `path`; MP3/ADTS are cut to the bytes between their tags."""
    url = f"file:{path.resolve()}"
    if fmt not in (MP3, AAC):
        return Source(str(fmt.ffmpeg_demuxer), url), fmt
    start, end = tags.audio_range(path)
    with path.open("rb") as stream:
        stream.seek(start)
        fmt = sniff_frame_sync(stream.read(4))
    return Source(str(fmt.ffmpeg_demuxer), f"subfile,,start,{start},end,{end},,:{url}"), fmt


def _remux_command(source: Source, out: Path, fmt: Format, found: Probe) -> list[str]:
    command = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-xerror",
        "-f",
        source.demuxer,
        "-i",
        source.url,
    ]
    command += ["-c", "copy"]  # before the per-stream choices, which override it
    for number, stream in enumerate(found.kept):
        command += ["-map", f"0:{stream['index']}"]
        codec = stream.get("codec_name", "")
        if codec in _REENCODED_VIDEO:
            command += [f"-c:{number}", *_H264_ENCODER]
            codec = "h264"
        sei = _SEI_FILTERS.get(codec)
        if sei:
            command += [f"-bsf:{number}", sei]
    command += [
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags",
        "+bitexact",
        "-dn",
        "-sn",
    ]
    if fmt in ISO_FAMILY:
        command += ["-write_tmcd", "0"]
    if fmt is MP3:
        command += ["-id3v2_version", "0", "-write_id3v1", "0"]
    return [*command, "-f", str(fmt.ffmpeg_muxer), f"file:{out.resolve()}"]


def sanitize(path: Path, fmt: Format, workdir: Path, settings: MediaSettings) -> SanitizedFile:
    """Remux `path` into a clean container in `workdir` (see the module docstring)."""
    if fmt in ISO_FAMILY:
        isobmff.check_complete(path)
    source, fmt = _source(path, fmt)
    found = probe(source, path, settings)
    fmt = _container_for(fmt, found)
    extension, mime = fmt.extension, fmt.mime
    if not found.has_video:
        extension, mime = _AUDIO_ONLY.get(extension, (extension, mime))
    out = new_output(workdir, extension)
    try:
        done = run_limited(
            _remux_command(source, out, fmt, found), _limits(settings, path), what="cleaning"
        )
        if done.returncode or not out.exists():
            raise MediaRefused("The media file is damaged or could not be cleaned")
        if fmt in ISO_FAMILY and any(s.get("codec_name") == "hevc" for s in found.kept):
            isobmff.strip_hevc_sei(out)
        _blank_aac_encoder_text(out, fmt, found, settings)
        _verify(out, fmt, found, settings)
        kind = "video" if found.has_video else "audio"
        reencoded = any(s.get("codec_name") in _REENCODED_VIDEO for s in found.kept)
        how = "video re-encoded from MPEG-4 Part 2 to H.264" if reencoded else "no re-encoding"
        notes = f"remuxed into {fmt.name}, {how} (metadata and data streams removed)"
        return describe(
            out, kind=kind, mime=mime, extension=extension, reencoded=reencoded, notes=notes
        )
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _first_packet(out: Path, fmt: Format, number: int, settings: MediaSettings) -> tuple[int, int]:
    """(file position, size) of the first packet of output stream `number`."""
    show: tuple[str, ...] = ("-select_streams", str(number), "-read_intervals", "%+#1")
    show += ("-show_entries", "packet=pos,size")
    _, found = _ffprobe(f"file:{out.resolve()}", fmt.ffmpeg_demuxer, out, settings, show)
    try:
        packet = found["packets"][0]
        return int(packet["pos"]), int(packet["size"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise MediaRefused("The audio could not be cleaned") from None


def _blank_aac_encoder_text(out: Path, fmt: Format, found: Probe, settings: MediaSettings) -> None:
    """Zero the FIL/DSE text at the start of each AAC stream's first frame, in place.

    Only where ffprobe gives exact packet positions (MP4 family, ADTS); see media/aac.py.
    """
    if fmt not in ISO_FAMILY and fmt is not AAC:
        return
    for number, stream in enumerate(found.kept):
        if stream.get("codec_name") != "aac":
            continue
        pos, size = _first_packet(out, fmt, number, settings)
        with out.open("r+b") as file:
            file.seek(pos)
            packet = file.read(size)
            skip = aac.adts_header_size(packet) if fmt is AAC else 0
            blanked = aac.blank_leading_extensions(packet[skip:])
            if blanked != packet[skip:]:
                file.seek(pos + skip)
                file.write(blanked)


def _container_for(fmt: Format, found: Probe) -> Format:
    """The container the kept streams can be written to without re-encoding.

    Usually the input's own. Android's MediaRecorder writes AMR voice into MP4 files,
    which only the 3GP muxer accepts; browsers record H.264 into files labelled WebM,
    which are valid Matroska but not WebM.
    """
    codecs = {str(stream.get("codec_name")) for stream in found.kept}
    if fmt in (MP4, M4A) and codecs & _AMR_CODECS:
        return THREE_GP
    if fmt is WEBM and not codecs <= _WEBM_CODECS:
        return MATROSKA
    return fmt


def _verify(out: Path, fmt: Format, before: Probe, settings: MediaSettings) -> None:
    """Fail closed unless the clean copy reports no tags, chapters or extra streams."""
    returncode, found = _ffprobe(f"file:{out.resolve()}", fmt.ffmpeg_demuxer, out, settings)
    streams = found.get("streams", [])
    if returncode or found.get("chapters") or len(streams) != len(before.kept):
        raise MediaRefused("Verification failed: unexpected streams or chapters")
    for tagged in [found.get("format", {}).get("tags", {})] + [s.get("tags", {}) for s in streams]:
        for key, value in tagged.items():
            allowed = _ALLOWED_TAGS.get(key.lower(), set())
            if allowed is not None and value not in allowed:
                raise MediaRefused("Verification failed: a metadata tag remains")
    if fmt in ISO_FAMILY:
        isobmff.verify(out)
    elif fmt in (MP3, AAC) and (
        tags.audio_range(out) != (0, out.stat().st_size) or tags.holds_id3_tag(out)
    ):
        raise MediaRefused("Verification failed: an audio tag remains")
