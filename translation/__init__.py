"""Language detection and offline translation of reports (see README, "Languages and
translation"). The worker needs only what is exported here."""

from translation.detect import Detection, LanguageDetector, detect_language, warm_up_detection
from translation.engine import TranslationResult, Translator, get_translator
from translation.languages import base_language, is_romanised
from translation.store import InstalledModel, ModelInstallError, ModelStore

__all__ = [
    "Detection",
    "InstalledModel",
    "LanguageDetector",
    "ModelInstallError",
    "ModelStore",
    "TranslationResult",
    "Translator",
    "base_language",
    "detect_language",
    "get_translator",
    "is_romanised",
    "warm_up_detection",
]
