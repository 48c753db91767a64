"""`sanitize_file`: the one entry point intake (and the CLI) call for any medium.

Promises: the file's type is decided from its bytes; only a clean, verified copy is
written (into the caller's workdir); nothing of the original is written anywhere; any
failure, including a bug in a parser meeting a hostile file, becomes a `MediaRefused`
instead of an exception that could take the caller down; and no partial output is left.
"""

from __future__ import annotations

import struct
from pathlib import Path

from media import amr, av, stills, wav
from media.errors import MediaRefused
from media.formats import AMR, GIF, SNIFF_BYTES, WAV, Family, sniff
from media.limits import MediaSettings
from media.lossless import read_bounded, write_verified
from media.result import SanitizedFile


def sanitize_file(
    source: Path, workdir: Path, *, settings: MediaSettings | None = None
) -> SanitizedFile:
    """Write a metadata-free copy of `source` into `workdir`, or raise `MediaRefused`.

    `settings` is usually `core.settings.Settings`; without it the process-wide settings
    are read (imported here, so a caller that passes its own never pays for pydantic).
    """
    if settings is None:
        from core.settings import get_settings

        settings = get_settings()
    try:
        return _dispatch(source, workdir, settings)
    except MediaRefused:
        raise
    except MemoryError:
        raise MediaRefused("The file needs too much memory to process") from None
    except (
        OSError,
        ValueError,
        IndexError,
        KeyError,
        TypeError,
        ArithmeticError,
        struct.error,
    ) as error:
        # Parsers meeting hostile input must refuse, not crash; the type is logged by
        # nobody here and the reason stays generic (it could otherwise quote the file).
        raise MediaRefused("The file could not be read") from error


def _dispatch(source: Path, workdir: Path, settings: MediaSettings) -> SanitizedFile:
    with source.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    fmt = sniff(head)
    if fmt.family is Family.AV:
        return av.sanitize(source, fmt, workdir, settings)
    if fmt is WAV:
        parts = wav.clean_wav(read_bounded(source), max_seconds=settings.max_media_duration_seconds)
        note = "lossless WAV clean (format and samples only)"
        return write_verified(parts, wav.verify_wav, WAV, workdir, notes=note)
    if fmt is AMR:
        frames = amr.clean(read_bounded(source), max_seconds=settings.max_media_duration_seconds)
        return write_verified(frames, amr.verify, AMR, workdir, notes="lossless AMR clean")
    if fmt.family is Family.RASTER:
        return stills.reencode(source, fmt, workdir, settings, hardened=settings.hardened_photos)
    if settings.hardened_photos and fmt is not GIF:
        return stills.reencode(source, fmt, workdir, settings, hardened=True)
    data = read_bounded(source, stills.MAX_IMAGE_FILE_BYTES)
    return stills.clean_lossless(data, fmt, workdir, settings)
