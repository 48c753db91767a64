"""Country, subdivision and language codes as HTCDS and CTDC ask for them, checked against
the ISO lists themselves (pycountry), not against a pattern: "XYZ" has three letters and
names no country, and a hub pooling data from many organisations cannot repair that."""

from __future__ import annotations

from functools import cache

import pycountry

#: ISO 639-2 for "undetermined": the language could not be detected.
UNDETERMINED_LANGUAGE = "und"


def country_alpha3(code: str) -> str:
    """ISO 3166-1 alpha-3 (CTDC) from alpha-2 (what the app sends) or alpha-3, any case."""
    cleaned = code.strip().upper()
    if len(cleaned) == 2:
        country = pycountry.countries.get(alpha_2=cleaned)
    elif len(cleaned) == 3:
        country = pycountry.countries.get(alpha_3=cleaned)
    else:
        country = None
    if country is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 country code")
    return str(country.alpha_3)


def subdivision(code: str) -> tuple[str, str]:
    """An ISO 3166-2 region code (`MX-CMX`), checked, with the alpha-3 code of its country."""
    cleaned = code.strip().upper()
    region = pycountry.subdivisions.get(code=cleaned)
    if region is None:
        raise ValueError(f"{code!r} is not an ISO 3166-2 region code")
    return str(region.code), country_alpha3(str(region.country_code))


def language_alpha3(tag: str | None) -> tuple[str, str | None]:
    """ISO 639-3 code (as HTCDS asks: `spa`) and script (`Latn`, when the detector tagged
    one) of a BCP 47 tag such as `es` or `ur-Latn`; `und` when unknown."""
    if not tag:
        return UNDETERMINED_LANGUAGE, None
    primary, _, rest = tag.partition("-")
    script = rest[:4].title() if len(rest) >= 4 and rest[:4].isalpha() else None
    key = "alpha_2" if len(primary) == 2 else "alpha_3"
    language = pycountry.languages.get(**{key: primary.lower()})
    if language is None:
        return UNDETERMINED_LANGUAGE, script
    return str(language.alpha_3), script


@cache
def country_codes() -> tuple[str, ...]:
    """Every ISO 3166-1 alpha-3 code, sorted: a public list, the same whatever the data."""
    return tuple(sorted(str(country.alpha_3) for country in pycountry.countries))
