"""Webhooks to a real receiver on 127.0.0.1: every version of every incident arrives,
signed (verified with the Standard Webhooks library's own verifier), in order within each
incident, once to a receiver that dedupes by `webhook-id`, scrubbed if retracted before it
was sent; through random failures and a stretch where the receiver is down. Dead letters
after the configured attempts, and replays from the command line."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from core.db import transaction
from core.hashing import keyed_hasher
from hub import publishing
from hub import webhooks as hooks
from models.hub_client import HubClient
from models.incident import Incident, RetractionReason
from models.moderator import ModeratorRole
from models.report import Report
from models.webhook import DeliveryStatus, WebhookDelivery, WebhookEvent
from tests.cli_helpers import RunCli
from tests.factories import incident_fields
from tests.webhook_receiver import Receiver
from worker.webhooks import WebhookWorker

TOKEN = "metrics-token-for-webhook-tests"
CANARY = "Kestrel"  # a word only in retracted content: it must never be sent


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "metrics_token": TOKEN,
        "webhook_retry_first_seconds": 0.001,
        "webhook_retry_max_seconds": 0.004,
        "webhook_max_attempts": 40,
        "webhook_timeout_seconds": 5,
        "webhook_batch_size": 4,
    }


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(seed=13)
    made.start()
    yield made
    if made.running:
        made.stop()


async def count(app: Any, status: DeliveryStatus) -> int:
    async with transaction(app.state.sessionmaker) as session:
        found = await session.scalar(
            select(func.count()).where(col(WebhookDelivery.status) == status)
        )
        return found or 0


async def deliver_all(
    app: Any, receiver: Receiver, down_from: int | None = None, down_rounds: int = 0
) -> int:
    """Run the real worker until nothing is pending. With `down_from`, the receiver goes
    down once it has taken that many messages and comes back after the worker has tried
    it `down_rounds` times (rounds with work) meanwhile. Returns those rounds."""
    worker = WebhookWorker(app.state.sessionmaker, app.state.settings)
    refused_rounds = 0
    try:
        for _ in range(5000):
            if await count(app, DeliveryStatus.PENDING) == 0:
                return refused_rounds
            if down_from is not None and len(receiver.arrivals) >= down_from:
                if receiver.running and refused_rounds == 0:
                    receiver.stop()
                elif not receiver.running and refused_rounds >= down_rounds:
                    receiver.start()
                    down_from = None
            handled = await worker.run_once()
            if handled and not receiver.running:
                refused_rounds += 1
            if not handled:
                await asyncio.sleep(0.002)  # a retry's wait is a few milliseconds
        raise AssertionError("deliveries still pending after 5,000 rounds")
    finally:
        await worker.close()


async def set_webhook(app: Any, name: str, url: str) -> str:
    async with transaction(app.state.sessionmaker) as session:
        secret = await hooks.set_webhook(session, keyed_hasher(app.state.settings), name, url)
    assert secret is not None
    return secret


async def publish_story(client: httpx.AsyncClient, lead: dict[str, str], queued_report) -> None:
    """Four incidents: A corrected twice, B retracted, C corrected then retracted, D as is."""

    async def approve(summary: str) -> str:
        report_id = await queued_report()
        await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=lead)
        answer = await client.post(
            f"/v1/moderation/reports/{report_id}/approve",
            json=incident_fields(summary=summary),
            headers=lead,
        )
        assert answer.status_code == 200, answer.text
        return report_id

    async def correct(report_id: str, summary: str) -> None:
        answer = await client.post(
            f"/v1/moderation/reports/{report_id}/correct",
            json=incident_fields(summary=summary),
            headers=lead,
        )
        assert answer.status_code == 200, answer.text

    async def retract(report_id: str) -> None:
        answer = await client.post(
            f"/v1/moderation/reports/{report_id}/retract",
            json={"reason": "not what happened", "category": "inaccurate"},
            headers=lead,
        )
        assert answer.status_code == 200, answer.text

    a = await approve("Workers kept at a farm, version one.")
    b = await approve(f"{CANARY} workshop, soon retracted.")
    await correct(a, "Workers kept at a farm, version two.")
    c = await approve(f"{CANARY} kitchen, first telling.")
    await correct(c, f"{CANARY} kitchen, second telling.")
    await retract(b)
    await correct(a, "Workers kept at a farm, version three.")
    await approve("Workers in a quarry.")
    await retract(c)


async def expected_ids(app: Any) -> set[str]:
    async with transaction(app.state.sessionmaker) as session:
        events = (await session.scalars(select(WebhookEvent))).all()
    return {hooks.webhook_id(event) for event in events}


def versions_by_incident(messages: list[dict[str, Any]]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        found[message["data"]["incident_id"]].append(message["data"]["version"])
    return found


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_every_version_arrives_signed_in_order_and_once_through_failures_and_an_outage(
    app, client, make_moderator, make_hub_client, queued_report, receiver
):
    receiver.fail_before, receiver.fail_after = 0.25, 0.2
    lead = await make_moderator("lena", ModeratorRole.LEAD)
    await make_hub_client("hub")
    await make_hub_client("pull-only")  # no webhook: nothing is queued for it
    receiver.secret = await set_webhook(app, "hub", receiver.url)
    await publish_story(client, lead, queued_report)

    refused = await deliver_all(app, receiver, down_from=3, down_rounds=4)

    assert refused >= 4  # the receiver was down for a while, and came back
    assert receiver.bad_signatures == 0
    assert set(receiver.accepted) == await expected_ids(app)
    assert len(receiver.accepted) == 9
    # The receiver was sent something it already had (accepted, then answered 500) and
    # kept it once: nothing reached it twice as far as its dedupe is concerned.
    assert receiver.duplicates > 0
    accepted = list(receiver.accepted.values())
    for versions in versions_by_incident(accepted).values():
        assert versions == list(range(1, len(versions) + 1))
    # Not even a retry went out of order: every request it took was of the latest version
    # it had been sent of that incident, or the next one.
    for versions in versions_by_incident([a.message for a in receiver.arrivals]).values():
        assert versions == sorted(versions)
    assert sorted(map(len, versions_by_incident(accepted).values())) == [1, 2, 3, 3]
    # B and C were retracted before anything was sent: every version of theirs went out
    # scrubbed, and no word of theirs left the server.
    assert CANARY not in receiver.bodies()
    retracted = [m for m in accepted if m["type"] == "incident.retracted"]
    assert len(retracted) == 2
    gone = {m["data"]["incident_id"] for m in retracted}
    for message in accepted:
        if message["data"]["incident_id"] in gone:
            assert message["data"]["incident"] is None
    kept = [m for m in accepted if m["data"]["incident_id"] not in gone]
    assert {m["data"]["incident"]["summary"] for m in kept} == {
        "Workers kept at a farm, version one.",
        "Workers kept at a farm, version two.",
        "Workers kept at a farm, version three.",
        "Workers in a quarry.",
    }
    assert [m["sequence"] for m in accepted] != [] and all(
        m["timestamp"] == m["data"]["published_at"] for m in accepted
    )
    async with transaction(app.state.sessionmaker) as session:
        rows = (await session.scalars(select(WebhookDelivery))).all()
    assert {row.status for row in rows} == {DeliveryStatus.DELIVERED}
    assert all(row.lease_owner is None and row.next_attempt_at is None for row in rows)
    assert len(rows) == 9  # for "hub" only


async def test_a_rolled_back_publication_leaves_no_event(
    app, client, make_moderator, queued_report, receiver, make_hub_client
):
    lead = await make_moderator("lena", ModeratorRole.LEAD)
    await make_hub_client("hub")
    receiver.secret = await set_webhook(app, "hub", receiver.url)
    report_id = await queued_report()
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=lead)
    await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=lead
    )

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned):
        async with transaction(app.state.sessionmaker) as session:
            report = await session.get(Report, report_id)
            assert report is not None
            await publishing.retract(session, report, None, RetractionReason.OTHER)
            assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 2
            raise Abandoned

    async with transaction(app.state.sessionmaker) as session:
        assert await session.scalar(select(func.count()).select_from(Incident)) == 1
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
        assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def metric(text: str, status: str) -> float:
    found = re.search(rf'^stop_webhook_deliveries{{status="{status}"}} (\S+)$', text, re.M)
    assert found, text
    return float(found[1])


async def test_dead_letters_after_the_attempts_and_replay_dead_delivers_them(
    app, client, make_moderator, make_hub_client, queued_report, receiver, run_cli: RunCli
):
    app.state.settings.webhook_max_attempts = 3
    receiver.fail_before = 1.0  # always 503
    lead = await make_moderator("lena", ModeratorRole.LEAD)
    await make_hub_client("hub")
    made = await run_cli("hub-clients", "webhooks", "set", "hub", receiver.url)
    assert made.exit_code == 0, made.output
    receiver.secret = made.output.split()[-1]
    assert receiver.secret.startswith("whsec_")
    report_id = await queued_report()
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=lead)
    await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=lead
    )
    await client.post(
        f"/v1/moderation/reports/{report_id}/correct",
        json=incident_fields(summary="Corrected."),
        headers=lead,
    )
    metrics = {"Authorization": f"Bearer {TOKEN}"}
    before = (await client.get("/metrics", headers=metrics)).text
    assert metric(before, "pending") == 2 and metric(before, "dead") == 0

    await deliver_all(app, receiver)

    assert receiver.accepted == {}
    async with transaction(app.state.sessionmaker) as session:
        rows = (await session.scalars(select(WebhookDelivery))).all()
    assert [(row.status, row.attempts, row.last_error) for row in rows] == [
        (DeliveryStatus.DEAD, 3, "http-503")
    ] * 2
    after = (await client.get("/metrics", headers=metrics)).text
    assert metric(after, "pending") == 0 and metric(after, "dead") == 2
    assert receiver.url not in after and "hub" not in re.findall(r"\{[^}]*\}", after)
    status = await run_cli("hub-clients", "webhooks", "status")
    assert status.output.splitlines()[1].split()[:4] == ["hub", "0", "0", "2"]

    receiver.fail_before = 0.0
    replayed = await run_cli("hub-clients", "webhooks", "replay", "hub", "--dead")
    assert replayed.exit_code == 0, replayed.output
    assert "2 deliveries" in replayed.output
    await deliver_all(app, receiver)

    assert set(receiver.accepted) == await expected_ids(app)
    assert [m["data"]["version"] for m in receiver.accepted.values()] == [1, 2]
    final = (await client.get("/metrics", headers=metrics)).text
    assert metric(final, "dead") == 0


async def test_replay_since_resends_with_the_same_ids_and_reaches_a_late_webhook(
    app, client, make_moderator, make_hub_client, queued_report, receiver, run_cli: RunCli
):
    lead = await make_moderator("lena", ModeratorRole.LEAD)
    await make_hub_client("hub")
    for _ in range(2):
        report_id = await queued_report()
        await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=lead)
        await client.post(
            f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=lead
        )
    # The webhook was set after both were published: nothing is queued for it yet.
    made = await run_cli("hub-clients", "webhooks", "set", "hub", receiver.url)
    receiver.secret = made.output.split()[-1]
    assert await count(app, DeliveryStatus.PENDING) == 0

    replayed = await run_cli("hub-clients", "webhooks", "replay", "hub", "--since", "0")
    assert "2 deliveries" in replayed.output, replayed.output
    await deliver_all(app, receiver)
    first = dict(receiver.accepted)
    assert len(first) == 2 and len(receiver.arrivals) == 2
    sequences = sorted(m["sequence"] for m in first.values())

    again = await run_cli("hub-clients", "webhooks", "replay", "hub", "--since", str(sequences[0]))
    assert "1 deliveries" in again.output, again.output
    await deliver_all(app, receiver)

    assert len(receiver.arrivals) == 3 and receiver.duplicates == 1
    assert receiver.arrivals[-1].message["sequence"] == sequences[1]
    assert receiver.accepted == first


async def test_the_webhook_commands_set_rotate_clear_and_refuse_what_they_cannot_do(
    app, client, make_moderator, make_hub_client, queued_report, receiver, run_cli: RunCli
):
    await make_hub_client("hub")
    bad = await run_cli("hub-clients", "webhooks", "set", "hub", "ftp://example.org/x")
    assert bad.exit_code == 1 and "http" in bad.output
    unknown = await run_cli("hub-clients", "webhooks", "set", "nobody", receiver.url)
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    none = await run_cli("hub-clients", "webhooks", "replay", "hub", "--dead")
    assert none.exit_code == 1 and "no webhook" in none.output
    both = await run_cli("hub-clients", "webhooks", "replay", "hub", "--dead", "--since", "1")
    assert both.exit_code == 2

    first = (await run_cli("hub-clients", "webhooks", "set", "hub", receiver.url)).output
    moved = (await run_cli("hub-clients", "webhooks", "set", "hub", receiver.url + "/v2")).output
    assert "whsec_" in first and "whsec_" not in moved  # a new URL keeps the secret
    rotated = await run_cli("hub-clients", "webhooks", "rotate-secret", "hub")
    new_secret = rotated.output.split()[-1]
    assert new_secret.startswith("whsec_") and new_secret != first.split()[-1]
    async with transaction(app.state.sessionmaker) as session:
        stored = await session.scalar(select(HubClient).where(HubClient.name == "hub"))
    assert stored is not None and new_secret not in str(stored.webhook_secret_sealed)
    assert new_secret not in (await run_cli("hub-clients", "webhooks", "status")).output

    # Signed with the new secret from the next attempt on.
    await run_cli("hub-clients", "webhooks", "set", "hub", receiver.url)
    receiver.secret = first.split()[-1]
    lead = await make_moderator("lena", ModeratorRole.LEAD)
    report_id = await queued_report()
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=lead)
    await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=lead
    )
    worker = WebhookWorker(app.state.sessionmaker, app.state.settings)
    await worker.run_once()
    assert receiver.bad_signatures == 1 and receiver.accepted == {}
    receiver.secret = new_secret
    await deliver_all(app, receiver)
    await worker.close()
    assert len(receiver.accepted) == 1

    # Clearing drops what was still to be sent; revoking does too.
    await client.post(
        f"/v1/moderation/reports/{report_id}/correct", json=incident_fields(), headers=lead
    )
    assert await count(app, DeliveryStatus.PENDING) == 1
    cleared = await run_cli("hub-clients", "webhooks", "clear", "hub")
    assert cleared.exit_code == 0, cleared.output
    assert await count(app, DeliveryStatus.PENDING) == 0
    listed = (await run_cli("hub-clients", "webhooks", "status")).output
    assert "hub" not in listed
