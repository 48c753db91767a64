"""Machine clients of the hub feed; the API key is shown once and stored as a keyed hash."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class HubScope(StrEnum):
    """What a hub client may read; each hub route requires one."""

    INCIDENTS_READ = "incidents:read"
    MEDIA_READ = "media:read"
    AGGREGATES_READ = "aggregates:read"
    EXPORT_READ = "export:read"


DEFAULT_HUB_SCOPES = (HubScope.INCIDENTS_READ,)


class HubClient(SQLModel, table=True):
    """A client with its current key and, after a rotation, the previous key until
    `previous_key_expires_at`. Revoking (`is_active` false) refuses both at once."""

    __tablename__ = "hub_clients"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False, unique=True))
    key_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    is_active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    scopes: list[str] = Field(
        default_factory=lambda: [str(scope) for scope in DEFAULT_HUB_SCOPES],
        sa_column=sa.Column(sa.JSON, nullable=False),
    )
    previous_key_hash: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(64), nullable=True, unique=True, index=True)
    )
    previous_key_expires_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
    # Truncated to the hour and written at most once an hour: when a client last called.
    last_seen_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
    # Where incident versions are pushed (operator's configuration; null: no webhook), and
    # the Standard Webhooks signing secret (`whsec_…`) sealed with `core.sealing`: the worker
    # needs the secret itself to sign, so it cannot be a hash.
    webhook_url: str | None = Field(default=None, sa_column=sa.Column(sa.String(2048)))
    webhook_secret_sealed: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
