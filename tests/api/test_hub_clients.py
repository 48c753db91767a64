"""The life of a hub client from the command line: add with scopes, list, rotate with an
overlap, revoke; and what the feed does with it: scopes (403), a rate limit per client
(429), and when the client was last seen, kept to the hour."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select, update

from core.clock import utcnow
from core.db import transaction
from hub.clients import hour_of
from models.hub_client import HubClient
from tests.cli_helpers import RunCli

FEED = "/v1/hub/incidents"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def last_word(output: str) -> str:
    return output.split()[-1]


async def add(run_cli: RunCli, name: str, *scopes: str) -> str:
    args = [arg for scope in scopes for arg in ("--scope", scope)]
    made = await run_cli("hub-clients", "add", name, *args)
    assert made.exit_code == 0, made.output
    return last_word(made.output)


async def stored(app: Any, name: str) -> HubClient:
    async with transaction(app.state.sessionmaker) as session:
        found = await session.scalar(select(HubClient).where(HubClient.name == name))
        assert found is not None
        return found


async def set_columns(app: Any, name: str, **values: Any) -> None:
    async with transaction(app.state.sessionmaker) as session:
        await session.execute(update(HubClient).where(HubClient.name == name).values(**values))


async def test_add_takes_scopes_and_list_shows_them_without_keys(
    run_cli: RunCli, client: httpx.AsyncClient, app: Any
) -> None:
    feed_key = await add(run_cli, "feed")
    wide_key = await add(run_cli, "wide", "incidents:read", "export:read", "media:read")
    assert (await client.get(FEED, headers=bearer(feed_key))).status_code == 200

    listed = await run_cli("hub-clients", "list")
    as_json = await run_cli("hub-clients", "list", "--json")

    assert listed.exit_code == 0 and as_json.exit_code == 0, listed.output + as_json.output
    lines = [line.split() for line in listed.output.splitlines()]
    assert lines[0][:3] == ["NAME", "SCOPES", "STATE"]
    assert lines[1][:3] == ["feed", "incidents:read", "active"]
    assert lines[2][:3] == ["wide", "export:read,incidents:read,media:read", "active"]
    records = {r["name"]: r for r in map(json.loads, as_json.output.splitlines())}
    assert records["feed"]["scopes"] == ["incidents:read"]
    assert records["feed"]["last_seen_at"] is not None
    assert records["wide"]["last_seen_at"] is None
    assert records["wide"]["revoked"] is False
    assert records["wide"]["previous_key_valid_until"] is None
    assert feed_key not in listed.output + as_json.output
    assert wide_key not in listed.output + as_json.output
    assert (await stored(app, "feed")).key_hash not in as_json.output


async def test_unknown_scope_and_a_second_client_of_the_same_name_are_refused(
    run_cli: RunCli,
) -> None:
    await add(run_cli, "feed")
    again = await run_cli("hub-clients", "add", "feed")
    bad = await run_cli("hub-clients", "add", "other", "--scope", "reports:write")

    assert again.exit_code == 1 and "exists" in again.output
    assert bad.exit_code == 2 and "reports:write" in bad.output


async def test_rotation_keeps_the_old_key_for_the_overlap_and_not_after(
    run_cli: RunCli, client: httpx.AsyncClient, app: Any
) -> None:
    old = await add(run_cli, "feed")

    rotated = await run_cli("hub-clients", "rotate", "feed", "--overlap", "90m")

    assert rotated.exit_code == 0, rotated.output
    new = last_word(rotated.output)
    assert new.startswith("stophub_") and new != old
    assert (await client.get(FEED, headers=bearer(new))).status_code == 200
    assert (await client.get(FEED, headers=bearer(old))).status_code == 200
    ends = (await stored(app, "feed")).previous_key_expires_at
    assert ends is not None
    assert timedelta(minutes=89) < ends - utcnow() <= timedelta(minutes=90)
    record = json.loads((await run_cli("hub-clients", "list", "--json")).output)
    assert record["previous_key_valid_until"] is not None

    await set_columns(app, "feed", previous_key_expires_at=utcnow() - timedelta(seconds=1))

    refused = await client.get(FEED, headers=bearer(old))
    assert refused.status_code == 401
    assert refused.json()["type"] == "urn:stop-intake:problem:invalid-hub-key"
    assert (await client.get(FEED, headers=bearer(new))).status_code == 200


async def test_rotation_overlap_defaults_to_a_day_and_zero_ends_the_old_key_now(
    run_cli: RunCli, client: httpx.AsyncClient, app: Any
) -> None:
    first = await add(run_cli, "feed")
    second = last_word((await run_cli("hub-clients", "rotate", "feed")).output)
    ends = (await stored(app, "feed")).previous_key_expires_at
    assert ends is not None
    assert timedelta(hours=23, minutes=59) < ends - utcnow() <= timedelta(hours=24)

    third = await run_cli("hub-clients", "rotate", "feed", "--overlap", "0")

    assert third.exit_code == 0 and "stops working now" in third.output
    assert (await client.get(FEED, headers=bearer(second))).status_code == 401
    assert (await client.get(FEED, headers=bearer(first))).status_code == 401
    assert (await client.get(FEED, headers=bearer(last_word(third.output)))).status_code == 200


@pytest.mark.parametrize("overlap", ["tomorrow", "24", "-1h", "1w"])
async def test_an_overlap_that_is_not_a_duration_is_refused(
    run_cli: RunCli, client: httpx.AsyncClient, overlap: str
) -> None:
    key = await add(run_cli, "feed")
    done = await run_cli("hub-clients", "rotate", "feed", "--overlap", overlap)
    assert done.exit_code == 2 and "not a duration" in done.output
    assert (await client.get(FEED, headers=bearer(key))).status_code == 200


async def test_revoking_refuses_every_key_of_the_client_at_once(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    old = await add(run_cli, "feed")
    new = last_word((await run_cli("hub-clients", "rotate", "feed")).output)
    other = await add(run_cli, "other")
    assert (await client.get(FEED, headers=bearer(old))).status_code == 200

    revoked = await run_cli("hub-clients", "revoke", "feed")

    assert revoked.exit_code == 0, revoked.output
    for key in (old, new):
        answer = await client.get(FEED, headers=bearer(key))
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    assert (await client.get(FEED, headers=bearer(other))).status_code == 200
    listed = (await run_cli("hub-clients", "list")).output.splitlines()
    assert listed[1].split()[:3] == ["feed", "incidents:read", "revoked"]
    record = json.loads((await run_cli("hub-clients", "list", "--json")).output.splitlines()[0])
    assert record["revoked"] is True and record["revoked_at"] is not None
    rotate_revoked = await run_cli("hub-clients", "rotate", "feed")
    assert rotate_revoked.exit_code == 1 and "revoked" in rotate_revoked.output
    assert "stophub_" not in rotate_revoked.output


@pytest.mark.parametrize("command", ["rotate", "revoke"])
async def test_commands_on_an_unknown_client_exit_one(run_cli: RunCli, command: str) -> None:
    done = await run_cli("hub-clients", command, "nobody")
    assert done.exit_code == 1 and "No hub client is called 'nobody'" in done.output


async def test_a_client_without_the_scope_is_refused_the_feed(
    run_cli: RunCli, client: httpx.AsyncClient
) -> None:
    key = await add(run_cli, "media-only", "media:read")

    answer = await client.get(FEED, headers=bearer(key))

    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "urn:stop-intake:problem:hub-scope-missing"
    assert "incidents:read" in answer.json()["detail"]


class TestRateLimit:
    @pytest.fixture
    def settings_overrides(self, settings_overrides: dict[str, Any]) -> dict[str, Any]:
        return {**settings_overrides, "rate_limit_hub": "3/minute"}

    async def test_each_client_has_its_own_limit_whatever_its_address(
        self, run_cli: RunCli, client: httpx.AsyncClient
    ) -> None:
        first = await add(run_cli, "first")
        second = await add(run_cli, "second")
        for _ in range(3):
            assert (await client.get(FEED, headers=bearer(first))).status_code == 200

        refused = await client.get(FEED, headers=bearer(first))

        assert refused.status_code == 429
        assert refused.json()["type"] == "urn:stop-intake:problem:too-many-requests"
        assert 1 <= int(refused.headers["Retry-After"]) <= 20
        # the same address, another client: its own bucket
        assert (await client.get(FEED, headers=bearer(second))).status_code == 200


async def test_last_seen_is_kept_to_the_hour_and_written_once_an_hour(
    run_cli: RunCli, client: httpx.AsyncClient, app: Any
) -> None:
    key = await add(run_cli, "feed")
    assert (await stored(app, "feed")).last_seen_at is None
    writes: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE HUB_CLIENTS"):
            writes.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        before = hour_of(utcnow())
        for _ in range(3):
            assert (await client.get(FEED, headers=bearer(key))).status_code == 200
        after = hour_of(utcnow())
        seen = (await stored(app, "feed")).last_seen_at
        assert seen in (before, after)
        assert seen is not None and (seen.minute, seen.second, seen.microsecond) == (0, 0, 0)
        assert len(writes) == 1 or (before != after and len(writes) == 2)

        await set_columns(app, "feed", last_seen_at=before - timedelta(hours=1))
        writes.clear()
        assert (await client.get(FEED, headers=bearer(key))).status_code == 200
        assert len(writes) == 1
        assert (await stored(app, "feed")).last_seen_at == hour_of(utcnow())
    finally:
        event.remove(engine, "before_cursor_execute", count)
