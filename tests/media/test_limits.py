"""The sanitiser's own copy of its settings' defaults, and the CLI's start-up path.

`stop-intake sanitize` skips pydantic-settings when nothing configures it, so these
tests fail if `media.limits` drifts from `Settings` or if Settings gains a source
(a secrets folder, another env file) that the CLI would then not notice.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cli.sanitize
from core.settings import Settings, get_settings
from media.limits import DEFAULT_LIMITS

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_equal_the_settings_defaults() -> None:
    for field in dataclasses.fields(DEFAULT_LIMITS):
        assert getattr(DEFAULT_LIMITS, field.name) == Settings.model_fields[field.name].default


def test_settings_come_only_from_stop_variables_and_dotenv() -> None:
    config = Settings.model_config
    assert config["env_prefix"] == "STOP_" and config["env_file"] == ".env"
    assert not config.get("case_sensitive") and not config.get("secrets_dir")
    assert not config.get("cli_parse_args")


def test_cli_reads_real_settings_when_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("stop_max_image_pixels", "1234")  # any case counts
    get_settings.cache_clear()
    try:
        assert cli.sanitize._settings().max_image_pixels == 1234
    finally:
        get_settings.cache_clear()


def test_cli_reads_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.upper().startswith("STOP_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    assert cli.sanitize._settings() is DEFAULT_LIMITS
    (tmp_path / ".env").write_text("STOP_HARDENED_PHOTOS=true\n")
    get_settings.cache_clear()
    try:
        assert cli.sanitize._settings().hardened_photos is True
    finally:
        get_settings.cache_clear()


def test_sanitize_command_imports_no_heavy_module(tmp_path: Path) -> None:
    probe = (
        "import sys; sys.argv = ['stop-intake', 'sanitize', sys.argv[1], '--out', sys.argv[2]]\n"
        "from cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'argon2', 'argostranslate', 'torch', 'pydantic', 'PIL', 'numpy')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "missing.jpg"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
