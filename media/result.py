"""What the sanitiser hands back: a clean file and the facts the media record stores."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SanitizedFile:
    """A clean copy inside the caller's workdir, verified to carry no metadata.

    `notes` is human-readable and describes what was done ("re-encoded HEIC to JPEG
    q95"); it never contains a value read from the file.
    """

    path: Path
    kind: str  # "image" | "video" | "audio"
    mime: str
    extension: str
    size: int
    sha256: str
    reencoded: bool
    notes: str


def describe(
    path: Path,
    *,
    kind: str,
    mime: str,
    extension: str,
    reencoded: bool,
    notes: str,
    sha256: str | None = None,
) -> SanitizedFile:
    """Build the record for a finished clean file; hashes it unless the writer already did."""
    if sha256 is None:
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        sha256 = digest.hexdigest()
    return SanitizedFile(
        path=path,
        kind=kind,
        mime=mime,
        extension=extension,
        size=path.stat().st_size,
        sha256=sha256,
        reencoded=reencoded,
        notes=notes,
    )


def write_parts(path: Path, parts: list[bytes | memoryview]) -> str:
    """Write a file from slices of memory without joining them; returns its SHA-256.

    The lossless cleaners produce their output as slices of the input buffer, so the
    fast path copies each byte once and hashes it on the way.
    """
    digest = hashlib.sha256()

    def hash_parts() -> None:
        for part in parts:
            digest.update(part)

    # hashlib and file writes both release the GIL: hash on a second core while writing.
    hasher = threading.Thread(target=hash_parts, name="sanitize-sha256")
    hasher.start()
    try:
        with path.open("xb") as stream:
            for part in parts:
                stream.write(part)
    finally:
        hasher.join()
    return digest.hexdigest()
