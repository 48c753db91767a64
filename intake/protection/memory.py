"""Statements run on an in-memory SQLite database of this process, for the embedded
default (one `serve` process, so nothing to share with another).

The service's own SQLite file has one writer: counting a request there would wait for
its lock, which the request being limited may hold itself (a hub request notes when its
client was last seen before its limit is checked). An in-memory database of the process
is never locked by anyone else, so each statement runs at once, synchronously in the
event loop (microseconds, no I/O), with the same tables and SQL as on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ClauseElement, Dialect, Table
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.schema import CreateTable

from intake.protection.statements import CompiledStatements


class MemoryStatements:
    """A `StatementRunner` on a private in-memory SQLite database holding `tables`."""

    def __init__(self, tables: list[Table]) -> None:
        self._dialect = SQLiteDialect_pysqlite(paramstyle="qmark")
        # autocommit: each statement is its own transaction, as on PostgreSQL
        self._connection = sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False
        )
        for table in tables:
            self._connection.execute(str(CreateTable(table).compile(dialect=self._dialect)))
        self._compiled = CompiledStatements(self._dialect)

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def scalar(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        sql, arguments = self._compiled.sql_and_arguments(statement, values)
        rows = self._connection.execute(sql, arguments).fetchall()
        return rows[0][0] if rows else None

    async def rowcount(self, statement: ClauseElement, values: Mapping[str, Any]) -> int:
        sql, arguments = self._compiled.sql_and_arguments(statement, values)
        return self._connection.execute(sql, arguments).rowcount

    async def rows(self, statement: ClauseElement, values: Mapping[str, Any]) -> list[Any]:
        sql, arguments = self._compiled.sql_and_arguments(statement, values)
        return self._connection.execute(sql, arguments).fetchall()

    async def close(self) -> None:
        self._connection.close()
