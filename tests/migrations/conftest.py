"""An empty database on each backend, for migrating step by step."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from tests.conftest import _admin, _pg_url, make_settings


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a database no migration has touched yet (dropped after the test)."""
    if request.param == "sqlite":
        yield make_settings(tmp_path, None)
        return
    name = f"stop_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_settings(tmp_path, _pg_url(name))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
