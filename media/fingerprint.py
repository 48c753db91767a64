"""A photo's perceptual hash: what the duplicate suggestions compare to find two photos of
the same scene (the same van, the same doorway) sent by different reporters.

pHash (imagehash): the picture shrunk to 32x32 grey, its low frequencies (DCT), one bit
per coefficient above the median: 64 bits that barely change when a photo is re-encoded,
resized or slightly cropped, so two photos match when few bits differ (`distance`).

It is computed from the clean copy, in a sandboxed child like every decoder of untrusted
pixels (`media.sandbox`). A fingerprint is a help, never a condition: anything that stops
it gives None, and the photo is stored without one.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from media.errors import MediaRefused
from media.limits import MediaSettings
from media.sandbox import Limits, run_limited

_CHILD = Path(__file__).with_name("_phash_child.py")
_HEX = re.compile(r"[0-9a-f]{16}")
BITS = 64
FINGERPRINT_SECONDS = 30.0


def perceptual_hash(path: Path, settings: MediaSettings) -> str | None:
    """The clean image's pHash as 16 hex digits, or None if it could not be computed."""
    job = {"src": str(path), "max_pixels": settings.max_image_pixels}
    limits = Limits(
        seconds=min(settings.sanitize_timeout_seconds, FINGERPRINT_SECONDS),
        memory_mb=settings.sanitize_memory_mb,
        max_output_bytes=1 << 16,
    )
    try:
        done = run_limited(
            [sys.executable, "-I", str(_CHILD), json.dumps(job)],
            limits,
            what="fingerprinting the image",
        )
        answer = json.loads(done.stdout.decode().strip().splitlines()[-1])
    except (MediaRefused, OSError, ValueError, IndexError, UnicodeDecodeError):
        return None
    value = answer.get("phash") if isinstance(answer, dict) else None
    return value if isinstance(value, str) and _HEX.fullmatch(value) else None


def distance(first: str, second: str) -> int:
    """How many of the 64 bits differ between two fingerprints (Hamming distance)."""
    return (int(first, 16) ^ int(second, 16)).bit_count()
