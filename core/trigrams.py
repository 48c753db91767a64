"""How alike two texts are, as pg_trgm measures it, and the keys that find the texts likely
to be alike without reading every text.

- `trigrams` and `similarity`: pg_trgm's measure (each word lower-cased and padded with two
  spaces before and one after, cut into three-character pieces; shared pieces over all
  pieces of the two). PostgreSQL computes it with `similarity()`, SQLite through these.
- `band_keys`: MinHash locality-sensitive hashing. `BANDS` × `ROWS` MinHash values of a
  text's trigrams are grouped into `BANDS` bands of `ROWS`; a band's values hashed together
  make one key. Two texts share a band's key with probability s^ROWS, s being the share of
  trigrams they have in common (their Jaccard index), so texts far more alike than chance
  share at least one of the `BANDS` keys, and unrelated texts almost never do: an equality
  lookup of a text's keys finds its likely duplicates, whatever the number of texts.
  `probe_keys` adds, per band, the keys of its near misses (multi-probe), which finds as
  many as twice the bands would without storing more. With 20 bands of 3 rows, a pair of
  reports at the suggestions' threshold (pg_trgm similarity 0.45 to 0.5) is found about
  nine times in ten, from 0.5 to 0.6 98 times in a hundred, above that all but one in a
  thousand (`benchmarks/duplicate_recall.py`).

The keys leave out the trigrams of `core.common_trigrams` (the most frequent in reports of
every language: `  a`, ` th`, `the`, `ing`…). Unrelated texts share those all the time, so
with them in, two random reports already have ~12 % of their trigrams in common and the
bands could not tell them from duplicates without far more of them; without them, random
reports share ~2 %, and copies still share most of the rest. (The similarity itself, the
score a moderator reads, keeps every trigram.) A text made only of common trigrams keeps
them all, so it still has keys.

Everything here is deterministic across processes and versions (no salted `hash()`): the
keys are stored (`models.report_band`), so the same text must give the same keys in the
worker, a migration and a query. Changing `ROWS`, `BANDS`, `SEED` or the common trigrams
changes every key and needs every stored key computed again.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import numpy as np

from core.common_trigrams import COMMON_TRIGRAMS

#: How much of a report the suggestions compare: the beginning of its text in the team's
#: language (the translation, or the original where none was needed, so a report and its
#: copy in another language meet in the translation). Bounded, so a comparison costs the
#: same for a long report as for a short one.
COMPARED_CHARS = 300
ROWS = 3
BANDS = 20
SEED = 20261130
_SHIFT = np.uint64(32)
_WORD = re.compile(r"[^\W_]+")
_COMMON = frozenset(COMMON_TRIGRAMS)


_DRAW = random.Random(SEED)  # noqa: S311 - reproducible on purpose, not a secret


def _random_words(count: int, odd: bool = False) -> np.ndarray:
    """`count` 64-bit numbers, the next ones drawn from `SEED` (the same in every process)."""
    return np.array([_DRAW.getrandbits(64) | odd for _ in range(count)], dtype=np.uint64)


# ROWS × BANDS random hash functions of 32-bit values: h(x) = ((a·x + b) mod 2**64) >> 32
# with odd 64-bit a and any 64-bit b (multiply-add-shift, a universal family; numpy's
# unsigned arithmetic wraps modulo 2**64 by itself). One per row: the columns of _A, _B.
_A = _random_words(ROWS * BANDS, odd=True)[:, None]
_B = _random_words(ROWS * BANDS)[:, None]
_SPREAD = _random_words(1, odd=True)[0]  # a trigram's 63-bit code to 32 bits
_WEIGHTS = _random_words(ROWS, odd=True)  # a band's values into one number …
_BAND_OFFSETS = _random_words(BANDS)  # … which differs from band to band
_BITS = (np.uint64(42), np.uint64(21))


def compared_text(text: str, translated_text: str | None) -> str:
    """What similarity reads of a report (`models.report.SIMILARITY_DOCUMENT` in SQL)."""
    return (translated_text if translated_text is not None else text)[:COMPARED_CHARS]


def trigrams(text: str) -> set[str]:
    """A text's trigrams as pg_trgm makes them: each word lower-cased, padded with two
    spaces before and one after."""
    padded = [f"  {word} " for word in set(_WORD.findall(text.lower()))]
    return {word[i : i + 3] for word in padded for i in range(len(word) - 2)}


def similarity(first: set[str], second: set[str]) -> float:
    """pg_trgm's `similarity`: shared trigrams over all trigrams of the two."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def band_keys(text: str) -> list[int]:
    """The text's band keys (signed 64-bit, as a BIGINT column stores them), distinct and
    sorted; none for a text without words."""
    return band_keys_of([text])[0]


