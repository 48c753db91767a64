"""Report tags: a team's short labels on reports, for bulk actions and the queue filter.

A new table only; `reports` is not touched (nothing is rebuilt on SQLite). A report's
tags go with it (ON DELETE CASCADE); `ix_report_tags_tag` serves the queue's `tag`
filter.

Revision ID: 0019
Revises: 0024
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_tags",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_tags_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "tag", name=op.f("pk_report_tags")),
    )
    op.create_index("ix_report_tags_tag", "report_tags", ["tag", "report_id"])


def downgrade() -> None:
    op.drop_index("ix_report_tags_tag", table_name="report_tags")
    op.drop_table("report_tags")
