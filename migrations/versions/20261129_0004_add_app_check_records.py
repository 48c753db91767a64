"""App Check: per-token use counts shared by every API process, and the outcome per report.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:33:08.794562
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_check_token_uses",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_app_check_token_uses")),
    )
    with op.batch_alter_table("app_check_token_uses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_check_token_uses_expires_at"), ["expires_at"], unique=False
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("app_check", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("app_check")

    with op.batch_alter_table("app_check_token_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_check_token_uses_expires_at"))

    op.drop_table("app_check_token_uses")
