"""Fixtures shared by the API tests that also drive the command line."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from core.settings import Settings, get_settings
from tests.cli_helpers import RunCli


@pytest.fixture
def run_cli(settings: Settings, app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunCli]:
    """The real command group, configured through STOP_* variables like an operator's.

    Runs in a thread: the commands start their own event loop, as they do in a shell. Uses
    `app`, so what the commands write is emptied after the test like the rest.
    """
    if settings.database_url is None:  # the embedded SQLite database in the data folder
        monkeypatch.delenv("STOP_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("STOP_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("STOP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("STOP_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()

    async def run(*args: str, input: str | None = None) -> Result:
        return await asyncio.to_thread(CliRunner().invoke, cli, list(args), input=input)

    yield run
    get_settings.cache_clear()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """schemathesis names each operation's test (`test_…[GET /v1/reports/mine]`), but under
    pytest 9 the node id leaves the operation out, so every operation's test had the same
    id and pytest-xdist (`make test`) ran one of them instead of all 42. Each gets its own
    id again."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item.id.params is None:
            item._id = item.id.with_params(label)
