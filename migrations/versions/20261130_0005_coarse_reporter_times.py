"""Times tied to a reporter's action are kept to the minute; messages get a position.

A message's time to the microsecond, or a report's `queued_at` written by the worker a
second after the submission, dates the reporter's action as precisely as a network log
does. Existing values are cut to the minute; the conversation's order, which those times
used to give, becomes an explicit per-report position.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:50:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_messages = sa.table(
    "report_messages",
    sa.column("id", sa.Uuid),
    sa.column("report_id", sa.Uuid),
    sa.column("position", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_reports = sa.table(
    "reports", sa.column("id", sa.Uuid), sa.column("queued_at", sa.DateTime(timezone=True))
)


def _minute(moment: datetime | None) -> datetime | None:
    return moment.replace(second=0, microsecond=0) if moment is not None else None


def upgrade() -> None:
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_messages.c.id, _messages.c.report_id, _messages.c.created_at).order_by(
            _messages.c.report_id, _messages.c.created_at, _messages.c.id
        )
    ).all()
    positions: dict[object, int] = {}
    for row in rows:
        positions[row.report_id] = positions.get(row.report_id, 0) + 1
        bind.execute(
            _messages.update()
            .where(_messages.c.id == row.id)
            .values(position=positions[row.report_id], created_at=_minute(row.created_at))
        )
    for report in bind.execute(sa.select(_reports.c.id, _reports.c.queued_at)).all():
        if report.queued_at is not None:
            bind.execute(
                _reports.update()
                .where(_reports.c.id == report.id)
                .values(queued_at=_minute(report.queued_at))
            )

    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.alter_column("position", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_report_messages_report_id"), ["report_id", "position"]
        )


def downgrade() -> None:
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_report_messages_report_id"), type_="unique")
        batch_op.drop_column("position")
