"""Dirty media of every supported format, built at test time with planted identifiers.

Each builder writes one file into a folder and returns its path. Values come from
`oracle.PLANTED`, so any survivor is found by a byte search as well as by exiftool.
Tools: Pillow/numpy for pixels, exiftool to plant EXIF/GPS/XMP/IPTC, ffmpeg for audio and
video with container metadata, and hand-made segments, chunks and trailers for what the
tools will not write (extended XMP, MPF, APEv2, ID3v1, data after the end).
"""

from __future__ import annotations

import io
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, PngImagePlugin

pillow_heif.register_heif_opener()

GPS_ARGS = [
    "-GPSLatitude=48.8583",
    "-GPSLatitudeRef=N",
    "-GPSLongitude=2.2945",
    "-GPSLongitudeRef=E",
]
EXIF_ARGS = [
    *GPS_ARGS,
    "-SerialNumber=PLANTSERIAL",
    "-Make=PLANTMAKE",
    "-Model=PLANTMAKE-1",
    "-Artist=PLANTARTIST",
    "-Software=PLANTAPP 1.0",
    "-XMP-dc:Creator=PLANTXMP",
    "-DateTimeOriginal=2024:01:02 03:04:05",
]
TRAILER = b"\x00\x00\x00\x18ftypmp42PLANTTRAILER motion-photo video would be here"
FAKE_ICC = b"\x00\x00\x01\x00PLANTICC" + bytes(120)


