"""Fixtures for the sanitiser tests: settings, a workdir, and the dirty corpus (built once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from tests.media import builders


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "var")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One dirty file per supported format, with identifiers planted everywhere they fit."""
    return builders.dirty_corpus(tmp_path_factory.mktemp("dirty"))
