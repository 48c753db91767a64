"""Language codes: what the phone's locale means, which languages each script can be, and
which languages matter to the team.

Detection answers ISO 639-1 codes (plus `zh-cn`/`zh-tw`, as the API promises); a language
typed in Latin letters instead of its own script is also tagged in BCP 47 form (`hi-Latn`),
see `Candidate`. Argos packages use their own codes for a few languages (`argos_codes`).
"""

from __future__ import annotations

from dataclasses import dataclass

# Languages the team expects reports in (trafficking routes and destination countries).
# A language outside this set is not refused, it only needs more evidence to win.
TEAM_LANGUAGES: frozenset[str] = frozenset(
    [
        "en",
        "es",
        "pt",
        "fr",
        "de",
        "it",
        "ro",
        "pl",
        "uk",
        "ru",
        "bg",
        "ar",
        "fa",
        "ur",
        "hi",
        "bn",
        "ne",
        "th",
        "vi",
        "id",
        "tl",
        "zh-cn",
        "zh-tw",
        "tr",
        "sw",
        "nl",
        "el",
        "ko",
        "ja",
        "he",
        "am",
        "ti",
        "so",
        "ps",
        "ta",
        "my",
        "km",
        "lo",
        "si",
        "hy",
        "ka",
        # Gaps found against the languages of people trafficked into and through the UK,
        # the Gulf, South-East Asia and East Africa: Malay, Kurdish (Sorani, in Arabic
        # script), Oromo, Albanian, Punjabi, and the South Indian languages of Gulf workers.
        "ms",
        "ku",
        "om",
        "sq",
        "pa",
        "ml",
        "te",
        "gu",
    ]
)

# Languages langdetect has profiles for, by script. Their statistics decide among them.
PROFILED_BY_SCRIPT: dict[str, tuple[str, ...]] = {
    "Latin": tuple(
        [
            "af",
            "ca",
            "cs",
            "cy",
            "da",
            "de",
            "en",
            "es",
            "et",
            "fi",
            "fr",
            "hr",
            "hu",
            "id",
            "it",
            "lt",
            "lv",
            "nl",
            "no",
            "pl",
            "pt",
            "ro",
            "sk",
            "sl",
            "so",
            "sq",
            "sv",
            "sw",
            "tl",
            "tr",
            "vi",
        ]
    ),
    "Cyrillic": ("bg", "mk", "ru", "uk"),
    "Arabic": ("ar", "fa", "ur"),
    "Devanagari": ("hi", "mr", "ne"),
    "Han": ("zh-cn", "zh-tw", "ja"),
}

# Scripts that (for the languages a report can plausibly be in) name the language: the
# first entry unless the phone's locale names one of the others.
LANGUAGE_OF_SCRIPT: dict[str, tuple[str, ...]] = {
    "Greek": ("el",),
    "Armenian": ("hy",),
    "Hebrew": ("he", "yi"),
    "Bengali": ("bn", "as"),
    "Gurmukhi": ("pa",),
    "Gujarati": ("gu",),
    "Oriya": ("or",),
    "Tamil": ("ta",),
    "Telugu": ("te",),
    "Kannada": ("kn",),
    "Malayalam": ("ml",),
    "Sinhala": ("si",),
    "Thai": ("th",),
    "Lao": ("lo",),
    "Tibetan": ("bo", "dz"),
    "Myanmar": ("my",),
    "Georgian": ("ka",),
    "Hangul": ("ko",),
    "Khmer": ("km",),
    "Kana": ("ja",),
}

# Languages that have no langdetect profile but matter to the team, by script, with the
# profiled language whose n-grams stand in for theirs, and whether the mixture of all the
# script's profiles ("some language written in this script") may stand in instead when
# it fits the text better. Malay reads like Indonesian, so Indonesian's profile is all it
# gets; Oromo spells like Somali (doubled vowels, dh, apostrophes) but is another
# language, so it gets the better of the two. Ethiopic has no profile at all: Amharic and
# Tigrinya share it and are told apart by words and letters.
UNPROFILED_BY_SCRIPT: dict[str, tuple[tuple[str, str | None, bool], ...]] = {
    "Latin": (("ms", "id", False), ("om", "so", True)),
    "Arabic": (("ps", None, True), ("ku", None, True)),
    "Ethiopic": (("am", None, True), ("ti", None, True)),
}

