"""Cut a report into the pieces a translation model handles well.

Models are trained on sentences: a whole report in one input degrades (and a very long
one would be truncated), so paragraphs are kept, split into sentences, and any sentence
still longer than the model's comfortable length is cut into token chunks. No
language-specific sentence model is needed, which keeps this offline and fast; the
punctuation covers Latin, CJK, Devanagari, Arabic, Thai-free-of-punctuation texts fall
back to the token chunks.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？।॥؟])[\"'”’»)\]]*\s+|(?<=[。！？])")

MAX_CHUNK_TOKENS = 120


def paragraphs(text: str) -> list[str]:
    """Lines of the report; blank lines survive as empty paragraphs."""
    return text.split("\n")


def sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph (stripped, none empty)."""
    return [part.strip() for part in _SENTENCE_END.split(paragraph) if part and part.strip()]


def chunk_tokens(tokens: list[str], limit: int = MAX_CHUNK_TOKENS) -> list[list[str]]:
    """Split a token list into chunks of at most `limit`, preferring word starts (▁)."""
    chunks: list[list[str]] = []
    while len(tokens) > limit:
        cut = next(
            (i for i in range(limit, limit // 2, -1) if tokens[i].startswith("▁")),
            limit,
        )
        chunks.append(tokens[:cut])
        tokens = tokens[cut:]
    chunks.append(tokens)
    return chunks
