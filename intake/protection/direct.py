"""SQLAlchemy statements run straight on asyncpg, for a statement paid by every request.

Through SQLAlchemy's `AsyncEngine`, a one-statement round trip costs about four times the
CPU of asyncpg's own (a pool checkout, greenlet hops, an execution context and a result
object: `benchmarks/ratelimit.py` prints both). The rate limiter runs one statement per
limited request, so it compiles its statements once with the engine's dialect and runs
them on a small asyncpg pool of its own, made from the engine's own connection settings.

A lost or refused connection (a restart, a failover) is a 503 with `Retry-After`, as the
app answers for the engine's own (`api/errors.py`); asyncpg replaces broken connections
by itself, so the pool recovers without a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import asyncpg
from sqlalchemy import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import ServiceUnavailable

#: SQLAlchemy's own connection arguments, which asyncpg.connect does not take.
_SQLALCHEMY_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func")
_UNREACHABLE = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)
_CANNOT_SERVE = ("57P01", "57P02", "57P03")  # admin shutdown, crash shutdown, cannot connect now


class _Compiled:
    """A statement as asyncpg runs it: SQL with `$n` and the order of its parameters."""

    def __init__(self, statement: ClauseElement, engine: AsyncEngine) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        assert isinstance(compiled, SQLCompiler)  # a DML statement's compiler
        self.sql = str(compiled)
        self._order = compiled.positiontup or []
        self._values = dict(compiled.params)  # the literals; the caller's go over them

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        merged = self._values | dict(values)
        return [merged[name] for name in self._order]


class DirectStatements:
    """Named statements, each run as one asyncpg round trip outside any transaction."""

    def __init__(
        self, engine: AsyncEngine, statements: Mapping[str, ClauseElement], *, connections: int = 8
    ) -> None:
        _, options = engine.dialect.create_connect_args(engine.url)
        self._connect = {k: v for k, v in options.items() if k not in _SQLALCHEMY_ONLY}
        self._statements = {name: _Compiled(each, engine) for name, each in statements.items()}
        self._connections = connections
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def scalar(self, name: str, values: Mapping[str, Any]) -> Any:
        """The first column of the first row of statement `name` run with `values`."""
        statement = self._statements[name]
        try:
            pool = await self._opened()
            async with pool.acquire() as connection:
                return await connection.fetchval(statement.sql, *statement.arguments(values))
        except asyncpg.PostgresError as error:
            if error.sqlstate not in _CANNOT_SERVE:
                raise
            raise _unavailable() from error
        except _UNREACHABLE as error:
            raise _unavailable() from error

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def _opened(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    min_size=1, max_size=self._connections, **self._connect
                )
            return self._pool


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The database cannot be reached right now; retry the same request shortly.",
        retry_after=2,
    )
