"""`stop-intake moderators add` and `hub-clients add`: accounts an operator can use at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from core.settings import Settings, get_settings

GOOD_PASSWORD = "correct horse battery staple"

RunCli = Callable[..., Awaitable[Result]]


@pytest.fixture
def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunCli]:
    """The real command group, configured through STOP_* variables like an operator's.

    Runs in a thread: the commands start their own event loop, as they do in a shell.
    """
    monkeypatch.setenv("STOP_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("STOP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("STOP_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()

    async def run(*args: str, input: str | None = None) -> Result:
        return await asyncio.to_thread(CliRunner().invoke, cli, list(args), input=input)

    yield run
    get_settings.cache_clear()


async def test_moderator_made_on_the_command_line_can_log_in(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    made = await run_cli(
        "moderators", "add", "ana", "--role", "lead", "--password-stdin", input=GOOD_PASSWORD
    )

    assert made.exit_code == 0, made.output
    assert "role lead" in made.output and GOOD_PASSWORD not in made.output
    login = await client.post("/v1/auth/login", json={"username": "ana", "password": GOOD_PASSWORD})
    assert login.status_code == 200


async def test_generated_password_is_shown_once_and_works(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    made = await run_cli("moderators", "add", "ben")

    password = made.output.split("Password (shown once): ")[1].strip()
    login = await client.post("/v1/auth/login", json={"username": "ben", "password": password})
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["moderators", "add", "cy", "--password-stdin"], "short", "at least 12 characters"),
        (["moderators", "add", "cy", "--role", "boss"], None, "'boss' is not one of"),
    ],
)
async def test_bad_account_requests_exit_one_with_a_reason(
    run_cli: RunCli, client: httpx.AsyncClient, args: list[str], stdin: str | None, says: str
) -> None:
    done = await run_cli(*args, input=stdin)

    assert done.exit_code in (1, 2) and says in done.output
    login = await client.post("/v1/auth/login", json={"username": "cy", "password": "short"})
    assert login.status_code == 401


async def test_second_moderator_with_the_same_name_is_refused(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    first = await run_cli("moderators", "add", "dee", "--password-stdin", input=GOOD_PASSWORD)
    second = await run_cli(
        "moderators", "add", "dee", "--password-stdin", input=GOOD_PASSWORD + "!"
    )

    assert first.exit_code == 0 and second.exit_code == 1
    assert second.output.startswith("Error: ")


async def test_hub_client_key_reads_the_feed(run_cli: RunCli, client: httpx.AsyncClient) -> None:
    made = await run_cli("hub-clients", "add", "analysis-hub")

    key = made.output.split("API key (shown once): ")[1].strip()
    feed = await client.get("/v1/hub/incidents", headers={"Authorization": f"Bearer {key}"})
    assert feed.status_code == 200
    assert feed.json()["items"] == []
