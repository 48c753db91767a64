"""Guessing passwords online is slow: a growing, bounded delay per username (known or not),
a per-client limit, and every checked attempt audited without what was typed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from core.settings import Settings
from models.audit import AuditEvent
from models.login_failure import LoginFailure
from models.moderator import Moderator
from moderation.throttle import failure_delay
from tests.auth_helpers import ago
from tests.conftest import TEST_PASSWORD, make_settings

WRONG = "not the password at all 42"


async def _login(client, username: str, password: str, **extra):
    return await client.post(
        "/v1/auth/login", json={"username": username, "password": password, **extra}
    )


async def test_forty_wrong_passwords_then_the_right_one_is_refused_with_retry_after(
    client, make_moderator
):
    await make_moderator("ana")

    answers = [await _login(client, "ana", WRONG) for _ in range(40)]
    right = await _login(client, "ana", TEST_PASSWORD)

    statuses = [answer.status_code for answer in answers]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    assert right.status_code == 429
    assert right.headers["content-type"].startswith("application/problem+json")
    assert right.json()["type"] == "urn:stop-intake:problem:login-throttled"
    assert int(right.headers["retry-after"]) >= 1
    assert "access_token" not in right.text


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_an_unknown_username_is_throttled_exactly_like_a_known_one(client, make_moderator):
    await make_moderator("ana")

    def shape(answer):
        body = answer.json()
        return answer.status_code, body["type"], body["title"], "retry-after" in answer.headers

    known = [shape(await _login(client, "ana", WRONG)) for _ in range(8)]
    unknown = [shape(await _login(client, "nobody-here", WRONG)) for _ in range(8)]

    assert known == unknown
    assert [status for status, *_ in known] == [401] * 5 + [429] * 3


def test_the_delay_doubles_from_one_second_and_stops_at_the_maximum(tmp_path):
    settings = make_settings(
        tmp_path,
        None,
        login_failures_before_delay=5,
        login_first_delay_seconds=1,
        login_max_delay_seconds=900,
    )
    delays = [failure_delay(failures, settings) for failures in range(1, 20)]
    assert delays[:4] == [0, 0, 0, 0]
    assert delays[4:14] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    assert delays[14:] == [900] * 5
    assert failure_delay(10_000, settings) == 900  # never a permanent lock


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_after_the_wait_the_right_password_works_and_clears_the_count(
    client, make_moderator, sessionmaker
):
    await make_moderator("ana")
    for _ in range(6):
        await _login(client, "ana", WRONG)
    assert (await _login(client, "ana", TEST_PASSWORD)).status_code == 429

    async with sessionmaker() as session, session.begin():  # as if the wait had passed
        await session.execute(update(LoginFailure).values(blocked_until=ago(seconds=1)))
    assert (await _login(client, "ana", TEST_PASSWORD)).status_code == 200

    async with sessionmaker() as session:
        assert (await session.execute(select(LoginFailure))).all() == []


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_failures_a_day_old_are_forgotten(client, make_moderator, sessionmaker):
    await make_moderator("ana")
    await _login(client, "ana", WRONG)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(LoginFailure).values(
                failures=50, last_attempt_at=ago(hours=25), blocked_until=ago(hours=24)
            )
        )

    assert (await _login(client, "ana", WRONG)).status_code == 401

    async with sessionmaker() as session:
        assert (await session.scalar(select(LoginFailure.failures))) == 1


async def test_logins_are_audited_with_the_account_never_with_what_was_typed(
    client, make_moderator, sessionmaker
):
    await make_moderator("ana")  # one successful login
    typed_name, typed_password = "mallory-typed-this", "hunter2-typed-secret"
    await _login(client, "ana", typed_password)
    await _login(client, typed_name, typed_password)
    await _login(client, "ana", TEST_PASSWORD, otp="123456")

    async with sessionmaker() as session:
        ana = await session.scalar(select(Moderator).where(Moderator.username == "ana"))
        events = (
            await session.execute(
                select(AuditEvent)
                .where(AuditEvent.action.in_(["login", "login_failed"]))
                .order_by(AuditEvent.id)
            )
        ).scalars()
        rows = [(event.action, event.moderator_id, event.detail) for event in events]
        stored = json.dumps(
            [[str(value) for value in row] for row in rows]
            + [[str(v) for v in row] for row in (await session.execute(select(LoginFailure))).all()]
        )

    assert rows == [
        ("login", ana.id, {"via": "api", "second_factor": "none", "enrolment_only": False}),
        ("login_failed", ana.id, {"via": "api", "reason": "wrong-password"}),
        ("login_failed", None, {"via": "api", "reason": "unknown-account"}),
        ("login", ana.id, {"via": "api", "second_factor": "none", "enrolment_only": False}),
    ]
    for typed in (typed_name, typed_password, TEST_PASSWORD, "123456"):
        assert typed not in stored


async def test_a_disabled_account_gets_the_same_answer_as_a_wrong_password(
    client, make_moderator, sessionmaker
):
    await make_moderator("ana")
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Moderator).values(is_active=False))

    disabled = await _login(client, "ana", TEST_PASSWORD)
    wrong = await _login(client, "nobody", TEST_PASSWORD)

    assert disabled.status_code == wrong.status_code == 401
    assert disabled.json() == wrong.json()


class TestPerClientLimit:
    @pytest.fixture
    def settings_overrides(self):
        return {"rate_limit_login": "3/minute"}

    async def test_a_client_trying_many_names_is_limited_with_retry_after(
        self, client, settings: Settings
    ):
        answers = [await _login(client, f"name-{n}", WRONG) for n in range(4)]

        assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
        assert answers[-1].json()["type"] == "urn:stop-intake:problem:too-many-requests"
        assert int(answers[-1].headers["retry-after"]) >= 1


async def test_known_and_unknown_usernames_cost_one_password_check_each(
    app, client, make_moderator
):
    await make_moderator("ana")
    calls = []
    real_verify = app.state.passwords.verify

    async def counting_verify(stored, password):
        calls.append(stored is None)
        return await real_verify(stored, password)

    app.state.passwords.verify = counting_verify
    try:
        await _login(client, "ana", WRONG)
        await _login(client, "nobody-here", WRONG)
    finally:
        app.state.passwords.verify = real_verify

    assert calls == [False, True]  # one argon2 check each, the unknown one against a dummy


async def test_nothing_typed_at_a_login_reaches_the_logs(client, make_moderator, caplog):
    await make_moderator("ana")
    caplog.set_level("DEBUG")
    typed = ["mallory-typed-this", "hunter2-typed-secret", "654321", "ABCD-EFGH-JKLM-NPQR"]

    await _login(client, typed[0], typed[1], otp=typed[2])
    await _login(client, "ana", typed[1], otp=typed[3])
    await _login(client, "ana", TEST_PASSWORD, otp=typed[2])
    await client.post("/v1/auth/login", data={"username": typed[0], "password": typed[1]})

    for secret in [*typed, TEST_PASSWORD]:
        assert secret not in caplog.text
