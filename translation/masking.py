"""Protect the parts of a report that must reach the team exactly as typed.

Phone numbers, e-mail addresses, URLs, amounts, plate numbers and names in quotes are
often the intelligence itself, and a translation model may mangle them (or translate a
name). They are swapped for numbered placeholders like `[3]` before translation, which
translation models copy through, and put back afterwards. If a model drops a
placeholder, its span is appended to the sentence it came from: a span is never lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_PATTERNS: tuple[tuple[str, str], ...] = (
    ("url", r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"),
    ("email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    (
        "amount",
        r"(?:[$€£¥₹₦₱₩₫₺₴₽]|\b(?:USD|EUR|GBP|MXN|BRL|INR|PHP|NGN|THB|AED|SAR|TRY|UAH|RUB|KES)\s?)"
        r"\s?\d[\d.,\s]*\d|\b\d[\d.,]*\s?(?:[$€£¥₹₦₱₩₫₺₴₽]|(?:USD|EUR|GBP|MXN|BRL|INR|PHP|NGN|"
        r"THB|AED|SAR|TRY|UAH|RUB|KES)\b)",
    ),
    ("phone", r"\+?\(?\d[\d\s().-]{5,}\d"),
    # Plates and IDs: one token of capitals and digits mixed, maybe split by - or a space.
    ("plate", r"\b(?=[A-Z0-9 -]*\d)(?=[A-Z0-9 -]*[A-Z])[A-Z0-9]{1,4}(?:[ -]?[A-Z0-9]{1,4}){1,3}\b"),
    (
        "quoted",
        r"\"[^\"\n]{1,60}\"|“[^”\n]{1,60}”|«[^»\n]{1,60}»|„[^“”\n]{1,60}[“”]|‘[^’\n]{1,60}’",
    ),
    ("bracket", r"\[\s*\d+\s*\]"),  # anything that looks like our own placeholders
)
_PROTECTED = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS))
_PLACEHOLDER = re.compile(r"\[\s*(\d+)\s*\]")


@dataclass(frozen=True)
class Masked:
    """Text with protected spans replaced by `[n]`; `spans[n]` is the original of `[n]`."""

    text: str
    spans: tuple[str, ...]


@dataclass(frozen=True)
class Protected:
    """One protected span found in a text: its kind (`phone`, `email`, `quoted`, …, the
    names of `_PATTERNS`) and its character offsets `[start, end)`."""

    kind: str
    start: int
    end: int


def protected_spans(text: str) -> Iterator[Protected]:
    """Every span `mask` would protect, in order. Moderation's redaction suggestions use
    the same detectors, so what translation keeps intact is what may need hiding."""
    for match in _PROTECTED.finditer(text):
        yield Protected(match.lastgroup or "", match.start(), match.end())


def placeholder(index: int) -> str:
    return f"[{index}]"


def mask(text: str) -> Masked:
    """Replace every protected span by a numbered placeholder."""
    spans: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        spans.append(match.group())
        return placeholder(len(spans) - 1)

    return Masked(_PROTECTED.sub(substitute, text), tuple(spans))


def placeholders_in(text: str) -> list[int]:
    """Placeholder numbers in a text, in order of appearance."""
    return [int(number) for number in _PLACEHOLDER.findall(text)]


def keep_placeholders(source: str, translated: str) -> str:
    """`translated`, with any placeholder of `source` the model dropped appended to it."""
    present = set(placeholders_in(translated))
    missing = [placeholder(n) for n in placeholders_in(source) if n not in present]
    return " ".join([translated.rstrip(), *missing]).strip() if missing else translated


def unmask(text: str, spans: tuple[str, ...]) -> str:
    """Put the original spans back in place of their placeholders."""

    def substitute(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return spans[index] if index < len(spans) else match.group()

    return _PLACEHOLDER.sub(substitute, text)
