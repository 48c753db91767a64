"""Hub schema 2.0: retractions that scrub, the rarity check's keys, approvals that wait.

- `incidents.scrubbed` and `incidents.retraction_reason`. Incidents retracted before this
  revision had their earlier versions left readable in the feed; they are scrubbed now
  (content emptied, versions kept so the feed has no gaps), with reason `other`.
- `incident_rarity`: one row of quasi-identifier keys per incident live in the feed.
  Incidents published before this revision have none and count as not alike to anything
  (the check errs towards generalising more, never less).
- `reports.pending_incident` and `reports.hold_reason`, and the status
  `awaiting_lead`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.rebuild import keeping_referencing_rows

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = ["received", "queued", "in_review", "approved", "rejected", "withdrawn"]
_WITH_WAITING = [*_STATUSES[:3], "awaiting_lead", *_STATUSES[3:]]
_REASONS = ["withdrawn_by_reporter", "reidentification_risk", "inaccurate", "duplicate", "other"]


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("scrubbed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("retraction_reason", sa.String(32), nullable=True))
        batch.create_check_constraint(
            op.f("ck_incidents_retraction_reason"),
            f"retraction_reason IS NULL OR {_one_of('retraction_reason', _REASONS)}",
        )
    op.execute("UPDATE incidents SET retraction_reason = 'other' WHERE change = 'retracted'")
    op.execute(
        "UPDATE incidents SET payload = '{}', scrubbed = (change <> 'retracted') "
        "WHERE incident_id IN (SELECT incident_id FROM incidents WHERE change = 'retracted')"
    )
    op.create_table(
        "incident_rarity",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("published_level", sa.SmallInteger(), nullable=False),
        sa.Column("key_0", sa.String(64), nullable=False),
        sa.Column("key_1", sa.String(64), nullable=False),
        sa.Column("key_2", sa.String(64), nullable=False),
        sa.Column("key_3", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_rarity")),
    )
    for key in ("key_0", "key_1", "key_2", "key_3"):
        op.create_index(op.f(f"ix_incident_rarity_{key}"), "incident_rarity", [key])
    with keeping_referencing_rows(), op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("pending_incident", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("hold_reason", sa.String(32), nullable=True))
        batch.drop_constraint(op.f("ck_reports_status"), type_="check")
        batch.create_check_constraint(op.f("ck_reports_status"), _one_of("status", _WITH_WAITING))


def downgrade() -> None:
    op.execute(
        "UPDATE reports SET status = 'queued', pending_incident = NULL, hold_reason = NULL "
        "WHERE status = 'awaiting_lead'"
    )
    with keeping_referencing_rows(), op.batch_alter_table("reports") as batch:
        batch.drop_constraint(op.f("ck_reports_status"), type_="check")
        batch.create_check_constraint(op.f("ck_reports_status"), _one_of("status", _STATUSES))
        batch.drop_column("hold_reason")
        batch.drop_column("pending_incident")
    op.drop_table("incident_rarity")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint(op.f("ck_incidents_retraction_reason"), type_="check")
        batch.drop_column("retraction_reason")
        batch.drop_column("scrubbed")
