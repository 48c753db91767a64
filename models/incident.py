"""Vetted incidents as the hub sees them, one row per published version.

A report's incident keeps one `incident_id` across versions (corrections, retractions);
every version gets the next value of the feed sequence, handed out under a row lock on
`feed_counter` so that sequence order is commit order and a hub polling with
`after=CURSOR` can never skip a version committed late.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import EnumText, UTCDateTime, one_of


class IncidentChange(StrEnum):
    PUBLISHED = "published"
    CORRECTED = "corrected"
    RETRACTED = "retracted"


class RetractionReason(StrEnum):
    """Why an incident was retracted, as the hub is told (the words stay in the audit)."""

    WITHDRAWN_BY_REPORTER = "withdrawn_by_reporter"
    REIDENTIFICATION_RISK = "reidentification_risk"
    INACCURATE = "inaccurate"
    DUPLICATE = "duplicate"
    OTHER = "other"


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"
    __table_args__ = (
        sa.UniqueConstraint("incident_id", "version", name="uq_incidents_incident_id_version"),
        sa.CheckConstraint(one_of("change", list(IncidentChange)), name="change"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(
            f"retraction_reason IS NULL OR {one_of('retraction_reason', list(RetractionReason))}",
            name="retraction_reason",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    incident_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False, index=True))
    report_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("reports.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    sequence: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False, unique=True))
    change: IncidentChange = Field(sa_column=sa.Column(EnumText(IncidentChange), nullable=False))
    # The published content (`hub.schemas.IncidentContent`); empty in a retraction and
    # once scrubbed by a later retraction.
    payload: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    scrubbed: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    retraction_reason: RetractionReason | None = Field(
        default=None, sa_column=sa.Column(EnumText(RetractionReason, 32))
    )
    published_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    published_by: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("moderators.id", ondelete="SET NULL")),
    )


class FeedCounter(SQLModel, table=True):
    """A single row holding the last sequence handed out; locked while publishing."""

    __tablename__ = "feed_counter"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(
        default=1, sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    )
    last_sequence: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))


class IncidentRarity(SQLModel, table=True):
    """The quasi-identifiers of each incident live in the feed (its latest version, unless
    retracted), as one key per generalisation level, and the level it was published at.

    The rarity check counts the incidents that share a new incident's key at a level
    (`hub.rarity.matching` says why whatever level they were published at).
    """

    __tablename__ = "incident_rarity"

    incident_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, primary_key=True))
    published_level: int = Field(sa_column=sa.Column(sa.SmallInteger, nullable=False))
    key_0: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, index=True))
    key_1: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, index=True))
    key_2: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, index=True))
    key_3: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, index=True))
