"""Messages between moderators and a reporter, reached only through the reporter's receipt.

Each message keeps its original text beside its translation (into the reporter's language
for a moderator's question, into the team's language for a reporter's answer), so both
sides can always check what was really said. Like the report text, message text lives
only in this table.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import EnumText, UTCDateTime, one_of
from models.report import TranslationStatus


class MessageSender(StrEnum):
    MODERATOR = "moderator"
    REPORTER = "reporter"


class ReportMessage(SQLModel, table=True):
    __tablename__ = "report_messages"
    __table_args__ = (
        sa.CheckConstraint(one_of("sender", list(MessageSender)), name="sender"),
        sa.CheckConstraint(
            one_of("translation_status", list(TranslationStatus)), name="translation_status"
        ),
        sa.UniqueConstraint("report_id", "position"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    sender: MessageSender = Field(sa_column=sa.Column(EnumText(MessageSender), nullable=False))
    moderator_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("moderators.id", ondelete="SET NULL")),
    )
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    source_language: str | None = Field(default=None, sa_column=sa.Column(sa.String(8)))
    target_language: str | None = Field(default=None, sa_column=sa.Column(sa.String(8)))
    translation_status: TranslationStatus = Field(
        default=TranslationStatus.PENDING,
        sa_column=sa.Column(EnumText(TranslationStatus), nullable=False),
    )
    translated_text: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    translation_path: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    translation_score: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    # Order within the conversation: times are kept only to the minute (a reporter's
    # message time could be matched to a network log), so they cannot order it.
    position: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
