"""A generated password always passes the password policy, even when the random draw
happens to spell the username (about one draw in 2,000 for `ana`)."""

from __future__ import annotations

import secrets

import pytest

from moderation import accounts
from moderation.password_policy import check_password


def test_a_draw_that_spells_the_username_is_drawn_again(monkeypatch: pytest.MonkeyPatch):
    draws = iter(["xQ7-ANA-zz91Lp0Rt5Vb2Nm8", "xQ7-kUw-zz91Lp0Rt5Vb2Nm8"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda _: next(draws))
    assert accounts.generate_password("ana") == "xQ7-kUw-zz91Lp0Rt5Vb2Nm8"


def test_generated_passwords_pass_the_policy():
    for _ in range(50):
        check_password(accounts.generate_password("ana"), "ana")
