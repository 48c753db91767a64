"""Every host and worker must share STOP_SECRET_KEY: receipts, sessions and API keys are
hashed under it. A process with another key stops before it hashes anything, naming the
setting; `stop-intake secret-key adopt` changes the database's key on purpose."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import key_check
from api.app import create_app
from api.key_check import KeyCheckState
from core.db import create_engine
from core.settings import Settings, get_settings
from migrations.runner import upgrade_head
from migrations.secret_key import OtherSecretKey, check_secret_key
from tests.cli_helpers import RunCli
from tests.conftest import empty_pg_database, make_settings


@pytest.fixture
def another_key(monkeypatch: pytest.MonkeyPatch):
    """Switch the commands run after this to another host's key (the app keeps its own)."""

    def switch(key: str) -> None:
        monkeypatch.setenv("STOP_SECRET_KEY", key)
        get_settings.cache_clear()

    return switch


async def test_a_host_with_the_databases_key_passes_the_check(run_cli: RunCli) -> None:
    done = await run_cli("secret-key", "check")

    assert done.exit_code == 0, done.output
    assert "is the key this database was set up with" in done.output


async def test_commands_under_another_key_stop_and_change_nothing(
    run_cli: RunCli, another_key, settings: Settings
) -> None:
    another_key("a-key-another-host-was-given")

    for command in (("secret-key", "check"), ("hub-clients", "add", "analysts")):
        done = await run_cli(*command)
        assert done.exit_code == 1, done.output
        assert "STOP_SECRET_KEY is not the key this database was set up with" in done.output
        assert "a-key-another-host-was-given" not in done.output
    another_key(str(settings.secret_key))
    assert "analysts" not in (await run_cli("hub-clients", "list")).output


async def test_an_api_process_under_another_key_does_not_start(settings: Settings, app) -> None:
    other = settings.model_copy(update={"secret_key": "a-key-another-host-was-given"})
    forgetful = settings.model_copy(update={"secret_key": None})

    with pytest.raises(OtherSecretKey, match="STOP_SECRET_KEY"):
        async with (application := create_app(other)).router.lifespan_context(application):
            pass
    with pytest.raises(OtherSecretKey, match="generated a key of its own"):
        async with (application := create_app(forgetful)).router.lifespan_context(application):
            pass


async def test_adopting_a_key_makes_it_the_databases(
    run_cli: RunCli, another_key, settings: Settings
) -> None:
    another_key("the-new-key-for-every-host")
    refused = await run_cli("secret-key", "adopt")  # no confirmation given
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert (await run_cli("secret-key", "check")).exit_code == 1

    adopted = await run_cli("secret-key", "adopt", "--yes")
    assert adopted.exit_code == 0 and "now expects this host's" in adopted.output
    assert (await run_cli("secret-key", "check")).exit_code == 0
    again = await run_cli("secret-key", "adopt", "--yes")
    assert "nothing changed" in again.output

    another_key(str(settings.secret_key))  # the key the database had before
    assert (await run_cli("secret-key", "check")).exit_code == 1


@pytest.fixture
async def empty_database() -> AsyncIterator[str]:
    """A PostgreSQL database with no schema yet (the API may start before the migration)."""
    async with empty_pg_database() as url:
        yield url


async def _readiness(app) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        answer = await http.get("/readyz")
    body = answer.json()
    assert (answer.status_code == 200) == (body["status"] == "ready")
    return body


async def _readiness_once_checked(app) -> dict[str, Any]:
    """/readyz once the check made in the background has an outcome (a bounded wait on a
    count of rounds, not on the clock: each round is one short sleep)."""
    for _ in range(400):
        body = await _readiness(app)
        if body["checks"]["secret_key"] != KeyCheckState.PENDING.value:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the key was never checked")


@pytest.mark.parametrize("planted", [None, "a-key-another-host-was-given"])
async def test_a_process_started_before_the_migration_checks_its_key_once_it_can(
    tmp_path: Path,
    empty_database: str,
    monkeypatch: pytest.MonkeyPatch,
    planted: str | None,
) -> None:
    monkeypatch.setattr(key_check, "RETRY_SECONDS", 0.05)
    settings = make_settings(tmp_path, empty_database)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        waiting = await _readiness(application)
        assert waiting["status"] == "not ready"
        assert waiting["checks"]["secret_key"] == KeyCheckState.PENDING.value

        await asyncio.to_thread(upgrade_head, settings)  # the operator migrates
        if planted is not None:  # ... a database another host with another key set up
            engine = create_engine(settings)
            try:
                other = settings.model_copy(update={"secret_key": planted})
                assert await check_secret_key(engine, other)
            finally:
                await engine.dispose()
        checked = await _readiness_once_checked(application)

    if planted is None:
        assert checked["status"] == "ready"
        assert checked["checks"]["secret_key"] == "ok"
    else:
        assert checked["status"] == "not ready"
        assert checked["checks"]["secret_key"] == KeyCheckState.REFUSED.value
