"""A database connection lost under the server (PostgreSQL restarted, a failover, an idle
connection cut) is a 503 with Retry-After for the request that met it, never a 500, and
the next request works again without a restart of the service. Text reports and the rate
limiter's hit run on the process's driver pool (`core.driver_sql`), the other routes on the
engine's pool."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import asyncpg

from tests.conftest import PG_ADMIN_DSN
from tests.factories import new_report


async def _cut_connections(database: str, sparing: int | None = None) -> int:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        return len(
            await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid() AND pid IS DISTINCT FROM $2",
                database,
                sparing,
            )
        )
    finally:
        await admin.close()


async def _waiting_for_a_lock(database: str) -> bool:
    admin = await asyncpg.connect(PG_ADMIN_DSN)  # its own transaction: a fresh snapshot
    try:
        return bool(
            await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = $1 AND wait_event_type = 'Lock'",
                database,
            )
        )
    finally:
        await admin.close()


def _dsn(database: str) -> str:
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}"


async def _count_reports(database: str) -> int:
    """On a connection of its own: the app's pooled ones may have been cut."""
    connection = await asyncpg.connect(_dsn(database))
    try:
        return int(await connection.fetchval("SELECT count(*) FROM reports"))
    finally:
        await connection.close()


async def _cut_while_waiting(database: str, lock: str, request: Awaitable[Any]) -> Any:
    """`request`'s answer when its connection is cut while it waits on a lock of `reports`
    in mode `lock`, taken by a connection of the test's own (spared by the cut)."""
    locker = await asyncpg.connect(_dsn(database))
    try:
        async with locker.transaction():  # holds the request's statement until the cut
            await locker.execute(f"LOCK TABLE reports IN {lock} MODE")
            in_flight = asyncio.ensure_future(request)
            while not await _waiting_for_a_lock(database):
                await asyncio.sleep(0.02)
            await _cut_connections(
                database, sparing=await locker.fetchval("SELECT pg_backend_pid()")
            )
            return await in_flight
    finally:
        await locker.close()


def _is_retry_later(answer) -> bool:
    return (
        answer.status_code == 503
        and answer.headers["content-type"] == "application/problem+json"
        and int(answer.headers["retry-after"]) > 0
    )


async def test_after_every_pooled_connection_was_cut_at_most_one_request_is_a_503(client, app):
    receipt = (await client.post("/v1/reports", json=new_report())).json()["receipt"]
    mine = {"Authorization": f"Receipt {receipt}"}
    assert (await client.get("/v1/reports/mine", headers=mine)).status_code == 200
    assert await _cut_connections(app.state.engine.url.database) >= 1  # both pools'

    # The engine pings a connection before lending it; the hot-path pool (the limiter's
    # hit) may lend one whose loss it has not read yet: that request is a 503, and the
    # loss renews the rest of the pool, so the requests after it all succeed.
    answers = [await client.get("/v1/reports/mine", headers=mine) for _ in range(4)]
    assert answers[0].status_code == 200 or _is_retry_later(answers[0]), answers[0].text
    assert [answer.status_code for answer in answers[1:]] == [200, 200, 200]


async def test_a_read_in_flight_when_its_connection_dies_is_a_503_and_the_next_succeeds(
    client, app
):
    receipt = (await client.post("/v1/reports", json=new_report())).json()["receipt"]
    mine = {"Authorization": f"Receipt {receipt}"}
    met_the_cut = await _cut_while_waiting(  # every read of reports waits for the cut
        app.state.engine.url.database,
        "ACCESS EXCLUSIVE",
        client.get("/v1/reports/mine", headers=mine),
    )
    assert _is_retry_later(met_the_cut), met_the_cut.text
    # every other pooled connection was cut too: neither pool lends one of them again
    answers = [await client.get("/v1/reports/mine", headers=mine) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]


async def test_a_text_report_in_flight_when_its_connection_dies_is_a_503_then_stored_once(
    client, app
):
    database = app.state.engine.url.database
    body = new_report()
    answer = await _cut_while_waiting(  # every INSERT into reports waits for the cut
        database, "SHARE ROW EXCLUSIVE", client.post("/v1/reports", json=body)
    )
    assert _is_retry_later(answer), answer.text

    retried = await client.post("/v1/reports", json=body)
    assert retried.status_code == 201, retried.text
    assert await _count_reports(database) == 1


async def test_text_reports_after_idle_connections_were_cut_are_never_a_500_nor_doubled(
    client, app
):
    assert (await client.post("/v1/reports", json=new_report())).status_code == 201
    assert await _cut_connections(app.state.engine.url.database) >= 1

    body = new_report()
    after_the_cut = await client.post("/v1/reports", json=body)
    # The pool may notice the closed connection first and open another (201), or lend
    # it and meet the loss (503): either way the reporter's retry ends with one report.
    assert after_the_cut.status_code == 201 or _is_retry_later(after_the_cut)
    retried = await client.post("/v1/reports", json=body)
    assert retried.status_code in (200, 201), retried.text
    assert await _count_reports(app.state.engine.url.database) == 2