# Languages people often type in Latin letters (no keyboard for their script, or habit:
# Hinglish, Roman Urdu, Arabizi, Finglish, translit, Greeklish, pinyin), each with the
# script it is normally written in. Such text is answered `hi` with script `Latn`, tag
# `hi-Latn`, and no model trained on the native script ever gets it.
ROMANISED_FROM: dict[str, str] = {
    "hi": "Deva",
    "ur": "Arab",
    "bn": "Beng",
    "ne": "Deva",
    "pa": "Guru",
    "ar": "Arab",
    "fa": "Arab",
    "ru": "Cyrl",
    "uk": "Cyrl",
    "bg": "Cyrl",
    "el": "Grek",
    "am": "Ethi",
    "zh": "Hani",
}
LATIN = "Latn"


def romanised_tag(language: str) -> str:
    """The BCP 47 tag of `language` typed in Latin letters: `hi` -> `hi-Latn`."""
    return f"{language}-{LATIN}"


def base_language(tag: str) -> str:
    """The language of a tag without its script: `hi-Latn` -> `hi`, `zh-cn` -> `zh-cn`."""
    return tag[: -len(LATIN) - 1] if tag.endswith(f"-{LATIN}") else tag


def is_romanised(tag: str | None) -> bool:
    """Whether a stored language tag says the text is typed in Latin letters although the
    language has a script of its own (such text is never sent to a translation model)."""
    return tag is not None and tag.endswith(f"-{LATIN}")


# Answers that share their everyday words and most of their letters, so that only the
# locale (or a rare leaning word) tells them apart: Hindi and Urdu typed in Latin
# letters, Malay and Indonesian. The detector is sure of the pair before it is sure of
# the member, and its confidence says so (`detect.Weighed.within`).
CLOSE_PAIRS: tuple[frozenset[str], ...] = (
    frozenset({"hi-Latn", "ur-Latn"}),
    frozenset({"ms", "id"}),
)


def close_group(tag: str) -> frozenset[str]:
    """The answers `tag` cannot be told from by its words: its pair, or itself alone."""
    for pair in CLOSE_PAIRS:
        if tag in pair:
            return pair
    return frozenset({tag})


@dataclass(frozen=True)
class Candidate:
    """One answer the detector weighs for a text of some script.

    `profile` is the langdetect profile whose n-grams score it (its own, or a close
    language's), or None; `pooled` says the mixture of the script's profiles may score
    it instead, when that fits better."""

    tag: str
    language: str
    romanised: bool
    profile: str | None
    pooled: bool = False


def candidates_of_script(script: str) -> tuple[Candidate, ...]:
    """Everything a text mostly in `script` may be, profiled languages first."""
    found = [Candidate(lang, lang, False, lang) for lang in PROFILED_BY_SCRIPT.get(script, ())]
    found += [
        Candidate(lang, lang, False, profile, pooled)
        for lang, profile, pooled in UNPROFILED_BY_SCRIPT.get(script, ())
    ]
    if script == "Latin":
        found += [
            Candidate(romanised_tag(lang), lang, True, None, pooled=True) for lang in ROMANISED_FROM
        ]
    return tuple(found)


# Locale language subtags that name the same language as a detection code differently
# (old codes, and ISO 639-3 codes phones use where there is no two-letter one).
_LOCALE_ALIASES = {
    "fil": "tl",
    "in": "id",
    "iw": "he",
    "ji": "yi",
    "nb": "no",
    "nn": "no",
    "ckb": "ku",
    "kmr": "ku",
    "prs": "fa",
    "pbt": "ps",
    "pbu": "ps",
    "pus": "ps",
    "zsm": "ms",
    "msa": "ms",
    "gaz": "om",
    "orm": "om",
    "hae": "om",
    "tir": "ti",
    "amh": "am",
    "pnb": "pa",
}
_TRADITIONAL_REGIONS = {"tw", "hk", "mo"}


def language_of_locale(locale: str | None) -> str | None:
    """The detection code a BCP 47 locale (es-MX, zh-Hant-HK, pt_BR) points to, or None.

    Chinese is split by script subtag first, region second, as phones report both."""
    if not locale:
        return None
    parts = [part.lower() for part in locale.replace("_", "-").split("-") if part]
    if not parts or not parts[0].isalpha() or not 2 <= len(parts[0]) <= 3:
        return None
    language = _LOCALE_ALIASES.get(parts[0], parts[0])
    if language == "zh":
        rest = set(parts[1:])
        if "hant" in rest:
            return "zh-tw"
        if "hans" in rest:
            return "zh-cn"
        return "zh-tw" if rest & _TRADITIONAL_REGIONS else "zh-cn"
    return language


