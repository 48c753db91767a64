"""Accuracy per language and time per text: our detector against raw langdetect.

Runs on the labelled short reports in tests/translation/data/reports.jsonl (some typed in
a language other than the phone's locale). Usage: .venv/bin/python benchmarks/language.py
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from langdetect import DetectorFactory, LangDetectException, detect  # noqa: E402

from translation.detect import LanguageDetector  # noqa: E402
from translation.languages import language_of_locale  # noqa: E402

DATA = ROOT / "tests" / "translation" / "data" / "reports.jsonl"


def raw_langdetect(text: str, _locale: str | None) -> str:
    try:
        return detect(text)
    except LangDetectException:
        return "und"


def main() -> None:
    rows = [json.loads(line) for line in DATA.read_text("utf-8").splitlines()]
    DetectorFactory.seed = 0
    raw_langdetect("warm up", None)
    detector = LanguageDetector()
    detector.warm_up()
    ours = lambda text, locale: detector.detect(text, locale).language  # noqa: E731
    results = {}
    for name, method in (("langdetect", raw_langdetect), ("stop-intake", ours)):
        right: Counter[str] = Counter()
        start = time.perf_counter()
        answers = [method(row["text"], row["locale"]) for row in rows]
        elapsed = time.perf_counter() - start
        for row, answer in zip(rows, answers, strict=True):
            right[row["language"]] += answer == row["language"]
        results[name] = (right, answers, elapsed / len(rows) * 1000)
    total = Counter(row["language"] for row in rows)
    print(f"{'language':<8} {'n':>3} {'langdetect':>11} {'stop-intake':>12}")
    for language in sorted(total):
        cells = [results[name][0][language] / total[language] for name in results]
        print(f"{language:<8} {total[language]:>3} {cells[0]:>11.0%} {cells[1]:>12.0%}")
    mismatch = [
        i
        for i, row in enumerate(rows)
        if row["locale"] and row["language"] not in ("und", language_of_locale(row["locale"]))
    ]
    print("-" * 38)
    for label, subset in (("all", range(len(rows))), ("locale≠text", mismatch)):
        cells = []
        for name in results:
            answers = results[name][1]
            cells.append(sum(answers[i] == rows[i]["language"] for i in subset) / len(subset))
        print(f"{label:<12} {len(subset):>3} {cells[0]:>7.1%} {cells[1]:>12.1%}")
    times = [results[name][2] for name in results]
    print(f"{'ms/text':<12} {'':>3} {times[0]:>7.2f} {times[1]:>12.2f}")


if __name__ == "__main__":
    main()
