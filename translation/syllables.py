"""Vietnamese is written one syllable per word: a word holds one run of vowels ("người",
"khoai"). Igbo, Yoruba and other languages written with the same dot-below vowels (ị ụ
ọ) have words of several syllables ("anaghị", "ụgwọ" aside). Letters alone cannot tell
them apart, so an answer of Vietnamese for a text whose words are mostly polysyllabic is
not believed (the detector answers `und`: those languages are not among its candidates).
"""

from __future__ import annotations

import re
import unicodedata

_VOWEL_RUNS = re.compile(r"[aeiouy]+")
_WORD = re.compile(r"[^\W\d_]+")


def _vowel_runs(word: str) -> int:
    bare = "".join(unicodedata.normalize("NFD", char)[0] for char in word.lower())
    return len(_VOWEL_RUNS.findall(bare))


def written_in_syllables(text: str) -> bool:
    """Whether most words of `text` are single syllables, as Vietnamese words are."""
    words = _WORD.findall(text)
    if not words:
        return True
    polysyllabic = sum(_vowel_runs(word) >= 2 for word in words)
    return polysyllabic * 2 < len(words)
