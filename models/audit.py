"""Every moderator action, written in the same transaction as the action itself.

Append-only, in the database itself: triggers (migration 0014) refuse every UPDATE and
DELETE, and the foreign keys are `ON DELETE RESTRICT`, so a moderator or a report that
the trail names cannot be deleted either (accounts are disabled, reports emptied in
place). `changes` holds what the event changed, `{"field": [before, after]}`; `detail`
the action's parameters (e.g. a rejection reason). Neither ever holds report text,
reporter data or a secret (see `moderation.audit` and docs/anonymity.md). Indexed by
moderator, by report and by time (`ix_audit_events_at`: the trail read by days).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(
        default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True)
    )
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))
    moderator_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("moderators.id", ondelete="RESTRICT"), index=True
        ),
    )
    action: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    report_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("reports.id", ondelete="RESTRICT"), index=True),
    )
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    changes: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=sa.Column(sa.JSON, nullable=False, server_default="{}"),
    )
