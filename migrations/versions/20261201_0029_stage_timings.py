"""Stage latencies: `stage_timings`, one row per stage (sanitise, detect, translate,
publish) and histogram bucket, summed over every API and worker process for `GET /metrics`.

A new table: nothing else changes, and SQLite creates it in place.

Revision ID: 0029
Revises: 0025
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stage_timings",
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("le", sa.String(12), nullable=False),
        sa.Column("observations", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "stage IN ('sanitise', 'detect', 'translate', 'publish')",
            name=op.f("ck_stage_timings_stage"),
        ),
        sa.PrimaryKeyConstraint("stage", "le", name=op.f("pk_stage_timings")),
    )


def downgrade() -> None:
    op.drop_table("stage_timings")
