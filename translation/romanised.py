"""Evidence that a Latin-script text is a language typed in Latin letters.

Why this exists: langdetect (like every offline detector) only knows languages in their
own script, so "mujhe ghar jaane nahi dete" came back Indonesian and "ana 3ayez arga3"
Somali, at full confidence. The detector now weighs romanised candidates (`hi-Latn`,
`ar-Latn`…) beside the Latin-script languages, and this module gives their evidence:

- everyday words (`romanised_words`), matched after folding accents and squeezing
  repeated letters, since romanised spelling is free ("jaane"/"jane", "nahiii");
  words of one or two letters count half, as they collide across languages;
- Arabizi: digits written for Arabic letters inside words (3 = ع, 7 = ح, 2 = ء, 5 = خ,
  6 = ط, 9 = ق), which no other language does; times, ordinals and units ("3am", "5th",
  "18h") are not taken for them;
- romanised Amharic: first-person endings ("-ugn", "-alehu") no other language has;
- pinyin: whether every word splits into Mandarin syllables. Most English sentences have
  a word that does not, pinyin has none.

Nothing here decides: the detector adds these log-odds to the n-gram, prior and locale
evidence of every candidate.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import cache

from translation.romanised_words import LEANING, ROMANISED_WORDS

ARABIZI = "ar-Latn"
PINYIN = "zh-Latn"
AMHARIC = "am-Latn"
_SHARED_PAIR = ("hi-Latn", "ur-Latn")

_TOKEN = re.compile(r"[a-z0-9']+")
_REPEATS = re.compile(r"([a-z])\1+")
_PINYIN_SHAPED = re.compile(r"[a-z][a-z1-5]*")
_ARABIZI_DIGIT = re.compile(r"(?<=[a-z])[2356789]|[2356789](?=[a-z])")
# Digits glued to letters that are not Arabizi: times, ordinals, units, "4u", "2day".
_NOT_ARABIZI = re.compile(
    r"^\d+(?:am|pm|h|hr|hrs|st|nd|rd|th|k|kg|km|m|min|mins|s|x|yr|yrs|yo|ml|l|g|gb|mb|"
    r"usd|eur|aed|sar|rm|rs)$|^(?:2day|2morrow|2nite|4u|b4|gr8|l8r|w8)$"
)

# Evidence weights (natural log), chosen on whole-method grounds: an Arabizi digit is
# about as telling as an everyday word; a word that cannot be pinyin costs pinyin more
# than a word that can be pinyin helps it (short English words often can).
ARABIZI_DIGIT_EVIDENCE = 3.0
ARABIZI_DIGIT_CAP = 3
PINYIN_WORD_EVIDENCE = 0.5
PINYIN_MISS_PENALTY = 3.0
LEANING_SHARE = 0.5
# Romanised Amharic spells the first-person endings ኝ/ኛ "gn" and ends verbs in "-alehu",
# "-achihu": letter runs English, Arabizi and the Indian languages do not end words with.
_AMHARIC_ENDING = re.compile(r"(?:[aeiou]gn|gna|gnal|alehu|allehu|achihu|achu)$")
AMHARIC_ENDING_EVIDENCE = 2.0
AMHARIC_ENDING_CAP = 3
SHORT_WORD_SHARE = 0.5

# Standard Mandarin syllables, as initial + final groups (and the finals that stand alone).
_SYLLABLES_BY_INITIAL = {
    "b": "a o ai ei ao an en ang eng i ie iao ian in ing u",
    "p": "a o ai ei ao ou an en ang eng i ie iao ian in ing u",
    "m": "a o e ai ei ao ou an en ang eng i ie iao iu ian in ing u",
    "f": "a o ei ou an en ang eng u",
    "d": "a e ai ei ao ou an en ang eng ong i ia ie iao iu ian ing u uo ui uan un",
    "t": "a e ai ao ou an ang eng ong i ie iao ian ing u uo ui uan un",
    "n": "a e ai ei ao ou an en ang eng ong i ie iao iu ian in iang ing u uo uan v ve ue",
    "l": "a e ai ei ao ou an ang eng ong i ia ie iao iu ian in iang ing u uo uan un v ve ue",
    "g": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "k": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "h": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "j": "i ia ie iao iu ian in iang ing iong u ue uan un",
    "q": "i ia ie iao iu ian in iang ing iong u ue uan un",
    "x": "i ia ie iao iu ian in iang ing iong u ue uan un",
    "zh": "a e i ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "ch": "a e i ai ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "sh": "a e i ai ei ao ou an en ang eng u ua uo uai ui uan un uang",
    "r": "e i ao ou an en ang eng ong u ua uo ui uan un",
    "z": "a e i ai ei ao ou an en ang eng ong u uo ui uan un",
    "c": "a e i ai ao ou an en ang eng ong u uo ui uan un",
    "s": "a e i ai ao ou an en ang eng ong u uo ui uan un",
    "y": "a e i ao ou an in ang ing ong u ue uan un o",
    "w": "a o ai ei an en ang eng u",
    "": "a o e ai ei ao ou an en ang eng er",
}


@cache
def _pinyin_syllables() -> frozenset[str]:
    return frozenset(
        initial + final
        for initial, finals in _SYLLABLES_BY_INITIAL.items()
        for final in finals.split()
    )


def is_pinyin(word: str) -> bool:
    """Whether `word` (folded, lower case) splits wholly into Mandarin syllables, each
    optionally followed by a tone digit 1-5 ("jiuming", "bang1zhu4")."""
    syllables = _pinyin_syllables()
    word = word.replace("ü", "v")
    reachable = [False] * (len(word) + 1)
    reachable[0] = True
    for start in range(len(word)):
        if not reachable[start]:
            continue
        for end in range(start + 1, min(start + 6, len(word)) + 1):
            if word[start:end] in syllables:
                stop = end + 1 if end < len(word) and word[end] in "12345" else end
                reachable[stop] = True
    return reachable[-1]


def fold(text: str) -> str:
    """Lower case without accents or tone marks: "Bāngzhù" -> "bangzhu"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def squeeze(word: str) -> str:
    """Runs of one letter squeezed to one ("jaaane" -> "jane"), apostrophes dropped."""
    return _REPEATS.sub(r"\1", word.replace("'", ""))


