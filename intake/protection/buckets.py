"""The rate limiter's buckets in the database: one statement per request, shared by every
API process on every host.

On PostgreSQL the buckets live in the service's database, in two UNLOGGED tables. On the
embedded SQLite default (one `serve` process) the same tables live in an in-memory SQLite
database of that process (`memory` says why). The statements are built here with
SQLAlchemy and run by a `StatementRunner` (`statements` says why not through the engine).

A limit's rates are checked and counted by one `INSERT … ON CONFLICT DO UPDATE …
RETURNING` (PostgreSQL and SQLite both speak it), run outside any transaction (a single
statement is atomic on its own), so a hit costs one round trip. The database applies GCRA
to each rate of the row it has locked: the request fits when, for every rate,
`max(tat, now) + interval - period <= now`; then every `tat` moves on, otherwise nothing
moves and the row records how long the client must wait (a refused request writes only
that verdict). Two processes counting the same client at the same instant are serialised
on that row, so neither can spend a request the other has spent.

Times are seconds since the start of the bucket's UTC day (the day its hashing key
belongs to): small numbers keep double precision far below a millisecond, and a bucket
is never read after its day. Each process reads its own clock; clocks kept by NTP agree
far better than the shortest interval of any rate.
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
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from core.db import insert_for_dialect
from core.driver_sql import DriverPool
from core.settings import Settings
from intake.protection.direct import DirectStatements
from intake.protection.memory import MemoryStatements
from intake.protection.rates import Rate
from intake.protection.statements import StatementRunner
from models.rate_limit import MAX_RATES, RateLimitBucket, RateLimitKey

DAY_SECONDS = 86_400
_SALT_BYTES = 32
_BUCKETS = RateLimitBucket.__table__  # type: ignore[attr-defined]
_KEYS = RateLimitKey.__table__  # type: ignore[attr-defined]
_TATS = [_BUCKETS.c[f"tat_{number}"] for number in range(1, MAX_RATES + 1)]
_DAY = bindparam("day", type_=Integer)


def day_and_seconds(epoch_seconds: float) -> tuple[int, float]:
    """The UTC day number (days since 1970) and the seconds since that day began."""
    day, seconds = divmod(epoch_seconds, DAY_SECONDS)
    return int(day), seconds


class DatabaseBuckets:
    """Named limits over keyed client hashes, counted in `rate_limit_buckets`."""

    def __init__(self, runner: StatementRunner, limits: Mapping[str, Sequence[Rate]]) -> None:
        if not limits or not all(limits.values()):
            raise ValueError("every limit needs at least one rate")
        for name, rates in limits.items():
            if len(rates) > MAX_RATES:
                raise ValueError(f"limit {name!r} has {len(rates)} rates; at most {MAX_RATES}")
        self._runner = runner
        dialect = runner.dialect.name
        self._hits = {name: _hit(dialect, name, tuple(rates)) for name, rates in limits.items()}
        self._make_salt = (
            insert_for_dialect(dialect, RateLimitKey)
            .values(day=bindparam("day", type_=Integer), salt=bindparam("salt", LargeBinary))
            .on_conflict_do_nothing()
        )
        self._read_salt = select(col(RateLimitKey.salt)).where(col(RateLimitKey.day) == _DAY)
        day, expires_at = col(RateLimitBucket.day), col(RateLimitBucket.expires_at)
        self._forget_buckets = delete(RateLimitBucket).where(
            or_(day < _DAY, and_(day == _DAY, expires_at <= bindparam("seconds", type_=Double)))
        )
        self._forget_salts = delete(RateLimitKey).where(col(RateLimitKey.day) < _DAY)

    @classmethod
    def for_settings(
        cls,
        settings: Settings,
        engine: AsyncEngine,
        limits: Mapping[str, Sequence[Rate]],
        pool: DriverPool | None,
    ) -> DatabaseBuckets:
        """In the service's database (`engine`) on PostgreSQL, counted on `pool` (the
        process's hot-path pool, `core.driver_sql`); in the process on SQLite."""
        if settings.is_sqlite:
            return cls(MemoryStatements([_KEYS, _BUCKETS]), limits)
        if pool is None:
            raise ValueError("on PostgreSQL the buckets need the process's driver pool")
        return cls(DirectStatements(pool, engine.dialect), limits)

    async def take(self, limit: str, subject: bytes, day: int, seconds: float) -> float:
        """Count one request of `subject` against `limit` if it fits every rate.

        Returns 0 when it was counted, else the seconds until it would fit (and nothing was
        counted). An unknown limit name is a programming error (`KeyError`)."""
        values = {"subject": subject, "day": day, "now": seconds}
        return float(await self._runner.scalar(self._hits[limit], values))

    async def day_salt(self, day: int) -> bytes:
        """The day's random salt: made by whichever process needs it first."""
        salt = secrets.token_bytes(_SALT_BYTES)
        await self._runner.rowcount(self._make_salt, {"day": day, "salt": salt})
        return bytes(await self._runner.scalar(self._read_salt, {"day": day}))

    async def forget_spent(self, now: datetime) -> int:
        """Delete the buckets of past days with their salts (a hash kept after its day could
        be tied to an address by anyone holding that day's key) and today's buckets that are
        full again (no row means the same); how many buckets went. Safe from any number of
        processes at once."""
        today, seconds = day_and_seconds(now.timestamp())
        removed = await self._runner.rowcount(
            self._forget_buckets, {"day": today, "seconds": seconds}
        )
        await self._runner.rowcount(self._forget_salts, {"day": today})
        return removed

    async def close(self) -> None:
        await self._runner.close()


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
