"""On the embedded default, nothing in the data folder is readable by other local users,
whatever the umask of the shell that started the service."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from migrations.runner import upgrade_head
from tests.conftest import make_settings
from tests.factories import new_report


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_data_folder_and_database_files_are_private(tmp_path: Path, usual_umask) -> None:
    data = tmp_path / "var"
    settings = make_settings(data, None, secret_key=None)
    await asyncio.to_thread(upgrade_head, settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.post("/v1/reports", json=new_report())
            assert answer.status_code == 201
        database = data / "stop-intake.db"
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm"), data / "secret.key"]
        assert all(path.exists() for path in files)
        assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
    assert _mode(data) == 0o700
    assert not [path for path in data.rglob("*") if path.is_dir() and _mode(path) != 0o700]


async def test_an_existing_data_folder_is_tightened(tmp_path: Path, usual_umask) -> None:
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    await asyncio.to_thread(upgrade_head, make_settings(data, None))
    assert _mode(data) == 0o700
    assert _mode(data / "stop-intake.db") == 0o600
