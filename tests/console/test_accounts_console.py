"""The console's account pages: admins manage accounts (CSRF-checked, audited, effective at
once), everyone changes their own password under the policy, and logins through the form
are throttled like the API's."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import transaction
from models.audit import AuditEvent
from models.moderator import Moderator, ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import csrf_in


async def _add(app, username: str, role: ModeratorRole = ModeratorRole.MODERATOR) -> None:
    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(session, app.state.passwords, username, role, TEST_PASSWORD)


async def _console_login(client, username: str, password: str = TEST_PASSWORD):
    form = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf_in(form.text)},
    )


async def _api_token(client, username: str, password: str = TEST_PASSWORD) -> dict[str, str]:
    answer = await client.post("/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def _id(sessionmaker, username: str):
    async with sessionmaker() as session:
        return await session.scalar(select(Moderator.id).where(Moderator.username == username))


async def test_only_admins_see_and_use_the_accounts_pages(app, client, sessionmaker):
    await _add(app, "mo")
    await _add(app, "bo")
    await _console_login(client, "mo")
    queue = await client.get("/console/queue")
    assert 'href="/console/accounts"' not in queue.text

    page = await client.get("/console/accounts")
    target = await _id(sessionmaker, "bo")
    disable = await client.post(
        f"/console/accounts/{target}/disable", data={"csrf_token": csrf_in(queue.text)}
    )

    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert disable.status_code == 403
    async with sessionmaker() as session:
        assert (await session.get(Moderator, target)).is_active


async def test_an_admin_disables_an_account_and_its_tokens_stop_at_once(app, client, sessionmaker):
    await _add(app, "ada", ModeratorRole.ADMIN)
    await _add(app, "bo")
    bo_token = await _api_token(client, "bo")
    await _console_login(client, "ada")
    page = await client.get("/console/accounts")
    assert page.status_code == 200 and "bo" in page.text and "Disable" in page.text
    target = await _id(sessionmaker, "bo")

    done = await client.post(
        f"/console/accounts/{target}/disable", data={"csrf_token": csrf_in(page.text)}
    )

    assert done.status_code == 303 and done.headers["location"].endswith("?done=disabled")
    assert (await client.get("/v1/moderation/queue", headers=bo_token)).status_code == 401
    async with sessionmaker() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "account_disabled")
        )
    assert event.moderator_id == await _id(sessionmaker, "ada")
    assert event.detail == {"account_id": str(target), "sessions_ended": 1, "via": "console"}

    enabled = await client.post(
        f"/console/accounts/{target}/enable", data={"csrf_token": csrf_in(page.text)}
    )
    assert enabled.status_code == 303
    await _api_token(client, "bo")


async def test_account_forms_without_the_csrf_token_change_nothing(app, client, sessionmaker):
    await _add(app, "ada", ModeratorRole.ADMIN)
    await _add(app, "bo")
    await _console_login(client, "ada")
    target = await _id(sessionmaker, "bo")

    for data in ({}, {"csrf_token": "forged"}):
        for action in ("disable", "password", "role", "two-factor/reset"):
            answer = await client.post(
                f"/console/accounts/{target}/{action}", data={**data, "role": "admin"}
            )
            assert answer.status_code == 403, action
    async with sessionmaker() as session:
        bo = await session.get(Moderator, target)
        assert bo.is_active and bo.role == ModeratorRole.MODERATOR
    await _api_token(client, "bo")


async def test_reset_password_shows_a_generated_one_once_and_ends_the_sessions(
    app, client, sessionmaker
):
    await _add(app, "ada", ModeratorRole.ADMIN)
    await _add(app, "bo")
    bo_token = await _api_token(client, "bo")
    await _console_login(client, "ada")
    page = await client.get("/console/accounts")

    reset = await client.post(
        f"/console/accounts/{await _id(sessionmaker, 'bo')}/password",
        data={"csrf_token": csrf_in(page.text)},
    )

    assert reset.status_code == 200 and "shown only now" in reset.text
    password = re.search(r'<code class="secret">([^<]+)</code>', reset.text).group(1)
    assert (await client.get("/v1/moderation/queue", headers=bo_token)).status_code == 401
    await _api_token(client, "bo", password)


async def test_an_admin_changes_roles_and_creates_accounts(app, client, sessionmaker):
    await _add(app, "ada", ModeratorRole.ADMIN)
    await _add(app, "bo")
    await _console_login(client, "ada")
    page = await client.get("/console/accounts")
    csrf = csrf_in(page.text)

    role = await client.post(
        f"/console/accounts/{await _id(sessionmaker, 'bo')}/role",
        data={"csrf_token": csrf, "role": "lead"},
    )
    bad_role = await client.post(
        f"/console/accounts/{await _id(sessionmaker, 'bo')}/role",
        data={"csrf_token": csrf, "role": "boss"},
    )
    created = await client.post(
        "/console/accounts", data={"csrf_token": csrf, "username": "Cy", "role": "moderator"}
    )
    bad_name = await client.post(
        "/console/accounts", data={"csrf_token": csrf, "username": "", "role": "moderator"}
    )
    taken = await client.post(
        "/console/accounts", data={"csrf_token": csrf, "username": "bo", "role": "moderator"}
    )

    assert role.status_code == 303 and bad_role.status_code == 422
    async with sessionmaker() as session:
        bo = await session.scalar(select(Moderator).where(Moderator.username == "bo"))
    assert bo.role == ModeratorRole.LEAD
    assert created.status_code == 200 and "Password for cy" in created.text
    password = re.search(r'<code class="secret">([^<]+)</code>', created.text).group(1)
    await _api_token(client, "cy", password)
    assert bad_name.status_code == 422 and "A username is" in bad_name.text
    assert taken.status_code == 409 and "That username is taken" in taken.text


async def test_an_admin_cannot_disable_or_demote_themselves(app, client, sessionmaker):
    await _add(app, "ada", ModeratorRole.ADMIN)
    await _console_login(client, "ada")
    page = await client.get("/console/accounts")
    me = await _id(sessionmaker, "ada")

    for action, data in (("disable", {}), ("role", {"role": "moderator"})):
        answer = await client.post(
            f"/console/accounts/{me}/{action}", data={"csrf_token": csrf_in(page.text), **data}
        )
        assert answer.status_code == 409
    async with sessionmaker() as session:
        ada = await session.get(Moderator, me)
    assert ada.is_active and ada.role == ModeratorRole.ADMIN


async def test_changing_ones_password_follows_the_policy_and_ends_other_sessions(app, client):
    await _add(app, "mo")
    other = await _api_token(client, "mo")
    await _console_login(client, "mo")
    page = await client.get("/console/account")
    csrf = csrf_in(page.text)

    async def change(current: str, new: str, repeat: str | None = None):
        return await client.post(
            "/console/account/password",
            data={"csrf_token": csrf, "current": current, "new": new, "repeat": repeat or new},
        )

    weak = await change(TEST_PASSWORD, "a" * 12)
    named = await change(TEST_PASSWORD, "mo-mo-mo-mo-mo-1")
    wrong_current = await change("not my password!", "plum vivid orbit canoe")
    differ = await change(TEST_PASSWORD, "plum vivid orbit canoe", "something else entirely")
    good = await change(TEST_PASSWORD, "plum vivid orbit canoe")

    assert weak.status_code == 422 and "too easy to guess" in weak.text
    assert named.status_code == 422 and "too easy to guess" in named.text
    assert (
        wrong_current.status_code == 422 and "current password is not right" in wrong_current.text
    )
    assert differ.status_code == 422 and "differ" in differ.text
    assert good.status_code == 303
    assert (await client.get("/console/queue")).status_code == 200  # this session stays
    assert (await client.get("/v1/moderation/queue", headers=other)).status_code == 401
    await _api_token(client, "mo", "plum vivid orbit canoe")


async def test_a_stolen_session_cannot_guess_the_password_on_the_account_page(app, client):
    """Each sensitive change asks for the password again; wrong ones count as failed logins."""
    await _add(app, "mo")
    await _console_login(client, "mo")
    csrf = csrf_in((await client.get("/console/account")).text)

    async def change(current: str):
        return await client.post(
            "/console/account/password",
            data={"csrf_token": csrf, "current": current, "new": "plum vivid orbit canoe",
                  "repeat": "plum vivid orbit canoe"},
        )  # fmt: skip

    guesses = [(await change(f"guess number {n}!")).status_code for n in range(8)]
    right = await change(TEST_PASSWORD)

    assert guesses[:5] == [422] * 5 and set(guesses[5:]) == {429}
    assert right.status_code == 429  # the right one too, until the wait is over
    assert (await _console_login(client, "mo")).status_code == 429  # and the login form


async def test_console_logins_are_throttled_like_the_apis(app, client):
    await _add(app, "mo")

    wrong = [
        (await _console_login(client, "mo", "wrong password here!")).status_code for _ in range(40)
    ]
    right = await _console_login(client, "mo")

    assert wrong[:5] == [401] * 5 and set(wrong[5:]) == {429}
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
    assert "Too many failed logins" in right.text
    assert "stop_console=" not in right.headers.get("set-cookie", "")
