"""Moderators and their login sessions.

Passwords are argon2 hashes; a session is an opaque bearer token stored only as a keyed
hash, so it can be revoked by deleting its row and a database leak reveals no token. A
session ends when it expires, when it has been idle too long, or when its row is deleted
(logout, disabling the account, a password reset, too many sessions).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import EnumText, UTCDateTime, one_of


class ModeratorRole(StrEnum):
    MODERATOR = "moderator"
    LEAD = "lead"
    ADMIN = "admin"


class Moderator(SQLModel, table=True):
    __tablename__ = "moderators"
    __table_args__ = (sa.CheckConstraint(one_of("role", list(ModeratorRole)), name="role"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    password_hash: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    role: ModeratorRole = Field(sa_column=sa.Column(EnumText(ModeratorRole), nullable=False))
    is_active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class ModeratorSession(SQLModel, table=True):
    __tablename__ = "moderator_sessions"

    token_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    moderator_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("moderators.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    # When the login was last used, noted at most once a minute: an idle login ends.
    last_seen_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
