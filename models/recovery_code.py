"""One-time recovery codes for a moderator who has lost their authenticator.

Shown once when made; only a keyed hash is stored. A used code keeps its row (with
`used_at`) until a new set replaces them all.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "moderator_recovery_codes"

    code_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    moderator_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("moderators.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
