"""Accuracy per language and time per text: our detector against raw langdetect.

Runs on the labelled short reports in tests/translation/data/reports.jsonl (some typed in
a language other than the phone's locale). Each row belongs to a split: `tune` rows may be
looked at while changing the detector, `holdout` rows only through this benchmark's
totals, so that the held-out numbers say how the method does on texts it was not shaped
on. Usage: .venv/bin/python benchmarks/language.py
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from langdetect import DetectorFactory, LangDetectException, detect  # noqa: E402

from translation.detect import LanguageDetector  # noqa: E402
from translation.languages import language_of_locale  # noqa: E402

DATA = ROOT / "tests" / "translation" / "data" / "reports.jsonl"
Method = Callable[[str, str | None], str]


def raw_langdetect(text: str, _locale: str | None) -> str:
    """langdetect as shipped (seeded, so the benchmark repeats), `und` when it refuses."""
    try:
        return detect(text)
    except LangDetectException:
        return "und"


def is_mismatch(row: dict) -> bool:
    """Typed in a language other than the phone's locale."""
    return bool(row["locale"]) and row["language"] not in ("und", language_of_locale(row["locale"]))


def accuracy(rows: Sequence[dict], answers: Sequence[str], subset: Sequence[int]) -> str:
    """Share of `subset` answered right, as a table cell."""
    if not subset:
        return "-"
    right = sum(answers[i] == rows[i]["language"] for i in subset)
    return f"{right / len(subset):.1%}"


def run(method: Method, rows: Sequence[dict]) -> tuple[list[str], float]:
    """Every row's answer, and milliseconds per text."""
    start = time.perf_counter()
    answers = [method(row["text"], row["locale"]) for row in rows]
    return answers, (time.perf_counter() - start) / len(rows) * 1000


def main() -> None:
    rows = [json.loads(line) for line in DATA.read_text("utf-8").splitlines()]
    DetectorFactory.seed = 0
    raw_langdetect("warm up", None)
    detector = LanguageDetector()
    detector.warm_up()
    methods: dict[str, Method] = {
        "langdetect": raw_langdetect,
        "stop-intake": lambda text, locale: detector.detect(text, locale).language,
    }
    results = {name: run(method, rows) for name, method in methods.items()}
    splits = {"all": range(len(rows))} | {
        split: [i for i, row in enumerate(rows) if row["split"] == split]
        for split in ("tune", "holdout")
    }

    print(f"{'':<8} {'all':^27} {'holdout':^27}")
    columns = f" {'n':>4} {'langdetect':>11} {'stop-intake':>11}"
    print(f"{'language':<8}{columns}{columns}")
    for language in sorted({row["language"] for row in rows}):
        print(f"{language:<8}", end="")
        for split in ("all", "holdout"):
            subset = [i for i in splits[split] if rows[i]["language"] == language]
            cells = [accuracy(rows, results[name][0], subset) for name in results]
            print(f" {len(subset):>4} {cells[0]:>11} {cells[1]:>11}", end="")
        print()
    print("-" * 64)
    print(f"{'subset':<20} {'n':>4} {'langdetect':>11} {'stop-intake':>11}")
    for split, indices in splits.items():
        mismatch = [i for i in indices if is_mismatch(rows[i])]
        for label, subset in ((split, indices), (f"{split} locale≠text", mismatch)):
            cells = [accuracy(rows, results[name][0], subset) for name in results]
            print(f"{label:<20} {len(subset):>4} {cells[0]:>11} {cells[1]:>11}")
    times = [f"{results[name][1]:.2f}" for name in results]
    print(f"{'ms/text':<20} {'':>4} {times[0]:>11} {times[1]:>11}")


if __name__ == "__main__":
    main()
