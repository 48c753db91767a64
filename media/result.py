"""What the sanitiser hands back: a clean file and the facts the media record stores."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

THREADED_HASH_BYTES = 1 << 20


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


def write_parts(path: Path, parts: list[bytes | memoryview]) -> None:
    """Write a new file (never an existing one) from slices of memory without joining them.

    The lossless cleaners produce their output as slices of the input buffer, so each
    byte is copied once, straight from the input, into the file.
    """
    with path.open("xb") as stream:
        for part in parts:
            stream.write(part)


@contextmanager
def sha256_of(parts: list[bytes | memoryview]) -> Iterator[Callable[[], str]]:
    """Hash `parts` while the caller writes and verifies them; yields `hexdigest()`.

    hashlib releases the GIL on large buffers, so a 12-MP photo (4-5 MB, ~3 ms to hash)
    is hashed on a second core during the write and read-back. Small outputs are hashed
    inline: a thread would cost more than it saves.
    """
    digest = hashlib.sha256()

    def run() -> None:
        for part in parts:
            digest.update(part)

    if sum(len(part) for part in parts) < THREADED_HASH_BYTES:
        run()
        yield digest.hexdigest
        return
    hasher = threading.Thread(target=run, name="sanitize-sha256")
    hasher.start()

    def result() -> str:
        hasher.join()
        return digest.hexdigest()

    try:
        yield result
    finally:
        hasher.join()  # never leave a thread reading a buffer the caller may drop
