"""Retention: `reports.purged_at` (when the purge emptied a decided report) and
`scheduled_runs` (when a periodic job last ran, shared by every worker).

A new nullable column: SQLite adds it in place, `reports` is not rebuilt.

Revision ID: 0023
Revises: 0019
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "scheduled_runs",
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_scheduled_runs")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs")
    op.drop_column("reports", "purged_at")  # SQLite 3.35+ drops it in place, no rebuild
