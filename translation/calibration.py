"""Confidence that means what it says: of the answers given at 0.9, about nine in ten are
right.

The detector's posterior is a naive-Bayes product of evidence that is not independent
(overlapping n-grams, a word that is also an n-gram run, a locale that agrees with the
words), so it says 1.0 for answers that are often wrong on hard texts: romanised words,
one-word reports, code-switching. A moderator misled by a wrong answer at 100 % does
worse than one told `und`. So the posterior is mapped to a probability of being right by
a logistic regression (Platt scaling) on a few things known at answer time:

- the log-odds of the top answer against all others (the posterior's own belief);
- how many words the text has (one word is weak evidence whatever the posterior says);
- whether the answer is a romanised one (those lists are small and spelling is free).

Code-switched text ("madam beats me every day, ana khayfa") is where the posterior is
surest and most often wrong, and a tuning set has too few such rows to fit a weight on:
the detector scales the confidence by the share of recognised everyday words that the
answer's own lists know (`word_share`), as it scales it by the share of letters in the
script it read.

The four numbers are fitted on the *tuning* rows of the labelled sets only, with
`benchmarks/language.py --fit`, which prints them to be pasted here; the held-out rows
then show whether the confidence stays honest on texts it was not fitted on (the
benchmark prints the reliability curve of both).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

# Log-odds beyond this add nothing: one text never makes an answer surer than ~1 - 1e-9.
_LOG_ODDS_CLIP = 20.0


@dataclass(frozen=True)
class Calibration:
    """Weights of the logistic map from evidence to the probability of being right."""

    intercept: float
    log_odds: float
    words: float
    romanised: float
    known_words: float

    def confidence(self, log_odds: float, words: int, romanised: bool, known: int) -> float:
        """Probability that an answer is right, given what is known of it."""
        return _sigmoid(self.logit(features(log_odds, words, romanised, known)))

    def logit(self, x: Sequence[float]) -> float:
        weights = (self.log_odds, self.words, self.romanised, self.known_words)
        return self.intercept + sum(w * v for w, v in zip(weights, x, strict=True))


Features = tuple[float, float, float, float]


def features(log_odds: float, words: int, romanised: bool, known: int) -> Features:
    """What the calibration sees of an answer: clipped log-odds, log word count, whether
    it is romanised, and log(1 + its words that its lists know)."""
    clipped = max(-_LOG_ODDS_CLIP, min(_LOG_ODDS_CLIP, log_odds))
    return clipped, math.log(max(words, 1)), 1.0 if romanised else 0.0, math.log1p(known)


def word_share(own: int, rival: int) -> float:
    """How much of a text the answer accounts for, by everyday words of three letters or
    more: `own` its lists know, `rival` the most that one other candidate's lists know
    and the answer's do not. A single stray collision (Catalan "allà" in Italian) is
    not code-switching and costs nothing; from two words on, the confidence is scaled
    by the answer's share of the two vocabularies (smoothed)."""
    if rival < 2:
        return 1.0
    return (own + 1) / (own + rival + 1)


# Fitted by `benchmarks/language.py --fit` on the tuning rows.
FITTED = Calibration(
    intercept=0.290, log_odds=0.758, words=-0.575, romanised=-0.226, known_words=0.563
)


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def fit(samples: Sequence[tuple[Features, bool]], l2: float = 0.01, steps: int = 50) -> Calibration:
    """Logistic regression by Newton's method on (features, was right) pairs, with a
    little L2 (not on the intercept) so that a separable set gives finite weights."""
    size = 5
    weights = [0.0] * size
    for _ in range(steps):
        gradient = [0.0] * size
        hessian = [[0.0] * size for _ in range(size)]
        for x, right in samples:
            row = (1.0, *x)
            p = _sigmoid(sum(w * v for w, v in zip(weights, row, strict=True)))
            for i in range(size):
                gradient[i] += (p - (1.0 if right else 0.0)) * row[i]
                for j in range(size):
                    hessian[i][j] += p * (1 - p) * row[i] * row[j]
        for i in range(1, size):
            gradient[i] += l2 * weights[i] * len(samples)
            hessian[i][i] += l2 * len(samples)
        step = _solve(hessian, gradient)
        weights = [w - s for w, s in zip(weights, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return Calibration(*weights)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (5x5: no numpy needed)."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col:
                factor = a[r][col] / a[col][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col], strict=True)]
    return [a[i][n] / a[i][i] if abs(a[i][i]) >= 1e-12 else 0.0 for i in range(n)]


def reliability(
    answers: Sequence[tuple[float, bool]], edges: Sequence[float] = (0.5, 0.7, 0.8, 0.9, 0.95)
) -> list[tuple[str, int, float | None]]:
    """Reliability curve: for each confidence bin, (label, count, share right)."""
    bounds = [0.0, *edges, 1.0001]
    curve = []
    for low, high in itertools.pairwise(bounds):
        inside = [right for confidence, right in answers if low <= confidence < high]
        label = f"{low:.2f}-{min(high, 1.0):.2f}"
        curve.append((label, len(inside), sum(inside) / len(inside) if inside else None))
    return curve
