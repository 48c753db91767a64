"""What the worker does to one report's text: detect its language and translate it.

Pure and blocking (run in a thread): it takes text and returns values, so it can be
retried any number of times without side effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.report import TranslationStatus
from translation import Translator, detect_language


@dataclass(frozen=True)
class Analysis:
    language: str
    confidence: float
    translation_status: TranslationStatus
    translated_text: str | None
    engine: str | None
    model_version: str | None
    path: str | None
    score: float | None

    def columns(self) -> dict[str, Any]:
        """The report columns this analysis fills."""
        return {
            "language": self.language,
            "language_confidence": self.confidence,
            "translation_status": self.translation_status,
            "translated_text": self.translated_text,
            "translation_engine": self.engine,
            "translation_model_version": self.model_version,
            "translation_path": self.path,
            "translation_score": self.score,
        }


def analyse(text: str, locale: str | None, translator: Translator, target: str) -> Analysis:
    detection = detect_language(text, locale)
    result = translator.translate(text, source=detection.language, target=target)
    return Analysis(
        language=detection.language,
        confidence=round(detection.confidence, 4),
        translation_status=TranslationStatus(result.status),
        translated_text=result.text if result.status == "done" else None,
        engine=result.engine,
        model_version=result.model_version,
        path=result.path,
        score=result.score,
    )
