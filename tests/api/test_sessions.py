"""A login ends: at logout, when it expires, after 30 idle minutes, when the account opens
too many, or when the account is disabled; and always at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from models.moderator import Moderator, ModeratorSession
from moderation.sessions import token_hash
from tests.auth_helpers import ago, mint_token
from tests.conftest import TEST_PASSWORD


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _queue(client, token: str) -> int:
    return (await client.get("/v1/moderation/queue", headers=bearer(token))).status_code


async def _log_in(client, username: str = "ana") -> str:
    answer = await client.post(
        "/v1/auth/login", json={"username": username, "password": TEST_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return answer.json()["access_token"]


async def test_logout_ends_the_token_at_once(client, make_moderator):
    headers = await make_moderator("ana")
    other = await _log_in(client)

    out = await client.post("/v1/auth/logout", headers=headers)

    assert out.status_code == 204 and out.content == b""
    assert (await client.get("/v1/moderation/queue", headers=headers)).status_code == 401
    again = await client.post("/v1/auth/logout", headers=headers)
    assert again.status_code == 401
    assert again.json()["type"] == "urn:stop-intake:problem:invalid-token"
    assert await _queue(client, other) == 200  # only that session ended


async def test_logout_without_a_token_is_401(client):
    answer = await client.post("/v1/auth/logout")
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"


async def test_an_expired_or_idle_token_no_longer_works(app, client, make_moderator):
    await make_moderator("ana")
    expired = await mint_token(app, "ana", expires_at=ago(seconds=1))
    idle = await mint_token(app, "ana", last_seen_at=ago(minutes=31))
    recent = await mint_token(app, "ana", last_seen_at=ago(minutes=29))

    assert await _queue(client, expired) == 401
    assert await _queue(client, idle) == 401
    assert await _queue(client, recent) == 200


class TestIdleSetting:
    @pytest.fixture
    def settings_overrides(self):
        return {"moderator_idle_minutes": 5}

    async def test_the_idle_timeout_is_a_setting(self, app, client, make_moderator):
        await make_moderator("ana")
        assert (
            await _queue(client, await mint_token(app, "ana", last_seen_at=ago(minutes=6))) == 401
        )
        assert (
            await _queue(client, await mint_token(app, "ana", last_seen_at=ago(minutes=4))) == 200
        )


async def test_last_use_is_noted_at_most_once_a_minute(app, client, make_moderator, sessionmaker):
    await make_moderator("ana")
    token = await mint_token(app, "ana", last_seen_at=ago(minutes=10))

    async def last_seen():
        async with sessionmaker() as session:
            return await session.scalar(
                select(ModeratorSession.last_seen_at).where(
                    ModeratorSession.token_hash == token_hash(app.state.hasher, token)
                )
            )

    await _queue(client, token)
    noted = await last_seen()
    assert noted > ago(minutes=1)
    await _queue(client, token)
    assert await last_seen() == noted  # a second use within the minute writes nothing


class TestSessionCap:
    @pytest.fixture
    def settings_overrides(self):
        return {"moderator_max_sessions": 2}

    async def test_a_new_login_beyond_the_cap_ends_the_oldest(self, client, make_moderator):
        await make_moderator("ana")  # first session
        first, second, third = [await _log_in(client) for _ in range(3)]

        assert await _queue(client, first) == 401
        assert await _queue(client, second) == 200
        assert await _queue(client, third) == 200


async def test_disabling_an_account_ends_its_tokens_even_a_row_left_behind(
    app, client, make_moderator, sessionmaker
):
    headers = await make_moderator("ana")
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Moderator).values(is_active=False))
    assert (await client.get("/v1/moderation/queue", headers=headers)).status_code == 401
