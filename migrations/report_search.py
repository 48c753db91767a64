"""SQLite's text search over reports: an FTS5 table kept in step with `reports` by triggers.

PostgreSQL needs none of this (a GIN index over `models.report.SEARCH_DOCUMENT` answers its
full-text queries). On SQLite, `reports_fts` holds each report's id, text and translation
(from revision 0028 on, without the spans redacted from them: `Report.search_text`, …);
the triggers below rewrite a report's row whenever its text or translation (or what search
reads of them) changes (a withdrawal empties both, so its words leave the index too) and
delete it with the report.

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


def _indexed(row: str, redacted: bool) -> tuple[str, str]:
    """What the FTS5 table holds of a row (`new` in a trigger, the table in a fill): the
    text and the translation, or from revision 0028 on (`redacted`) their words outside
    redacted spans while a redaction of them is in force (`Report.search_text`, …)."""
    if not redacted:
        return f"{row}text", f"coalesce({row}translated_text, '')"
    return (
        f"coalesce({row}search_text, {row}text)",
        f"coalesce({row}search_translation, {row}translated_text, '')",
    )


def _triggers(redacted: bool) -> dict[str, str]:
    text, translation = _indexed("new.", redacted)
    insert_new = (
        "INSERT INTO reports_fts (report_id, text, translation) "  # noqa: S608 - column names
        f"VALUES (new.id, {text}, {translation});"
    )
    delete_old = "DELETE FROM reports_fts WHERE reports_fts MATCH 'report_id:\"' || old.id || '\"';"
    columns = "id, text, translated_text" + (
        ", search_text, search_translation" if redacted else ""
    )
    return {
        "reports_fts_after_insert": f"AFTER INSERT ON reports BEGIN {insert_new} END",
        "reports_fts_after_update": (
            f"AFTER UPDATE OF {columns} ON reports BEGIN {delete_old} {insert_new} END"
        ),
        "reports_fts_after_delete": f"AFTER DELETE ON reports BEGIN {delete_old} END",
    }


TRIGGERS = _triggers(redacted=True)


def _redacted(bind: Connection) -> bool:
    """Whether `reports` has the search columns of revision 0028 yet (an earlier migration
    creating the triggers runs before them)."""
    return "search_text" in {column["name"] for column in sa.inspect(bind).get_columns("reports")}


def create_sqlite_triggers(bind: Connection) -> None:
    """(Re)create the triggers that keep `reports_fts` in step with `reports`."""
    for name, body in _triggers(_redacted(bind)).items():
        bind.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        bind.execute(sa.text(f"CREATE TRIGGER {name} {body}"))


def fill_sqlite_search(bind: Connection) -> None:
    """(Re)write every row of `reports_fts` from the reports as they are."""
    text, translation = _indexed("", _redacted(bind))
    bind.execute(sa.text("DELETE FROM reports_fts"))
    bind.execute(
        sa.text(
            "INSERT INTO reports_fts (report_id, text, translation) "  # noqa: S608 - column names
            f"SELECT id, {text}, {translation} FROM reports"
        )
    )


def create_sqlite_search(bind: Connection) -> None:
    """The FTS5 table, filled from the reports already stored, and its triggers."""
    bind.execute(sa.text(CREATE_FTS_TABLE))
    fill_sqlite_search(bind)
    create_sqlite_triggers(bind)


def drop_sqlite_search(bind: Connection) -> None:
    for name in TRIGGERS:
        bind.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
    bind.execute(sa.text("DROP TABLE IF EXISTS reports_fts"))


def include_name(name: str | None, type_: NameFilterType, _parents: NameFilterParentNames) -> bool:
    """For comparing models and database: the FTS5 table and its shadow tables
    (`reports_fts_data`, `…_idx`, …) belong to the migrations, not to the models."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
