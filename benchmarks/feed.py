"""The hub feed's page time at the start and at the end of a long feed (goal: flat, as
keyset pagination on the sequence should be), on PostgreSQL.

`--incidents` versions (100,000 by default) are COPYed into a fresh database, each with
valid schema 2.0 content built by `hub.content.build` from fields a moderator could have
given (`benchmarks/aggregates.py`'s realistic mix; 500 distinct contents, cycled, as
building each one would take longer than the measurement), one report behind each. Then
`hub.feed.page_after` (the code `GET /v1/hub/incidents` calls) is timed for a page of
`--limit` at after=0, in the middle and near the end; the median of `--runs` runs after a
warm-up. `--explain` prints the plan of the page near the end.

Run from the repository root with PostgreSQL on 127.0.0.1:5432 (scripts/postgres):

    .venv/bin/python benchmarks/feed.py [--incidents 100000] [--limit 100] [--runs 25]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from benchmarks.aggregates import incident  # noqa: E402
from core.db import create_engine, create_sessionmaker  # noqa: E402
from core.settings import Settings  # noqa: E402
from hub.feed import encode_cursor, page_after  # noqa: E402
from hub.schemas import IncidentContent  # noqa: E402
from tests.conftest import fresh_pg_database  # noqa: E402

SEED = 20261130
DISTINCT = 500
START = datetime(2026, 1, 1, tzinfo=UTC)
REPORT_COLUMNS = ["id", "client_id_hash", "payload_hash", "receipt_hash", "status", "text"]
REPORT_COLUMNS += ["urgent", "category_hints", "translation_status", "attempts", "received_at"]
INCIDENT_COLUMNS = ["id", "incident_id", "report_id", "version", "sequence", "change"]
INCIDENT_COLUMNS += ["payload", "scrubbed", "published_at"]


def report_row(n: int) -> tuple[Any, ...]:
    key = f"{n:064x}"
    received = START + timedelta(minutes=n)
    return (uuid.uuid4(), key, key, key, "approved", "text", False, "[]", "not_needed", 1, received)


def incident_row(n: int, report_id: uuid.UUID, payload: str) -> tuple[Any, ...]:
    published = START + timedelta(minutes=n, seconds=30)
    return (uuid.uuid4(), uuid.uuid4(), report_id, 1, n + 1, "published", payload, False, published)


async def fill(dsn: str, settings: Settings, count: int) -> None:
    rng = random.Random(SEED)
    contents = [incident(rng, settings) for _ in range(DISTINCT)]
    for content in contents[:20]:  # what is stored must be valid schema 2.0
        IncidentContent.model_validate(content)
    payloads = [json.dumps(content, default=str) for content in contents]
    connection = await asyncpg.connect(dsn)
    try:
        batch = 20_000
        for start in range(0, count, batch):
            numbers = range(start, min(count, start + batch))
            reports = [report_row(n) for n in numbers]
            await connection.copy_records_to_table(
                "reports", records=reports, columns=REPORT_COLUMNS
            )
            incidents = [
                incident_row(n, report[0], payloads[n % DISTINCT])
                for n, report in zip(numbers, reports, strict=True)
            ]
            await connection.copy_records_to_table(
                "incidents", records=incidents, columns=INCIDENT_COLUMNS
            )
        await connection.execute("UPDATE feed_counter SET last_sequence = $1", count)
        await connection.execute("VACUUM ANALYZE reports")
        await connection.execute("VACUUM ANALYZE incidents")
    finally:
        await connection.close()


async def run(url: str, count: int, limit: int, runs: int, show_plan: bool) -> None:
    settings = Settings(database_url=url, _env_file=None)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    started = time.perf_counter()
    await fill(dsn, settings, count)
    print(f"{count:,} incidents stored in {time.perf_counter() - started:.1f} s", flush=True)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    places = {
        "first page (after=0)": None,
        "middle": encode_cursor(count // 2),
        f"near the end (last {limit})": encode_cursor(count - limit),
    }
    print(f"\npage of {limit}, {count:,} incidents       median ms")
    try:
        for name, cursor in places.items():
            times = []
            async with sessionmaker() as session:
                for attempt in range(runs + 3):
                    begun = time.perf_counter()
                    feed = await page_after(session, cursor, limit, settings)
                    if attempt >= 3:
                        times.append(time.perf_counter() - begun)
                    await session.rollback()
            assert len(feed.items) == limit
            print(f"{name:<32} {statistics.median(times) * 1000:>8.1f}")
    finally:
        await engine.dispose()
    if show_plan:
        connection = await asyncpg.connect(dsn)
        try:
            plan = await connection.fetch(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM incidents "
                "WHERE sequence > $1 ORDER BY sequence LIMIT $2",
                count - limit,
                limit,
            )
            print("\n".join(row[0] for row in plan))
        finally:
            await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    with fresh_pg_database() as url:
        asyncio.run(run(url, args.incidents, args.limit, args.runs, args.explain))


if __name__ == "__main__":
    main()
