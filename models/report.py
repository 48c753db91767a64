"""A report as submitted from the phone, and its whole way through the pipeline.

Lifecycle: `received` (stored by intake) → the worker claims it with a lease, detects the
language and translates → `queued` (the moderation queue) → a moderator claims it
(`in_review`) → `approved` (an incident is published) or `rejected`; a question to the
reporter puts it in `needs_info` until the answer brings it back to `queued` (with
`answered_at`); the reporter may `withdraw` it at any time before a decision. The rules
are in `lifecycle/states.py`. The row itself is the pipeline's queue: the
lease columns say which worker holds it and until when, so a crashed worker's rows are
retried when the lease expires.

Nothing here identifies the reporter: the app's `client_id` and the receipt are kept only
as keyed hashes, coordinates are snapped to a grid, and the time is kept to the minute.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.trigrams import COMPARED_CHARS
from models.base import EnumText, UTCDateTime, one_of, partial_index


class ReportStatus(StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    IN_REVIEW = "in_review"
    # Approved by a moderator, waiting for a lead before anything reaches the hub.
    AWAITING_LEAD = "awaiting_lead"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    NEEDS_INFO = "needs_info"  # asked the reporter; waits for the answer, out of the queue


class TranslationStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    NOT_NEEDED = "not_needed"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"


#: The states of a report awaiting a decision: the moderation queue's default view.
OPEN_STATUSES = (ReportStatus.QUEUED, ReportStatus.IN_REVIEW)
#: The condition of the partial index of the approvals waiting for a lead.
AWAITING = one_of("status", [ReportStatus.AWAITING_LEAD])
#: The condition of the partial index of claims (`claim_expires_at`, `claimed_by`).
CLAIMED = "claimed_by IS NOT NULL"


def in_states(statuses: Sequence[ReportStatus]) -> sa.ColumnElement[bool]:
    """`reports.status` is one of `statuses`, as literal SQL: PostgreSQL uses a partial
    index (`ix_reports_open_queue`, `ix_reports_awaiting`) only for a query that states
    its condition with the same literals, never through a bound parameter."""
    return sa.literal_column(one_of("reports.status", list(statuses)), sa.Boolean)


#: What text search reads on PostgreSQL: the original and the translation (without their
#: redacted spans while a redaction of them is in force: `search_text`, `search_translation`),
#: cut into words by the `simple` configuration (no stemming and no stop words: reports come
#: in any language). A query must repeat this expression exactly for the GIN index
#: `ix_reports_search` to answer it (see `moderation.queue`). SQLite searches its FTS5
#: table `reports_fts` instead, which its triggers fill from the same columns.
SEARCH_DOCUMENT = (
    "to_tsvector('simple'::regconfig, (COALESCE(search_text, text) || ' '::text)"
    " || COALESCE(search_translation, translated_text, ''::text))"
)

#: What trigram similarity reads on PostgreSQL (pg_trgm's `similarity`), as
#: `core.trigrams.compared_text` reads it in Python (`moderation.duplicates`).
SIMILARITY_DOCUMENT = f'"left"(COALESCE(translated_text, text), {COMPARED_CHARS})'
#: Where a report is, as PostgreSQL's GiST index `ix_reports_nearby` holds it (x: longitude).
POSITION_POINT = "point(longitude, latitude)"
_PLACED = "latitude IS NOT NULL AND longitude IS NOT NULL"


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", list(ReportStatus)), name="status"),
        sa.CheckConstraint(
            one_of("translation_status", list(TranslationStatus)), name="translation_status"
        ),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"
        ),
        sa.Index("ix_reports_pipeline", "status", "lease_expires_at"),
        sa.Index("ix_reports_queue", "status", "urgent", "received_at"),
        # The moderation queue in its order (urgent first, then oldest, then id), only the
        # reports awaiting a decision: a page is one short range scan however many reports
        # were decided before.
        partial_index(
            "ix_reports_open_queue",
            "urgent",
            "received_at",
            "id",
            where=one_of("status", list(OPEN_STATUSES)),
        ),
        sa.Index("ix_reports_language", "language"),
        sa.Index("ix_reports_country_code", "country_code"),
        # PostgreSQL only (SQLite has its FTS5 table); the migration makes it there alone.
        sa.Index("ix_reports_search", sa.text(SEARCH_DOCUMENT), postgresql_using="gin"),
        # Duplicate suggestions: the reports received around a report's time, the reports
        # near it (PostgreSQL only: the nearest first, in its window, from a GiST index
        # through btree_gist), and the reports merged into one. Similar texts are found
        # through `report_bands`.
        sa.Index("ix_reports_received_at", "received_at"),
        sa.Index(
            "ix_reports_nearby",
            sa.literal_column(POSITION_POINT).label("position"),
            "received_at",
            postgresql_using="gist",
            postgresql_where=sa.text(_PLACED),
        ),
        sa.Index("ix_reports_merged_into", "merged_into"),
        # The dashboard: the decisions of the last days (`moderation.dashboard`).
        sa.Index("ix_reports_decided_at", "decided_at"),
        # The queue's `claimed` filter: the live claims are the range after now, a few
        # dozen rows, however many reports wait (`moderation.queue`).
        partial_index("ix_reports_claims", "claim_expires_at", "claimed_by", where=CLAIMED),
        # The approvals waiting for a lead, in their order (oldest approval, then id): a
        # page is a short range scan from its cursor (`moderation.confirmation`).
        partial_index("ix_reports_awaiting", "decided_at", "id", where=AWAITING),
        # Clusters in the queue: the open reports of a place (cell), by time.
        partial_index(
            "ix_reports_open_cells",
            "place_cell",
            "received_at",
            where=one_of("status", list(OPEN_STATUSES)),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    payload_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    receipt_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    status: ReportStatus = Field(
        default=ReportStatus.RECEIVED, sa_column=sa.Column(EnumText(ReportStatus), nullable=False)
    )

    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    locale: str | None = Field(default=None, sa_column=sa.Column(sa.String(35)))
    urgent: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    latitude: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    longitude: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    location_accuracy_m: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    # The H3 cell (resolution 7) of the coarse position, set with it by intake: which
    # reports the queue shows as one cluster (`core.places.cluster_cell`).
    place_cell: str | None = Field(default=None, sa_column=sa.Column(sa.String(16)))
    place: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
    country_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(2)))
    occurred_from: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    occurred_to: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    app_check: str | None = Field(
        default=None,
        sa_column=sa.Column(sa.String(24)),
        description="App attestation outcome: verified, not-checked, or why it failed.",
    )
    category_hints: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )

    language: str | None = Field(default=None, sa_column=sa.Column(sa.String(8)))
    language_confidence: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    translation_status: TranslationStatus = Field(
        default=TranslationStatus.PENDING,
        sa_column=sa.Column(EnumText(TranslationStatus), nullable=False),
    )
    translated_text: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # What text search reads of the text and the translation while a redaction of them is
    # in force: their words outside the redacted spans (`moderation.redaction`); None
    # otherwise, and search reads the text itself. Emptied with the text.
    search_text: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    search_translation: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    translation_engine: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    translation_model_version: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    translation_path: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    translation_score: float | None = Field(default=None, sa_column=sa.Column(sa.Float))

    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    lease_owner: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    lease_expires_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))

    claimed_by: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("moderators.id", ondelete="SET NULL")),
    )
    claim_expires_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    decided_by: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("moderators.id", ondelete="SET NULL")),
    )
    decided_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    rejection_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(1000)))
    # An approval waiting for a lead: the incident as the moderator stated it, and why it
    # waits (`HoldReason`). Cleared when the lead confirms or sends it back.
    pending_incident: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    hold_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    # A duplicate closed into another report (`moderation.merging`): this report is
    # `rejected` with the reason "duplicate", and the primary lists it among its sources.
    merged_into: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("reports.id", ondelete="SET NULL")),
    )

    received_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    queued_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    # When the reporter's answer to a question brought the report back to the queue (to the
    # minute, like every time of a reporter's action); the queue lists it ahead of its age
    # group. Cleared when a new question is asked.
    answered_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    # When the retention purge emptied this decided report (`moderation.retention`); the
    # purge skips it from then on.
    purged_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))

    def location(self) -> dict[str, Any] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return {
            "latitude": self.latitude,
            "longitude": self.longitude,
            "accuracy_m": self.location_accuracy_m,
        }
