"""Statements run on the database driver (asyncpg) directly, from one pool per process
beside the engine's, for the paths every request takes: intake's insert of a report
(`intake.report_rows`) and the shared rate limiter's hit (`intake.protection.direct`).

SQLAlchemy's way to a statement (an execution context, a DB-API cursor adapted over
asyncpg, a result object, and a greenlet per call to cross from async code into its sync
core: each new greenlet maps and unmaps a fresh frame stack) costs several times the
driver call itself. A `DriverStatement` is compiled by SQLAlchemy once, so its SQL, its
casts and the conversions of its bound values (JSON, enums, UTC times) stay SQLAlchemy's
and the models', never written out by hand; each run is then one `fetchrow` on a
connection of a `DriverPool`, where asyncpg prepares it once per connection and, outside
a transaction block, the statement commits by itself.

The pool (`open_driver_pool`, opened once by the app's start-up and closed at its
shutdown) connects with the engine's own URL. A connection lost under a statement (the
server restarted, a failover) or a server that cannot be reached is `DatabaseUnreachable`,
a `ConnectionError`, which the API answers with a 503 and Retry-After; the pool replaces
closed connections by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

#: A bound value's conversion to what the driver takes (None: taken as it is).
Converter = Callable[[Any], Any] | None
DriverPool: TypeAlias = asyncpg.Pool
#: How a statement's result is read: its first row, every row, its first value, its status.
Fetch = Literal["fetchrow", "fetch", "fetchval", "execute"]
#: Connections per API process for the hot-path statements (report insert, limiter hit).
#: A request holds one for a single statement at a time, never two at once.
HOT_PATH_CONNECTIONS = 12
#: Errors of a statement that mean the server went away, whatever the connection says.
_SERVER_GONE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)


class DatabaseUnreachable(ConnectionError):
    """The database could not be reached, or the connection was lost under a statement."""


async def open_driver_pool(engine: AsyncEngine, max_size: int) -> DriverPool:
    """A pool of up to `max_size` asyncpg connections to `engine`'s database, opened as
    they are needed, connecting with the options SQLAlchemy derives from the engine's URL
    (less the ones only SQLAlchemy's adapter takes). Its opener closes it."""
    _, options = engine.dialect.create_connect_args(engine.url)
    for adapter_only in ("prepared_statement_cache_size", "prepared_statement_name_func"):
        options.pop(adapter_only, None)
    return await asyncpg.create_pool(
        min_size=0, max_size=max_size, reset=_nothing_to_reset, **options
    )


async def _nothing_to_reset(_: asyncpg.Connection) -> None:
    """Instead of asyncpg's reset query on release (a round trip per statement): only
    `DriverStatement`s run on these connections, single statements that leave no settings,
    locks, cursors or listeners behind (asyncpg still rolls back an open transaction)."""


async def run_on_driver(pool: DriverPool, fetch: Fetch, sql: str, arguments: Sequence[Any]) -> Any:
    """`sql` run once on a connection of `pool`, read by `fetch`. A refused or lost
    connection is `DatabaseUnreachable`; any other error (a bad statement) is raised as it is."""
    try:
        connection = await pool.acquire()
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
        raise DatabaseUnreachable("no connection to the database") from error
    try:
        return await getattr(connection, fetch)(sql, *arguments)
    except Exception as error:
        if isinstance(error, _SERVER_GONE) or connection.is_closed():
            raise DatabaseUnreachable("the database connection was lost") from error
        raise
    finally:
        await pool.release(connection)


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
        # values the statement carries itself (`.values(name="x")`), taken unless given
        self._literals = {
            name: compiled.params[name]
            for name in compiled.positiontup or ()
            if not compiled.binds[name].required
        }
        self._parameters: tuple[tuple[str, Converter], ...] = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup or ()
        )

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for `values` (by parameter name), converted."""
        merged = self._literals | dict(values) if self._literals else values
        return [
            merged[name] if convert is None else convert(merged[name])
            for name, convert in self._parameters
        ]

    async def fetchrow(self, pool: DriverPool, values: Mapping[str, Any]) -> Any:
        """Run on a connection of `pool`; the first row returned, or None."""
        return await self.run(pool, "fetchrow", values)

    async def run(self, pool: DriverPool, fetch: Fetch, values: Mapping[str, Any]) -> Any:
        """Run on a connection of `pool`, the result read by `fetch`."""
        return await run_on_driver(pool, fetch, self.sql, self.arguments(values))
