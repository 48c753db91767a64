"""SQLite's text search over reports: an FTS5 table kept in step with `reports` by triggers.

PostgreSQL needs none of this (a GIN index over `models.report.SEARCH_DOCUMENT` answers its
full-text queries). On SQLite, `reports_fts` holds each report's id, text and translation;
the triggers below rewrite a report's row whenever its text or translation changes (a
withdrawal empties both, so its words leave the index too) and delete it with the report.

The id column is indexed like the text so that a trigger finds a report's row with
`MATCH`, without scanning the table. Searches are therefore always limited to the
`text` and `translation` columns (`moderation.queue`).

Batch migrations on SQLite rebuild a table by copying it, and dropping the old table drops
its triggers: a later migration that batch-alters `reports` must call
`create_sqlite_triggers()` again afterwards (the FTS rows themselves survive the copy).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.runtime.environment import NameFilterParentNames, NameFilterType
from sqlalchemy.engine import Connection

FTS_TABLE = "reports_fts"

CREATE_FTS_TABLE = (
    "CREATE VIRTUAL TABLE reports_fts USING fts5("
    "report_id, text, translation, tokenize = 'unicode61 remove_diacritics 2')"
)
FILL_FTS_TABLE = (
    "INSERT INTO reports_fts (report_id, text, translation) "
    "SELECT id, text, coalesce(translated_text, '') FROM reports"
)

_DELETE_OLD = "DELETE FROM reports_fts WHERE reports_fts MATCH 'report_id:\"' || old.id || '\"';"
_INSERT_NEW = (
    "INSERT INTO reports_fts (report_id, text, translation) "
    "VALUES (new.id, new.text, coalesce(new.translated_text, ''));"
)

TRIGGERS = {
    "reports_fts_after_insert": "AFTER INSERT ON reports BEGIN " + _INSERT_NEW + " END",
    "reports_fts_after_update": (
        "AFTER UPDATE OF id, text, translated_text ON reports BEGIN "
        + _DELETE_OLD
        + " "
        + _INSERT_NEW
        + " END"
    ),
    "reports_fts_after_delete": "AFTER DELETE ON reports BEGIN " + _DELETE_OLD + " END",
}


def create_sqlite_triggers(bind: Connection) -> None:
    """(Re)create the triggers that keep `reports_fts` in step with `reports`."""
    for name, body in TRIGGERS.items():
        bind.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        bind.execute(sa.text(f"CREATE TRIGGER {name} {body}"))


def create_sqlite_search(bind: Connection) -> None:
    """The FTS5 table, filled from the reports already stored, and its triggers."""
    bind.execute(sa.text(CREATE_FTS_TABLE))
    bind.execute(sa.text(FILL_FTS_TABLE))
    create_sqlite_triggers(bind)


def drop_sqlite_search(bind: Connection) -> None:
    for name in TRIGGERS:
        bind.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
    bind.execute(sa.text("DROP TABLE IF EXISTS reports_fts"))


def include_name(name: str | None, type_: NameFilterType, _parents: NameFilterParentNames) -> bool:
    """For comparing models and database: the FTS5 table and its shadow tables
    (`reports_fts_data`, `…_idx`, …) belong to the migrations, not to the models."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
