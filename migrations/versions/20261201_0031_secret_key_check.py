"""Which secret key the database was set up with: `secret_key_checks`, one row holding a
keyed fingerprint of STOP_SECRET_KEY, recorded by the first process that opens the
database after this migration (`migrations.secret_key`).

A new table: nothing else changes, and SQLite creates it in place.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "secret_key_checks",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_secret_key_checks_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secret_key_checks")),
    )


def downgrade() -> None:
    op.drop_table("secret_key_checks")
