"""Settings as an operator writes them: plain and comma-separated lists, and one clear line
(never a traceback) for a setting that cannot be used."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import cli
from core.settings import Settings, get_settings


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("127.0.0.0/8", ["127.0.0.0/8"]),
        ("127.0.0.0/8,::1", ["127.0.0.0/8", "::1"]),
        (" 10.0.0.1 , unix ", ["10.0.0.1", "unix"]),
        ('["10.0.0.0/8", "::1"]', ["10.0.0.0/8", "::1"]),
        ("", []),
    ],
)
def test_list_settings_accept_plain_comma_and_json_forms(monkeypatch, written, read):
    monkeypatch.setenv("STOP_TRUSTED_PROXIES", written)
    monkeypatch.setenv("STOP_APP_CHECK_APP_IDS", written.replace("/", "-"))
    settings = Settings(_env_file=None)
    assert settings.trusted_proxies == read
    assert settings.app_check_app_ids == [item.replace("/", "-") for item in read]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STOP_TRUSTED_PROXIES", "proxy.internal"),
        ("STOP_WORKER_MAX_ATTEMPTS", "many"),
        ("STOP_APP_CHECK_MODE", "strict"),
        ("STOP_PASSWORD_HASH_MEMORY_KIB", "1"),
    ],
)
@pytest.mark.parametrize(
    "command", [["migrate"], ["serve"], ["worker"], ["moderators", "add", "x"]]
)
def test_a_bad_setting_stops_any_command_with_one_line_naming_it(
    monkeypatch, variable, value, command
):
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, command)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: invalid setting: {variable}: ")
    assert "Traceback" not in result.output
