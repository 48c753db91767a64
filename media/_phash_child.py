"""Child process that reads one clean image with Pillow and prints its perceptual hash.

Runs as `python -I _phash_child.py JOB_JSON` under the sandbox's limits (the clean copy of
a losslessly cleaned photo still carries the sender's compressed picture data, so it is
decoded like any untrusted image), imports nothing from the project, and prints one JSON
line: {"phash": "<16 hex digits>"} or {"refused": reason}.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any


def _run(job: dict[str, Any]) -> dict[str, Any]:
    import imagehash
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = job["max_pixels"]
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    with Image.open(job["src"], formats=["JPEG", "PNG", "GIF", "WEBP"]) as opened:
        opened.draft("L", (256, 256))  # JPEG: decode at a reduced scale, enough for 32x32
        return {"phash": str(imagehash.phash(opened.convert("L")))}


def main() -> None:
    job = json.loads(sys.argv[1])
    try:
        answer = _run(job)
    except Warning:
        answer = {"refused": "Image dimensions are too large"}
    except Exception:  # any decoder failure: no fingerprint, with a fixed reason
        answer = {"refused": "The image could not be read"}
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
