"""Redactions: `redactions`, one row per span of a report's text, translation or message
that a moderator hid (offsets into that exact text, the hash of the text, the reason),
un-redacted by a lead with `removed_by`/`removed_at`.

Revision ID: 0020
Revises: 0023
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TARGETS = "'text', 'translation', 'message', 'message_translation'"
_REASONS = "'bystander', 'reporter_identity', 'contact_details', 'other'"


def upgrade() -> None:
    op.create_table(
        "redactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("target", sa.String(24), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.Uuid(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"target IN ({_TARGETS})", name=op.f("ck_redactions_target")),
        sa.CheckConstraint(f"reason IN ({_REASONS})", name=op.f("ck_redactions_reason")),
        sa.CheckConstraint(
            "start_offset >= 0 AND end_offset > start_offset", name=op.f("ck_redactions_span")
        ),
        sa.CheckConstraint(
            "(target IN ('message', 'message_translation')) = (message_id IS NOT NULL)",
            name=op.f("ck_redactions_message_target"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_redactions_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["report_messages.id"],
            name=op.f("fk_redactions_message_id_report_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["moderators.id"],
            name=op.f("fk_redactions_created_by_moderators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["removed_by"],
            ["moderators.id"],
            name=op.f("fk_redactions_removed_by_moderators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redactions")),
    )
    for column in ("report_id", "message_id"):
        op.create_index(op.f(f"ix_redactions_{column}"), "redactions", [column])


def downgrade() -> None:
    for column in ("message_id", "report_id"):
        op.drop_index(op.f(f"ix_redactions_{column}"), table_name="redactions")
    op.drop_table("redactions")
