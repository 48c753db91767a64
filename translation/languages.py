"""Language codes: what the phone's locale means, which languages each script can be, and
which languages matter to the team.

Detection answers ISO 639-1 codes (plus `zh-cn`/`zh-tw`, as the API promises); argos
packages use their own codes for a few languages, mapped in `argos_codes`.
"""

from __future__ import annotations

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
    "Ethiopic": ("am", "ti"),
    "Khmer": ("km",),
    "Kana": ("ja",),
}

# Locale language subtags that name the same language as a detection code differently.
_LOCALE_ALIASES = {"fil": "tl", "in": "id", "iw": "he", "ji": "yi", "nb": "no", "nn": "no"}
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


# Locale languages langdetect has no profile for, and the profiled language their text is
# detected as (Malay text reads as Indonesian, Bosnian and Serbian Latin as Croatian): the
# locale's prior goes to that language instead of being lost.
_PRIOR_STAND_INS = {"ms": "id", "bs": "hr", "sr": "hr"}


def prior_language_of_locale(locale: str | None) -> str | None:
    """The detection code that the phone's locale makes likelier a priori."""
    language = language_of_locale(locale)
    return _PRIOR_STAND_INS.get(language, language) if language else None


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
