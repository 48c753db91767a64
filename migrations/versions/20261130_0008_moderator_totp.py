"""A TOTP second factor per moderator: the sealed secret, one being enrolled, the last step.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moderator_totp",
        sa.Column("moderator_id", sa.Uuid(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("pending_secret", sa.String(length=200), nullable=True),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
            name=op.f("fk_moderator_totp_moderator_id_moderators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("moderator_id", name=op.f("pk_moderator_totp")),
    )


def downgrade() -> None:
    op.drop_table("moderator_totp")
