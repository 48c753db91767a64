"""`stop-intake moderators add` and `hub-clients add`: accounts an operator can use at once."""

from __future__ import annotations

import httpx
import pytest

from tests.cli_helpers import RunCli

GOOD_PASSWORD = "correct horse battery staple"


async def test_moderator_made_on_the_command_line_can_log_in(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    made = await run_cli(
        "moderators", "add", "ana", "--role", "lead", "--password-stdin", input=GOOD_PASSWORD
    )

    assert made.exit_code == 0, made.output
    assert "role lead" in made.output and GOOD_PASSWORD not in made.output
    login = await client.post("/v1/auth/login", json={"username": "ana", "password": GOOD_PASSWORD})
    assert login.status_code == 200


async def test_generated_password_is_shown_once_and_works(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    made = await run_cli("moderators", "add", "ben")

    password = made.output.split("Password (shown once): ")[1].strip()
    login = await client.post("/v1/auth/login", json={"username": "ben", "password": password})
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["moderators", "add", "cy", "--password-stdin"], "short", "at least 12 characters"),
        (["moderators", "add", "cy", "--role", "boss"], None, "'boss' is not one of"),
    ],
)
async def test_bad_account_requests_exit_one_with_a_reason(
    run_cli: RunCli, client: httpx.AsyncClient, args: list[str], stdin: str | None, says: str
) -> None:
    done = await run_cli(*args, input=stdin)

    assert done.exit_code in (1, 2) and says in done.output
    login = await client.post("/v1/auth/login", json={"username": "cy", "password": "short"})
    assert login.status_code == 401


async def test_second_moderator_with_the_same_name_is_refused(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    first = await run_cli("moderators", "add", "dee", "--password-stdin", input=GOOD_PASSWORD)
    second = await run_cli(
        "moderators", "add", "dee", "--password-stdin", input=GOOD_PASSWORD + "!"
    )

    assert first.exit_code == 0 and second.exit_code == 1
    assert second.output.startswith("Error: ")


async def test_hub_client_key_reads_the_feed(run_cli: RunCli, client: httpx.AsyncClient) -> None:
    made = await run_cli("hub-clients", "add", "analysis-hub")

    key = made.output.split("API key (shown once): ")[1].strip()
    feed = await client.get("/v1/hub/incidents", headers={"Authorization": f"Bearer {key}"})
    assert feed.status_code == 200
    assert feed.json()["items"] == []


# --- managing accounts: list, disable, enable, set-role, reset-password, reset-2fa ---


async def _login(client: httpx.AsyncClient, username: str, password: str = GOOD_PASSWORD):
    return await client.post("/v1/auth/login", json={"username": username, "password": password})


async def _token(client: httpx.AsyncClient, username: str, password: str = GOOD_PASSWORD):
    answer = await _login(client, username, password)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.mark.parametrize(
    ("username", "says"),
    [("", "A username is"), ("   ", "A username is"), ("ana smith", "A username is")],
)
async def test_empty_or_malformed_usernames_are_refused(
    run_cli: RunCli, username: str, says: str
) -> None:
    done = await run_cli("moderators", "add", username, "--password-stdin", input=GOOD_PASSWORD)
    assert done.exit_code == 1 and says in done.output


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("a" * 12, "too easy to guess"),
        ("Password1234!", "too easy to guess"),
        ("eve-the-cat-1234", "must not contain the username"),
    ],
)
async def test_guessable_passwords_are_refused_with_a_reason(
    run_cli: RunCli, client: httpx.AsyncClient, password: str, says: str
) -> None:
    done = await run_cli("moderators", "add", "Eve", "--password-stdin", input=password)

    assert done.exit_code == 1 and says in done.output and password not in done.output
    assert (await _login(client, "eve", password)).status_code == 401