def band_keys_of(texts: Sequence[str]) -> list[list[int]]:
    """`band_keys` of each text, computed together (one pass of array arithmetic for a
    whole batch: what a migration filling the keys of every stored report needs)."""
    chosen = [_telling(text) for text in texts]
    sizes = np.array([len(grams) for grams in chosen])
    found: list[list[int]] = [[] for _ in texts]
    if not sizes.any():
        return found
    hashed = _hashed(chosen)
    keyed = np.flatnonzero(sizes)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[keyed]
    minima = np.minimum.reduceat(hashed, starts, axis=1).T.reshape(-1, BANDS, ROWS)
    for index, row in zip(keyed.tolist(), _keys(minima).tolist(), strict=True):
        found[index] = sorted(set(row))
    return found


def probe_keys(text: str) -> list[int]:
    """The keys to look up to find the texts alike to this one: its band keys, and for each
    band the `ROWS` keys it would have if one of its values were the next smallest instead
    (multi-probe LSH). A text alike to this one often misses a band by one value, whose
    minimum is a trigram this text has and the other lacks, while its next one is shared:
    looking those up finds as many alike texts as twice the bands would, at a quarter of
    the stored rows per band found, with no more rows stored."""
    grams = _telling(text)
    if not grams:
        return []
    hashed = _hashed([grams])
    if hashed.shape[1] == 1:  # one trigram: no next value
        return band_keys(text)
    smallest = np.partition(hashed, 1, axis=1)
    first = smallest[:, 0].reshape(BANDS, ROWS)
    second = smallest[:, 1].reshape(BANDS, ROWS)
    variants = [first]
    for row in range(ROWS):
        variant = first.copy()
        variant[:, row] = second[:, row]
        variants.append(variant)
    return sorted(set(_keys(np.stack(variants)).ravel().tolist()))


def _hashed(chosen: Sequence[set[str]]) -> np.ndarray:
    """The `ROWS` × `BANDS` hashes of every trigram of these sets, one row per hash
    function, one column per trigram (the sets one after the other)."""
    # each trigram as its three code points (21 bits each), spread to 32 bits
    joined = "".join("".join(grams) for grams in chosen).encode("utf-32-le")
    points = np.frombuffer(joined, "<u4").astype(np.uint64).reshape(-1, 3)
    codes = (points[:, 0] << _BITS[0]) | (points[:, 1] << _BITS[1]) | points[:, 2]
    values = (codes * _SPREAD) >> _SHIFT
    hashed: np.ndarray = (_A * values + _B) >> _SHIFT
    return hashed


def _keys(minima: np.ndarray) -> np.ndarray:
    """One key per band of `ROWS` values (the last axis): the values weighed, summed with
    the band's own offset and mixed, as signed 64-bit numbers."""
    summed = (minima * _WEIGHTS).sum(axis=-1, dtype=np.uint64) + _BAND_OFFSETS
    keys: np.ndarray = _mixed(summed).view(np.int64)
    return keys


def _telling(text: str) -> set[str]:
    """The trigrams a text's keys are made of: all but the common ones (all of them if
    nothing else is left)."""
    grams = trigrams(text)
    return grams - _COMMON or grams


def _mixed(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the result depends on every bit of the value."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = values ^ (values >> np.uint64(31))
    return mixed
