"""Accuracy, calibration and time per text: our detector against raw langdetect.

Runs on the labelled short reports in tests/translation/data/: `reports.jsonl` (plain
reports, some typed in a language other than the phone's locale) and
`hard_reports.jsonl` (romanised text, languages that were missing, one-to-three words,
no diacritics, noise, code-switching, Latin text on a phone set to a language with
another script), whose labels are BCP 47 tags (`hi-Latn`). Each row belongs to a split:
`tune` rows may be looked at while changing the detector, `holdout` rows only through this
benchmark's totals, so that the held-out numbers say how the method does on texts it was
not shaped on.

Usage:
    .venv/bin/python benchmarks/language.py            # tables, reliability curve, timing
    .venv/bin/python benchmarks/language.py --errors   # also every wrong *tuning* answer
    .venv/bin/python benchmarks/language.py --fit      # refit the calibration on tuning rows
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from langdetect import DetectorFactory, LangDetectException, detect  # noqa: E402

from translation.calibration import features, fit, reliability  # noqa: E402
from translation.detect import DetectorConfig, LanguageDetector  # noqa: E402
from translation.languages import close_group, language_of_locale  # noqa: E402

DATA = ROOT / "tests" / "translation" / "data"
CONFIDENT = 0.9
Method = Callable[[str, str | None], tuple[str, float]]


@dataclass(frozen=True)
class Row:
    text: str
    locale: str | None
    label: str
    category: str
    split: str

    @property
    def words(self) -> int:
        return len([word for word in self.text.split() if any(c.isalpha() for c in word)])


def load() -> list[Row]:
    rows = []
    for name, default in (("reports.jsonl", "plain"), ("hard_reports.jsonl", None)):
        for line in (DATA / name).read_text("utf-8").splitlines():
            item = json.loads(line)
            category = item.get("category", default)
            rows.append(
                Row(item["text"], item["locale"], item["language"], category, item["split"])
            )
    return rows


def raw_langdetect(text: str, _locale: str | None) -> tuple[str, float]:
    """langdetect as shipped (seeded, so the benchmark repeats), `und` when it refuses."""
    try:
        return detect(text), 1.0
    except LangDetectException:
        return "und", 0.0


def is_mismatch(row: Row) -> bool:
    """Typed in a language other than the phone's locale."""
    return bool(row.locale) and row.label.split("-Latn")[0] not in (
        "und",
        language_of_locale(row.locale),
    )


def run(method: Method, rows: Sequence[Row]) -> tuple[list[tuple[str, float]], float]:
    """Every row's (answer, confidence), and milliseconds per text."""
    start = time.perf_counter()
    answers = [method(row.text, row.locale) for row in rows]
    return answers, (time.perf_counter() - start) / len(rows) * 1000


def cell(rows: Sequence[Row], answers: Sequence[tuple[str, float]], subset: Sequence[int]) -> str:
    if not subset:
        return "-"
    right = sum(answers[i][0] == rows[i].label for i in subset)
    return f"{right / len(subset):.1%}"


