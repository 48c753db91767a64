"""Initial schema: reports, media, moderators, audit, incidents and the hub feed counter.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 01:59:51.817330
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_feed_counter_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_counter")),
    )
    feed_counter = sa.table(
        "feed_counter", sa.column("id", sa.Integer), sa.column("last_sequence", sa.BigInteger)
    )
    op.bulk_insert(feed_counter, [{"id": 1, "last_sequence": 0}])
    op.create_table(
        "hub_clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_clients")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_hub_clients_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_hub_clients_name")),
    )
    op.create_table(
        "moderators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('moderator', 'lead', 'admin')", name=op.f("ck_moderators_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderators")),
        sa.UniqueConstraint("username", name=op.f("uq_moderators_username")),
    )
    op.create_table(
        "moderator_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("moderator_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
            name=op.f("fk_moderator_sessions_moderator_id_moderators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_moderator_sessions")),
    )
    with op.batch_alter_table("moderator_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderator_sessions_moderator_id"), ["moderator_id"], unique=False
        )

    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id_hash", sa.String(length=64), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("location_accuracy_m", sa.Float(), nullable=True),
        sa.Column("place", sa.String(length=500), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("occurred_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("occurred_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("category_hints", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("language_confidence", sa.Float(), nullable=True),
        sa.Column("translation_status", sa.String(length=16), nullable=False),
        sa.Column("translated_text", sa.Text(), nullable=True),
        sa.Column("translation_engine", sa.String(length=100), nullable=True),
        sa.Column("translation_model_version", sa.String(length=100), nullable=True),
        sa.Column("translation_path", sa.String(length=32), nullable=True),
        sa.Column("translation_score", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("claimed_by", sa.Uuid(), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=1000), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('received', 'queued', 'in_review', 'approved', 'rejected', 'withdrawn')",
            name=op.f("ck_reports_status"),
        ),
        sa.CheckConstraint(
            "translation_status IN ('pending', 'done', 'not_needed', 'unavailable', 'failed')",
            name=op.f("ck_reports_translation_status"),
        ),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name=op.f("ck_reports_latitude")
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude BETWEEN -180 AND 180)",
            name=op.f("ck_reports_longitude"),
        ),
        sa.ForeignKeyConstraint(
            ["claimed_by"],
            ["moderators.id"],
            name=op.f("fk_reports_claimed_by_moderators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["moderators.id"],
            name=op.f("fk_reports_decided_by_moderators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("client_id_hash", name=op.f("uq_reports_client_id_hash")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_reports_receipt_hash")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_pipeline", ["status", "lease_expires_at"], unique=False)
        batch_op.create_index("ix_reports_queue", ["status", "urgent", "received_at"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderator_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
            name=op.f("fk_audit_events_moderator_id_moderators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_audit_events_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_events_moderator_id"), ["moderator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_report_id"), ["report_id"], unique=False)

    op.create_table(
        "incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "change IN ('published', 'corrected', 'retracted')", name=op.f("ck_incidents_change")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_incidents_version_positive")),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["moderators.id"],
            name=op.f("fk_incidents_published_by_moderators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_incidents_report_id_reports"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("incident_id", "version", name="uq_incidents_incident_id_version"),
        sa.UniqueConstraint("sequence", name=op.f("uq_incidents_sequence")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_report_id"), ["report_id"], unique=False)

    op.create_table(
        "media",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("extension", sa.String(length=10), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("reencoded", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('image', 'video', 'audio')", name=op.f("ck_media_kind")),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_media_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_media_storage_key")),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_report_id"))

    op.drop_table("media")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_report_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_incident_id"))

    op.drop_table("incidents")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_report_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_moderator_id"))

    op.drop_table("audit_events")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_queue")
        batch_op.drop_index("ix_reports_pipeline")

    op.drop_table("reports")
    with op.batch_alter_table("moderator_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderator_sessions_moderator_id"))

    op.drop_table("moderator_sessions")
    op.drop_table("moderators")
    op.drop_table("hub_clients")
    op.drop_table("feed_counter")
