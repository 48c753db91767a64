"""One-time recovery codes of moderators, stored as keyed hashes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moderator_recovery_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("moderator_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
            name=op.f("fk_moderator_recovery_codes_moderator_id_moderators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_moderator_recovery_codes")),
    )
    with op.batch_alter_table("moderator_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderator_recovery_codes_moderator_id"), ["moderator_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("moderator_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderator_recovery_codes_moderator_id"))
    op.drop_table("moderator_recovery_codes")
