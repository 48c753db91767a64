"""Fixtures: tiny real argos packages (built once per session) and the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from core.settings import get_settings
from tests.translation.tiny_model import build_package

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of .argosmodel files: es->en, en->es, en->sw (so es->sw pivots)."""
    folder = tmp_path_factory.mktemp("argosmodels")
    for source, target in (("es", "en"), ("en", "es"), ("en", "sw")):
        build_package(folder, source, target)
    return folder


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model folder that the CLI's settings point at."""
    directory = tmp_path / "translation"
    monkeypatch.setenv("STOP_TRANSLATION_DIR", str(directory))
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()


@pytest.fixture
def run_cli():
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input)

    return run


@pytest.fixture
def installed(models_dir: Path, packages: Path, run_cli) -> Path:
    """All test packages installed through the CLI."""
    result = run_cli("translation", "install", str(packages))
    assert result.exit_code == 0, result.output
    return models_dir
