"""Database engine and sessions, shared by the API, the worker and the command line.

Sessions never expire objects on commit (async code must not lazy-load), and the request
session commits only when the request succeeded: services `flush()`, never `commit()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.dml import Delete, Update

from core.files import make_files_private, make_private_dir
from core.settings import Settings

SessionMaker = async_sessionmaker[AsyncSession]


def create_engine(settings: Settings) -> AsyncEngine:
    """An engine for the configured database; SQLite gets foreign keys and a busy timeout.

    `hide_parameters`: a failed statement's error message and the engine's debug log never
    carry its values (report text, coordinates, hashes), only the SQL with placeholders.

    PostgreSQL: at most 10 connections per process, kept once opened, and the one given back
    last is lent first, so a few server processes stay warm instead of every request waking
    a cold one. An "overflow" connection (opened beyond the kept ones and closed when given
    back) would cost a new server process and a TLS negotiation each time a burst of
    requests outgrows the pool. A request finding all 10 busy waits for one. Text reports and
    the rate limiter's hit, the bulk of the traffic, run on 12 more, an asyncpg pool
    beside this one (`core.driver_sql`).

    Each connection is pinged as it is lent (`pool_pre_ping`, one round trip): after a
    server restart or failover every pooled connection is dead, and without the ping each
    would be lent once and fail its request before the pool had replaced them all."""
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        make_private_dir(settings.data_dir)
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if database := engine.url.database:
            files = [Path(database + suffix) for suffix in ("", "-wal", "-shm")]
            event.listen(engine.sync_engine, "connect", lambda *_: make_files_private(*files))
        return engine
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=0,
        pool_use_lifo=True,
        hide_parameters=True,
    )


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    """WAL lets the in-process worker read while a request writes; FKs keep data whole."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def insert_on_conflict(
    bind: AsyncSession | AsyncEngine, table: Any
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT (PostgreSQL and SQLite both speak it), built in
    the dialect of the database the session (or engine) is bound to."""
    engine = bind.get_bind() if isinstance(bind, AsyncSession) else bind
    return insert_for_dialect(engine.dialect.name, table)


def insert_for_dialect(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """`insert_on_conflict` for a dialect named outside a session (e.g. `engine.dialect.name`)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def rows_matched(session: AsyncSession, statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE without RETURNING; how many rows it matched.

    SQLAlchemy types `execute` as returning a plain `Result`; for such a statement it is a
    `CursorResult`, which is what carries the row count."""
    result = await session.execute(statement)
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} carries no row count")
    return result.rowcount


@asynccontextmanager
async def transaction(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    """A unit of work for background jobs and commands: commit on success, roll back on error."""
    async with sessionmaker() as session, session.begin():
        yield session
