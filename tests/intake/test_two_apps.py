"""Two API processes (two apps, each with its own data folder) on one PostgreSQL database:
a client's rate limits and an App Check token's uses are counted by both together."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from api.app import create_app
from core.clock import utcnow
from intake.housekeeping import sweep
from models.rate_limit import RateLimitBucket, RateLimitKey
from tests.conftest import _empty_all_tables, make_settings
from tests.factories import new_report
from tests.intake.conftest import (
    APP_ID,
    FETCH_TIMEOUT,
    PROJECT_NUMBER,
    KeyServer,
    sign,
    valid_claims,
)

Hosts = tuple[httpx.AsyncClient, httpx.AsyncClient]


@contextlib.asynccontextmanager
async def two_hosts(pg_database: str, tmp_path: Path, **overrides: object) -> AsyncIterator[Hosts]:
    settings = [make_settings(tmp_path / name, pg_database, **overrides) for name in ("a", "b")]
    apps = [create_app(each) for each in settings]
    try:
        async with contextlib.AsyncExitStack() as stack:
            clients = []
            for app in apps:
                await stack.enter_async_context(app.router.lifespan_context(app))
                client = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://testserver"
                )
                clients.append(await stack.enter_async_context(client))
            yield clients[0], clients[1]
    finally:
        await _empty_all_tables(settings[0])


async def test_a_client_spending_its_limit_on_two_hosts_is_refused_by_both(
    pg_database: str, tmp_path: Path
) -> None:
    limits = {"rate_limit_submit": "4/minute", "rate_limit_receipt_lookup": "2/minute"}
    async with two_hosts(pg_database, tmp_path, **limits) as (a, b):
        answers = [await host.post("/v1/reports", json=new_report()) for host in (a, b, a, b)]
        assert [answer.status_code for answer in answers] == [201] * 4
        for host in (a, b):
            refused = await host.post("/v1/reports", json=new_report())
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 15  # one report per 15 s

        # a receipt made on A is read on B, and its lookups are limited across both
        receipt = {"Authorization": f"Receipt {answers[0].json()['receipt']}"}
        lookups = [await host.get("/v1/reports/mine", headers=receipt) for host in (b, a, b)]
        assert [answer.status_code for answer in lookups] == [200, 200, 429]

        app = a._transport.app  # type: ignore[attr-defined]
        assert sorted(await limit_names(app)) == ["receipt_lookup", "submit"]

        # the next day, either host's housekeeping deletes them with the day's salt
        state, tomorrow = app.state, utcnow() + timedelta(days=1)
        await sweep(
            state.sessionmaker,
            state.storage,
            state.upload_partials,
            tomorrow,
            None,
            state.rate_limiter,
        )
        assert await limit_names(app) == []
        async with state.sessionmaker() as session:
            assert (await session.execute(select(RateLimitKey))).all() == []


async def limit_names(app: Any) -> list[str]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(RateLimitBucket.limit_name))).scalars())


async def test_an_app_check_token_carries_its_cap_across_hosts(
    pg_database: str, tmp_path: Path, key_server: KeyServer, signing_key: object
) -> None:
    app_check = {
        "app_check_mode": "enforce",
        "app_check_project_number": PROJECT_NUMBER,
        "app_check_app_ids": [APP_ID],
        "app_check_jwks_url": key_server.url,
        "app_check_jwks_timeout_seconds": FETCH_TIMEOUT,
        "app_check_max_reports_per_token": 3,
    }
    async with two_hosts(pg_database, tmp_path, **app_check) as (a, b):
        token = {"X-Firebase-AppCheck": sign(signing_key, valid_claims())}  # type: ignore[arg-type]
        codes = [
            (await host.post("/v1/reports", json=new_report(), headers=token)).status_code
            for host in (a, b, a, b)
        ]
    assert codes == [201, 201, 201, 401]
