"""What a file is, decided by its first bytes alone (never by its name or declared type).

Each supported format maps to one sanitiser family; anything not recognised here is
refused before any decoder sees it, which keeps the attack surface to known parsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from media.errors import MediaRefused

SNIFF_BYTES = 64


class Family(StrEnum):
    """How a format is cleaned: which module handles it."""

    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    WEBP = "webp"
    WAV = "wav"
    AMR = "amr"
    RASTER = "raster"  # decoded in a sandboxed child and re-encoded (HEIF, AVIF, TIFF)
    AV = "av"  # remuxed by ffmpeg in a sandbox


@dataclass(frozen=True)
class Format:
    """A recognised input format and where its clean copy goes by default."""

    name: str
    family: Family
    kind: str  # "image" | "video" | "audio" (AV formats may turn out to be audio only)
    mime: str
    extension: str
    ffmpeg_muxer: str | None = None
    ffmpeg_demuxer: str | None = None  # forced: ffmpeg never guesses the input's type


def _av(name: str, kind: str, mime: str, ext: str, muxer: str, demuxer: str) -> Format:
    return Format(name, Family.AV, kind, mime, ext, muxer, demuxer)


JPEG = Format("JPEG", Family.JPEG, "image", "image/jpeg", ".jpg")
PNG = Format("PNG", Family.PNG, "image", "image/png", ".png")
GIF = Format("GIF", Family.GIF, "image", "image/gif", ".gif")
WEBP = Format("WebP", Family.WEBP, "image", "image/webp", ".webp")
HEIF = Format("HEIF", Family.RASTER, "image", "image/heif", ".heic")
AVIF = Format("AVIF", Family.RASTER, "image", "image/avif", ".avif")
TIFF = Format("TIFF", Family.RASTER, "image", "image/tiff", ".tif")
WAV = Format("WAV", Family.WAV, "audio", "audio/wav", ".wav")
AMR = Format("AMR", Family.AMR, "audio", "audio/amr", ".amr")
MP4 = _av("MP4", "video", "video/mp4", ".mp4", "mp4", "mov")
MOV = _av("QuickTime", "video", "video/quicktime", ".mov", "mov", "mov")
THREE_GP = _av("3GP", "video", "video/3gpp", ".3gp", "3gp", "mov")
M4A = _av("M4A", "audio", "audio/mp4", ".m4a", "mp4", "mov")
MP3 = _av("MP3", "audio", "audio/mpeg", ".mp3", "mp3", "mp3")
AAC = _av("AAC", "audio", "audio/aac", ".aac", "adts", "aac")
OGG = _av("Ogg", "audio", "audio/ogg", ".ogg", "ogg", "ogg")
WEBM = _av("WebM", "video", "video/webm", ".webm", "webm", "matroska")
# Written, never sniffed: a WebM file whose codecs WebM does not allow (H.264 from
# browsers' MediaRecorder) is kept in the Matroska container it really is.
MATROSKA = _av("Matroska", "video", "video/x-matroska", ".mkv", "matroska", "matroska")

ISO_FAMILY = frozenset({MP4, MOV, THREE_GP, M4A})

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"heif"}
_IMAGE_ITEM_BRANDS = {b"mif1", b"msf1", b"mif2"}
_QUICKTIME_FIRST_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip"}


def sniff(head: bytes) -> Format:
    """Identify a file from its first `SNIFF_BYTES` bytes, or refuse it."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return WAV
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[4:8] == b"ftyp":
        return _sniff_iso(head)
    if head[4:8] in _QUICKTIME_FIRST_BOXES:
        return MOV
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" in head[:SNIFF_BYTES]:
            return WEBM
        raise MediaRefused("Matroska files other than WebM are not accepted")
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return AMR
    return _sniff_mpeg_audio(head)


def _sniff_iso(head: bytes) -> Format:
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    brands = {major} | {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if brands & _HEIF_BRANDS:
        return HEIF
    if b"avif" in brands or b"avis" in brands:
        return AVIF
    if major in _IMAGE_ITEM_BRANDS:
        return HEIF
    if major == b"qt  ":
        return MOV
    if major.startswith((b"3gp", b"3g2", b"3ge", b"3gg", b"3gs")):
        return THREE_GP
    if major in (b"M4A ", b"M4B "):
        return M4A
    return MP4


def _sniff_mpeg_audio(head: bytes) -> Format:
    """MP3 and ADTS AAC both start with a frame sync, possibly behind an ID3v2 tag."""
    if head.startswith(b"ID3"):
        return MP3  # decided by `sniff_frame_sync` once the tag is skipped (see media.av)
    return sniff_frame_sync(head)


def sniff_frame_sync(head: bytes) -> Format:
    """MP3 or ADTS AAC from the first bytes of audio frames."""
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0b11
        if layer == 0 and head[1] & 0xF0 == 0xF0:
            return AAC
        if layer != 0:
            return MP3
    raise MediaRefused("Unrecognised file type: only photos, videos and audio are accepted")
