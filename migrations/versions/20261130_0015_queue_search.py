"""The moderation queue filtered, searched and paged: indexes, and text search per dialect.

- `ix_reports_open_queue`: the queue's order (urgent, received_at, id) over the reports
  awaiting a decision only, so a page is one range scan however many were decided.
- `ix_reports_language`, `ix_reports_country_code`: the filters a moderator narrows by.
- PostgreSQL: `ix_reports_search`, a GIN index over
  `to_tsvector('simple', text || ' ' || coalesce(translated_text, ''))`.
- SQLite: the FTS5 table `reports_fts` and its triggers (`migrations/report_search.py`),
  filled from the reports already stored.

On a large PostgreSQL table, an operator may prefer to build `ix_reports_search` with
CREATE INDEX CONCURRENTLY by hand before migrating (this migration skips an index that
already exists under the same name).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.report_search import create_sqlite_search, drop_sqlite_search

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("status IN ('queued', 'in_review')")
_SEARCH_DOCUMENT = (
    "to_tsvector('simple'::regconfig, (text || ' '::text) || COALESCE(translated_text, ''::text))"
)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index(
        "ix_reports_open_queue",
        "reports",
        ["urgent", "received_at", "id"],
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )
    op.create_index("ix_reports_language", "reports", ["language"])
    op.create_index("ix_reports_country_code", "reports", ["country_code"])
    if bind.dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_reports_search ON reports "
            f"USING gin ({_SEARCH_DOCUMENT})"
        )
    else:
        create_sqlite_search(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_reports_search", table_name="reports")
    else:
        drop_sqlite_search(bind)
    op.drop_index("ix_reports_country_code", table_name="reports")
    op.drop_index("ix_reports_language", table_name="reports")
    op.drop_index("ix_reports_open_queue", table_name="reports")
