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


#: A fingerprint is looked up in four pieces of 16 bits (4 hex digits each), as
#: `models.media.PHASH_PIECES` cuts it in SQL.
PIECES = 4
_PIECE_BITS = BITS // PIECES


def pieces_within(fingerprint: str, bits: int) -> list[set[str]]:
    """For each piece of the fingerprint, every value a piece of a fingerprint at most `bits`
    bits away may have in at least one piece: those within `bits // PIECES` bits of it (if
    no piece were that close, more than `bits` bits would differ in all). Equality on these
    finds every fingerprint within `bits`, and a few more, never fewer."""
    radius = bits // PIECES
    width = _PIECE_BITS // 4
    found: list[set[str]] = []
    for piece in range(PIECES):
        value = int(fingerprint[piece * width : (piece + 1) * width], 16)
        flips = [0]
        for _ in range(radius):  # every set of at most `radius` bits, as masks
            flips = list({mask | (1 << bit) for mask in flips for bit in range(_PIECE_BITS)})
        found.append({f"{value ^ mask:0{width}x}" for mask in flips})
    return found