async def test_usernames_are_stored_in_lower_case_and_logged_in_with_any_case(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    await run_cli("moderators", "add", " Ana ", "--password-stdin", input=GOOD_PASSWORD)
    assert (await _login(client, "ANA")).status_code == 200


async def test_list_shows_role_state_and_second_factor(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    await run_cli(
        "moderators", "add", "ana", "--role", "admin", "--password-stdin", input=GOOD_PASSWORD
    )
    await run_cli("moderators", "add", "bo", "--password-stdin", input=GOOD_PASSWORD)
    await _token(client, "ana")
    await run_cli("moderators", "disable", "bo")

    listed = await run_cli("moderators", "list")

    assert listed.exit_code == 0, listed.output
    lines = [line.split() for line in listed.output.splitlines()]
    assert lines[0][:4] == ["USERNAME", "ROLE", "STATE", "2FA"]
    assert lines[1][:5] == ["ana", "admin", "active", "off", "1"]
    assert lines[2][:5] == ["bo", "moderator", "disabled", "off", "0"]
    assert GOOD_PASSWORD not in listed.output


async def test_disable_ends_every_token_at_once_and_enable_lets_the_account_back(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    await run_cli("moderators", "add", "ana", "--password-stdin", input=GOOD_PASSWORD)
    tokens = [await _token(client, "ana") for _ in range(2)]

    disabled = await run_cli("moderators", "disable", "ana")

    assert disabled.exit_code == 0 and "2 session(s) ended" in disabled.output
    for headers in tokens:
        assert (await client.get("/v1/moderation/queue", headers=headers)).status_code == 401
    assert (await _login(client, "ana")).status_code == 401
    enabled = await run_cli("moderators", "enable", "ana")
    assert enabled.exit_code == 0
    assert (await _login(client, "ana")).status_code == 200


async def test_set_role_changes_what_the_account_may_do_at_its_next_request(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    await run_cli("moderators", "add", "ana", "--password-stdin", input=GOOD_PASSWORD)
    headers = await _token(client, "ana")
    retract = "/v1/moderation/reports/00000000-0000-0000-0000-000000000000/retract"
    body = {"reason": "test"}
    assert (await client.post(retract, json=body, headers=headers)).status_code == 403

    done = await run_cli("moderators", "set-role", "ana", "lead")

    assert done.exit_code == 0 and "role lead" in done.output
    assert (await client.post(retract, json=body, headers=headers)).status_code == 404
    bad = await run_cli("moderators", "set-role", "ana", "boss")
    assert bad.exit_code == 2


async def test_reset_password_prints_a_new_one_once_and_ends_the_sessions(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    await run_cli("moderators", "add", "ana", "--password-stdin", input=GOOD_PASSWORD)
    headers = await _token(client, "ana")

    reset = await run_cli("moderators", "reset-password", "ana")

    assert reset.exit_code == 0 and "1 session(s) ended" in reset.output
    password = reset.output.split("Password (shown once): ")[1].strip()
    assert (await client.get("/v1/moderation/queue", headers=headers)).status_code == 401
    assert (await _login(client, "ana")).status_code == 401
    assert (await _login(client, "ana", password)).status_code == 200


async def test_reset_password_from_stdin_follows_the_policy(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    await run_cli("moderators", "add", "ana", "--password-stdin", input=GOOD_PASSWORD)

    weak = await run_cli("moderators", "reset-password", "ana", "--password-stdin", input="a" * 12)
    chosen = "plum vivid orbit canoe"
    good = await run_cli("moderators", "reset-password", "ana", "--password-stdin", input=chosen)

    assert weak.exit_code == 1 and "too easy to guess" in weak.output
    assert good.exit_code == 0 and chosen not in good.output
    assert (await _login(client, "ana", chosen)).status_code == 200


async def test_reset_password_lifts_the_delay_after_failed_logins(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    await run_cli("moderators", "add", "ana", "--password-stdin", input=GOOD_PASSWORD)
    for _ in range(6):
        await _login(client, "ana", "wrong password here!")
    assert (await _login(client, "ana")).status_code == 429

    chosen = "plum vivid orbit canoe"
    await run_cli("moderators", "reset-password", "ana", "--password-stdin", input=chosen)

    assert (await _login(client, "ana", chosen)).status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ["disable", "nobody"],
        ["enable", "nobody"],
        ["set-role", "nobody", "lead"],
        ["reset-password", "nobody"],
        ["reset-2fa", "nobody"],
    ],
)
async def test_commands_on_an_unknown_account_exit_one(run_cli: RunCli, args: list[str]) -> None:
    done = await run_cli("moderators", *args)
    assert done.exit_code == 1 and "No moderator is called 'nobody'" in done.output
    assert "Password (shown once)" not in done.output
