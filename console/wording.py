"""Plain words for what the data means: ages, times, languages, and how far to trust a
machine translation.

Moderators decide on a report partly from a translation; a bare score means little, so
the console says in words whether it was direct or went through English and how
confident the engine was. The thresholds are rough and only ever shown beside the
score itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from core.clock import utcnow
from models.report import ReportStatus, TranslationStatus
from moderation.confirmation import HoldReason
from moderation.schemas import MessageOut, TranslationOut
from translation import base_language, is_romanised

HIGH_CONFIDENCE = 0.6
MEDIUM_CONFIDENCE = 0.3

LANGUAGE_NAMES: dict[str, str] = {
    "am": "Amharic", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "fa": "Persian", "fr": "French",
    "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hy": "Armenian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ka": "Georgian", "km": "Khmer", "ko": "Korean",
    "ku": "Kurdish", "lo": "Lao", "ml": "Malayalam", "ms": "Malay", "my": "Burmese",
    "ne": "Nepali", "nl": "Dutch", "om": "Oromo", "pa": "Punjabi", "pl": "Polish",
    "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "si": "Sinhala",
    "so": "Somali", "sq": "Albanian", "sw": "Swahili", "ta": "Tamil", "te": "Telugu",
    "th": "Thai", "ti": "Tigrinya", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian",
    "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
    "zh-cn": "Chinese (simplified)", "zh-tw": "Chinese (traditional)",
}  # fmt: skip

STATUS_LABELS = {
    ReportStatus.RECEIVED: "Received",
    ReportStatus.QUEUED: "Waiting",
    ReportStatus.IN_REVIEW: "In review",
    ReportStatus.APPROVED: "Approved",
    ReportStatus.REJECTED: "Rejected",
    ReportStatus.WITHDRAWN: "Withdrawn by the reporter",
    ReportStatus.NEEDS_INFO: "Waiting for the reporter's answer",
    ReportStatus.AWAITING_LEAD: "Approved, waiting for a lead",
}

TRANSLATION_LABELS = {
    TranslationStatus.PENDING: "Not translated yet",
    TranslationStatus.DONE: "Translated",
    TranslationStatus.NOT_NEEDED: "Not needed",
    TranslationStatus.UNAVAILABLE: "No model for this language",
    TranslationStatus.FAILED: "Translation failed",
}


#: Why an approval waits for a lead, as the waiting list says it (the report page says
#: more, `_awaiting_lead.html`).
HOLD_LABELS = {
    HoldReason.FOUR_EYES: "Four eyes: a lead confirms this kind of report",
    HoldReason.RARE: "Rare even at the coarsest level",
}


def language_name(code: str | None) -> str:
    """`Spanish (es)`; undetected or unknown codes are said so plainly. A language typed in
    Latin letters instead of its own script (`ur-Latn`) is never machine-translated, and
    the moderator is told why: `Urdu, typed in Latin letters — not translated (ur-Latn)`."""
    if not code or code == "und":
        return "Undetermined"
    if is_romanised(code):
        base = base_language(code)
        return f"{LANGUAGE_NAMES.get(base, base)}, typed in Latin letters — not translated ({code})"
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name else code


def html_lang(code: str | None) -> str:
    """A value for the HTML `lang` attribute, so screen readers pronounce the original."""
    if not code or code == "und":
        return ""
    return code.replace("zh-cn", "zh-Hans").replace("zh-tw", "zh-Hant")


def percent(value: float | None) -> str:
    return "unknown" if value is None else f"{round(value * 100)}%"


def confidence_word(score: float | None) -> str:
    if score is None:
        return "unknown confidence"
    if score >= HIGH_CONFIDENCE:
        return "high confidence"
    if score >= MEDIUM_CONFIDENCE:
        return "medium confidence"
    return "low confidence"


def route_words(path: str | None) -> str:
    """`direct` or `pivot:en` as a moderator would say it."""
    if path and path.startswith("pivot:"):
        return f"Pivoted through {LANGUAGE_NAMES.get(path[6:], path[6:])}"
    return "Direct translation"


def trust_words(status: TranslationStatus, path: str | None, score: float | None) -> str:
    """One sentence on how far to trust a translation, e.g. `Pivoted through English, low
    confidence (score 0.21)`, or why there is none."""
    if status != TranslationStatus.DONE:
        return {
            TranslationStatus.PENDING: "Not translated yet; the worker has not reached it.",
            TranslationStatus.NOT_NEEDED: "Already in the team's language.",
            TranslationStatus.UNAVAILABLE: "No translation model for this language; "
            "read the original or ask a colleague.",
            TranslationStatus.FAILED: "The translation failed; only the original is shown.",
        }[status]
    shown = "no score" if score is None else f"score {score:.2f}"
    words = f"{route_words(path)}, {confidence_word(score)} ({shown})"
    if score is None or score < MEDIUM_CONFIDENCE:
        words += "; check it against the original"
    return words


def translation_trust(translation: TranslationOut) -> str:
    return trust_words(translation.status, translation.path, translation.score)


def message_trust(message: MessageOut) -> str:
    return trust_words(
        message.translation_status, message.translation_path, message.translation_score
    )


def trust_level(score: float | None) -> str:
    """`high`, `medium`, `low` or `unknown`, for styling the trust line."""
    return confidence_word(score).split()[0]


def when(moment: datetime | None) -> str:
    """A timestamp moderators in different places read the same way."""
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, coarsely: `45 min`, `3 h 10 min`, `2 days`."""
    if moment is None:
        return "—"
    return duration((now or utcnow()) - moment)


