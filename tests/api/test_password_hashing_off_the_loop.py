"""Password hashing never runs on the event loop that serves intake and the in-process
worker: every argon2 computation a login or an account creation causes (the dummy hash for
an unknown account included) runs in another thread.

The real argon2 runs; the test only notes which thread each call runs in."""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher

from core.db import transaction
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def argon2_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    threads: list[int] = []
    for name in ("hash", "verify"):
        real = getattr(PasswordHasher, name)

        def noting(self, *args, _real=real, **kwargs):
            threads.append(threading.get_ident())
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, noting)
    return threads


async def test_argon2_never_runs_on_the_event_loop(client, app, argon2_threads):
    loop_thread = threading.get_ident()
    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(
            session, app.state.passwords, "ana", ModeratorRole.MODERATOR, TEST_PASSWORD
        )
    for username, password in [("ana", "wrong password"), ("nobody", "x"), ("ana", TEST_PASSWORD)]:
        await client.post("/v1/auth/login", json={"username": username, "password": password})
    assert len(argon2_threads) >= 4  # the account's hash, three verifications, the dummy hash
    assert loop_thread not in argon2_threads
