"""Needs info: a report can wait for the reporter's answer (`needs_info`), and remembers
when the answer brought it back to the queue (`answered_at`, to the minute).

The status check gains the new value. On SQLite a check cannot be altered, so the batch
mode rebuilds the reports table; that must not cascade into the tables that reference it
(messages, media), see `migrations.rebuild`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.rebuild import keeping_referencing_rows

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = (
    "received",
    "queued",
    "in_review",
    "awaiting_lead",
    "approved",
    "rejected",
    "withdrawn",
)
_AFTER = (*_BEFORE, "needs_info")


def _status_check(values: Sequence[str]) -> str:
    return "status IN ({})".format(", ".join(f"'{value}'" for value in values))


def _change_status_check(values: Sequence[str]) -> None:
    with keeping_referencing_rows(), op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reports_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_reports_status"), _status_check(values))


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
    _change_status_check(_AFTER)


def downgrade() -> None:
    # Reports waiting for an answer go back to the queue, the state they were asked from.
    op.execute("UPDATE reports SET status = 'queued' WHERE status = 'needs_info'")
    _change_status_check(_BEFORE)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("answered_at")
