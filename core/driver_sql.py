"""A statement run on the driver's own connection (asyncpg), for a path where every
request runs it: intake's insert of a report.

SQLAlchemy's execution of a statement (an execution context, a DB-API cursor adapted over
asyncpg, a result object, each reached through a greenlet) costs more CPU than the driver
call itself. A `DriverStatement` is compiled by SQLAlchemy once, so its SQL, its casts and
the conversions of its bound values (JSON, enums, UTC times) stay SQLAlchemy's and the
models', never written out by hand; then each run is one `fetchrow` on the connection
SQLAlchemy's pool lends, which asyncpg prepares once per connection and, outside a
transaction, commits by itself.

A connection lost under the statement (the server restarted, a failover) is handed to
SQLAlchemy to notice the way it always does: the pool drops every connection of that
generation and a `DBAPIError` marked `connection_invalidated` is raised, which the API
answers with a 503 and Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

#: A bound value's conversion to what the driver takes (None: taken as it is).
Converter = Callable[[Any], Any] | None


class DriverStatement:
    """One SQLAlchemy statement, compiled once for `dialect` (asyncpg), run on the driver."""

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, columns: Sequence[str] | None = None
    ) -> None:
        """`columns`: for an INSERT, the columns given values (the others are left out)."""
        if dialect.driver != "asyncpg":
            raise ValueError(f"a DriverStatement runs on asyncpg, not {dialect.driver}")
        compiled = statement.compile(dialect=dialect, column_keys=list(columns or ()))
        assert isinstance(compiled, SQLCompiler)
        self.sql = str(compiled)
        self._parameters: tuple[tuple[str, Converter], ...] = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup or ()
        )

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for `values` (by parameter name), converted."""
        return [
            values[name] if convert is None else convert(values[name])
            for name, convert in self._parameters
        ]

    async def fetchrow(self, connection: AsyncConnection, values: Mapping[str, Any]) -> Any:
        """Run on `connection`'s driver connection; the first row returned, or None."""
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None  # a connection checked out of the pool has one
        try:
            return await driver.fetchrow(self.sql, *self.arguments(values))
        except Exception:
            if driver.is_closed():
                await _report_lost_connection(connection)
            raise


async def _report_lost_connection(connection: AsyncConnection) -> None:
    """Let SQLAlchemy meet the closed connection itself: it invalidates the pool's
    connections of that generation and raises its own error, marked as a disconnect."""
    await connection.exec_driver_sql("SELECT 1")
