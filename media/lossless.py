"""Shared plumbing for the in-process cleaners: bounded reads, verified writes.

Every lossless cleaner produces its output as a list of parts (mostly slices of the
input buffer); this module writes them once, hashing on the way, reads the file back and
runs the format's strict verifier on what is actually on disk. Any failure deletes the
output, so a refused file leaves nothing in the workdir.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from media.errors import MediaRefused
from media.formats import Format
from media.result import SanitizedFile, describe, sha256_of, write_parts

Parts = list[bytes | memoryview]
MAX_IN_MEMORY_BYTES = 512 * 1024 * 1024


def new_output(workdir: Path, extension: str) -> Path:
    """A fresh, unguessable file name in the caller's workdir."""
    return workdir / f"clean-{secrets.token_hex(12)}{extension}"


def read_bounded(source: Path, limit: int = MAX_IN_MEMORY_BYTES) -> bytes:
    """The whole file, or a refusal if it is larger than an in-memory cleaner should hold.

    Reads what fstat says is there (plus one byte, to notice growth): asking for `limit`
    bytes makes Python allocate the whole limit first, 3-4 ms for every photo.
    """
    with source.open("rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > limit:
            raise MediaRefused("The file is too large")
        data = stream.read(size + 1)
        if len(data) > size:  # the file grew while we read it: the rest, still bounded
            data += stream.read(limit + 1 - len(data))
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
        with sha256_of(parts) as sha256:
            write_parts(out, parts)
            _verify_on_disk(out, sum(len(part) for part in parts), verify)
            return describe(
                out,
                kind=fmt.kind,
                mime=fmt.mime,
                extension=fmt.extension,
                reencoded=reencoded,
                notes=notes,
                sha256=sha256(),
            )
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _verify_on_disk(out: Path, size: int, verify: Callable[[bytes], None]) -> None:
    """Run `verify` on the bytes the file now holds, not on what we meant to write.

    The file is mapped read-only rather than read into a new buffer: a second 4-5 MB
    allocation per photo costs more in page faults (3-4 ms) than the whole clean, and
    the verifiers only touch the pages they parse. The file is our own, just written, in
    the caller's private workdir, so nothing truncates it under the mapping.
    """
    with out.open("rb") as stream:
        written = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        if len(written) != size:
            raise MediaRefused("Verification failed: the clean copy was not fully written")
        verify(written)  # type: ignore[arg-type]  # bytes-like: slicing, find, regex
    finally:
        with contextlib.suppress(BufferError):  # a traceback may still hold a view
            written.close()
