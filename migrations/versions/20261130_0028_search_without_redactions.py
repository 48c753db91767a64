"""Text search reads a report's texts without their redacted spans: a moderator searching a
redacted bystander's name no longer finds the report.

- `reports.search_text`, `reports.search_translation`: the words of the text and of the
  translation outside their redacted spans while a redaction of them is in force, nothing
  if a redaction no longer fits its text (`core.spans.outside`); NULL otherwise. Filled
  here for the reports with redactions in force; kept in step by `moderation.redaction`.
- PostgreSQL: `ix_reports_search` is made again over
  `models.report.SEARCH_DOCUMENT`, which reads those columns where they are set.
- SQLite: the FTS5 triggers read them too (`migrations.report_search` chooses by the
  columns present), and the rows of the redacted reports are rewritten.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 13:00:00
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.spans import outside
from migrations.report_search import create_sqlite_triggers, fill_sqlite_search

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DOCUMENT = (
    "to_tsvector('simple'::regconfig, (COALESCE(search_text, text) || ' '::text)"
    " || COALESCE(search_translation, translated_text, ''::text))"
)
_BEFORE = (
    "to_tsvector('simple'::regconfig, (text || ' '::text) || COALESCE(translated_text, ''::text))"
)
_COLUMNS = {
    "text": ("text", "search_text"),
    "translation": ("translated_text", "search_translation"),
}
_REPORTS = sa.table(
    "reports",
    sa.column("id", sa.Uuid()),
    sa.column("text", sa.Text()),
    sa.column("translated_text", sa.Text()),
    sa.column("search_text", sa.Text()),
    sa.column("search_translation", sa.Text()),
)
_REDACTIONS = sa.table(
    "redactions",
    sa.column("report_id", sa.Uuid()),
    sa.column("target", sa.String()),
    sa.column("start_offset", sa.Integer()),
    sa.column("end_offset", sa.Integer()),
    sa.column("text_sha256", sa.String()),
    sa.column("removed_at", sa.DateTime(timezone=True)),
)


def _fill(bind: sa.Connection) -> None:
    """What search reads of the texts with redactions in force (few reports)."""
    redactions = _REDACTIONS.c
    spans: dict[tuple[object, str], list[tuple[int, int, str]]] = defaultdict(list)
    rows = bind.execute(
        sa.select(
            redactions.report_id,
            redactions.target,
            redactions.start_offset,
            redactions.end_offset,
            redactions.text_sha256,
        ).where(redactions.removed_at.is_(None), redactions.target.in_(list(_COLUMNS)))
    )
    for report_id, target, start, end, made_on in rows:
        spans[(report_id, target)].append((start, end, made_on))
    reports = _REPORTS.c
    for (report_id, target), found in spans.items():
        stored, searched = _COLUMNS[target]
        text = bind.execute(sa.select(reports[stored]).where(reports.id == report_id)).scalar()
        searchable = "" if text is None else outside(text, found)
        bind.execute(
            _REPORTS.update().where(reports.id == report_id).values({searched: searchable})
        )


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("reports", sa.Column("search_text", sa.Text(), nullable=True))
    op.add_column("reports", sa.Column("search_translation", sa.Text(), nullable=True))
    if bind.dialect.name == "sqlite":
        create_sqlite_triggers(bind)  # now reading the new columns
        _fill(bind)  # the triggers rewrite the redacted reports' rows
        return
    _fill(bind)
    op.drop_index("ix_reports_search", table_name="reports")
    op.execute(f"CREATE INDEX ix_reports_search ON reports USING gin ({_DOCUMENT})")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS reports_fts_after_{name}")
    else:
        op.drop_index("ix_reports_search", table_name="reports")
    op.drop_column("reports", "search_translation")
    op.drop_column("reports", "search_text")
    if bind.dialect.name == "sqlite":
        create_sqlite_triggers(bind)
        fill_sqlite_search(bind)
    else:
        op.execute(f"CREATE INDEX ix_reports_search ON reports USING gin ({_BEFORE})")
