"""Spans of a report's text that moderators have redacted: a bystander's name, the
reporter's own phone number.

A row names one span of one stored text (the report's original, its translation, a
message or a message's translation) by character offsets into that exact text, with a
hash of the text it was made on: if the text changes later (a translation re-run), the
offsets no longer fit and the redaction is flagged for a re-check rather than silently
hiding the wrong characters. The redacted characters themselves are never copied here.
Un-redacting sets `removed_by`/`removed_at` (the row stays, the audit trail says who and
when); this table, unlike the audit trail, may be updated.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import EnumText, UTCDateTime, one_of


class RedactionTarget(StrEnum):
    """Which stored text a redaction's offsets point into."""

    TEXT = "text"  # the report as the reporter wrote it
    TRANSLATION = "translation"  # the report's machine translation
    MESSAGE = "message"  # a message of the conversation, as written
    MESSAGE_TRANSLATION = "message_translation"  # that message's translation


class RedactionReason(StrEnum):
    """Why a span is hidden; the replacement names it (`[redacted: bystander]`)."""

    BYSTANDER = "bystander"
    REPORTER_IDENTITY = "reporter_identity"
    CONTACT_DETAILS = "contact_details"
    OTHER = "other"


MESSAGE_TARGETS = frozenset({RedactionTarget.MESSAGE, RedactionTarget.MESSAGE_TRANSLATION})


class Redaction(SQLModel, table=True):
    __tablename__ = "redactions"
    __table_args__ = (
        sa.CheckConstraint(one_of("target", list(RedactionTarget)), name="target"),
        sa.CheckConstraint(one_of("reason", list(RedactionReason)), name="reason"),
        sa.CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="span"),
        sa.CheckConstraint(
            "(target IN ('message', 'message_translation')) = (message_id IS NOT NULL)",
            name="message_target",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    target: RedactionTarget = Field(
        sa_column=sa.Column(EnumText(RedactionTarget, 24), nullable=False)
    )
    message_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("report_messages.id", ondelete="CASCADE"), index=True
        ),
    )
    # Character offsets (Python string indices) into the target text: [start, end).
    start_offset: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    end_offset: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    # SHA-256 of the whole target text the offsets were made on (`moderation.redaction`).
    text_sha256: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    reason: RedactionReason = Field(
        sa_column=sa.Column(EnumText(RedactionReason, 24), nullable=False)
    )
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_by: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("moderators.id", ondelete="SET NULL")),
    )
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    removed_by: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("moderators.id", ondelete="SET NULL")),
    )
    removed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
