"""Every moderator action, written in the same transaction as the action itself.

Append-only: rows are never updated or deleted by the application. `detail` holds the
action's parameters (e.g. a rejection reason), never report text or reporter data.
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
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    moderator_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("moderators.id", ondelete="SET NULL"), index=True
        ),
    )
    action: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    report_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("reports.id", ondelete="SET NULL"), index=True),
    )
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
