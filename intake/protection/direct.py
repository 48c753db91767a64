"""The rate limiter's statements run straight on asyncpg (`statements` says why not
through the engine), on the process's pool for hot-path statements, shared with intake's
report insert (`core.driver_sql`).

Each statement is compiled once, as a `DriverStatement`; a lost or refused connection (a
restart, a failover) is `DatabaseUnreachable`, which the app answers with a 503 and
`Retry-After` as it does for the engine's own (`api/errors.py`). asyncpg replaces broken
connections by itself, so the pool recovers without a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ClauseElement, Dialect

from core.driver_sql import DriverPool, DriverStatement


class DirectStatements:
    """A `StatementRunner` on asyncpg: one round trip per statement, outside transactions.

    The pool is lent: whoever opened it closes it (`close` here lets go of nothing)."""

    def __init__(self, pool: DriverPool, dialect: Dialect) -> None:
        if dialect.driver != "asyncpg":
            raise ValueError("PostgreSQL is reached through asyncpg: postgresql+asyncpg://…")
        self._pool = pool
        self._dialect = dialect
        # id(statement) -> (statement, kept so the id stays its own; compiled)
        self._compiled: dict[int, tuple[ClauseElement, DriverStatement]] = {}

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def scalar(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        return await self._statement(statement).run(self._pool, "fetchval", values)

    async def rowcount(self, statement: ClauseElement, values: Mapping[str, Any]) -> int:
        status = await self._statement(statement).run(self._pool, "execute", values)
        return int(status.rsplit(" ", 1)[-1])  # e.g. "DELETE 3"

    async def rows(self, statement: ClauseElement, values: Mapping[str, Any]) -> list[Any]:
        return [
            tuple(row) for row in await self._statement(statement).run(self._pool, "fetch", values)
        ]

    async def close(self) -> None:
        """The pool is its opener's to close."""

    def _statement(self, statement: ClauseElement) -> DriverStatement:
        found = self._compiled.get(id(statement))
        if found is None:
            found = statement, DriverStatement(statement, self._dialect)
            self._compiled[id(statement)] = found
        return found[1]
