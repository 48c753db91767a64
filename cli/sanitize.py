"""`stop-intake sanitize FILE... --out DIR`: the sanitiser for operators and for checking.

Writes a clean copy of each file into DIR (same stem; the extension follows the format
actually written) and prints one JSON line per file, in the order given. A batch runs in
one process, so it pays the start-up cost once, and two files at a time, so one file's
parsing overlaps the other's reads, writes and hashing. Registered by cli/main.py.
"""

from __future__ import annotations

import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from media.limits import MediaSettings

WORKERS = 2


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the clean copies (created if missing).",
)
def sanitize(files: tuple[Path, ...], out: Path) -> None:
    """Write a metadata-free copy of each FILE into --out; exit 1 if any was refused.

    Prints one JSON line per file: {"file", "status": "clean" or "refused", "output",
    "notes"} or {"file", "status", "reason"}.
    """
    from media import MediaRefused, SanitizedFile, sanitize_file

    settings = _settings()
    out.mkdir(parents=True, exist_ok=True)
    refused = 0
    written: set[Path] = set()
    with tempfile.TemporaryDirectory(prefix=".sanitize-", dir=out) as scratch:

        def clean(file: Path) -> SanitizedFile | MediaRefused:
            try:
                if not file.is_file():
                    raise MediaRefused("No such file")
                return sanitize_file(file, Path(scratch), settings=settings)
            except MediaRefused as refusal:
                return refusal

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for file, outcome in zip(files, pool.map(clean, files), strict=True):
                line: dict[str, object] = {"file": str(file)}
                if isinstance(outcome, MediaRefused):
                    refused += 1
                    line.update(status="refused", reason=outcome.detail)
                else:
                    target = _destination(out, file.stem, outcome.extension, written)
                    outcome.path.replace(target)
                    written.add(target)
                    line.update(status="clean", output=str(target), notes=outcome.notes)
                click.echo(json.dumps(line))
    raise SystemExit(1 if refused else 0)


def _settings() -> MediaSettings:
    """The sanitiser's settings, exactly as `get_settings()` would give them.

    Settings come only from `STOP_*` variables (any case) and `.env`. When neither is
    present they are the defaults, which `media.limits` holds without importing
    pydantic-settings: that import alone takes as long as exiftool's whole batch.
    """
    configured = any(name.upper().startswith("STOP_") for name in os.environ)
    if configured or Path(".env").exists():
        from core.settings import get_settings

        return get_settings()
    from media.limits import DEFAULT_LIMITS

    return DEFAULT_LIMITS


def _destination(out: Path, stem: str, extension: str, taken: set[Path]) -> Path:
    """DIR/stem.ext, or stem-2.ext… when another input of this run already took it."""
    target = out / f"{stem}{extension}"
    number = 2
    while target in taken:
        target = out / f"{stem}-{number}{extension}"
        number += 1
    return target
