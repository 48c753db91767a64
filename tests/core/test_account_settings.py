"""The settings of logins: which roles must use a second factor, and the limits."""

from __future__ import annotations

import pytest

from core.settings import MODERATOR_ROLES, Settings
from intake.protection.ratelimit import RateLimiter
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
    monkeypatch.setenv("STOP_RATE_LIMIT_LOGIN", "2/minute")
    limiter = RateLimiter.from_settings(Settings(_env_file=None))
    limiter.hit("login", "192.0.2.1")
    limiter.hit("login", "192.0.2.1")
    with pytest.raises(Exception, match="Too many requests") as refused:
        limiter.hit("login", "192.0.2.1")
    assert int(refused.value.headers["Retry-After"]) >= 1
