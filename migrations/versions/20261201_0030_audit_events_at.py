"""The audit trail read by days: `ix_audit_events_at`, so a span of days (`since`,
`until` on every reader of the trail) is one index range of `audit_events.at`, not a
scan of a trail that only ever grows.

A new index: nothing else changes, and SQLite creates it in place.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_at", table_name="audit_events")
