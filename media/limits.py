"""The five settings the sanitiser reads, as a type and as their defaults.

`core.settings.Settings` satisfies `MediaSettings`, so intake passes its settings as
before. `DEFAULT_LIMITS` exists for callers that know nothing configures them (the
`stop-intake sanitize` command with no `STOP_*` variable and no `.env`): importing
pydantic-settings costs about 0.3 s, as long as exiftool takes for a whole batch.
tests/media/test_limits.py keeps these defaults equal to the Settings field defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class MediaSettings(Protocol):
    """What `media.sanitize_file` reads from its settings (nothing else)."""

    @property
    def max_image_pixels(self) -> int: ...
    @property
    def max_media_duration_seconds(self) -> float: ...
    @property
    def sanitize_timeout_seconds(self) -> float: ...
    @property
    def sanitize_memory_mb(self) -> int: ...
    @property
    def hardened_photos(self) -> bool: ...


@dataclass(frozen=True)
class MediaLimits:
    """Settings' defaults for the sanitiser (see the module docstring for when to use)."""

    max_image_pixels: int = 100_000_000
    max_media_duration_seconds: float = 3600.0
    sanitize_timeout_seconds: float = 120.0
    sanitize_memory_mb: int = 1024
    hardened_photos: bool = False


DEFAULT_LIMITS = MediaLimits()