@cache
def _lexicon() -> dict[str, dict[str, float]]:
    """Squeezed word -> {tag: share of a word's weight}."""
    index: dict[str, dict[str, float]] = {}

    def add(words: str, tag: str, share: float) -> None:
        for word in words.split():
            key = squeeze(fold(word))
            weight = share * (SHORT_WORD_SHARE if len(key) <= 2 else 1.0)
            entry = index.setdefault(key, {})
            entry[tag] = max(entry.get(tag, 0.0), weight)

    for tag, words in ROMANISED_WORDS.items():
        add(words, tag, 1.0)
    for tag, words in LEANING.items():
        for pair_tag in _SHARED_PAIR:  # a leaning word is still a Hindustani word
            add(words, pair_tag, 1.0 if pair_tag != tag else 1.0 + LEANING_SHARE)
    return index


def tokens(text: str) -> list[str]:
    """Folded lower-case words of `text`, digits kept inside words (Arabizi)."""
    return _TOKEN.findall(fold(text))


def romanised_evidence(
    text: str, word_weight: float
) -> tuple[dict[str, float], dict[str, set[str]]]:
    """Log-odds per romanised tag from the words of `text` (digits kept), to add to the
    evidence the detector weighs (tags without evidence are absent), and the words each
    tag's list knew."""
    evidence: dict[str, float] = {}
    known: dict[str, set[str]] = {}
    lexicon = _lexicon()
    arabizi = 0
    pinyin = 0.0
    words = [token for token in tokens(text) if not token.isdigit()]
    for first, second in itertools.pairwise(words):  # pinyin typed by syllable
        if PINYIN in lexicon.get(first + second, {}) and len(first + second) > 4:
            evidence[PINYIN] = evidence.get(PINYIN, 0.0) + word_weight
    for token in words:
        for tag, share in lexicon.get(squeeze(token), {}).items():
            evidence[tag] = evidence.get(tag, 0.0) + word_weight * share
            known.setdefault(tag, set()).add(token)
        if _ARABIZI_DIGIT.search(token) and not _NOT_ARABIZI.match(token):
            arabizi += 1
        if _PINYIN_SHAPED.fullmatch(token):
            pinyin += PINYIN_WORD_EVIDENCE if is_pinyin(token) else -PINYIN_MISS_PENALTY
        else:
            pinyin -= PINYIN_MISS_PENALTY
    endings = sum(1 for token in words if _AMHARIC_ENDING.search(token))
    if endings:
        evidence[AMHARIC] = evidence.get(AMHARIC, 0.0) + AMHARIC_ENDING_EVIDENCE * min(
            endings, AMHARIC_ENDING_CAP
        )
    if arabizi:
        evidence[ARABIZI] = evidence.get(ARABIZI, 0.0) + ARABIZI_DIGIT_EVIDENCE * min(
            arabizi, ARABIZI_DIGIT_CAP
        )
    if words:
        evidence[PINYIN] = evidence.get(PINYIN, 0.0) + pinyin
    return evidence, known
