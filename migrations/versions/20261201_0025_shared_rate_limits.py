"""Shared rate limits: `rate_limit_keys` (a random salt per UTC day) and
`rate_limit_buckets` (GCRA state per limit and keyed hash of a client), so every API
process counts a client the same. UNLOGGED on PostgreSQL: short-lived, never in the WAL,
replicas or base backups, and emptied by a crash, which only resets the limits.

Revision ID: 0025
Revises: 0028
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "rate_limit_keys",
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_rate_limit_keys")),
        prefixes=unlogged,
    )
    op.create_table(
        "rate_limit_buckets",
        sa.Column("limit_name", sa.String(20), nullable=False),
        sa.Column("subject", sa.LargeBinary(16), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("tat_1", sa.Double(), nullable=False),
        sa.Column("tat_2", sa.Double(), nullable=True),
        sa.Column("tat_3", sa.Double(), nullable=True),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.Column("refused_for", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("limit_name", "subject", name=op.f("pk_rate_limit_buckets")),
        prefixes=unlogged,
    )


def downgrade() -> None:
    op.drop_table("rate_limit_buckets")
    op.drop_table("rate_limit_keys")