def share(subset: Sequence[int], test: Callable[[int], bool]) -> str:
    return f"{sum(map(test, subset)) / len(subset):.1%}" if subset else "-"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", action="store_true", help="refit calibration on tuning rows")
    parser.add_argument("--errors", action="store_true", help="list wrong tuning answers")
    options = parser.parse_args()

    rows = load()
    DetectorFactory.seed = 0
    raw_langdetect("warm up", None)
    detector = LanguageDetector()
    detector.warm_up()
    if options.fit:
        refit(detector, rows)
        return

    def ours(text: str, locale: str | None) -> tuple[str, float]:
        found = detector.detect(text, locale)
        return found.tag, found.confidence

    methods: dict[str, Method] = {"langdetect": raw_langdetect, "stop-intake": ours}
    results = {name: run(method, rows) for name, method in methods.items()}
    raw, mine = results["langdetect"][0], results["stop-intake"][0]
    splits = {
        split: [i for i, row in enumerate(rows) if row.split == split]
        for split in ("tune", "holdout")
    }

    print("Accuracy by category (und counts as not right; wrong = answered, not right)")
    head = f"{'n':>4} {'langdetect':>10} {'ours':>7} {'und':>6} {'wrong':>6}"
    print(f"{'category':<20} {head} | {head}")
    print(f"{'':<20} {'tune':^37} | {'holdout':^37}")
    categories = sorted({row.category for row in rows}, key=lambda c: (c != "plain", c))
    groups = [(c, lambda row, c=c: row.category == c) for c in categories]
    groups += [
        ("all hard", lambda row: row.category != "plain"),
        ("locale≠text", is_mismatch),
        ("3+ words", lambda row: row.words >= 3),
        ("malay/pashto/tigr.", lambda row: row.label in ("ms", "ps", "ti")),
        ("all", lambda row: True),
    ]
    for name, member in groups:
        print(f"{name:<20}", end="")
        for k, split in enumerate(("tune", "holdout")):
            subset = [i for i in splits[split] if member(rows[i])]
            und = share(subset, lambda i: mine[i][0] == "und")
            wrong = share(subset, lambda i: mine[i][0] not in ("und", rows[i].label))
            sep = " |" if k == 0 else ""
            print(
                f" {len(subset):>4} {cell(rows, raw, subset):>10} {cell(rows, mine, subset):>7}"
                f" {und:>6} {wrong:>6}{sep}",
                end="",
            )
        print()

    print("\nHeld-out accuracy by label")
    print(f"{'label':<9} {'n':>4} {'langdetect':>10} {'ours':>7}")
    for label in sorted({row.label for row in rows}):
        subset = [i for i in splits["holdout"] if rows[i].label == label]
        if subset:
            cells = f"{cell(rows, raw, subset):>10} {cell(rows, mine, subset):>7}"
            print(f"{label:<9} {len(subset):>4} {cells}")

    print("\nReliability curve (answers other than und: confidence bin -> share right)")
    for split, subset in splits.items():
        answered = [
            (mine[i][1], mine[i][0] == rows[i].label) for i in subset if mine[i][0] != "und"
        ]
        print(f"  {split}:")
        for label, count, right in reliability(answered):
            shown = "-" if right is None else f"{right:.1%}"
            print(f"    {label}  n={count:>4}  right {shown}")
        confident = [i for i in subset if mine[i][1] >= CONFIDENT and mine[i][0] != rows[i].label]
        long = [i for i in confident if rows[i].words >= 3]
        raw_wrong = [i for i in subset if raw[i][0] != rows[i].label]
        where = ", ".join(
            f"{category} {sum(rows[i].category == category for i in confident)}"
            for category in sorted({rows[i].category for i in confident})
        )
        print(
            f"    confident (>= {CONFIDENT}) wrong answers: {len(confident)}"
            f" ({len(long)} on texts of 3+ words{'; ' + where if where else ''});"
            f" raw langdetect, always sure: {len(raw_wrong)}"
        )

    print("\nReliability of every answer before the und floor (where to put the floor)")
    unfloored = LanguageDetector(DetectorConfig(confidence_floor=0.0))
    edges = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    for split, subset in splits.items():
        graded = []
        for i in subset:
            found = unfloored.detect(rows[i].text, rows[i].locale)
            if found.language != "und":
                graded.append((found.confidence, found.tag == rows[i].label))
        cells = [
            f"{label}: {'-' if right is None else f'{right:.0%}'} of {count}"
            for label, count, right in reliability(graded, edges)
        ]
        print(f"  {split:<8}" + "; ".join(cells))
    print(f"  floor now: {detector.config.confidence_floor}")

    times = [f"{results[name][1]:.3f}" for name in results]
    print(f"\nms per text: langdetect {times[0]}, stop-intake {times[1]}")

    if options.errors:
        print("\nWrong tuning answers (held-out rows are never listed):")
        for i in splits["tune"]:
            if mine[i][0] != rows[i].label:
                row = rows[i]
                top = sorted(
                    detector.posterior(row.text, row.locale).items(), key=lambda kv: -kv[1]
                )
                shown = " ".join(f"{tag}:{p:.2f}" for tag, p in top[:3])
                print(
                    f"  {row.category:<12} {row.label:<8} got {mine[i][0]:<8} {mine[i][1]:.2f}"
                    f" {row.locale!s:<6} {row.text[:50]!r} [{shown}]"
                )


def refit(detector: LanguageDetector, rows: Sequence[Row]) -> None:
    """Fit the calibration on the tuning rows and print it to paste in calibration.py.

    What is calibrated is the answer up to its close twin (hi-Latn/ur-Latn, ms/id): the
    detector multiplies in the share of the pair's posterior that the answer has."""
    samples = []
    for row in rows:
        if row.split != "tune":
            continue
        weighed = detector.weigh(row.text, row.locale)
        if weighed is None or weighed.log_odds is None:
            continue
        tag = f"{weighed.language}-Latn" if weighed.romanised else weighed.language
        x = features(weighed.log_odds, weighed.words, weighed.romanised, weighed.known_words)
        samples.append((x, row.label in close_group(tag)))
    fitted = fit(samples)
    print(f"{len(samples)} tuning answers, {sum(right for _, right in samples)} right")
    print(
        "FITTED = Calibration(\n"
        f"    intercept={fitted.intercept:.3f}, log_odds={fitted.log_odds:.3f},"
        f" words={fitted.words:.3f}, romanised={fitted.romanised:.3f},"
        f" known_words={fitted.known_words:.3f}\n)"
    )


if __name__ == "__main__":
    main()
