"""Where a text-only report is written: one `INSERT … ON CONFLICT DO NOTHING RETURNING id`
per report, and on a conflict the row its client id already has.

The statements are built once, from the model's table, when the app starts. On PostgreSQL
they run on asyncpg directly, on the process's hot-path pool (`core.driver_sql`, shared
with the rate limiter's hit, opened and closed by the app's lifespan): no session, no
greenlet, no transaction block (the one statement commits by itself), one round trip.
Elsewhere (SQLite, the embedded default) the same statements run through SQLAlchemy in a
short transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import Insert

from core.db import insert_on_conflict
from core.driver_sql import DriverPool, DriverStatement
from models.report import Report

_REPORTS = Report.metadata.tables[Report.__tablename__]


@dataclass(frozen=True)
class StoredRow:
    """What a used client id already has: its report and the fingerprint of its content."""

    report_id: uuid.UUID
    payload_hash: str


#: The report of a client id (by its keyed hash): what a retry is answered from.
FIND = select(_REPORTS.c.id, _REPORTS.c.payload_hash).where(
    _REPORTS.c.client_id_hash == bindparam("client_id_hash")
)


class ReportRows(Protocol):
    async def insert(self, values: dict[str, Any]) -> bool:
        """Store a new report's row; False (nothing stored) when its client id is used."""
        ...

    async def find(self, client_id_hash: str) -> StoredRow | None:
        """The row stored for a client id, if any (committed, so visible)."""
        ...

    async def close(self) -> None:
        """Let go of the connections (at shutdown)."""
        ...


def open_report_rows(engine: AsyncEngine, pool: DriverPool | None) -> ReportRows:
    """The writer for `engine`'s database; on asyncpg, on `pool` (the process's hot-path
    pool, which its opener closes)."""
    insert = insert_on_conflict(engine, _REPORTS).on_conflict_do_nothing().returning(_REPORTS.c.id)
    if engine.dialect.driver == "asyncpg":
        if pool is None:
            raise ValueError("on asyncpg, report rows are written on the driver pool")
        return DriverReportRows(pool, insert, engine.dialect)
    return SqlAlchemyReportRows(engine, insert)


class DriverReportRows:
    """PostgreSQL: each statement is one call on the driver, outside a transaction block."""

    def __init__(self, pool: DriverPool, insert: Insert, dialect: Dialect) -> None:
        self._pool = pool
        self._insert = insert
        self._dialect = dialect
        # The INSERT compiled for each set of columns given (intake gives one set).
        self._inserts: dict[tuple[str, ...], DriverStatement] = {}
        self._find = DriverStatement(FIND, dialect)

    async def insert(self, values: dict[str, Any]) -> bool:
        columns = tuple(values)
        statement = self._inserts.get(columns)
        if statement is None:
            statement = DriverStatement(self._insert, self._dialect, columns)
            self._inserts[columns] = statement
        return await statement.fetchrow(self._pool, values) is not None

    async def find(self, client_id_hash: str) -> StoredRow | None:
        row = await self._find.fetchrow(self._pool, {"client_id_hash": client_id_hash})
        return None if row is None else StoredRow(row[0], row[1])

    async def close(self) -> None:
        """The pool is its opener's to close (the app's lifespan)."""


class SqlAlchemyReportRows:
    """Any other database (SQLite): the same statements through SQLAlchemy Core."""

    def __init__(self, engine: AsyncEngine, insert: Insert) -> None:
        self._engine = engine
        self._insert = insert

    async def insert(self, values: dict[str, Any]) -> bool:
        async with self._engine.begin() as connection:
            result = await connection.execute(self._insert, values)
            return result.first() is not None

    async def find(self, client_id_hash: str) -> StoredRow | None:
        async with self._engine.connect() as connection:
            return await find_row(connection, client_id_hash)

    async def close(self) -> None:
        """The engine's pool is closed with the engine."""


async def find_row(connection: AsyncConnection, client_id_hash: str) -> StoredRow | None:
    """`find` through SQLAlchemy, on a connection (or a session's) already open."""
    result = await connection.execute(FIND, {"client_id_hash": client_id_hash})
    row = result.first()
    return None if row is None else StoredRow(row.id, row.payload_hash)
