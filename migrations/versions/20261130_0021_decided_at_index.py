"""The console's dashboard: `ix_reports_decided_at`, so the decisions of the last days
(per moderator, and the time from receipt to decision) are one index range, not a scan
of every report ever decided.

Revision ID: 0021
Revises: 0022
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reports_decided_at", "reports", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_decided_at", table_name="reports")