def pixels(width: int, height: int, seed: int = 0, channels: int = 3) -> np.ndarray:
    """A smooth gradient with noise: compresses like a photo, unlike pure noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = (np.sin(x / 9.0) + np.cos(y / 13.0)) * 60 + 128
    planes = [base, base * 0.8 + 20, 255 - base, base * 0 + 200][:channels]
    stack = np.stack(planes, -1) + rng.normal(0, 10, (height, width, channels))
    return stack.clip(0, 255).astype(np.uint8)


def exiftool(path: Path, *args: str) -> None:
    subprocess.run(["exiftool", "-q", "-q", "-overwrite_original", *args, str(path)], check=True)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _insert_after_soi(data: bytes, *segments: bytes) -> bytes:
    return data[:2] + b"".join(segments) + data[2:]


def jpeg(
    folder: Path,
    name: str = "photo.jpg",
    *,
    size: tuple[int, int] = (96, 64),
    orientation: int = 6,
    progressive: bool = False,
    restart: int = 0,
    image: Image.Image | None = None,
) -> Path:
    """A phone-like JPEG: EXIF with GPS, serial, maker, thumbnail and orientation; XMP and
    extended XMP; IPTC; ICC; MPF; Adobe; a comment; and a motion-photo style trailer."""
    path = folder / name
    image = image or Image.fromarray(pixels(*size))
    options = {"restart_marker_blocks": restart} if restart else {}
    image.save(
        path,
        "JPEG",
        quality=90,
        comment=b"PLANTCOMMENT",
        icc_profile=FAKE_ICC,
        progressive=progressive,
        **options,
    )
    thumb = folder / f"{name}.thumb.jpg"
    Image.fromarray(pixels(16, 12, seed=3)).save(thumb, "JPEG", comment=b"PLANTCOMMENT thumb")
    exiftool(
        path,
        *EXIF_ARGS,
        "-IPTC:By-line=PLANTIPTC",
        f"-Orientation#={orientation}",
        f"-ThumbnailImage<={thumb}",
    )
    thumb.unlink()
    extended = b"http://ns.adobe.com/xmp/extension/\x00" + b"0" * 32 + bytes(8) + b"PLANTXMP ext"
    mpf = b"MPF\x00MM\x00*\x00\x00\x00\x08PLANTSERIAL second image index"
    adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01"
    vendor = b"PLANTAPP vendor segment"
    data = _insert_after_soi(
        path.read_bytes(),
        _segment(0xE1, extended),
        _segment(0xE2, mpf),
        _segment(0xEE, adobe),
        _segment(0xEB, vendor),
    )
    path.write_bytes(data + TRAILER)
    return path


def png(folder: Path, name: str = "screen.png") -> Path:
    """PNG with tEXt/zTXt/iTXt, eXIf (orientation + serial), iCCP, tIME, pHYs, a private
    chunk and data after IEND."""
    path = folder / name
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "PLANTARTIST")
    info.add_text("Comment", "PLANTCOMMENT " * 20, zip=True)
    info.add_itxt("Description", "PLANTTITLE", lang="en", tkey="Beschreibung")
    info.add(b"tIME", struct.pack(">HBBBBB", 2024, 1, 2, 3, 4, 5))
    info.add(b"prVt", b"PLANTAPP private chunk")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x0131] = "PLANTAPP"
    Image.fromarray(pixels(40, 30, channels=4)).save(
        path, "PNG", pnginfo=info, exif=exif.tobytes(), icc_profile=FAKE_ICC, dpi=(300, 300)
    )
    exiftool(path, *GPS_ARGS, "-XMP-dc:Creator=PLANTXMP")
    path.write_bytes(path.read_bytes() + b"PLANTTRAILER after IEND")
    return path


def gif(folder: Path, name: str = "anim.gif") -> Path:
    """Animated GIF with a comment, an XMP application extension and trailing data."""
    path = folder / name
    frames = [Image.fromarray(pixels(32, 24, seed=s)).convert("P") for s in range(3)]
    frames[0].save(
        path,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        loop=0,
        duration=80,
        comment=b"PLANTCOMMENT",
    )
    exiftool(path, "-XMP-dc:Creator=PLANTXMP")
    data = path.read_bytes()
    app = b"\x21\xff\x0bPLANTAPP1.0" + bytes([12]) + b"PLANTSERIAL!" + b"\x00"
    return write(path, data[:-1] + app + b"\x3b" + b"PLANTTRAILER")


def webp(folder: Path, name: str = "photo.webp", *, animated: bool = False) -> Path:
    """WebP (lossless, so pixels can be compared) with EXIF, XMP and ICC chunks."""
    path = folder / name
    exif = Image.Exif()
    exif[0x0131] = "PLANTAPP"
    exif[0x013B] = "PLANTARTIST"
    images = [Image.fromarray(pixels(40, 30, seed=s)) for s in range(2 if animated else 1)]
    images[0].save(
        path,
        "WEBP",
        lossless=True,
        exif=exif.tobytes(),
        icc_profile=FAKE_ICC,
        xmp=b"<x:xmpmeta><PLANTXMP/></x:xmpmeta>",
        save_all=animated,
        append_images=images[1:],
        duration=100,
    )
    exiftool(path, *GPS_ARGS)
    return write(path, path.read_bytes() + b"PLANTTRAILER")


def heic(folder: Path, name: str = "iphone.heic") -> Path:
    """HEIC with EXIF (GPS, serial), XMP and an ICC profile."""
    path = folder / name
    Image.fromarray(pixels(64, 48)).save(
        path, "HEIF", quality=90, icc_profile=FAKE_ICC, xmp=b"<x:xmpmeta>PLANTXMP</x:xmpmeta>"
    )
    exiftool(path, *EXIF_ARGS)
    return path


def avif(folder: Path, name: str = "android.avif", *, orientation: int = 6) -> Path:
    """AVIF (newer Android phones) with EXIF (GPS, serial, orientation), XMP and ICC."""
    path = folder / name
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(pixels(64, 48)).save(
        path,
        "AVIF",
        quality=90,
        icc_profile=FAKE_ICC,
        xmp=b"<x:xmpmeta>PLANTXMP</x:xmpmeta>",
        exif=exif,
    )
    exiftool(path, *EXIF_ARGS)
    return path


def tiff(folder: Path, name: str = "scan.tif") -> Path:
    """TIFF with baseline text tags, EXIF/GPS, XMP and IPTC."""
    path = folder / name
    Image.fromarray(pixels(40, 30)).save(
        path, "TIFF", tiffinfo={315: "PLANTARTIST", 270: "PLANTTITLE"}
    )
    exiftool(path, *EXIF_ARGS, "-IPTC:By-line=PLANTIPTC")
    return path


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def dirty_corpus(folder: Path) -> dict[str, Path]:
    """One dirty file per supported format (and per important variant)."""
    from tests.media import builders_av as av

    folder.mkdir(parents=True, exist_ok=True)
    return {
        "jpeg": jpeg(folder),
        "jpeg-progressive": jpeg(folder, "progressive.jpg", progressive=True, orientation=8),
        "jpeg-restart": jpeg(folder, "restart.jpg", restart=2, orientation=1),
        "png": png(folder),
        "gif": gif(folder),
        "webp": webp(folder),
        "webp-animated": webp(folder, "anim.webp", animated=True),
        "heic": heic(folder),
        "avif": avif(folder),
        "tiff": tiff(folder),
        "mp4": av.video(folder, "clip.mp4"),
        "mov": av.video(folder, "clip.mov", container="mov"),
        "3gp": av.audio(folder, "voice.3gp", codec=["-c:a", "aac"], muxer="3gp"),
        "m4a": av.audio(folder, "voice.m4a", codec=["-c:a", "aac"], muxer="ipod", cover=True),
        "mp3": av.mp3(folder),
        "aac": av.aac(folder),
        "ogg-opus": av.audio(folder, "voice.opus", codec=["-c:a", "libopus"], muxer="ogg"),
        "ogg-vorbis": av.audio(folder, "voice.ogg", codec=["-c:a", "libvorbis"], muxer="ogg"),
        "amr": av.amr(folder),
        "wav": av.wav(folder),
        "webm": av.webm(folder),
    }


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_bomb(folder: Path) -> Path:
    """A valid PNG header claiming 100 000 x 100 000 pixels over a tiny zlib stream."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    idat = zlib.compress(bytes(1 << 20), 9)
    return write(
        folder / "bomb.png",
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b""),
    )


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )
