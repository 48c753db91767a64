"""The one error the sanitiser raises: a refusal, answered with 415 by the API.

Reasons are short, fixed phrases: they never quote metadata values, file names or decoder
output, so a refusal can be shown to a reporter and logged without leaking anything.
"""

from __future__ import annotations

from core.errors import UnsupportedMediaType


class MediaRefused(UnsupportedMediaType):
    """A file that cannot be stored: unknown or lying type, malformed, too big, or a clean
    copy that could not be proven clean (the sanitiser fails closed)."""

    title = "Media refused"
