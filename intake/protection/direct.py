"""Statements run straight on asyncpg, on a small pool of their own made from the
engine's own connection settings (`statements` says why not through the engine).

A lost or refused connection (a restart, a failover) is a 503 with `Retry-After`, as the
app answers for the engine's own (`api/errors.py`); asyncpg replaces broken connections
by itself, so the pool recovers without a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import asyncpg
from sqlalchemy import ClauseElement, Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import ServiceUnavailable
from intake.protection.statements import CompiledStatements

#: SQLAlchemy's own connection arguments, which asyncpg.connect does not take.
_SQLALCHEMY_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func")
_UNREACHABLE = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)
_CANNOT_SERVE = ("57P01", "57P02", "57P03")  # admin shutdown, crash shutdown, cannot connect now


class DirectStatements:
    """A `StatementRunner` on asyncpg: one round trip per statement, outside transactions."""

    def __init__(self, engine: AsyncEngine, *, connections: int = 8) -> None:
        if engine.dialect.driver != "asyncpg":
            raise ValueError("PostgreSQL is reached through asyncpg: postgresql+asyncpg://…")
        _, options = engine.dialect.create_connect_args(engine.url)
        self._connect = {k: v for k, v in options.items() if k not in _SQLALCHEMY_ONLY}
        self._dialect = engine.dialect
        self._compiled = CompiledStatements(engine.dialect)
        self._connections = connections
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def scalar(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        sql, arguments = self._compiled.sql_and_arguments(statement, values)
        return await self._run("fetchval", sql, arguments)

    async def rowcount(self, statement: ClauseElement, values: Mapping[str, Any]) -> int:
        sql, arguments = self._compiled.sql_and_arguments(statement, values)
        status = await self._run("execute", sql, arguments)  # e.g. "DELETE 3"
        return int(status.rsplit(" ", 1)[-1])

    async def rows(self, statement: ClauseElement, values: Mapping[str, Any]) -> list[Any]:
        sql, arguments = self._compiled.sql_and_arguments(statement, values)
        return [tuple(row) for row in await self._run("fetch", sql, arguments)]

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def _run(self, method: str, sql: str, arguments: list[Any]) -> Any:
        try:
            pool = await self._opened()
            async with pool.acquire() as connection:
                return await getattr(connection, method)(sql, *arguments)
        except asyncpg.PostgresError as error:
            if error.sqlstate not in _CANNOT_SERVE:
                raise
            raise _unavailable() from error
        except _UNREACHABLE as error:
            raise _unavailable() from error

    async def _opened(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    min_size=1, max_size=self._connections, reset=_unchanged, **self._connect
                )
            return self._pool


async def _unchanged(_: asyncpg.Connection) -> None:
    """A connection back from one statement run alone has no session state to reset, so
    the pool's default reset (`RESET ALL`, `UNLISTEN *`…: a second round trip) is skipped.
    A transaction left open is still rolled back by the pool itself."""


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The database cannot be reached right now; retry the same request shortly.",
        retry_after=2,
    )
