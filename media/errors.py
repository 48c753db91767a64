"""The one error the sanitiser raises: a refusal, answered with 415 by the API.

Reasons are short, fixed phrases: they never quote metadata values, file names or decoder
output, so a refusal can be shown to a reporter and logged without leaking anything. Each
refusal also falls in one of a few kinds (`RefusalReason`), counted by `/metrics`.
"""

from __future__ import annotations

from enum import StrEnum

from core.errors import UnsupportedMediaType


class RefusalReason(StrEnum):
    UNSUPPORTED_TYPE = "unsupported_type"  # not a photo, video or audio format we clean
    MALFORMED = "malformed"  # the file's structure is broken or truncated
    NOT_PROVEN_CLEAN = "not_proven_clean"  # the clean copy failed its verification
    OVER_LIMIT = "over_limit"  # too large, too long, too many frames, too much memory
    DECODER_STOPPED = "decoder_stopped"  # the sandboxed decoder ran out of time or memory
    UNREADABLE = "unreadable"  # decoded to nothing usable
    OTHER = "other"


#: Words in a refusal's phrase, and its kind (the first match wins: "Malformed video: too
#: many boxes" is malformed, not over a limit).
_KINDS = (
    ("Unrecognised file type", RefusalReason.UNSUPPORTED_TYPE),
    ("Matroska files other than WebM", RefusalReason.UNSUPPORTED_TYPE),
    ("Malformed", RefusalReason.MALFORMED),
    ("Verification failed", RefusalReason.NOT_PROVEN_CLEAN),
    ("Timed out", RefusalReason.DECODER_STOPPED),
    ("decoder was stopped", RefusalReason.DECODER_STOPPED),
    ("too large", RefusalReason.OVER_LIMIT),
    ("too long", RefusalReason.OVER_LIMIT),
    ("Too many", RefusalReason.OVER_LIMIT),
    ("too much memory", RefusalReason.OVER_LIMIT),
    ("could not be", RefusalReason.UNREADABLE),
    ("damaged", RefusalReason.UNREADABLE),
    ("holds no", RefusalReason.UNREADABLE),
    ("No such file", RefusalReason.UNREADABLE),
)


def refusal_reason(phrase: str) -> RefusalReason:
    for words, reason in _KINDS:
        if words in phrase:
            return reason
    return RefusalReason.OTHER


class MediaRefused(UnsupportedMediaType):
    """A file that cannot be stored: unknown or lying type, malformed, too big, or a clean
    copy that could not be proven clean (the sanitiser fails closed)."""

    title = "Media refused"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.reason = refusal_reason(self.detail)
