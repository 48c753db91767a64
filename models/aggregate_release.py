"""Differentially private aggregates released to hub clients, one row per release.

Each row is one charge against the privacy budget: its epsilon (as OpenDP's privacy map
states it), the client that asked, the dimensions and range asked for, and the hour it
was released. The released noisy counts are kept with it, so the same query asked again
while the release is fresh gets the same numbers at no further cost: answering it anew
would spend budget and let a client average the noise away.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class AggregateRelease(SQLModel, table=True):
    __tablename__ = "aggregate_releases"
    __table_args__ = (
        sa.CheckConstraint("epsilon > 0", name="epsilon_positive"),
        sa.CheckConstraint("contribution_bound >= 1", name="contribution_bound_positive"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # To the hour, like every time kept about a hub client.
    released_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))
    hub_client_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("hub_clients.id", ondelete="SET NULL"), index=True
        ),
    )
    # The canonical query (dimensions, range, filter, epsilon, bound), hashed: the cache key.
    query_key: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, index=True))
    dimensions: list[str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    query: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    epsilon: float = Field(sa_column=sa.Column(sa.Float, nullable=False))
    contribution_bound: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    scale: float = Field(sa_column=sa.Column(sa.Float, nullable=False))
    # The released cells with a count above zero: [[value, value, ...], count].
    cells: list[Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
