"""Language detection as the worker and `stop-intake detect-language` see it."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.translation.conftest import DATA
from translation import Detection, detect_language

ROWS = [json.loads(line) for line in (DATA / "reports.jsonl").read_text("utf-8").splitlines()]


def test_labelled_reports_reach_the_accuracy_goal():
    wrong = Counter()
    for row in ROWS:
        if detect_language(row["text"], row["locale"]).language != row["language"]:
            wrong[row["language"]] += 1
    accuracy = 1 - sum(wrong.values()) / len(ROWS)
    assert accuracy >= 0.96, wrong


def test_no_language_is_worse_than_raw_langdetect():
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    ours, raw, total = Counter(), Counter(), Counter()
    for row in ROWS:
        total[row["language"]] += 1
        ours[row["language"]] += (
            detect_language(row["text"], row["locale"]).language == row["language"]
        )
        try:
            raw[row["language"]] += detect(row["text"]) == row["language"]
        except LangDetectException:
            raw[row["language"]] += row["language"] == "und"
    worse = {lang: (ours[lang], raw[lang]) for lang in total if ours[lang] < raw[lang]}
    assert not worse


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("Нас тримають у квартирі", None, "uk"),  # ї/і: not Russian
        ("老闆拿走了我們的護照", "zh-CN", "zh-tw"),  # traditional characters beat the locale
        ("老板拿走了我们的护照", "zh-TW", "zh-cn"),
        ("مالک نے ہمارا پاسپورٹ لے لیا ہے", "ar-SA", "ur"),
        ("ช่วยด้วย", None, "th"),
        ("I work 18 hours a day and they don't pay me", "es-MX", "en"),  # typed in another language
        ("AYUDA ME TIENEN ENCERRADA", "es-MX", "es"),  # shouting
        ("救命", "zh-TW", "zh-tw"),  # same characters: the locale decides
    ],
)
def test_script_orthography_and_locale(text, locale, expected):
    assert detect_language(text, locale).language == expected


@pytest.mark.parametrize("text", ["", "   ", "+44 7700 900123", "😢🙏", "!!! ???", "https://x.org"])
def test_texts_without_words_are_undetermined(text):
    assert detect_language(text, "en-US") == Detection("und", 0.0)


def test_detection_is_deterministic():
    answers = {detect_language("me pegan", "es-MX") for _ in range(5)}
    assert len(answers) == 1


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=20)))
def test_any_input_gives_a_valid_answer(text, locale):
    found = detect_language(text, locale)
    assert 0.0 <= found.confidence <= 1.0
    assert found.language == "und" or found.confidence >= 0.5


def test_cli_detect_language_answers_each_line(run_cli):
    lines = [
        {"text": "me quitaron el pasaporte y no me pagan", "locale": "es-MX"},
        "not json",
        {"locale": "en-US"},
        {"text": "Допоможіть, будь ласка"},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    result = run_cli("detect-language", input=stdin + "\n")
    assert result.exit_code == 0
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 4
    assert answers[0]["language"] == "es" and 0.5 <= answers[0]["confidence"] <= 1
    assert "error" in answers[1] and "error" in answers[2]
    assert answers[3]["language"] == "uk"
