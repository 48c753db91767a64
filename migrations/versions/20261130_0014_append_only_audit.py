"""The audit trail keeps before/after values and is append-only in the database itself.

- `audit_events.changes`: what an event changed, `{"field": [before, after]}` (older rows
  get `{}`; they recorded no such values).
- The foreign keys to `moderators` and `reports` become `ON DELETE RESTRICT`. With
  `SET NULL`, deleting a moderator or a report would have been an UPDATE of audit rows,
  which the triggers below refuse; no code path deletes either (accounts are disabled,
  reports are emptied in place, as a withdrawal does), so the database now says so too.
- Triggers refuse every UPDATE and DELETE of `audit_events`: on PostgreSQL a trigger
  function raising SQLSTATE 55000 (object_not_in_prerequisite_state), on SQLite
  `RAISE(ABORT, …)`. Only someone who may alter the table (its owner) can drop them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_events is append-only"
_FOREIGN_KEYS = (
    ("fk_audit_events_moderator_id_moderators", "moderators", "moderator_id"),
    ("fk_audit_events_report_id_reports", "reports", "report_id"),
)

_PG_FUNCTION = f"""
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'object_not_in_prerequisite_state';
END
$$
"""
_PG_TRIGGER = """
CREATE TRIGGER audit_events_append_only
BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""
_SQLITE_TRIGGERS = {
    name: f"""
CREATE TRIGGER audit_events_no_{name} BEFORE {name.upper()} ON audit_events
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
"""
    for name in ("update", "delete")
}


def _foreign_keys(ondelete: str) -> None:
    with op.batch_alter_table("audit_events") as batch:
        for name, table, column in _FOREIGN_KEYS:
            batch.drop_constraint(name, type_="foreignkey")
            batch.create_foreign_key(name, table, [column], ["id"], ondelete=ondelete)


def upgrade() -> None:
    op.add_column(
        "audit_events", sa.Column("changes", sa.JSON(), nullable=False, server_default="{}")
    )
    _foreign_keys("RESTRICT")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for statement in _SQLITE_TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER audit_events_no_{name}")
    _foreign_keys("SET NULL")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("changes")
