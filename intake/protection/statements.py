"""How the rate limiter's statements run: straight on a driver, without SQLAlchemy's
execution machinery, because one of them is paid by every limited request.

Through SQLAlchemy's `AsyncEngine`, a one-statement round trip costs about four times the
CPU of asyncpg's own (a pool checkout, greenlet hops, an execution context and a result
object), and aiosqlite adds a thread hop to each statement (`benchmarks/ratelimit.py`
prints them side by side). So the statements are built with SQLAlchemy, compiled once
for the database's dialect, and run by a `StatementRunner`: `direct.DirectStatements` on
PostgreSQL (asyncpg, on the process's hot-path pool, compiled as `core.driver_sql`'s
`DriverStatement`s), `memory.MemoryStatements` in the process on the embedded default
(compiled by `CompiledStatements`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import ClauseElement, Dialect
from sqlalchemy.sql.compiler import SQLCompiler


class StatementRunner(Protocol):
    """Runs statements one by one, each atomic on its own (no transaction around them)."""

    @property
    def dialect(self) -> Dialect:
        """The dialect statements are built and compiled for."""
        ...

    async def scalar(self, statement: ClauseElement, values: Mapping[str, Any]) -> Any:
        """The first column of the first row (None when there is none)."""
        ...

    async def rowcount(self, statement: ClauseElement, values: Mapping[str, Any]) -> int:
        """How many rows an INSERT, UPDATE or DELETE touched."""
        ...

    async def rows(self, statement: ClauseElement, values: Mapping[str, Any]) -> list[Any]:
        """Every row, as tuples."""
        ...

    async def close(self) -> None: ...


class CompiledStatements:
    """Each statement compiled once for a dialect with positional parameters."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        # id(statement) -> (statement, kept so the id stays its own; SQL; parameter order;
        # literal values)
        self._compiled: dict[int, tuple[ClauseElement, str, list[str], dict[str, Any]]] = {}

    def sql_and_arguments(
        self, statement: ClauseElement, values: Mapping[str, Any]
    ) -> tuple[str, list[Any]]:
        found = self._compiled.get(id(statement))
        if found is None:
            compiled = statement.compile(dialect=self._dialect)
            assert isinstance(compiled, SQLCompiler)
            order = list(compiled.positiontup or [])
            found = statement, str(compiled), order, dict(compiled.params)
            self._compiled[id(statement)] = found
        _, sql, order, literals = found
        merged = literals | dict(values)
        return sql, [merged[name] for name in order]
