"""Child process that decodes one untrusted image with Pillow and writes bare pixels.

Runs as `python -I _raster_child.py JOB_JSON` under the sandbox's limits, imports nothing
from the project, and prints one JSON line: {"format", "width", "height", "note"} or
{"refused": reason}. The output is built from raw pixel bytes into a fresh image, so no
metadata Pillow kept (comments, ICC, EXIF, XMP, IPTC) can be re-saved with it. Colour
profiles are applied (converted to sRGB) before being dropped, orientation is applied to
the pixels, and only the first frame of multi-frame files is kept.
"""

from __future__ import annotations

import io
import json
import sys
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Pillow is imported inside the sandbox only, after the limits are set
    from PIL.Image import Image

_PILLOW_FORMATS = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "GIF": "GIF",
    "WebP": "WEBP",
    "HEIF": "HEIF",
    "AVIF": "AVIF",
    "TIFF": "TIFF",
}


def _to_srgb(image: Image, icc: bytes) -> Image:
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if "A" in image.mode else "RGB"
        if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
            return image
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return image if converted is None else converted  # None only for inPlace=True


def _native_sixteen_bit_grey(image: Image) -> Image:
    """Big-endian 16-bit grey ("I;16B", from some scanners and TIFF writers) as "I;16".

    Pillow's direct conversions of "I;16B" clip the picture to white; going through
    32-bit "I" keeps every value.
    """
    if image.mode.startswith("I;16") and image.mode != "I;16":
        return image.convert("I").convert("I;16")
    return image


def _run(job: dict[str, Any]) -> dict[str, Any]:
    import pillow_heif
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    Image.MAX_IMAGE_PIXELS = job["max_pixels"]
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    with Image.open(job["src"], formats=[_PILLOW_FORMATS[job["format"]]]) as opened:
        frames = getattr(opened, "n_frames", 1)
        opened.load()  # the frame it opens on: the first, or a HEIF file's primary image
        image = ImageOps.exif_transpose(opened) or opened
        icc = opened.info.get("icc_profile")
        if icc:
            image = _to_srgb(image, icc)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    lossless = job["lossless"] or has_alpha
    image = _native_sixteen_bit_grey(image)
    if lossless:
        keep = ("1", "L", "LA", "RGB", "RGBA", "I;16")
        mode = image.mode if image.mode in keep else ("RGBA" if has_alpha else "RGB")
    else:
        if image.mode in ("I", "I;16"):  # scale 16-bit grey to 8 bits: converting clips
            image = image.convert("I").point(lambda value: value / 256)
        mode = "L" if image.mode in ("1", "L", "I") else "RGB"
    image = image.convert(mode) if image.mode != mode else image
    scale = job["scale"]
    if scale != 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    bare = Image.frombytes(image.mode, image.size, image.tobytes())
    if lossless:
        bare.save(job["dst"], "PNG", compress_level=6)
    else:
        subsampling = 0 if job["quality"] >= 95 else 2
        bare.save(job["dst"], "JPEG", quality=job["quality"], subsampling=subsampling)
    return {
        "format": "PNG" if lossless else "JPEG",
        "width": bare.width,
        "height": bare.height,
        "note": _kept_frame_note(job["format"]) if frames > 1 else "",
    }


def _kept_frame_note(fmt: str) -> str:
    return "main image only" if fmt in ("HEIF", "AVIF") else "first frame only"


def main() -> None:
    job = json.loads(sys.argv[1])
    try:
        answer = _run(job)
    except Warning:
        answer = {"refused": "Image dimensions are too large"}
    except MemoryError:
        answer = {"refused": "The image needs too much memory to decode"}
    except Exception as error:  # any decoder failure is a refusal, with a fixed reason
        from PIL import Image

        too_big = isinstance(error, Image.DecompressionBombError)
        reason = "Image dimensions are too large" if too_big else "The image could not be decoded"
        answer = {"refused": reason}
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
