"""Rebuilding a table on SQLite without losing the rows that reference it.

SQLite cannot alter a check constraint, so Alembic's batch mode copies the table into a
new one and drops the old. With foreign keys enforced, that drop deletes every row that
references the table with ON DELETE CASCADE (a report's messages and media) and fails on
ON DELETE RESTRICT (its incidents). Enforcement is suspended for the rebuild and every
key is checked afterwards. PRAGMA foreign_keys is ignored inside a transaction, so the
migrations before are committed first (Alembic's version update follows in a new
transaction). On PostgreSQL nothing is rebuilt and this does nothing.

Without it, upgrading an embedded database lost the whole conversation of every report
(tests/migrations/test_needs_info_migration.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op


class BrokenForeignKeys(RuntimeError):
    """A rebuild left rows pointing at nothing; the migration stops."""


@contextmanager
def keeping_referencing_rows() -> Iterator[None]:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.commit()
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if problems:
            raise BrokenForeignKeys(str(problems))
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


# Note for later migrations: a rebuild also drops the table's triggers. `reports` carries
# the SQLite full-text search triggers of revision 0015 (`migrations.report_search`): a
# migration that rebuilds `reports` after it must create them again.
