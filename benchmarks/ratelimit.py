"""What one shared rate-limit hit costs, next to the least a database round trip costs.

`RateLimiter.hit` is one `INSERT … ON CONFLICT DO UPDATE … RETURNING` outside a transaction,
run on PostgreSQL straight on asyncpg (`intake/protection/direct.py`). This times it in
process against PostgreSQL (a fresh database on 127.0.0.1:5432), one hit after another and
32 at once, for one client (one hot row) and for a new client per hit, next to its peers:
`SELECT 1` through SQLAlchemy's AsyncEngine (what each of a request's other statements
pays) and on the limiter's own asyncpg pool (the floor). It also times the embedded
default's in-memory SQLite, next to its `SELECT 1`. Prints the median and p99 wall time
and this process's CPU time per call:

    .venv/bin/python benchmarks/ratelimit.py [--hits 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from core.db import create_engine  # noqa: E402
from core.driver_sql import HOT_PATH_CONNECTIONS, open_driver_pool  # noqa: E402
from core.hashing import KeyedHasher  # noqa: E402
from core.settings import Settings  # noqa: E402
from intake.protection.buckets import DatabaseBuckets  # noqa: E402
from intake.protection.direct import DirectStatements  # noqa: E402
from intake.protection.memory import MemoryStatements  # noqa: E402
from intake.protection.ratelimit import RateLimiter, limits_from_settings  # noqa: E402
from intake.protection.statements import StatementRunner  # noqa: E402
from models.rate_limit import RateLimitBucket, RateLimitKey  # noqa: E402
from tests.conftest import fresh_pg_database  # noqa: E402

GENEROUS = Settings(_env_file=None, rate_limit_submit="1000000/second, 100000000/hour")
TABLES = [RateLimitKey.__table__, RateLimitBucket.__table__]  # type: ignore[attr-defined]


async def timed(call: Callable[[int], Awaitable[object]], hits: int, at_once: int) -> str:
    """Median and p99 of each call's wall time (ms), and CPU of this process per call (ms)."""
    for number in range(200):  # warm-up: pool connections, prepared statements
        await call(-number - 1)
    durations: list[float] = []

    async def one(number: int) -> None:
        start = time.perf_counter()
        await call(number)
        durations.append(time.perf_counter() - start)

    cpu = time.process_time()
    for first in range(0, hits, at_once):
        await asyncio.gather(*(one(n) for n in range(first, min(first + at_once, hits))))
    cpu_each = (time.process_time() - cpu) / hits
    quantiles = statistics.quantiles(durations, n=100)
    return f"{quantiles[49] * 1e3:.2f} | {quantiles[98] * 1e3:.2f} | {cpu_each * 1e3:.3f}"


async def rows(name: str, runner: StatementRunner, hits: int, engine: Any = None) -> None:
    limits = RateLimiter(DatabaseBuckets(runner, limits_from_settings(GENEROUS)), KeyedHasher(b"b"))

    async def through_sqlalchemy(_: int) -> None:
        async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def direct(_: int) -> None:
        await runner.scalar(text("SELECT 1"), {})

    async def same_client(_: int) -> None:
        await limits.hit("submit", "203.0.113.9")

    async def new_client(number: int) -> None:
        await limits.hit(
            "submit", f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        )

    calls = {
        **({"SELECT 1 through SQLAlchemy (peer)": through_sqlalchemy} if engine else {}),
        "SELECT 1 on the limiter's own connection (peer)": direct,
        "hit, one client": same_client,
        "hit, a new client each": new_client,
    }
    for at_once in (1, 32):
        for what, call in calls.items():
            print(f"| {name}: {what}, {at_once} at once | {await timed(call, hits, at_once)} |")


async def measure(url: str, hits: int) -> None:
    print(f"{hits} calls per row, after 200 to warm up\n")
    print("| what | median ms | p99 ms | CPU ms per call |")
    print("|---|---:|---:|---:|")
    engine = create_engine(Settings(_env_file=None, database_url=url))
    pool = await open_driver_pool(engine, HOT_PATH_CONNECTIONS)
    direct = DirectStatements(pool, engine.dialect)
    try:
        await rows("PostgreSQL", direct, hits, engine)
    finally:
        await pool.close()
        await engine.dispose()
    memory = MemoryStatements(TABLES)
    await rows("in-process SQLite", memory, hits)
    await memory.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hits", type=int, default=3000)
    with fresh_pg_database() as database_url:
        asyncio.run(measure(database_url, parser.parse_args().hits))
