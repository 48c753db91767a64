"""Urgent alerts: `urgent_alerts`, the outbox of pushes to the on-call moderators (FCM) that
an urgent report waits in the queue; at most one pending at a time (a partial unique index
that reports join with ON CONFLICT).

Revision ID: 0022
Revises: 0016
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pending", "delivered", "dead")


def upgrade() -> None:
    quoted = ", ".join(f"'{status}'" for status in STATUSES)
    op.create_table(
        "urgent_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.CheckConstraint(f"status IN ({quoted})", name=op.f("ck_urgent_alerts_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_urgent_alerts")),
    )
    op.create_index(
        "uq_urgent_alerts_pending",
        "urgent_alerts",
        ["status"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_urgent_alerts_sent", "urgent_alerts", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_urgent_alerts_sent", table_name="urgent_alerts")
    op.drop_index("uq_urgent_alerts_pending", table_name="urgent_alerts")
    op.drop_table("urgent_alerts")
