"""Shared plumbing for the in-process cleaners: bounded reads, verified writes.

Every lossless cleaner produces its output as a list of parts (mostly slices of the
input buffer); this module writes them once, hashing on the way, reads the file back and
runs the format's strict verifier on what is actually on disk. Any failure deletes the
output, so a refused file leaves nothing in the workdir.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from media.errors import MediaRefused
from media.formats import Format
from media.result import SanitizedFile, describe, write_parts

Parts = list[bytes | memoryview]
MAX_IN_MEMORY_BYTES = 512 * 1024 * 1024


def new_output(workdir: Path, extension: str) -> Path:
    """A fresh, unguessable file name in the caller's workdir."""
    return workdir / f"clean-{secrets.token_hex(12)}{extension}"


def read_bounded(source: Path, limit: int = MAX_IN_MEMORY_BYTES) -> bytes:
    """The whole file, or a refusal if it is larger than an in-memory cleaner should hold."""
    with source.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise MediaRefused("The file is too large")
    return data


def write_verified(
    parts: Parts,
    verify: Callable[[bytes], None],
    fmt: Format,
    workdir: Path,
    *,
    notes: str,
    reencoded: bool = False,
) -> SanitizedFile:
    """Write `parts` as a new file of format `fmt`, then verify it from disk (fail closed)."""
    out = new_output(workdir, fmt.extension)
    try:
        sha256 = write_parts(out, parts)
        verify(out.read_bytes())
        return describe(
            out,
            kind=fmt.kind,
            mime=fmt.mime,
            extension=fmt.extension,
            reencoded=reencoded,
            notes=notes,
            sha256=sha256,
        )
    except BaseException:
        out.unlink(missing_ok=True)
        raise
