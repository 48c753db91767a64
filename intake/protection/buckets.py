"""The rate limiter's buckets in the database: one statement per request, shared by every
API process on every host.

On PostgreSQL the buckets live in the service's database. On the embedded SQLite default
(one `serve` process) they live in a private in-memory SQLite database of that process,
with the same tables and statements: a hit in the service's file would wait for its one
writer's lock, which the request being limited may hold itself (a hub request notes when
its client was last seen before its limit is checked), and would add a write to every
request.

A limit's rates are checked and counted by one `INSERT … ON CONFLICT DO UPDATE …
RETURNING` (PostgreSQL and SQLite both speak it), run outside any transaction (a single
statement is atomic on its own), so a hit costs one round trip. The database applies GCRA
to each rate of the row it has locked: the request fits when, for every rate,
`max(tat, now) + interval - period <= now`; then every `tat` moves on, otherwise nothing
moves and the row records how long the client must wait (a refused request writes only
that verdict). Two processes counting the same
client at the same instant are serialised on that row, so neither can spend a request
the other has spent.

Times are seconds since the start of the bucket's UTC day (the day its hashing key
belongs to): small numbers keep double precision far below a millisecond, and a bucket
is never read after its day. Each process reads its own clock; clocks kept by NTP agree far
better than the shortest interval of any rate.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Double,
    Insert,
    Integer,
    LargeBinary,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.schema import CreateTable
from sqlmodel import col

from core.db import insert_for_dialect
from core.settings import Settings
from intake.protection.direct import DirectStatements
from intake.protection.rates import Rate
from models.rate_limit import MAX_RATES, RateLimitBucket, RateLimitKey

DAY_SECONDS = 86_400
_SALT_BYTES = 32
_TABLE = RateLimitBucket.__table__  # type: ignore[attr-defined]
_TATS = [_TABLE.c[f"tat_{number}"] for number in range(1, MAX_RATES + 1)]


def day_and_seconds(epoch_seconds: float) -> tuple[int, float]:
    """The UTC day number (days since 1970) and the seconds since that day began."""
    day, seconds = divmod(epoch_seconds, DAY_SECONDS)
    return int(day), seconds


class DatabaseBuckets:
    """Named limits over keyed client hashes, counted in `rate_limit_buckets`."""

    def __init__(
        self,
        engine: AsyncEngine,
        limits: Mapping[str, Sequence[Rate]],
        *,
        owns_engine: bool = False,
    ) -> None:
        if not limits or not all(limits.values()):
            raise ValueError("every limit needs at least one rate")
        for name, rates in limits.items():
            if len(rates) > MAX_RATES:
                raise ValueError(f"limit {name!r} has {len(rates)} rates; at most {MAX_RATES}")
        self._base = engine
        # One statement, one round trip: no BEGIN or COMMIT around it.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._owns_engine = owns_engine
        dialect = engine.dialect.name
        self._hits = {name: _hit(dialect, name, tuple(rates)) for name, rates in limits.items()}
        # on PostgreSQL the hit skips SQLAlchemy's execution machinery (`direct` says why)
        self._direct = (
            DirectStatements(engine, self._hits) if engine.dialect.driver == "asyncpg" else None
        )

    @classmethod
    def for_settings(
        cls, settings: Settings, engine: AsyncEngine, limits: Mapping[str, Sequence[Rate]]
    ) -> DatabaseBuckets:
        """In the service's database (`engine`) on PostgreSQL, in the process on SQLite."""
        if settings.is_sqlite:
            return cls(private_sqlite_engine(), limits, owns_engine=True)
        return cls(engine, limits)

    async def take(self, limit: str, subject: bytes, day: int, seconds: float) -> float:
        """Count one request of `subject` against `limit` if it fits every rate.

        Returns 0 when it was counted, else the seconds until it would fit (and nothing was
        counted). An unknown limit name is a programming error (`KeyError`)."""
        statement = self._hits[limit]
        values = {"subject": subject, "day": day, "now": seconds}
        if self._direct is not None:
            return float(await self._direct.scalar(limit, values))
        async with self._engine.connect() as connection:
            return float((await connection.execute(statement, values)).scalar_one())

    async def day_salt(self, day: int) -> bytes:
        """The day's random salt: made by whichever process needs it first."""
        insert = insert_for_dialect(self._engine.dialect.name, RateLimitKey)
        made = insert.values(day=day, salt=secrets.token_bytes(_SALT_BYTES))
        read = select(col(RateLimitKey.salt)).where(col(RateLimitKey.day) == day)
        async with self._engine.connect() as connection:
            await connection.execute(made.on_conflict_do_nothing())
            return bytes((await connection.execute(read)).scalar_one())

    async def forget_spent(self, now: datetime) -> int:
        """Delete the buckets of past days with their salts (a hash kept after its day could
        be tied to an address by anyone holding that day's key) and today's buckets that are
        full again (no row means the same); how many buckets went. Safe from any number of
        processes at once."""
        today, seconds = day_and_seconds(now.timestamp())
        day = col(RateLimitBucket.day)
        spent = or_(day < today, and_(day == today, col(RateLimitBucket.expires_at) <= seconds))
        async with self._base.begin() as connection:
            removed = await connection.execute(delete(RateLimitBucket).where(spent))
            await connection.execute(delete(RateLimitKey).where(col(RateLimitKey.day) < today))
        return removed.rowcount

    async def close(self) -> None:
        """Close the direct connections, and let go of a private database (its buckets go
        with it)."""
        if self._direct is not None:
            await self._direct.close()
        if self._owns_engine:
            await self._base.dispose()


