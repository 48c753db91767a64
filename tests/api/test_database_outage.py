"""A database connection lost under the server (PostgreSQL restarted, a failover, an idle
connection cut) is a 503 with Retry-After for the request that met it, and the next
request works again without a restart of the service."""

from __future__ import annotations

import asyncpg
from sqlalchemy import func, select

from models.report import Report
from tests.conftest import PG_ADMIN_DSN
from tests.factories import new_report


async def _cut_connections(database: str) -> int:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        return len(
            await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        )
    finally:
        await admin.close()


async def test_a_lost_connection_is_a_503_and_the_service_recovers(client, app, sessionmaker):
    first = await client.post("/v1/reports", json=new_report())
    assert first.status_code == 201  # the pool now holds a connection
    assert await _cut_connections(app.state.engine.url.database) >= 1

    body = new_report()
    met_the_cut = await client.post("/v1/reports", json=body)
    assert met_the_cut.status_code == 503, met_the_cut.text
    assert met_the_cut.headers["content-type"] == "application/problem+json"
    assert int(met_the_cut.headers["retry-after"]) > 0

    retried = await client.post("/v1/reports", json=body)
    assert retried.status_code == 201, retried.text
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 2
