"""Which writing system a text is in.

Many languages are decided by their script alone (Thai, Greek, Hangul, Georgian…), and for
the others the script narrows the candidates before any statistics run. Statistics on
short texts are noisy; the script of the letters is not.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter

# (first code point, last code point, script), sorted by first code point.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "Latin"),
    (0x0250, 0x02AF, "Latin"),
    (0x0370, 0x03FF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"),
    (0x0750, 0x077F, "Arabic"),
    (0x08A0, 0x08FF, "Arabic"),
    (0x0900, 0x097F, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"),
    (0x0A80, 0x0AFF, "Gujarati"),
    (0x0B00, 0x0B7F, "Oriya"),
    (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"),
    (0x0C80, 0x0CFF, "Kannada"),
    (0x0D00, 0x0D7F, "Malayalam"),
    (0x0D80, 0x0DFF, "Sinhala"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Lao"),
    (0x0F00, 0x0FFF, "Tibetan"),
    (0x1000, 0x109F, "Myanmar"),
    (0x10A0, 0x10FF, "Georgian"),
    (0x1100, 0x11FF, "Hangul"),
    (0x1200, 0x139F, "Ethiopic"),
    (0x1780, 0x17FF, "Khmer"),
    (0x1C90, 0x1CBF, "Georgian"),
    (0x1E00, 0x1EFF, "Latin"),
    (0x1F00, 0x1FFF, "Greek"),
    (0x2D00, 0x2D2F, "Georgian"),
    (0x3040, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hangul"),
    (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, "Han"),
    (0x4E00, 0x9FFF, "Han"),
    (0xA960, 0xA97F, "Hangul"),
    (0xAC00, 0xD7AF, "Hangul"),
    (0xF900, 0xFAFF, "Han"),
    (0xFB1D, 0xFB4F, "Hebrew"),
    (0xFB50, 0xFDFF, "Arabic"),
    (0xFE70, 0xFEFF, "Arabic"),
    (0xFF21, 0xFF5A, "Latin"),
    (0xFF66, 0xFF9F, "Kana"),
    (0x20000, 0x2FFFF, "Han"),
)
_STARTS = [start for start, _, _ in _RANGES]

# ISO 15924 codes of the scripts above, for BCP 47 tags (`hi-Latn`) and the CLI's
# `script` field. Kana stands for Japanese text (kana with kanji).
ISO_15924: dict[str, str] = {
    "Latin": "Latn",
    "Greek": "Grek",
    "Cyrillic": "Cyrl",
    "Armenian": "Armn",
    "Hebrew": "Hebr",
    "Arabic": "Arab",
    "Devanagari": "Deva",
    "Bengali": "Beng",
    "Gurmukhi": "Guru",
    "Gujarati": "Gujr",
    "Oriya": "Orya",
    "Tamil": "Taml",
    "Telugu": "Telu",
    "Kannada": "Knda",
    "Malayalam": "Mlym",
    "Sinhala": "Sinh",
    "Thai": "Thai",
    "Lao": "Laoo",
    "Tibetan": "Tibt",
    "Myanmar": "Mymr",
    "Georgian": "Geor",
    "Hangul": "Hang",
    "Ethiopic": "Ethi",
    "Khmer": "Khmr",
    "Kana": "Jpan",
    "Han": "Hani",
    "Other": "Zzzz",
}


def script_of(char: str) -> str | None:
    """The script of one letter or combining mark, or None for anything else."""
    if unicodedata.category(char)[0] not in "LM":
        return None
    code = ord(char)
    index = bisect_right(_STARTS, code) - 1
    if index >= 0:
        start, end, script = _RANGES[index]
        if start <= code <= end:
            return script
    return "Other"


def count_scripts(text: str) -> Counter[str]:
    """Number of letters (and combining marks) per script; digits, emoji and punctuation
    count for nothing, so a phone number never votes."""
    counts: Counter[str] = Counter()
    for char in text:
        script = script_of(char)
        if script is not None:
            counts[script] += 1
    return counts
