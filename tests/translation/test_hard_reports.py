"""Hard reports: languages typed in Latin letters, languages that were missing (Malay,
Pashto, Tigrinya…), one-to-three words, no diacritics, noise, code-switching, and
languages the detector does not know at all.

The labelled rows in data/hard_reports.jsonl were written from knowledge of the
languages, not from the detector's word lists; labels are BCP 47 tags (`hi-Latn`). The
thresholds below are the issue's: they hold on the held-out rows, which were never looked
at one by one while the detector was changed (benchmarks/language.py prints their totals
only), and on the tuning rows alike.
"""

from __future__ import annotations

import json

import pytest

from tests.translation.conftest import DATA
from translation import detect_language

ROWS = [json.loads(line) for line in (DATA / "hard_reports.jsonl").read_text("utf-8").splitlines()]
SPLITS = ("tune", "holdout")
CONFIDENT = 0.9


@pytest.fixture(scope="module")
def found() -> dict[tuple[str, str | None], tuple[str, float]]:
    """(tag, confidence) for every labelled text, computed once."""
    result = {}
    for row in ROWS:
        detection = detect_language(row["text"], row["locale"])
        result[row["text"], row["locale"]] = (detection.tag, detection.confidence)
    return result


def _rows(split: str, category: str | None = None) -> list[dict]:
    return [
        row
        for row in ROWS
        if row["split"] == split and (category is None or row["category"] == category)
    ]


def test_labelled_set_keeps_tuning_and_held_out_rows_apart():
    assert {row["split"] for row in ROWS} == set(SPLITS)
    assert len({(row["text"], row["locale"]) for row in ROWS}) == len(ROWS)
    held_out = {row["category"] for row in _rows("holdout")}
    assert held_out == {row["category"] for row in ROWS}
    romanised = {row["language"] for row in _rows("holdout", "romanised")}
    assert len(romanised) == 13  # every romanised language has held-out rows


@pytest.mark.parametrize("split", SPLITS)
def test_romanised_reports_are_right_or_undetermined(split, found):
    """Hinglish, Roman Urdu, Arabizi, Finglish, translit, Greeklish, pinyin…: at most one
    answer in six may be wrong (the rest right or `und`), and most must be right."""
    rows = _rows(split, "romanised")
    answers = [found[row["text"], row["locale"]][0] for row in rows]
    wrong = [
        (row["text"], answer)
        for row, answer in zip(rows, answers, strict=True)
        if answer not in (row["language"], "und")
    ]
    right = sum(answer == row["language"] for row, answer in zip(rows, answers, strict=True))
    assert len(wrong) <= len(rows) / 6, wrong
    assert right >= 0.85 * len(rows)


@pytest.mark.parametrize("split", SPLITS)
def test_malay_pashto_and_tigrinya_are_recognised(split, found):
    rows = [row for row in _rows(split) if row["language"] in ("ms", "ps", "ti")]
    wrong = [
        (row["text"], found[row["text"], row["locale"]][0])
        for row in rows
        if found[row["text"], row["locale"]][0] != row["language"]
    ]
    assert len(rows) >= 15 and not wrong


@pytest.mark.parametrize("split", SPLITS)
def test_no_confident_wrong_answer_on_three_words_or_more(split, found):
    """In the languages the detector knows, an answer at 0.9 or more on a text of three
    words or more is never wrong (languages it does not know are the next tests')."""
    wrong = [
        (row["text"], *found[row["text"], row["locale"]])
        for row in _rows(split)
        if row["category"] != "unsupported"
        and len(row["text"].split()) >= 3
        and found[row["text"], row["locale"]][1] >= CONFIDENT
        and found[row["text"], row["locale"]][0] != row["language"]
    ]
    assert not wrong


def test_held_out_texts_of_three_words_are_never_confidently_wrong_whatever_the_language(
    found,
):
    """The issue's criterion on the held-out part, unknown languages included (Igbo with
    its dot-below vowels was answered Vietnamese at 0.9999 before syllables were counted).
    One tuning row still fails it: Cebuano "tabangi ko palihug" reads as Tagalog."""
    wrong = [
        (row["text"], *found[row["text"], row["locale"]])
        for row in _rows("holdout")
        if len(row["text"].split()) >= 3
        and found[row["text"], row["locale"]][1] >= CONFIDENT
        and found[row["text"], row["locale"]][0] != row["language"]
    ]
    assert not wrong


def test_languages_the_detector_does_not_know_are_rarely_answered_with_confidence(found):
    """Hausa, Yoruba, Igbo, Kinyarwanda, Luganda, Cebuano, Lingala, Wolof, Twi: the answer
    is always wrong, so it should mostly be `und` and seldom confident."""
    rows = [row for row in ROWS if row["category"] == "unsupported"]
    confident = [row for row in rows if found[row["text"], row["locale"]][1] >= CONFIDENT]
    undetermined = [row for row in rows if found[row["text"], row["locale"]][0] == "und"]
    assert len(confident) <= len(rows) / 8
    assert len(undetermined) >= len(rows) / 3


@pytest.mark.parametrize("split", SPLITS)
def test_confidence_is_calibrated(split, found):
    """Answers given at 0.9 or more are right at least nine times in ten; answers given
    below that are right less often, but more often than not."""
    rows = _rows(split)
    graded = [
        (
            found[row["text"], row["locale"]][1],
            found[row["text"], row["locale"]][0] == row["language"],
        )
        for row in rows
        if found[row["text"], row["locale"]][0] != "und"
    ]
    sure = [right for confidence, right in graded if confidence >= CONFIDENT]
    unsure = [right for confidence, right in graded if confidence < CONFIDENT]
    assert sum(sure) >= 0.9 * len(sure)
    assert 0.5 * len(unsure) <= sum(unsure) < 0.97 * len(unsure)


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        # Hindi and Urdu share their words in Latin letters: the phone decides…
        ("mujhe ghar jaane nahi dete", "ur-PK", "ur-Latn"),
        ("mujhe ghar jaane nahi dete", "hi-IN", "hi-Latn"),
        # …and without it the detector says it cannot tell, instead of guessing.
        ("mujhe ghar jaane nahi dete", "en-US", "und"),
        ("ana 3ayez arga3", "en-US", "ar-Latn"),  # digits written for Arabic letters
        ("7ad yesa3edni", None, "ar-Latn"),
        ("pomogite, u nas zabrali pasporta", None, "ru-Latn"),
        ("qing bang bang wo", None, "zh-Latn"),
        ("please help they took my passport", "ur-PK", "en"),  # English on an Urdu phone
        ("زه مرسته غواړم", "fa-AF", "ps"),  # ړ: not Persian, whatever the phone says
        ("ሓግዙኒ በጃኹም", "am-ET", "ti"),  # Tigrinya words on an Amharic phone
        ("እባካችሁ እርዱኝ", "ti-ER", "am"),
        ("saya tak dibayar gaji, majikan simpan pasport", "ms-MY", "ms"),
        ("saya tidak digaji, majikan ambil paspor saya", "id-ID", "id"),
    ],
)
def test_romanised_and_new_languages(text, locale, expected):
    assert detect_language(text, locale).tag == expected


def test_hindi_or_urdu_without_a_telling_phone_is_a_coin_flip():
    sure = detect_language("hum log phas gaye hain", "ur-PK").confidence
    unsure = detect_language("hum log phas gaye hain", "en-GB").confidence
    assert sure >= 0.9 and unsure <= 0.55
