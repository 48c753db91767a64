"""Spans of a stored text, by character offsets, made on that exact text: what a redaction
is (`moderation.redaction`), and what text search may read of a text with spans hidden.

A span remembers the SHA-256 of the whole text it was made on (`fingerprint`). If the
text has changed since, its offsets may point at other characters, so it no longer `fits`
and whoever shows or indexes the text must hide all of it rather than guess.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def fingerprint(text: str) -> str:
    """What a span remembers of the text it was made on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fits(text: str | None, end: int, made_on: str) -> bool:
    """Whether a span ending at `end`, made on the text of fingerprint `made_on`, still
    points into this very text."""
    return text is not None and end <= len(text) and fingerprint(text) == made_on


def outside(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """The words of `text` outside the spans (start, end, fingerprint of the text they were
    made on), the pieces between them joined by spaces: what search may read of a text
    whose spans are hidden. Nothing at all if a span no longer fits the text."""
    if not all(fits(text, end, made_on) for _, end, made_on in spans):
        return ""
    pieces, cursor = [], 0
    for start, end, _ in sorted(spans):
        if start > cursor:
            pieces.append(text[cursor:start])
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    return " ".join(pieces)
