"""The settings of logins: which roles must use a second factor, and the limits."""

from __future__ import annotations

import pytest

from core.settings import MODERATOR_ROLES, Settings
from intake.protection.ratelimit import Rate, limits_from_settings
from models.moderator import ModeratorRole


def test_settings_know_the_same_roles_as_the_models():
    assert list(MODERATOR_ROLES) == [role.value for role in ModeratorRole]


def test_leads_and_admins_must_use_a_second_factor_by_default(monkeypatch):
    monkeypatch.delenv("STOP_REQUIRE_2FA_ROLES", raising=False)
    settings = Settings(_env_file=None)
    assert settings.require_2fa_roles == ["lead", "admin"]
    assert settings.moderator_idle_minutes == 30
    assert settings.moderator_max_sessions == 5


@pytest.mark.parametrize(
    ("written", "read"),
    [("admin", ["admin"]), ("Moderator, LEAD,admin", ["moderator", "lead", "admin"]), ("", [])],
)
def test_the_roles_are_a_comma_separated_list(monkeypatch, written, read):
    monkeypatch.setenv("STOP_REQUIRE_2FA_ROLES", written)
    assert Settings(_env_file=None).require_2fa_roles == read


def test_an_unknown_role_is_refused(monkeypatch):
    monkeypatch.setenv("STOP_REQUIRE_2FA_ROLES", "admin,boss")
    with pytest.raises(ValueError, match="boss"):
        Settings(_env_file=None)


def test_the_login_limit_is_a_rate_like_the_others(monkeypatch):
    """What the limiter makes of it over HTTP: tests/api/test_login_throttling.py."""
    monkeypatch.setenv("STOP_RATE_LIMIT_LOGIN", "2/minute, 5/hour")
    assert limits_from_settings(Settings(_env_file=None))["login"] == (Rate(2, 60), Rate(5, 3600))
    monkeypatch.setenv("STOP_RATE_LIMIT_LOGIN", "2 per minute")
    with pytest.raises(ValueError, match="2 per minute"):
        limits_from_settings(Settings(_env_file=None))
