"""What the redaction API takes and answers (`moderation.redaction`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.schemas import StrictInput
from models.redaction import MESSAGE_TARGETS, RedactionReason, RedactionTarget

_UTC = " (UTC)"
_TARGET = (
    "Which stored text: `text` (the report as written), `translation` (its translation), "
    "`message` or `message_translation` (a message of the conversation, with `message_id`)."
)


class RedactionIn(StrictInput):
    """A span to hide, by character offsets into the stored text (not the text as shown
    with earlier redactions replaced: `RedactionOut.start`/`end` give where those sit)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"target": "text", "start": 14, "end": 25, "reason": "bystander", "note": ""}
            ]
        }
    )

    target: RedactionTarget = Field(description=_TARGET)
    message_id: uuid.UUID | None = Field(
        default=None, description="The message, for the `message…` targets; else left out."
    )
    start: int = Field(ge=0, le=1_000_000, description="First character (0-based).")
    end: int = Field(gt=0, le=1_000_000, description="One past the last character.")
    reason: RedactionReason = Field(description="Why; the replacement names it.")
    note: str | None = Field(
        default=None, max_length=500, description="A word for the team; at most 500 characters."
    )

    @model_validator(mode="after")
    def _check(self) -> RedactionIn:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.target in MESSAGE_TARGETS) != (self.message_id is not None):
            raise ValueError("message_id is needed for a message target, and only there")
        if self.note is not None and not self.note.strip():
            self.note = None
        return self


class RedactionOut(BaseModel):
    """A redaction of the report being read."""

    id: uuid.UUID = Field(description="The redaction's id (a lead un-redacts with it).")
    target: RedactionTarget = Field(description=_TARGET)
    message_id: uuid.UUID | None = Field(
        default=None, description="The message, for the `message…` targets."
    )
    start: int = Field(description="First character in the stored text.")
    end: int = Field(description="One past the last character in the stored text.")
    length: int = Field(description="How many characters are hidden.")
    reason: RedactionReason = Field(description="Why the span is hidden.")
    note: str | None = Field(description="The note its author left, if any.")
    created_by: str | None = Field(description="Who redacted it (username).")
    created_at: datetime = Field(description="When" + _UTC + ".")
    needs_recheck: bool = Field(
        description="The stored text changed since (e.g. the translation was re-run): the "
        "offsets may no longer point at what was meant, so the whole text is hidden from "
        "moderators until a lead un-redacts it and redacts anew."
    )


class RedactionSuggestion(BaseModel):
    """A span that likely identifies someone, not yet redacted: one click redacts it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "target": "text",
                    "message_id": None,
                    "start": 31,
                    "end": 44,
                    "kind": "phone",
                    "text": "+52 55 1234 5678",
                    "reason": "contact_details",
                }
            ]
        }
    )

    target: RedactionTarget = Field(description=_TARGET)
    message_id: uuid.UUID | None = Field(
        default=None, description="The message, for the `message…` targets."
    )
    start: int = Field(description="First character in the stored text.")
    end: int = Field(description="One past the last character.")
    kind: str = Field(
        description="What was found: `phone`, `email`, `url`, `plate`, `quoted` (a name in "
        "quotes; the span is inside the quotes), or `redacted_elsewhere` (a string already "
        "redacted in another of the report's texts, e.g. a name the translation kept)."
    )
    text: str = Field(description="The span itself (it is not redacted yet).")
    reason: RedactionReason = Field(description="The reason proposed.")


class RedactionSuggestions(BaseModel):
    """Likely spans to redact, in order of target and position."""

    report_id: uuid.UUID = Field(description="The report.")
    items: list[RedactionSuggestion] = Field(description="The suggestions.")
