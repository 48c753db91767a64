"""Resumable (tus) uploads: partial uploads in progress and sanitised media awaiting a report.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:27:50.636362
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("mime", sa.String(length=100), nullable=True),
        sa.Column("extension", sa.String(length=10), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("reencoded", sa.Boolean(), nullable=True),
        sa.Column("notes", sa.String(length=500), nullable=True),
        sa.Column("refusal", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "kind IS NULL OR kind IN ('image', 'video', 'audio')", name=op.f("ck_uploads_kind")
        ),
        sa.CheckConstraint(
            "status IN ('receiving', 'processing', 'ready', 'refused', 'attached')",
            name=op.f("ck_uploads_status"),
        ),
        sa.CheckConstraint("length > 0", name=op.f("ck_uploads_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_uploads_storage_key")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index("ix_uploads_expiry", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_uploads_expiry")

    op.drop_table("uploads")
