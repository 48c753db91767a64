"""How long a clean takes and how much memory it peaks at, for the hostile-file tests."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

from media import sanitize_file
from media.limits import MediaSettings


def measured(path: Path, workdir: Path, settings: MediaSettings) -> tuple[Path, float, int]:
    """Sanitise `path`: (clean path, seconds, tracemalloc peak bytes)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = sanitize_file(path, workdir, settings=settings)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result.path, elapsed, peak
