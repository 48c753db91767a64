"""Leads reassign and reopen; the moderator who rejected a report (or a lead) undoes the
rejection within the window. Each is audited, and each refusal is a problem+json 403,
409 or 422 (the full matrix of roles and states is in test_action_table.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from models.audit import AuditEvent
from models.moderator import Moderator, ModeratorRole
from models.report import Report
from tests.factories import incident_fields

PROBLEM = "urn:stop-intake:problem:"
BASE = "/v1/moderation/reports"


def problem(answer, status: int, slug: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == PROBLEM + slug


@pytest.fixture
async def team(make_moderator) -> dict[str, dict[str, str]]:
    return {
        "ana": await make_moderator("ana"),
        "bo": await make_moderator("bo"),
        "lea": await make_moderator("lea", ModeratorRole.LEAD),
    }


async def rejected_by(client, report_id: str, headers: dict[str, str]) -> None:
    assert (await client.post(f"{BASE}/{report_id}/claim", headers=headers)).status_code == 200
    rejected = await client.post(
        f"{BASE}/{report_id}/reject", json={"reason": "Looks like spam."}, headers=headers
    )
    assert rejected.status_code == 204


async def detail(client, report_id: str, headers: dict[str, str]) -> dict:
    return (await client.get(f"{BASE}/{report_id}", headers=headers)).json()


async def audited(sessionmaker, report_id: str, action: str) -> list[dict]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.report_id == uuid.UUID(report_id), AuditEvent.action == action
            )
        )
        return list(rows)


async def test_a_lead_hands_a_claimed_report_to_another_moderator(
    client, team, queued_report, sessionmaker
):
    report_id = await queued_report()
    assert (await client.post(f"{BASE}/{report_id}/claim", headers=team["ana"])).status_code == 200

    moved = await client.post(
        f"{BASE}/{report_id}/reassign", json={"moderator": "BO"}, headers=team["lea"]
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["claimed_by"] == "bo" and moved.json()["status"] == "in_review"
    # bo may now decide; ana, whose claim it was, may not
    assert (await detail(client, report_id, team["bo"]))["actions"][:2] == ["claim", "release"]
    refused = await client.post(
        f"{BASE}/{report_id}/reject", json={"reason": "x"}, headers=team["ana"]
    )
    problem(refused, 409, "claimed-by-another-moderator")
    assert await audited(sessionmaker, report_id, "reassigned") == [{"to": "bo"}]


async def test_a_lead_claims_a_queued_report_for_a_moderator(client, team, queued_report):
    report_id = await queued_report()
    moved = await client.post(
        f"{BASE}/{report_id}/reassign", json={"moderator": "ana"}, headers=team["lea"]
    )
    assert moved.status_code == 200
    assert (await detail(client, report_id, team["ana"]))["claimed_by"] == "ana"


async def test_reassigning_is_refused_to_moderators_to_unknown_accounts_and_when_decided(
    client, team, queued_report, sessionmaker
):
    report_id = await queued_report()
    path = f"{BASE}/{report_id}/reassign"
    problem(
        await client.post(path, json={"moderator": "bo"}, headers=team["ana"]), 403, "forbidden"
    )
    for nobody in ("nobody", "not a name!"):
        answer = await client.post(path, json={"moderator": nobody}, headers=team["lea"])
        problem(answer, 422, "unknown-moderator")
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Moderator).where(Moderator.username == "bo").values(is_active=False)
        )
    problem(
        await client.post(path, json={"moderator": "bo"}, headers=team["lea"]),
        422,
        "unknown-moderator",
    )
    for body in ({}, {"moderator": ""}, {"moderator": "ana", "extra": 1}, {"moderator": 5}):
        problem(await client.post(path, json=body, headers=team["lea"]), 422, "validation-error")

    await rejected_by(client, report_id, team["ana"])
    problem(
        await client.post(path, json={"moderator": "ana"}, headers=team["lea"]),
        409,
        "invalid-transition",
    )


async def test_a_lead_reopens_a_rejected_report_into_the_queue(
    client, team, queued_report, sessionmaker
):
    report_id = await queued_report()
    path = f"{BASE}/{report_id}/reopen"
    problem(await client.post(path, headers=team["lea"]), 409, "invalid-transition")  # queued
    await rejected_by(client, report_id, team["ana"])
    problem(await client.post(path, headers=team["ana"]), 403, "forbidden")

    assert (await client.post(path, headers=team["lea"])).status_code == 204
    queue = (await client.get("/v1/moderation/queue", headers=team["ana"])).json()["items"]
    assert [item["id"] for item in queue] == [report_id]
    assert queue[0]["status"] == "queued" and queue[0]["claimed_by"] is None
    async with sessionmaker() as session:
        report = await session.get(Report, uuid.UUID(report_id))
    assert report.rejection_reason is None and report.decided_by is None
    history = [
        entry["action"] for entry in (await detail(client, report_id, team["ana"]))["history"]
    ]
    assert history.count("rejected") == 1 and history.count("reopened") == 1


async def test_the_moderator_who_rejected_undoes_it_and_holds_the_claim_again(
    client, team, queued_report, sessionmaker
):
    report_id = await queued_report()
    await rejected_by(client, report_id, team["ana"])
    problem(
        await client.post(f"{BASE}/{report_id}/undo", headers=team["bo"]),
        403,
        "decided-by-another-moderator",
    )
    undone = await client.post(f"{BASE}/{report_id}/undo", headers=team["ana"])
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "in_review" and undone.json()["claimed_by"] == "ana"
    problem(
        await client.post(f"{BASE}/{report_id}/undo", headers=team["ana"]),
        409,
        "invalid-transition",
    )
    assert len(await audited(sessionmaker, report_id, "rejection_undone")) == 1
    # back in review, ana decides again
    approve_or_reject = (await detail(client, report_id, team["ana"]))["actions"]
    assert "reject" in approve_or_reject and "approve" in approve_or_reject


async def test_a_lead_undoes_anyones_rejection_but_nobody_after_the_window(
    client, team, queued_report, sessionmaker
):
    first, second = await queued_report(), await queued_report()
    for report_id in (first, second):
        await rejected_by(client, report_id, team["ana"])
    undone = await client.post(f"{BASE}/{first}/undo", headers=team["lea"])
    assert undone.status_code == 200 and undone.json()["claimed_by"] == "lea"

    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Report)
            .where(Report.id == uuid.UUID(second))
            .values(decided_at=utcnow() - timedelta(minutes=15, seconds=1))
        )
    for who in ("ana", "lea"):
        problem(
            await client.post(f"{BASE}/{second}/undo", headers=team[who]),
            409,
            "undo-window-closed",
        )
        assert "undo" not in (await detail(client, second, team[who]))["actions"]
    assert "reopen" in (await detail(client, second, team["lea"]))["actions"]


@pytest.mark.parametrize("settings_overrides", [{"undo_window_seconds": 0}])
async def test_a_window_of_zero_turns_undo_off(client, team, queued_report):
    report_id = await queued_report()
    await rejected_by(client, report_id, team["ana"])
    # no undo: only redaction, which any moderator may do in any state
    assert (await detail(client, report_id, team["ana"]))["actions"] == ["redact"]
    problem(
        await client.post(f"{BASE}/{report_id}/undo", headers=team["ana"]),
        409,
        "undo-window-closed",
    )


async def test_an_approval_undone_is_retracted_and_a_new_approval_is_a_new_incident(
    client, team, queued_report, make_hub_client
):
    hub = await make_hub_client()
    report_id = await queued_report()
    assert (await client.post(f"{BASE}/{report_id}/claim", headers=team["ana"])).status_code == 200
    approved = await client.post(
        f"{BASE}/{report_id}/approve",
        json=incident_fields(summary="Approved too fast."),
        headers=team["ana"],
    )
    assert approved.status_code == 200
    first = approved.json()["incident_id"]
    problem(
        await client.post(f"{BASE}/{report_id}/undo", headers=team["bo"]),
        403,
        "decided-by-another-moderator",
    )

    undone = await client.post(f"{BASE}/{report_id}/undo", headers=team["ana"])
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "in_review" and undone.json()["claimed_by"] == "ana"
    feed = await client.get("/v1/hub/incidents", headers=hub)
    assert "Approved too fast" not in feed.text
    assert [(i["incident_id"], i["change"]) for i in feed.json()["items"]] == [
        (first, "published"),
        (first, "retracted"),
    ]

    again = await client.post(
        f"{BASE}/{report_id}/approve", json=incident_fields(), headers=team["ana"]
    )
    assert again.status_code == 200, again.text
    assert again.json()["incident_id"] != first and again.json()["version"] == 1
