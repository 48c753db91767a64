"""`stop-intake sanitize FILE... --out DIR`: the sanitiser for operators and for checking.

Writes a clean copy of each file into DIR (same stem; the extension follows the format
actually written) and prints one JSON line per file. Files are processed in one process,
so a batch pays the start-up cost once. Registered by cli/main.py.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from media.limits import MediaSettings


def sanitize(
    files: Annotated[list[Path], typer.Argument(help="Photos, videos or audio files to clean.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the clean copies (created if missing).")
    ],
) -> None:
    """Write a metadata-free copy of each FILE into --out; exit 1 if any was refused.

    Prints {"file", "status": "clean"|"refused", "output"?, "reason"?, "notes"?} per file."""
    from media import MediaRefused, sanitize_file

    settings = _settings()
    out.mkdir(parents=True, exist_ok=True)
    refused = 0
    written: set[Path] = set()
    with tempfile.TemporaryDirectory(prefix=".sanitize-", dir=out) as scratch:
        for file in files:
            line: dict[str, object] = {"file": str(file)}
            try:
                if not file.is_file():
                    raise MediaRefused("No such file")
                clean = sanitize_file(file, Path(scratch), settings=settings)
            except MediaRefused as refusal:
                refused += 1
                line.update(status="refused", reason=refusal.detail)
            else:
                target = _destination(out, file.stem, clean.extension, written)
                clean.path.replace(target)
                written.add(target)
                line.update(status="clean", output=str(target), notes=clean.notes)
            typer.echo(json.dumps(line))
    raise typer.Exit(1 if refused else 0)


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
