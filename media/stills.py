"""Still images: the lossless cleaners in-process, re-encoding in a sandboxed child.

Lossless (JPEG, PNG, GIF, WebP): the file is read once, rebuilt from its picture data
alone by a pure structural parser, written with its hash computed on the way, read back
and verified by a strict re-parse. Re-encoded (HEIF, AVIF, TIFF, and every photo in
hardened mode): Pillow decodes it in a child process under time and memory limits and
writes bare pixels, which then go through the same lossless cleaner and verification.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from media import gif, jpeg, png, webp
from media.errors import MediaRefused
from media.formats import GIF, JPEG, PNG, WEBP, Format
from media.limits import MediaSettings
from media.lossless import Parts, new_output, read_bounded, write_verified
from media.result import SanitizedFile
from media.sandbox import Limits, run_limited

MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024
LOSSLESS_JPEG_MAX_PIXELS = 1_000_000_000  # five times today's largest phone sensor
HARDENED_SCALE = 0.93  # resampling averages neighbouring pixels: weakens sensor noise
HARDENED_QUALITY = 90
REENCODE_QUALITY = 95
_CHILD = Path(__file__).with_name("_raster_child.py")


def _jpeg(data: bytes, settings: MediaSettings) -> tuple[Parts, Callable[[bytes], None], str]:
    # Nothing is decoded here, so the decoders' pixel limit does not apply: 108- and
    # 200-megapixel phone photos are ordinary. Only absurd dimensions are refused.
    limit = max(settings.max_image_pixels, LOSSLESS_JPEG_MAX_PIXELS)
    cleaned = jpeg.clean(data, max_pixels=limit)
    orientation = "kept" if cleaned.orientation != 1 else "none"
    note = f"lossless JPEG clean (pixels untouched, orientation {orientation})"
    return cleaned.parts, lambda out: jpeg.verify(out, max_pixels=limit, scans=cleaned.scans), note


def _png(data: bytes, settings: MediaSettings) -> tuple[Parts, Callable[[bytes], None], str]:
    return png.clean(data, max_pixels=settings.max_image_pixels), png.verify, "lossless PNG clean"


def _gif(data: bytes, settings: MediaSettings) -> tuple[Parts, Callable[[bytes], None], str]:
    limit = settings.max_image_pixels
    parts = gif.clean(data, max_pixels=limit)
    return parts, lambda out: gif.verify(out, max_pixels=limit), "lossless GIF clean"


def _webp(data: bytes, settings: MediaSettings) -> tuple[Parts, Callable[[bytes], None], str]:
    parts = webp.clean_webp(data, max_pixels=settings.max_image_pixels)
    return parts, webp.verify_webp, "lossless WebP clean"


LOSSLESS = {JPEG: _jpeg, PNG: _png, GIF: _gif, WEBP: _webp}


def clean_lossless(
    data: bytes,
    fmt: Format,
    workdir: Path,
    settings: MediaSettings,
    *,
    reencoded: bool = False,
    notes: str = "",
) -> SanitizedFile:
    """Clean `data` (already in memory) losslessly into a new file in `workdir`."""
    parts, verify, note = LOSSLESS[fmt](data, settings)
    return write_verified(parts, verify, fmt, workdir, notes=notes or note, reencoded=reencoded)


def reencode(
    source: Path, fmt: Format, workdir: Path, settings: MediaSettings, *, hardened: bool
) -> SanitizedFile:
    """Decode in a sandboxed child, write bare pixels, then clean and verify those."""
    lossless_target = fmt.name == "TIFF" and not hardened
    scratch = new_output(workdir, ".tmp")
    job = {
        "src": str(source),
        "dst": str(scratch),
        "format": fmt.name,
        "max_pixels": settings.max_image_pixels,
        "lossless": lossless_target,
        "scale": HARDENED_SCALE if hardened else 1.0,
        "quality": HARDENED_QUALITY if hardened else REENCODE_QUALITY,
    }
    limits = Limits(
        seconds=settings.sanitize_timeout_seconds,
        memory_mb=settings.sanitize_memory_mb,
        max_output_bytes=settings.max_image_pixels * 8 + (1 << 20),
    )
    try:
        done = run_limited(
            [sys.executable, "-I", str(_CHILD), json.dumps(job)], limits, what="decoding the image"
        )
        answer = _child_answer(done.stdout)
        target = JPEG if answer["format"] == "JPEG" else PNG
        data = read_bounded(scratch, MAX_IMAGE_FILE_BYTES)
    finally:
        scratch.unlink(missing_ok=True)
    how = "re-encoded and resized (hardened mode)" if hardened else "re-encoded"
    quality = f" q{job['quality']}" if target is JPEG else " (lossless)"
    extra = f", {answer['note']}" if answer.get("note") else ""
    notes = f"{how} {fmt.name} to {target.name}{quality}{extra}"
    return clean_lossless(data, target, workdir, settings, reencoded=True, notes=notes)


def _child_answer(stdout: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError, UnicodeDecodeError):
        raise MediaRefused("The image could not be decoded") from None
    if not isinstance(answer, dict):
        raise MediaRefused("The image could not be decoded")
    if "refused" in answer:
        raise MediaRefused(str(answer["refused"]))
    if answer.get("format") not in ("JPEG", "PNG"):
        raise MediaRefused("The image could not be decoded")
    return answer
