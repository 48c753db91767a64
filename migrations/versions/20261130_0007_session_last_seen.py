"""Moderator sessions note when they were last used, so an idle login ends.

Existing sessions count as last used when they began.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("moderator_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE moderator_sessions SET last_seen_at = created_at")
    with op.batch_alter_table("moderator_sessions", schema=None) as batch_op:
        batch_op.alter_column(
            "last_seen_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("moderator_sessions", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
