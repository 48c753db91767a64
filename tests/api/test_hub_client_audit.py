"""Every change to a hub client from the command line is in the audit trail: add, scopes,
rotate, revoke and the webhook's set, clear and rotate-secret, with before and after values,
done `via: cli` by no moderator; and never a key, a secret, their hashes, or the webhook's
path, query or credentials."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from core.db import transaction
from models.audit import AuditEvent
from models.hub_client import HubClient
from tests.cli_helpers import RunCli

FEED = "/v1/hub/incidents"
HOOK = "https://relay:hunter2@hub.example.org:8443/hooks/tok-3f9a7c?sig=qq81"
OTHER_HOOK = "https://hub.example.org:8443/hooks/other"


def last_word(output: str) -> str:
    return output.split()[-1]


async def cli_ok(run_cli: RunCli, *args: str) -> str:
    result = await run_cli(*args)
    assert result.exit_code == 0, result.output
    return str(result.output)


async def trail(app: Any) -> list[AuditEvent]:
    async with transaction(app.state.sessionmaker) as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("hub_")).order_by(AuditEvent.id)
        )
        return list(rows.all())


async def stored(app: Any, name: str) -> HubClient:
    async with transaction(app.state.sessionmaker) as session:
        found = await session.scalar(select(HubClient).where(HubClient.name == name))
        assert found is not None
        return found


async def test_hub_client_changes_are_audited_without_keys_or_secrets(
    run_cli: RunCli, client: httpx.AsyncClient, app: Any
) -> None:
    secrets: list[str] = []
    made = await cli_ok(
        run_cli,
        "hub-clients",
        "add",
        "partner",
        "--scope",
        "incidents:read",
        "--scope",
        "export:read",
    )
    secrets.append(last_word(made))
    secrets.append((await stored(app, "partner")).key_hash)

    changed = await cli_ok(
        run_cli, "hub-clients", "scopes", "partner", "--scope", "aggregates:read"
    )
    assert "aggregates:read" in changed
    # the new scopes hold at once: the feed is no longer the client's to read
    answer = await client.get(FEED, headers={"Authorization": f"Bearer {secrets[0]}"})
    assert answer.status_code == 403

    secrets.append(last_word(await cli_ok(run_cli, "hub-clients", "rotate", "partner")))
    secrets.append((await stored(app, "partner")).key_hash)
    secrets.append(
        last_word(await cli_ok(run_cli, "hub-clients", "webhooks", "set", "partner", HOOK))
    )
    await cli_ok(run_cli, "hub-clients", "webhooks", "set", "partner", OTHER_HOOK)
    secrets.append(
        last_word(await cli_ok(run_cli, "hub-clients", "webhooks", "rotate-secret", "partner"))
    )
    secrets.append(str((await stored(app, "partner")).webhook_secret_sealed))
    await cli_ok(run_cli, "hub-clients", "webhooks", "clear", "partner")
    await cli_ok(run_cli, "hub-clients", "revoke", "partner")
    refused = await run_cli("hub-clients", "rotate", "partner")  # revoked: refused, not audited
    assert refused.exit_code != 0

    events = await trail(app)
    assert [event.action for event in events] == [
        "hub_client_created",
        "hub_client_scopes_changed",
        "hub_client_key_rotated",
        "hub_webhook_set",
        "hub_webhook_set",
        "hub_webhook_secret_rotated",
        "hub_webhook_cleared",
        "hub_client_revoked",
    ]
    assert all(event.moderator_id is None and event.report_id is None for event in events)
    assert all(event.detail == {"hub_client": "partner", "via": "cli"} for event in events)
    created, scopes, rotated, hooked, moved, resecret, cleared, revoked = (
        event.changes for event in events
    )
    assert created == {
        "name": [None, "partner"],
        "scopes": [None, ["export:read", "incidents:read"]],
        "is_active": [None, True],
        "key": [None, "(secret)"],
    }
    assert scopes == {"scopes": [["export:read", "incidents:read"], ["aggregates:read"]]}
    assert rotated["key"] == ["(secret)", "(secret)"]
    assert rotated["previous_key_valid_until"][0] is None
    assert rotated["previous_key_valid_until"][1] is not None
    assert set(rotated) == {"key", "previous_key_valid_until"}
    assert hooked == {
        "webhook_origin": [None, "https://hub.example.org:8443"],
        "webhook_url": [None, {"chars": len(HOOK)}],
        "webhook_secret": [None, "(secret)"],
    }
    assert moved == {"webhook_url": [{"chars": len(HOOK)}, {"chars": len(OTHER_HOOK)}]}
    assert resecret == {"webhook_secret": ["(secret)", "(secret)"]}
    assert cleared == {
        "webhook_origin": ["https://hub.example.org:8443", None],
        "webhook_url": [{"chars": len(OTHER_HOOK)}, None],
        "webhook_secret": ["(secret)", None],
    }
    assert set(revoked) == {"is_active", "previous_key_valid_until"}
    assert revoked["is_active"] == [True, False]

    recorded = json.dumps([[event.detail, event.changes] for event in events])
    for never in [*secrets, "hunter2", "relay", "tok-3f9a7c", "qq81", "/hooks"]:
        assert never not in recorded, never
