"""Webhooks: a URL and a sealed signing secret per hub client, the outbox of incident
versions (`webhook_events`) and their delivery to each client (`webhook_deliveries`).

Versions published before this migration have no event: a client that wants them asks
for a replay (`stop-intake hub-clients webhooks replay NAME --since 0`), which makes the
missing events first.

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pending", "delivered", "dead")


def upgrade() -> None:
    op.add_column("hub_clients", sa.Column("webhook_url", sa.String(2048), nullable=True))
    op.add_column("hub_clients", sa.Column("webhook_secret_sealed", sa.String(200), nullable=True))
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_version_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_version_id"],
            ["incidents.id"],
            name=op.f("fk_webhook_events_incident_version_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint(
            "incident_version_id", name=op.f("uq_webhook_events_incident_version_id")
        ),
        sa.UniqueConstraint("sequence", name=op.f("uq_webhook_events_sequence")),
    )
    quoted = ", ".join(f"'{status}'" for status in STATUSES)
    op.create_table(
        "webhook_deliveries",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.CheckConstraint(f"status IN ({quoted})", name=op.f("ck_webhook_deliveries_status")),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["hub_clients.id"],
            name=op.f("fk_webhook_deliveries_client_id_hub_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhook_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_webhook_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "client_id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_order",
        "webhook_deliveries",
        ["client_id", "incident_id", "sequence", "status"],
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_order", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
    with op.batch_alter_table("hub_clients") as batch:
        batch.drop_column("webhook_secret_sealed")
        batch.drop_column("webhook_url")
