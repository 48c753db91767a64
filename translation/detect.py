"""Language detection for short phone reports.

Why not plain `langdetect.detect`: it samples n-grams at random (so the same text can get
two answers), folds letters that tell languages apart, drops words typed in capitals
(people in danger type in capitals), knows nothing of the phone, knows no language typed
in Latin letters instead of its own script, and says 1.0 when it is wrong. Here:

1. the script of the letters decides outright where it can (Thai, Greek, Hangul…) and
   otherwise limits the candidates (Cyrillic: ru/uk/bg/mk; Arabic: ar/fa/ur/ps/ku;
   Ethiopic: am/ti; Latin: the Latin-script languages *and* romanised ones, `hi-Latn`,
   `ar-Latn`…, see `languages.candidates_of_script`);
2. langdetect's own n-gram profiles score every n-gram of the text, deterministically
   (an exact naive-Bayes sum instead of random sampling), tempered because overlapping
   n-grams are not independent evidence. A language without a profile is scored on a
   close language's (Malay on Indonesian's) or on the mixture of its script's profiles:
   "some language in this script", which a text no profile fits scores well on;
3. orthography (letters a language never uses) counts against a language;
4. whole everyday words (`wordlists`, `romanised_words`) count for a language, and so do
   Arabizi digits and pinyin syllables (`romanised`);
5. the phone's locale is a prior (worth about one everyday word), and more so for the
   romanised form when the text is in Latin letters and the locale's language is not
   written in them; the phone's region is a smaller prior, English a small one (the usual
   second language), and so is the set of languages the team expects;
6. the posterior is mapped to a calibrated probability of being right (`calibration`),
   and below a floor read from the reliability curve the answer is `und`, not a guess.

Nothing here logs or keeps the text.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass

from translation.alphabets import alphabet_penalties, syllable_leanings
from translation.calibration import FITTED, Calibration, word_share
from translation.languages import (
    LANGUAGE_OF_SCRIPT,
    PROFILED_BY_SCRIPT,
    SHARED_PHONE_REGIONS,
    TEAM_LANGUAGES,
    Candidate,
    candidates_of_script,
    close_group,
    locale_region,
    prior_language_of_locale,
    region_languages,
    romanised_tag,
)
from translation.romanised import romanised_evidence
from translation.scripts import ISO_15924, count_scripts, script_of
from translation.syllables import written_in_syllables
from translation.wordlists import fold, languages_of_word, words_of

UNDETERMINED = "und"

_LINKS = (
    r"(?:https?://|www\.)\S+"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|@\w+"  # handles
)
_NOISE = re.compile(_LINKS + r"|\d+")  # and numbers: phone numbers, amounts, house numbers
_LINK = re.compile(_LINKS)  # romanised evidence keeps digits: Arabizi writes letters with them
_CAPS_WORD = re.compile(r"\b[^\W\d_]{2,}\b")


@dataclass(frozen=True)
class Detection:
    """The detected language of a text (ISO 639-1, `zh-cn`/`zh-tw`, or `und`) and the
    probability that it is right, from 0 to 1.

    `script` is the ISO 15924 code of the letters it was read from (`Latn`, `Arab`…);
    `romanised` says the language was typed in Latin letters instead of its own script
    (then `tag` is `hi-Latn`, and `language` is `zh` for pinyin, whose characters
    cannot be told simplified or traditional)."""

    language: str
    confidence: float
    script: str | None = None
    romanised: bool = False

    @property
    def tag(self) -> str:
        """BCP 47 form: `hi-Latn` for romanised Hindi, else the language code."""
        return romanised_tag(self.language) if self.romanised else self.language


@dataclass(frozen=True)
class Weighed:
    """The best answer before calibration: what `calibration` reads of it (`log_odds`
    against every other candidate, None when the script alone decided; `words`, and
    `known_words`, those its everyday-word lists know), and
    For an answer with a close twin (`languages.CLOSE_PAIRS`: hi-Latn/ur-Latn, ms/id),
    `log_odds` is the pair's and `within` the answer's share of the pair's posterior,
    decided by the locale or a leaning word: the pair is calibrated, the choice within it
    is what it is. `share`: how much of the text the answer accounts for, the share of its
    letters in the script it was read from times `calibration.word_share` (everyday words
    of other candidates that the answer's lists do not know mark code-switching)."""

    language: str
    romanised: bool
    script: str | None
    share: float
    log_odds: float | None
    words: int
    known_words: int
    within: float


@dataclass(frozen=True)
class DetectorConfig:
    """Weights of the evidence; the defaults were chosen on whole-method grounds (see the
    benchmark), not tuned phrase by phrase."""

    # Calibrated confidence below which the answer is `und`, read from the reliability
    # curve of every would-be answer on the tuning rows (benchmarks/language.py): under
    # 0.5 they were right a third of the time or less (a wrong language sends the report
    # to the wrong reader), from 0.5 up at least half the time, from 0.6 up three in four.
    confidence_floor: float = 0.5
    # Share of the n-gram log-likelihood believed: uni-, bi- and trigrams overlap.
    evidence_scale: float = 1 / 3
    # How many times likelier the phone's UI language is a priori than any other.
    locale_weight: float = 30.0
    # The same for its romanised form, when the text is in Latin letters and the UI
    # language is not written in them: a Latin-script text from a phone set to ur-PK is
    # far likelier Roman Urdu than any Latin-script language but English.
    romanised_locale_weight: float = 60.0
    # A language typed in Latin letters, a priori, relative to a team language typed in
    # its own script.
    romanised_weight: float = 0.5
    # Languages of the phone's region (en-IN: Hindi, Bengali…), relative to others.
    region_weight: float = 3.0
    # Languages likelier or rarer a priori than the rest of the team's, whatever the
    # phone. Malay shares Indonesian's words and letters; among people who report from
    # outside Malaysia (whose phones say ms-MY or en-MY) Indonesian is far the commoner,
    # with Indonesian migrant workers across the Gulf, Hong Kong, Taiwan and Malaysia:
    # twice as likely, a priori.
    language_weights: tuple[tuple[str, float], ...] = (("ms", 0.5),)
    # Share of the locale's weight kept on phones from regions where many phones are
    # set up for, not by, their owners (`languages.SHARED_PHONE_REGIONS`).
    shared_phone_share: float = 0.25
    # Log-likelihood credited per letter to a language scored on the mixture of its
    # script's profiles. A pooled model fits any text worse than the best of the single
    # profiles picked after the fact; on the tuning rows the best profile beats the
    # mixture by about 0.1 per letter (tempered) on text in no profiled language, and the
    # true language beats it by about 0.37 on its own text. Crediting the difference
    # makes "a language in this script without a profile" a fair contender.
    unprofiled_bonus: float = 0.12
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
    calibration: Calibration = FITTED


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

    def log_likelihoods(
        self, text: str, languages: list[str], mixture: tuple[str, ...] = ()
    ) -> tuple[dict[str, float], float]:
        """Sum of log P(n-gram | language) over every known n-gram, per language, and the
        same under the even mixture of the `mixture` languages' profiles."""
        import numpy as np
        from langdetect.utils.ngram import NGram

        rows = []
        ngram = NGram()
        for char in NGram.normalize_vi(text):
            ngram.add_char(char)
            if ngram.capitalword:
                continue
            for n in (1, 2, 3):
                gram = ngram.get(n)
                row = self.ngram_probs.get(gram) if gram else None
                if row is not None:
                    rows.append(row)
        if not rows:
            return dict.fromkeys(languages, 0.0), 0.0
        table = np.asarray(rows)
        columns = [self.index[language] for language in languages]
        totals = np.log(table[:, columns] + self.smoothing).sum(axis=0)
        mixed = 0.0
        if mixture:
            mean = table[:, [self.index[language] for language in mixture]].mean(axis=1)
            mixed = float(np.log(mean + self.smoothing).sum())
        return dict(zip(languages, (float(total) for total in totals), strict=True)), mixed


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
        weighed = self.weigh(text, locale)
        if weighed is None:
            return Detection(UNDETERMINED, 0.0)
        if weighed.log_odds is None:  # decided by the script alone
            confidence = self.config.script_confidence
        else:
            confidence = self.config.calibration.confidence(
                weighed.log_odds, weighed.words, weighed.romanised, weighed.known_words
            )
        confidence = round(confidence * weighed.within * weighed.share, 4)
        if weighed.language == "vi" and not written_in_syllables(text):
            return Detection(UNDETERMINED, min(confidence, 0.3), weighed.script)
        if confidence < self.config.confidence_floor:
            return Detection(UNDETERMINED, confidence, weighed.script)
        script = "Latn" if weighed.romanised else weighed.script
        return Detection(weighed.language, confidence, script, weighed.romanised)

    def weigh(self, text: str, locale: str | None = None) -> Weighed | None:
        """The best answer for `text` before calibration, with what calibration reads of
        it; None when the text has no letters."""
        read = _read(text)
        if read is None:
            return None
        script, code, share, own_script, typed = read
        if script in LANGUAGE_OF_SCRIPT:
            choices = LANGUAGE_OF_SCRIPT[script]
            prior_language = prior_language_of_locale(locale)
            language = prior_language if prior_language in choices else choices[0]
            return Weighed(language, False, code, share, None, 1, 0, 1.0)
        candidates = candidates_of_script(script)
        if not candidates:
            return Weighed(UNDETERMINED, False, code, share, -math.inf, 1, 0, 1.0)
        scores, known = self._posterior(own_script, typed, script, candidates, locale)
        best = max(scores, key=lambda candidate: scores[candidate])
        own = {word for word in known.get(best.tag, set()) if len(word) >= 3}
        rival = max((len({w for w in ws if len(w) >= 3} - own) for ws in known.values()), default=0)
        group = [
            score for candidate, score in scores.items() if candidate.tag in close_group(best.tag)
        ]
        return Weighed(
            best.language,
            best.romanised,
            code,
            share * word_share(len(own), rival),
            _log_odds(scores, close_group(best.tag)),
            len(words_of(own_script)),
            len(known.get(best.tag, ())),
            math.exp(scores[best] - _log_sum_exp(group)),
        )

    def posterior(self, text: str, locale: str | None = None) -> dict[str, float]:
        """The uncalibrated posterior over the candidates' tags (to explain an answer
        while tuning; reports use `detect`)."""
        read = _read(text)
        if read is None:
            return {}
        script, _, _, own_script, typed = read
        candidates = candidates_of_script(script)
        if not candidates:
            return {}
        scores, _ = self._posterior(own_script, typed, script, candidates, locale)
        total = sum(math.exp(score) for score in scores.values())
        return {c.tag: math.exp(score) / total for c, score in scores.items()}

    def _posterior(
        self,
        text: str,
        typed: str,
        script: str,
        candidates: tuple[Candidate, ...],
        locale: str | None,
    ) -> tuple[dict[Candidate, float], dict[str, set[str]]]:
        """Fuse n-gram evidence, orthography, words and priors into log-scores over the
        candidates (normalised so that the best is 0); also the words each candidate's
        lists knew."""
        config = self.config
        text = _CAPS_WORD.sub(
            lambda m: m.group().lower() if m.group().isupper() else m.group(), text
        )
        profiled = sorted({c.profile for c in candidates if c.profile})
        likelihoods, mixture = self._get_profiles().log_likelihoods(
            text, profiled, PROFILED_BY_SCRIPT.get(script, ())
        )
        letters = sum(1 for char in text if not char.isspace())
        pooled = config.evidence_scale * mixture + config.unprofiled_bonus * letters
        tags = [c.tag for c in candidates]
        penalties = alphabet_penalties(text, tags)
        leanings = syllable_leanings(text, tags)
        known_words = _word_matches(text, tags)
        romanised, romanised_words = (
            romanised_evidence(typed, config.word_weight) if typed else ({}, {})
        )
        for tag, words in romanised_words.items():
            known_words.setdefault(tag, set()).update(words)
        prior_language = prior_language_of_locale(locale)
        regional = region_languages(locale)
        shared_phone = locale_region(locale) in SHARED_PHONE_REGIONS
        scores = {}
        for candidate in candidates:
            tag = candidate.tag
            score = -math.inf
            if candidate.profile:
                score = config.evidence_scale * likelihoods[candidate.profile]
            if candidate.pooled:  # whichever fits better: a stand-in profile or the pool
                score = max(score, pooled)
            score += penalties.get(tag, 0.0)
            score += leanings.get(tag, 0.0) + romanised.get(tag, 0.0)
            if not candidate.romanised:  # romanised words are weighed in `romanised`
                score += config.word_weight * len(known_words.get(tag, ()))
            score += self._log_prior(candidate, prior_language, regional, shared_phone)
            scores[candidate] = score
        top = max(scores.values())
        return {candidate: score - top for candidate, score in scores.items()}, known_words

    def _log_prior(
        self,
        candidate: Candidate,
        prior_language: str | None,
        regional: tuple[str, ...],
        shared_phone: bool = False,
    ) -> float:
        """How likely a candidate is before reading the text, given the phone."""
        config = self.config
        prior = 0.0
        language = candidate.language
        if language not in config.team_languages and language != "zh":
            prior += math.log(config.other_language_weight)
        for weighted, weight in config.language_weights:
            if candidate.tag == weighted:
                prior += math.log(weight)
        if candidate.romanised:
            prior += math.log(config.romanised_weight)
        if language == prior_language or (language == "zh" and prior_language in _CHINESE):
            weight = config.romanised_locale_weight if candidate.romanised else config.locale_weight
            if shared_phone:
                weight = max(1.0, weight * config.shared_phone_share)
            prior += math.log(weight)
        elif language in regional or (language == "zh" and _CHINESE & set(regional)):
            prior += math.log(config.region_weight)
        elif candidate.tag == config.lingua_franca:
            prior += math.log(config.lingua_franca_weight)
        return prior


_CHINESE = frozenset({"zh-cn", "zh-tw"})


def _read(text: str) -> tuple[str, str | None, float, str, str] | None:
    """What detection reads of a text: its main script, that script's ISO 15924 code, the
    share of letters in it, the text in that script only (no numbers or links), and the
    text as typed less links (digits kept, for Arabizi) when the script is Latin. None
    when there are no letters."""
    text = unicodedata.normalize("NFC", (text or "")[: 3 * READ_LIMIT])  # composed accents
    cleaned = _NOISE.sub(" ", text)
    scripts = count_scripts(cleaned)
    letters = sum(scripts.values())
    if not letters:
        return None
    if scripts["Kana"]:  # Japanese mixes kana with Han characters
        scripts["Kana"] += scripts.pop("Han", 0)
    script, count = scripts.most_common(1)[0]
    own_script = "".join(c if script_of(c) in (script, "Kana") else " " for c in cleaned)
    typed = _LINK.sub(" ", text) if script == "Latin" else ""
    return script, ISO_15924.get(script), count / letters, _head(own_script), _head(typed)


# Characters of a text's main script that are weighed (of the first three times as many
# characters). Twenty-odd words settle a language; reading a long report to the end would
# cost about 0.02 ms a character for nothing.
READ_LIMIT = 120


def _head(text: str) -> str:
    """The first READ_LIMIT characters of the text's letters, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= READ_LIMIT:
        return text
    cut = text.rfind(" ", 0, READ_LIMIT)
    return text[: cut if cut > 0 else READ_LIMIT]


def _log_odds(scores: dict[Candidate, float], group: frozenset[str]) -> float:
    """Log-odds of the candidates tagged `group` against all others, from log-scores."""
    inside = [score for candidate, score in scores.items() if candidate.tag in group]
    others = [score for candidate, score in scores.items() if candidate.tag not in group]
    if not others:
        return math.inf
    return _log_sum_exp(inside) - _log_sum_exp(others)


def _log_sum_exp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(value - top) for value in values))


def _word_matches(text: str, candidates: list[str]) -> dict[str, set[str]]:
    """The words of `text` (accent-folded) that each candidate's everyday vocabulary holds
    (a word counts once however often it is typed)."""
    matches: dict[str, set[str]] = {tag: set() for tag in candidates}
    for word in words_of(text):
        for language in languages_of_word(word):
            if language in matches:
                matches[language].add(fold(word))
    return matches


_default_detector = LanguageDetector()


def detect_language(text: str, locale: str | None = None) -> Detection:
    """Detect the language of a report with the process-wide detector."""
    return _default_detector.detect(text, locale)


def warm_up_detection() -> None:
    """Load the language profiles now (about a second), not on the first report."""
    _default_detector.warm_up()
