"""Language detection for short phone reports.

Why not plain `langdetect.detect`: it samples n-grams at random (so the same text can get
two answers), folds letters that tell languages apart, drops words typed in capitals
(people in danger type in capitals), and knows nothing of the phone. Here:

1. the script of the letters decides outright where it can (Thai, Greek, Hangul…) and
   otherwise limits the candidates (Cyrillic: ru/uk/bg/mk; Arabic: ar/fa/ur…);
2. langdetect's own n-gram profiles score every n-gram of the text, deterministically
   (an exact naive-Bayes sum instead of random sampling), tempered because overlapping
   n-grams are not independent evidence;
3. orthography (letters a language never uses) counts against a language;
4. whole everyday words (`wordlists`) count for a language: on a one- or two-word report
   they are what tells Spanish "ayuda" from Somali n-grams, and what lets a text clearly
   in another language override the phone's locale;
5. the phone's locale is a prior (worth about one everyday word), English a small one
   (the usual second language), and so is the set of languages the team expects;
6. below a confidence floor the answer is `und`, not a guess.

Nothing here logs or keeps the text.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

from translation.alphabets import alphabet_penalties
from translation.languages import (
    LANGUAGE_OF_SCRIPT,
    PROFILED_BY_SCRIPT,
    TEAM_LANGUAGES,
    prior_language_of_locale,
)
from translation.scripts import count_scripts, script_of
from translation.wordlists import languages_of_word, words_of

UNDETERMINED = "und"

_NOISE = re.compile(
    r"(?:https?://|www\.)\S+"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|@\w+"  # handles
    r"|\d+",  # numbers: phone numbers, amounts, house numbers
)
_CAPS_WORD = re.compile(r"\b[^\W\d_]{2,}\b")


@dataclass(frozen=True)
class Detection:
    """The detected language of a text (ISO 639-1, `zh-cn`/`zh-tw`, or `und`) and how sure
    the detector is, from 0 to 1."""

    language: str
    confidence: float


@dataclass(frozen=True)
class DetectorConfig:
    """Weights of the evidence; the defaults were chosen on whole-method grounds (see the
    benchmark), not tuned phrase by phrase."""

    confidence_floor: float = 0.5
    # Share of the n-gram log-likelihood believed: uni-, bi- and trigrams overlap.
    evidence_scale: float = 1 / 3
    # How many times likelier the phone's UI language is a priori than any other.
    locale_weight: float = 30.0
    # English is the second language people fall back on whatever their phone says (and
    # the one the team reads), so it starts a little likelier than other languages.
    lingua_franca: str = "en"
    lingua_franca_weight: float = 3.0
    # Prior weight of a language outside the team's set, relative to one inside it.
    other_language_weight: float = 0.1
    # Log-likelihood ratio credited to each language whose everyday words the text uses.
    word_weight: float = 3.0
    # Confidence given to a language decided by its script alone.
    script_confidence: float = 0.99
    team_languages: frozenset[str] = TEAM_LANGUAGES


class _Profiles:
    """langdetect's n-gram profiles, loaded once into a private factory (never the global
    one, whose random seed other code could change)."""

    _ALPHA = 0.5
    _BASE_FREQ = 10_000

    def __init__(self) -> None:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        self.ngram_probs: dict[str, list[float]] = factory.word_lang_prob_map
        self.index = {language: i for i, language in enumerate(factory.langlist)}
        self.smoothing = self._ALPHA / self._BASE_FREQ

    def log_likelihoods(self, text: str, languages: list[str]) -> tuple[dict[str, float], int]:
        """Sum of log P(n-gram | language) over every known n-gram, and how many there were."""
        from langdetect.utils.ngram import NGram

        columns = [self.index[language] for language in languages]
        totals = [0.0] * len(languages)
        ngram = NGram()
        count = 0
        for char in NGram.normalize_vi(text):
            ngram.add_char(char)
            if ngram.capitalword:
                continue
            for n in (1, 2, 3):
                gram = ngram.get(n)
                row = self.ngram_probs.get(gram) if gram else None
                if row is None:
                    continue
                count += 1
                for k, column in enumerate(columns):
                    totals[k] += math.log(row[column] + self.smoothing)
        return dict(zip(languages, totals, strict=True)), count


class LanguageDetector:
    """Thread-safe detector; build one per process (profiles take about a second to load)."""

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self._profiles: _Profiles | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the profiles now rather than on the first report."""
        self._get_profiles()

    def _get_profiles(self) -> _Profiles:
        if self._profiles is None:
            with self._lock:
                if self._profiles is None:
                    self._profiles = _Profiles()
        return self._profiles

    def detect(self, text: str, locale: str | None = None) -> Detection:
        """Detect the language of `text`, typed on a phone whose UI locale is `locale`."""
        cleaned = _NOISE.sub(" ", text or "")
        scripts = count_scripts(cleaned)
        letters = sum(scripts.values())
        if not letters:
            return Detection(UNDETERMINED, 0.0)
        if scripts["Kana"]:  # Japanese mixes kana with Han characters
            scripts["Kana"] += scripts.pop("Han", 0)
        script, count = scripts.most_common(1)[0]
        share = count / letters
        prior_language = prior_language_of_locale(locale)

        if script in LANGUAGE_OF_SCRIPT:
            choices = LANGUAGE_OF_SCRIPT[script]
            language = prior_language if prior_language in choices else choices[0]
            return self._decide({language: 1.0}, share, self.config.script_confidence)
        candidates = PROFILED_BY_SCRIPT.get(script)
        if not candidates:
            return Detection(UNDETERMINED, 0.0)
        own_script = "".join(c if script_of(c) in (script, "Kana") else " " for c in cleaned)
        return self._decide(self._posterior(own_script, list(candidates), prior_language), share)

    def _posterior(
        self, text: str, candidates: list[str], prior_language: str | None
    ) -> dict[str, float]:
        """Fuse n-gram evidence, orthography and priors into a distribution over candidates."""
        config = self.config
        text = _CAPS_WORD.sub(
            lambda m: m.group().lower() if m.group().isupper() else m.group(), text
        )
        likelihoods, _ = self._get_profiles().log_likelihoods(text, candidates)
        penalties = alphabet_penalties(text, candidates)
        known_words = _known_words(text, candidates)
        scores = {}
        for language in candidates:
            score = config.evidence_scale * likelihoods[language] + penalties.get(language, 0.0)
            score += config.word_weight * known_words[language]
            if language not in config.team_languages:
                score += math.log(config.other_language_weight)
            if language == prior_language:
                score += math.log(config.locale_weight)
            elif language == config.lingua_franca:
                score += math.log(config.lingua_franca_weight)
            scores[language] = score
        top = max(scores.values())
        weights = {language: math.exp(score - top) for language, score in scores.items()}
        total = sum(weights.values())
        return {language: weight / total for language, weight in weights.items()}

    def _decide(self, posterior: dict[str, float], share: float, ceiling: float = 1.0) -> Detection:
        language, probability = max(posterior.items(), key=lambda item: item[1])
        confidence = round(min(probability, ceiling) * share, 4)
        if confidence < self.config.confidence_floor:
            return Detection(UNDETERMINED, confidence)
        return Detection(language, confidence)


def _known_words(text: str, candidates: list[str]) -> dict[str, int]:
    """How many words of `text` each candidate's everyday vocabulary holds."""
    counts = dict.fromkeys(candidates, 0)
    for word in words_of(text):
        for language in languages_of_word(word):
            if language in counts:
                counts[language] += 1
    return counts


_default_detector = LanguageDetector()


def detect_language(text: str, locale: str | None = None) -> Detection:
    """Detect the language of a report with the process-wide detector."""
    return _default_detector.detect(text, locale)


def warm_up_detection() -> None:
    """Load the language profiles now (about a second), not on the first report."""
    _default_detector.warm_up()