def private_sqlite_engine() -> AsyncEngine:
    """An in-memory SQLite database with the two rate-limit tables, for one process.

    One connection (an in-memory database lives and dies with its connection); requests
    queue for it in the pool. Were it ever replaced, the new one starts with empty tables."""
    engine = create_async_engine(
        "sqlite+aiosqlite://",
        poolclass=AsyncAdaptedQueuePool,
        pool_size=1,
        max_overflow=0,
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "connect", _create_tables)
    return engine


def _create_tables(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    for table in (RateLimitKey.__table__, RateLimitBucket.__table__):  # type: ignore[attr-defined]
        cursor.execute(str(CreateTable(table).compile(dialect=sqlite.dialect())))
    cursor.close()


def _hit(dialect: str, limit: str, rates: tuple[Rate, ...]) -> Insert:
    """The upsert applying GCRA over `rates`; parameters `subject`, `day` and `now`."""

    def greatest(*values: ColumnElement[Any]) -> ColumnElement[Any]:
        if len(values) == 1:
            return values[0]
        # SQLite's max() of two or more arguments is the scalar one
        return func.greatest(*values) if dialect == "postgresql" else func.max(*values)

    now = bindparam("now", type_=Double)
    tats = _TATS[: len(rates)]
    per_rate = list(zip(tats, rates, strict=True))
    # where each rate's bucket would stand with this request counted, and what that costs
    moved = {tat.name: greatest(tat, now) + rate.interval for tat, rate in per_rate}
    wait = greatest(
        literal(0.0, Double), *(moved[tat.name] - rate.period - now for tat, rate in per_rate)
    )
    refused = wait > literal(0.0, Double)
    insert = insert_for_dialect(dialect, RateLimitBucket).values(
        limit_name=limit,
        subject=bindparam("subject", type_=LargeBinary),
        day=bindparam("day", type_=Integer),
        expires_at=now + max(rate.interval for rate in rates),
        refused_for=0.0,  # a first request always fits: a burst is at least one
        **{tat.name: now + rate.interval for tat, rate in per_rate},
    )
    kept_or_moved = {tat.name: case((refused, tat), else_=moved[tat.name]) for tat in tats}
    expires_at = col(RateLimitBucket.expires_at)
    return insert.on_conflict_do_update(
        index_elements=[col(RateLimitBucket.limit_name), col(RateLimitBucket.subject)],
        set_={
            **kept_or_moved,
            "expires_at": case((refused, expires_at), else_=greatest(*moved.values())),
            "refused_for": wait,
        },
    ).returning(col(RateLimitBucket.refused_for))