# Locale languages the detector has no candidate for, and the candidate their text is
# detected as (Bosnian and Serbian Latin read as Croatian): the locale's prior goes to
# that language instead of being lost.
_PRIOR_STAND_INS = {"bs": "hr", "sr": "hr"}


def prior_language_of_locale(locale: str | None) -> str | None:
    """The detection code that the phone's locale makes likelier a priori."""
    language = language_of_locale(locale)
    return _PRIOR_STAND_INS.get(language, language) if language else None


# Languages a phone's region makes likelier, whatever its UI language (an en-IN phone
# is more likely to carry Hinglish than an en-US one): the main languages of the countries
# people are trafficked from and through, for a weaker prior than the UI language's.
_ARAB_REGIONS = ["EG", "SA", "AE", "QA", "KW", "BH", "OM", "JO", "LB", "PS", "YE", "SD"]
_ARAB_REGIONS += ["LY", "TN", "DZ", "MA"]
REGION_LANGUAGES: dict[str, tuple[str, ...]] = {
    "IN": ("hi", "bn", "pa", "ta", "te", "ml"),
    "PK": ("ur", "pa", "ps"),
    "BD": ("bn",),
    "NP": ("ne",),
    "LK": ("si", "ta"),
    "AF": ("fa", "ps"),
    "IR": ("fa",),
    "IQ": ("ar", "ku"),
    "SY": ("ar", "ku"),
    "ET": ("am", "om", "ti"),
    "ER": ("ti",),
    "SO": ("so",),
    "KE": ("sw",),
    "TZ": ("sw",),
    "UG": ("sw",),
    "MY": ("ms",),
    "BN": ("ms",),
    "SG": ("ms", "zh-cn"),
    "ID": ("id",),
    "PH": ("tl",),
    "MM": ("my",),
    "KH": ("km",),
    "LA": ("lo",),
    "TH": ("th",),
    "VN": ("vi",),
    "CN": ("zh-cn",),
    "TW": ("zh-tw",),
    "HK": ("zh-tw",),
    "UA": ("uk", "ru"),
    "RU": ("ru",),
    "BG": ("bg",),
    "GR": ("el",),
    "AL": ("sq",),
    "XK": ("sq",),
    "RO": ("ro",),
    "MD": ("ro", "ru"),
    **dict.fromkeys(_ARAB_REGIONS, ("ar",)),
}


# Regions where a phone's UI language often is not its owner's: migrant domestic and
# construction workers under the kafala system commonly use phones bought (and set up)
# where they work. A locale from there says less about the writer's language.
SHARED_PHONE_REGIONS: frozenset[str] = frozenset({"SA", "AE", "QA", "KW", "BH", "OM", "LB", "JO"})


def locale_region(locale: str | None) -> str | None:
    """The region subtag of a locale, upper case (`en-IN` -> `IN`), or None."""
    if not locale:
        return None
    for part in locale.replace("_", "-").split("-")[1:]:
        if len(part) == 2 and part.isalpha():
            return part.upper()
    return None


def region_languages(locale: str | None) -> tuple[str, ...]:
    """Languages likelier on a phone from the locale's region (`en-IN` -> hi, bn…)."""
    region = locale_region(locale)
    return REGION_LANGUAGES.get(region, ()) if region else ()


# Argos package codes for detection codes where they differ; tried in order.
_ARGOS_CODES = {
    "zh-cn": ("zh", "zh-Hans"),
    "zh-tw": ("zt", "zh-Hant", "zh"),
    "pt": ("pt", "pb"),
    "no": ("nb", "no"),
}


def argos_codes(language: str) -> tuple[str, ...]:
    """Codes an argos package may use for a detection code, best first."""
    return _ARGOS_CODES.get(language, (language,))


def detection_code(argos_code: str) -> str:
    """The detection code for an argos package code (the inverse of `argos_codes`)."""
    for language, codes in _ARGOS_CODES.items():
        if argos_code == codes[0]:
            return language
    return {"zh-Hans": "zh-cn", "zh-Hant": "zh-tw", "pb": "pt", "nb": "no"}.get(
        argos_code, argos_code
    )
