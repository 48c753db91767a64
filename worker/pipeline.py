"""What the worker does to one report's text: detect its language and translate it.

Pure and blocking (run in a thread): it takes text and returns column values, so it can
be retried any number of times without side effects.
"""

from __future__ import annotations

import time
from typing import Any

from core.stage_timings import TIMINGS, Stage, timed
from models.report import TranslationStatus
from translation import Detection, TranslationResult, Translator, detect_language


def translation_columns(result: TranslationResult) -> dict[str, Any]:
    """The report columns a translation result fills (messages use a subset)."""
    return {
        "translation_status": TranslationStatus(result.status),
        "translated_text": result.text if result.status == "done" else None,
        "translation_engine": result.engine,
        "translation_model_version": result.model_version,
        "translation_path": result.path,
        "translation_score": result.score,
    }


def detect(text: str, locale: str | None) -> Detection:
    """The language of a report or a reporter's message, timed (`detect` stage)."""
    with timed(Stage.DETECT):
        return detect_language(text, locale)


def translate(translator: Translator, text: str, source: str, target: str) -> TranslationResult:
    """A translation, timed (`translate` stage) when a model ran: a text already in the
    target language, or in one with no model, is answered at once and would only hide the
    model's time among zeros."""
    started = time.perf_counter()
    result = translator.translate(text, source=source, target=target)
    if result.status in ("done", "failed"):
        TIMINGS.observe(Stage.TRANSLATE, time.perf_counter() - started)
    return result


def analyse(text: str, locale: str | None, translator: Translator, target: str) -> dict[str, Any]:
    """Language, confidence and translation of a report, as report columns.

    The language is stored as its BCP 47 tag: `hi-Latn` for Hindi typed in Latin letters,
    which the translator declines (no model reads it) and the late-model sweep never
    picks up, as no model's source is ever a romanised tag."""
    detection = detect(text, locale)
    result = translate(translator, text, detection.tag, target)
    return {
        "language": detection.tag,
        "language_confidence": round(detection.confidence, 4),
        **translation_columns(result),
    }
