"""Shared fixtures: a real PostgreSQL database (made and migrated once per run), the
embedded SQLite variant, the application over httpx's ASGI transport, and accounts.

Isolation: every table is emptied after each test (the feed counter is reset), so tests
see only what they made.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from api.app import create_app
from core.db import create_engine, transaction
from core.hashing import keyed_hasher
from core.logging import LOG_FORMAT, ContentFreeFormatter
from core.settings import Settings
from hub.clients import create_hub_client
from migrations.runner import upgrade_head
from models import metadata
from models.hub_client import DEFAULT_HUB_SCOPES, HubScope
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator

TEST_LOGS = Path(__file__).resolve().parent.parent / "var" / "test-logs"


def pytest_configure(config: pytest.Config) -> None:
    """Every record the tests' code logs goes to var/test-logs/<worker>.log, formatted as
    the server formats it and at its level, for CI to search for report data (see
    tests/canaries.py)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:  # the controller (or a plain run) starts the folder afresh
        shutil.rmtree(TEST_LOGS, ignore_errors=True)
    TEST_LOGS.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(TEST_LOGS / f"{worker or 'main'}.log", encoding="utf-8")
    handler.setFormatter(ContentFreeFormatter(LOG_FORMAT))
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Once every worker is done, the run fails if report data reached any log."""
    if os.environ.get("PYTEST_XDIST_WORKER") is not None:
        return
    from tests.canaries import found_in

    session.config.stash[_LOG_FINDINGS] = findings = found_in(TEST_LOGS)
    if findings:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    findings = config.stash.get(_LOG_FINDINGS, None)
    if findings is None:
        return
    terminalreporter.write_line(f"test logs searched for report data: {len(findings)} found")
    for finding in findings:
        terminalreporter.write_line(f"  REPORT DATA IN A LOG: {finding}", red=True)


_LOG_FINDINGS = pytest.StashKey[list[str]]()
PG_ADMIN_DSN = os.environ.get(
    "STOP_TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_PASSWORD = "correct horse battery staple"


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def empty_pg_database(prefix: str = "stop_empty") -> AsyncIterator[str]:
    """The URL of a new PostgreSQL database with no schema yet (for a test that migrates
    it, or starts a process before the migration), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new PostgreSQL database, created by the migrations alone, dropped afterwards."""
    name = f"stop_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = _pg_url(name)
        upgrade_head(Settings(database_url=url, _env_file=None))
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The database most tests share; tables are emptied after each test."""
    with fresh_pg_database() as url:
        yield url


def make_settings(data_dir: Path, database_url: str | None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "secret_key": "test-secret-key-not-for-production",
        "run_worker_in_process": False,
        "worker_poll_seconds": 0.05,
        # generous limits: tests that check the limits set their own
        "rate_limit_submit": "1000/minute",
        "rate_limit_receipt_lookup": "1000/minute",
        "rate_limit_upload": "10000/minute",
        "rate_limit_upload_create": "10000/minute",
        # a first wait after failed logins that outlasts any test, however slow the machine
        "login_first_delay_seconds": 3600,
        "rate_limit_login": "1000/minute",
        # leads and admins log in without a second factor: tests of two-factor login and of
        # the role table set the production default (lead, admin) themselves
        "require_2fa_roles": [],
        # the lowest argon2 cost: a login takes milliseconds (production cost is the default)
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 8,
        "password_hash_parallelism": 1,
        # every approval publishes at once: tests of the rarity check set their own k
        "hub_rarity_k": 1,
        # no orphan sweep at each app's start (a bucket listing racing the test's own
        # requests); tests of the sweep call `intake.orphans.sweep_orphans` themselves
        "orphan_sweep_hours": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(params=["postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on; parametrize indirectly to add "sqlite"."""
    return request.param


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Settings a test module needs changed; override this fixture in the module."""
    return {}


@pytest.fixture
def settings(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, settings_overrides: dict[str, Any]
) -> Settings:
    if backend == "sqlite":
        settings = make_settings(tmp_path, None, **settings_overrides)
        upgrade_head(settings)
        return settings
    return make_settings(tmp_path, request.getfixturevalue("pg_database"), **settings_overrides)


async def _empty_all_tables(settings: Settings) -> None:
    if settings.is_sqlite:
        return  # each SQLite test has its own file, and the audit trail refuses DELETE
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            tables = [
                table.name for table in metadata.sorted_tables if table.name != "feed_counter"
            ]
            # TRUNCATE is not refused by the audit trail's row triggers (see migration 0014)
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            await connection.execute(text("UPDATE feed_counter SET last_sequence = 0"))
    finally:
        await engine.dispose()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
    await _empty_all_tables(settings)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def sessionmaker(app: Any) -> Any:
    return app.state.sessionmaker


@pytest.fixture
def make_moderator(app: Any, client: httpx.AsyncClient) -> Callable[..., Any]:
    """Create a moderator in the database and log in over the API; returns auth headers."""

    async def make(
        username: str = "mod", role: ModeratorRole = ModeratorRole.MODERATOR
    ) -> dict[str, str]:
        async with transaction(app.state.sessionmaker) as session:
            await create_moderator(session, app.state.passwords, username, role, TEST_PASSWORD)
        answer = await client.post(
            "/v1/auth/login", json={"username": username, "password": TEST_PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    return make


@pytest.fixture
def make_hub_client(app: Any) -> Callable[..., Any]:
    async def make(
        name: str = "hub", scopes: Iterable[HubScope] = DEFAULT_HUB_SCOPES
    ) -> dict[str, str]:
        async with transaction(app.state.sessionmaker) as session:
            key = await create_hub_client(session, keyed_hasher(app.state.settings), name, scopes)
        return {"Authorization": f"Bearer {key}"}

    return make


@pytest.fixture
def process_pending(app: Any) -> Callable[..., Any]:
    """Run the real pipeline worker over everything received so far."""
    from worker.runner import PipelineWorker

    async def run() -> int:
        worker = PipelineWorker(app.state.sessionmaker, app.state.settings)
        handled = 0
        while batch := await worker.run_once():
            handled += batch
        return handled

    return run


@pytest.fixture
def queued_report(
    client: httpx.AsyncClient, process_pending: Callable[..., Any]
) -> Callable[..., Any]:
    """Submit a report and run the pipeline, so it waits in the moderation queue."""
    from tests.factories import new_report

    async def make(**fields: Any) -> str:
        answer = await client.post("/v1/reports", json=new_report(**fields))
        assert answer.status_code == 201, answer.text
        await process_pending()
        return answer.json()["report_id"]

    return make
