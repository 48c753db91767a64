"""Resumable uploads kept in the S3 bucket: `uploads.received` (bytes stored so far),
`uploads.pieces` (the sealed pieces holding them) and the lease of the request appending
(`lease_token`, `lease_until`), which replaces the host-local file lock.

New columns only: SQLite adds them in place, `reports` is not rebuilt.

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "uploads", sa.Column("received", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.add_column("uploads", sa.Column("pieces", sa.JSON(), nullable=True))
    op.add_column("uploads", sa.Column("lease_token", sa.String(32), nullable=True))
    op.add_column("uploads", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops them in place, no rebuild
    for column in ("lease_until", "lease_token", "pieces", "received"):
        op.drop_column("uploads", column)
