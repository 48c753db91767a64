"""Two-factor login: enrolment in the console (QR code drawn by the server, the key as
text, a code to confirm, recovery codes shown once), the code checked at every login, a
replayed code refused, and roles that require it limited to enrolment until it is set up."""

from __future__ import annotations

import asyncio
import re

import pyotp
import pytest
from sqlalchemy import select, update

from core.db import transaction
from models.audit import AuditEvent
from models.moderator import Moderator, ModeratorRole
from models.recovery_code import RecoveryCode
from models.second_factor import ModeratorTotp
from moderation import second_factor
from moderation.accounts import create_moderator
from tests.auth_helpers import totp_code
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import csrf_in


@pytest.fixture
def settings_overrides(settings_overrides):
    return {**settings_overrides, "require_2fa_roles": ["lead", "admin"]}


@pytest.fixture
def add_account(app):
    async def add(username: str, role: ModeratorRole) -> None:
        async with transaction(app.state.sessionmaker) as session:
            await create_moderator(session, app.state.passwords, username, role, TEST_PASSWORD)

    return add


async def console_login(client, username: str, otp: str = ""):
    form = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={
            "username": username,
            "password": TEST_PASSWORD,
            "otp": otp,
            "csrf_token": csrf_in(form.text),
        },
    )


async def api_login(client, username: str, otp: str | None = None):
    body = {"username": username, "password": TEST_PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return await client.post("/v1/auth/login", json=body)


async def start_enrolment(client, current: str = TEST_PASSWORD):
    """From a logged-in console: ask for a new authenticator secret, password given."""
    account = await client.get("/console/account")
    return await client.post(
        "/console/account/two-factor/start",
        data={"csrf_token": csrf_in(account.text), "current": current},
    )


async def enrol_in_console(client) -> tuple[str, list[str]]:
    """From a logged-in console: set up an authenticator; its key and the recovery codes."""
    started = await start_enrolment(client)
    assert started.status_code == 303
    page = await client.get(started.headers["location"])
    assert page.status_code == 200
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1)
    secret = secret.replace(" ", "")
    confirmed = await client.post(
        "/console/account/two-factor/confirm",
        data={"csrf_token": csrf_in(page.text), "code": totp_code(secret)},
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = re.findall(r"<code>([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})</code>", confirmed.text)
    return secret, codes


async def test_a_lead_without_a_second_factor_gets_no_api_token(client, add_account, sessionmaker):
    await add_account("lee", ModeratorRole.LEAD)

    answer = await api_login(client, "lee")

    assert answer.status_code == 403
    problem = answer.json()
    assert problem["type"] == "urn:stop-intake:problem:two-factor-enrolment-required"
    assert "/console" in problem["detail"]
    assert "access_token" not in answer.text
    async with sessionmaker() as session:
        actions = (await session.execute(select(AuditEvent.action))).scalars().all()
    assert "login_refused" in actions and "login" not in actions


async def test_in_the_console_such_a_lead_may_only_set_up_the_second_factor(client, add_account):
    await add_account("lee", ModeratorRole.LEAD)

    login = await console_login(client, "lee")

    assert login.status_code == 303 and login.headers["location"] == "/console/account"
    account = await client.get("/console/account")
    assert account.status_code == 200
    assert "requires two-factor login" in account.text
    for path in ("/console/queue", "/console/languages", "/console/"):
        refused = await client.get(path)
        assert refused.status_code == 303 and refused.headers["location"] == "/console/account"
    token = client.cookies["stop_console"]
    api = await client.get("/v1/moderation/queue", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 403
    assert api.json()["type"] == "urn:stop-intake:problem:two-factor-enrolment-required"


async def test_enrolment_shows_a_local_qr_code_and_the_key_then_opens_the_console(
    client, add_account
):
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    await start_enrolment(client)
    page = await client.get("/console/account/two-factor")

    assert '<img class="qr" src="/console/account/two-factor/qr.svg"' in page.text
    qr = await client.get("/console/account/two-factor/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.startswith("<svg") and qr.headers["cache-control"] == "no-store"
    assert re.findall(r"https?://[^\"' ]+", qr.text) == ["http://www.w3.org/2000/svg"]
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1)
    assert len(secret.replace(" ", "")) == 32

    wrong = await client.post(
        "/console/account/two-factor/confirm",
        data={"csrf_token": csrf_in(page.text), "code": "000000"},
    )
    assert wrong.status_code == 422 and "does not match" in wrong.text
    assert (await client.get("/console/queue")).status_code == 303

    right = await client.post(
        "/console/account/two-factor/confirm",
        data={"csrf_token": csrf_in(page.text), "code": totp_code(secret.replace(" ", ""))},
    )
    assert right.status_code == 200
    codes = re.findall(r"<code>([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})</code>", right.text)
    assert len(set(codes)) == 10 and "shown only now" in right.text
    assert (await client.get("/console/queue")).status_code == 200


async def test_then_every_login_needs_a_fresh_code_and_a_replayed_one_is_refused(
    client, add_account, sessionmaker
):
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    secret, _ = await enrol_in_console(client)
    async with sessionmaker() as session:  # the step whose code confirmed the enrolment
        confirmed_step = await session.scalar(select(ModeratorTotp.last_step))
    totp = pyotp.TOTP(secret)

    assert (await api_login(client, "lee")).status_code == 401
    assert (await api_login(client, "lee", "123456")).status_code == 401
    confirmation_code = totp.generate_otp(confirmed_step)  # already used once
    assert (await api_login(client, "lee", confirmation_code)).status_code == 401
    code = totp.generate_otp(confirmed_step + 1)
    assert (await api_login(client, "lee", code)).status_code == 200
    replay = await api_login(client, "lee", code)
    assert replay.status_code == 401
    assert replay.json()["type"] == "urn:stop-intake:problem:invalid-credentials"


async def test_each_recovery_code_works_once(client, add_account):
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    _, codes = await enrol_in_console(client)

    first = await api_login(client, "lee", codes[0].lower().replace("-", " "))
    again = await api_login(client, "lee", codes[0])
    other = await api_login(client, "lee", codes[1])

    assert (first.status_code, again.status_code, other.status_code) == (200, 401, 200)


async def test_the_console_login_form_takes_the_code(client, add_account):
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    secret, _ = await enrol_in_console(client)
    client.cookies.clear()

    without = await console_login(client, "lee")
    with_code = await console_login(client, "lee", totp_code(secret, 1))

    assert without.status_code == 401 and "one-time code" in without.text
    assert with_code.status_code == 303 and with_code.headers["location"] == "/console/queue"


async def test_secrets_and_recovery_codes_are_not_stored_in_clear(
    client, add_account, sessionmaker
):
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    secret, codes = await enrol_in_console(client)

    async with sessionmaker() as session:
        totp = await session.scalar(select(ModeratorTotp))
        hashes = (await session.execute(select(RecoveryCode.code_hash))).scalars().all()
    assert totp.secret.startswith("v1:") and secret not in totp.secret
    assert totp.pending_secret is None
    stored = " ".join(hashes)
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


async def test_a_moderator_may_turn_it_on_and_then_the_code_is_checked(client, add_account):
    await add_account("mo", ModeratorRole.MODERATOR)
    assert (await api_login(client, "mo", "999999")).status_code == 200  # no second factor
    await console_login(client, "mo")
    secret, _ = await enrol_in_console(client)

    assert (await api_login(client, "mo", "999999")).status_code == 401
    assert (await api_login(client, "mo", totp_code(secret, 1))).status_code == 200

    account = await client.get("/console/account")
    off = await client.post(
        "/console/account/two-factor/remove",
        data={"csrf_token": csrf_in(account.text), "current": TEST_PASSWORD},
    )
    assert off.status_code == 303
    assert (await api_login(client, "mo")).status_code == 200


async def test_a_role_that_requires_it_cannot_turn_it_off(client, add_account):
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    await enrol_in_console(client)
    account = await client.get("/console/account")
    assert "Turn off two-factor login" not in account.text

    refused = await client.post(
        "/console/account/two-factor/remove",
        data={"csrf_token": csrf_in(account.text), "current": TEST_PASSWORD},
    )

    assert refused.status_code == 409 and "requires a second factor" in refused.text


async def test_a_codes_app_of_any_kind_reads_the_uri(client, add_account, app):
    """The QR code holds a standard otpauth URI: issuer, account, SHA1, 6 digits, 30 s."""
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    await start_enrolment(client)
    async with app.state.sessionmaker() as session:
        lee = await session.scalar(select(Moderator))
        enrolment = await second_factor.pending_enrolment(session, app.state.hasher, lee)
    parsed = pyotp.parse_uri(enrolment.uri)
    assert enrolment.uri.startswith("otpauth://totp/STOP%20moderation:lee?")
    assert (parsed.issuer, parsed.name, parsed.digits, parsed.interval) == (
        "STOP moderation",
        "lee",
        6,
        30,
    )


async def test_two_clicks_starting_an_enrolment_at_once_both_succeed(client, add_account):
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    account = await client.get("/console/account")
    token = csrf_in(account.text)
    answers = await asyncio.gather(
        *(
            client.post(
                "/console/account/two-factor/start",
                data={"csrf_token": token, "current": TEST_PASSWORD},
            )
            for _ in range(2)
        )
    )
    assert [answer.status_code for answer in answers] == [303, 303]


async def test_a_second_factor_that_no_longer_opens_refuses_the_login_without_failing(
    client, add_account, sessionmaker
):
    await add_account("lee", ModeratorRole.LEAD)
    await console_login(client, "lee")
    secret, _ = await enrol_in_console(client)
    async with sessionmaker() as session, session.begin():  # a changed key, a damaged row
        await session.execute(update(ModeratorTotp).values(secret="v1:AAAAAAAAAAAAAAAAAAAAAAAA"))

    answer = await api_login(client, "lee", totp_code(secret, 1))

    assert answer.status_code == 401
    assert answer.json()["type"] == "urn:stop-intake:problem:invalid-credentials"


async def test_setting_up_an_authenticator_needs_the_password(client, add_account, sessionmaker):
    """A stolen session must not tie the account to the thief's phone."""
    await add_account("mo", ModeratorRole.MODERATOR)
    await console_login(client, "mo")
    for current in ("", "not my password!"):
        refused = await start_enrolment(client, current)
        assert refused.status_code == 422
    async with sessionmaker() as session:
        assert (await session.execute(select(ModeratorTotp))).all() == []
