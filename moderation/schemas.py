"""What moderators see and send through the JSON API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from core.schemas import StrictInput
from models.report import ReportStatus, TranslationStatus


class LoginIn(StrictInput):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    otp: str | None = Field(default=None, max_length=16)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the token expires.")


class QueueItem(BaseModel):
    id: uuid.UUID
    status: ReportStatus
    urgent: bool
    received_at: datetime
    language: str | None
    translation_status: TranslationStatus
    excerpt: str = Field(description="The first words, translated where a translation exists.")
    media_count: int
    claimed_by: str | None
    claim_expires_at: datetime | None


class QueuePage(BaseModel):
    items: list[QueueItem]


class MediaOut(BaseModel):
    id: uuid.UUID
    kind: str
    mime: str
    size_bytes: int
    reencoded: bool
    notes: str


class HistoryEntry(BaseModel):
    at: datetime
    action: str
    moderator: str | None
    detail: dict[str, Any]


class TranslationOut(BaseModel):
    status: TranslationStatus
    text: str | None
    engine: str | None
    model_version: str | None
    path: str | None = Field(description="'direct', or 'pivot:en' when it went through English.")
    score: float | None


class MessageOut(BaseModel):
    """A message with its original beside its translation, so the moderator can check both."""

    id: uuid.UUID
    sender: str
    text: str
    source_language: str | None
    target_language: str | None
    translation_status: TranslationStatus
    translated_text: str | None
    translation_path: str | None
    translation_score: float | None
    created_at: datetime


class AskIn(StrictInput):
    text: str = Field(
        min_length=1, max_length=5000, description="In the team's language; it is translated."
    )


class ReportDetail(BaseModel):
    id: uuid.UUID
    status: ReportStatus
    urgent: bool
    received_at: datetime
    text: str
    locale: str | None
    app_check: str | None = Field(
        description="App attestation: verified, not-checked (off), or why it failed (monitor)."
    )
    language: str | None
    language_confidence: float | None
    translation: TranslationOut
    location: dict[str, Any] | None
    place: str | None
    country: str | None
    occurred_from: datetime | None
    occurred_to: datetime | None
    categories: list[str]
    media: list[MediaOut]
    claimed_by: str | None
    claim_expires_at: datetime | None
    messages: list[MessageOut]
    history: list[HistoryEntry]


class RejectIn(StrictInput):
    reason: str = Field(min_length=1, max_length=1000, description="Why; kept in the audit trail.")


class ClaimOut(BaseModel):
    id: uuid.UUID
    status: ReportStatus
    claimed_by: str
    claim_expires_at: datetime
