"""Machine clients of the hub feed; the API key is shown once and stored as a keyed hash."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class HubClient(SQLModel, table=True):
    __tablename__ = "hub_clients"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False, unique=True))
    key_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    is_active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
