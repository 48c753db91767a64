"""A moderator's TOTP second factor (RFC 6238).

The shared secret is stored sealed (AES-GCM with a key derived from the server's secret key,
bound to the account), never in clear. `pending_secret` is one being enrolled, which
replaces `secret` only once a code from it has been entered. `last_step` is the time step of
the last code accepted, so a code cannot be used twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class ModeratorTotp(SQLModel, table=True):
    __tablename__ = "moderator_totp"

    moderator_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("moderators.id", ondelete="CASCADE"), primary_key=True
        )
    )
    secret: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    pending_secret: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    enabled_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    last_step: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
