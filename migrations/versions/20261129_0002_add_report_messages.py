"""Messages between moderators and reporters, with their translations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:07:22.812337
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("moderator_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_language", sa.String(length=8), nullable=True),
        sa.Column("target_language", sa.String(length=8), nullable=True),
        sa.Column("translation_status", sa.String(length=16), nullable=False),
        sa.Column("translated_text", sa.Text(), nullable=True),
        sa.Column("translation_path", sa.String(length=32), nullable=True),
        sa.Column("translation_score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sender IN ('moderator', 'reporter')", name=op.f("ck_report_messages_sender")
        ),
        sa.CheckConstraint(
            "translation_status IN ('pending', 'done', 'not_needed', 'unavailable', 'failed')",
            name=op.f("ck_report_messages_translation_status"),
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
            name=op.f("fk_report_messages_moderator_id_moderators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_messages_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_messages")),
    )
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_messages_report_id"), ["report_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_messages_report_id"))

    op.drop_table("report_messages")