def duration(span: timedelta | None) -> str:
    """A length of time, coarsely: `45 min`, `3 h 10 min`, `2 days`."""
    if span is None:
        return "—"
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // (24 * 60)} days"


def vocabulary_words(code: str) -> str:
    """An HTCDS picklist code in words: `ForcedBegging` → `Forced begging`."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(code)).capitalize()


def label(value: Any) -> str:
    """A status, a translation status or why an approval waits, in words."""
    return (
        STATUS_LABELS.get(value)
        or TRANSLATION_LABELS.get(value)
        or HOLD_LABELS.get(value)
        or str(value)
    )


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def audit_value(value: Any) -> str:
    """One side of an audit change in words: `—` for nothing, `yes`/`no`, a list joined,
    free text by its length (the trail never holds the text itself)."""
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(audit_value(item) for item in value)
    if isinstance(value, dict) and set(value) == {"chars"}:
        return f"text of {value['chars']} characters"
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return when(datetime.fromisoformat(value))
    return str(value)


#: What a fact reads as when nothing is stated: absent, or stated as not reported.
_UNSTATED: tuple[Any, ...] = (None, "not_reported", [], "")


def _structured(value: Any) -> bool:
    """A value made of parts (an incident's facts, its people), not text told by length."""
    return isinstance(value, dict) and set(value) != {"chars"}


def _parts(value: Any, name: str) -> dict[str, Any]:
    """`value` flattened to its parts by dotted name: `incident.people.count`."""
    if not _structured(value):
        return {name: value}
    found: dict[str, Any] = {}
    for key, part in value.items():
        found |= _parts(part, f"{name}.{key}")
    return found


def _stated(value: Any) -> Any:
    return None if any(value == unstated for unstated in _UNSTATED) else value


def change_lines(changes: Mapping[str, Sequence[Any]]) -> list[tuple[str, Any, Any]]:
    """An audit event's changes as lines a person reads, (name, before, after): a change
    of a whole structure (an incident's facts from nothing, or scrubbed to nothing) is told
    by the parts that differ, and a fact not reported reads as nothing stated, so an
    approval lists what the moderator stated, not the fifty values left unreported. The
    trail and its exports keep every value; this is only how the console shows them."""
    lines: list[tuple[str, Any, Any]] = []
    for name, (before, after) in changes.items():
        if not (_structured(before) or _structured(after)):
            if audit_value(before) != audit_value(after):  # not "— → —" (nothing to empty)
                lines.append((name, before, after))
            continue
        old, new = _parts(before, name), _parts(after, name)
        for part in dict.fromkeys([*old, *new]):
            if _stated(old.get(part)) != _stated(new.get(part)):
                lines.append((part, old.get(part), new.get(part)))
    return lines


FILTERS = {
    "language_name": language_name,
    "html_lang": html_lang,
    "percent": percent,
    "when": when,
    "age": age,
    "duration": duration,
    "label": label,
    "vocabulary_words": vocabulary_words,
    "trust": translation_trust,
    "message_trust": message_trust,
    "trust_level": trust_level,
    "route_words": route_words,
    "confidence_word": confidence_word,
    "audit_value": audit_value,
    "change_lines": change_lines,
}
