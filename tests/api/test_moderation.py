"""Moderators: log in, see the queue, claim, approve or reject; every action audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core.clock import utcnow
from models.audit import AuditEvent
from models.report import Report
from tests.factories import incident_fields


async def test_login_with_wrong_password_or_unknown_user_is_401(client, make_moderator):
    await make_moderator("ana")
    for body in ({"username": "ana", "password": "wrong"}, {"username": "nobody", "password": "x"}):
        answer = await client.post("/v1/auth/login", json=body)
        assert answer.status_code == 401
        assert answer.json()["type"] == "urn:stop-intake:problem:invalid-credentials"


async def test_login_accepts_an_oauth2_form(client, make_moderator):
    await make_moderator("ana")
    answer = await client.post(
        "/v1/auth/login", data={"username": "ana", "password": "correct horse battery staple"}
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer"


async def test_queue_needs_a_valid_token(client):
    assert (await client.get("/v1/moderation/queue")).status_code == 401
    forged = {"Authorization": "Bearer stopmod_forged"}
    answer = await client.get("/v1/moderation/queue", headers=forged)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_queue_lists_processed_reports_urgent_first(client, make_moderator, queued_report):
    headers = await make_moderator()
    calm = await queued_report(text="A man keeps the passports of the farm workers.")
    urgent = await queued_report(text="They are taking a girl away right now.", urgent=True)
    queue = (await client.get("/v1/moderation/queue", headers=headers)).json()["items"]
    assert [item["id"] for item in queue] == [urgent, calm]
    assert queue[0]["language"] == "en"
    assert queue[0]["translation_status"] == "not_needed"


async def test_claim_approve_publishes_an_incident_and_audits_each_step(
    client, make_moderator, queued_report, sessionmaker
):
    headers = await make_moderator("ana")
    report_id = await queued_report()
    detail = await client.get(f"/v1/moderation/reports/{report_id}", headers=headers)
    assert detail.status_code == 200 and detail.json()["text"].startswith("Five women")

    claim = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    assert claim.status_code == 200 and claim.json()["claimed_by"] == "ana"
    approve = await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=headers
    )
    assert approve.status_code == 200, approve.text
    incident = approve.json()
    assert incident["version"] == 1 and incident["schema_version"] == "2.0"
    assert incident["incident"]["exploitation_types"]["ForcedLabour"] == "yes"

    queue = (await client.get("/v1/moderation/queue", headers=headers)).json()["items"]
    assert queue == []
    async with sessionmaker() as session:
        actions = (
            await session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.report_id.is_not(None))  # not the account's creation, login
                .order_by(AuditEvent.id)
            )
        ).scalars()
        assert list(actions) == ["viewed", "claimed", "approved"]
    history = (await client.get(f"/v1/moderation/reports/{report_id}", headers=headers)).json()
    assert history["status"] == "approved"
    assert [entry["action"] for entry in history["history"]][:3] == [
        "viewed",
        "claimed",
        "approved",
    ]


async def test_a_report_claimed_by_one_moderator_cannot_be_taken_or_decided_by_another(
    client, make_moderator, queued_report
):
    ana = await make_moderator("ana")
    ben = await make_moderator("ben")
    report_id = await queued_report()
    assert (
        await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=ana)
    ).status_code == 200
    taken = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=ben)
    assert taken.status_code == 409
    assert taken.json()["type"] == "urn:stop-intake:problem:claimed-by-another-moderator"
    approve = await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=ben
    )
    assert approve.status_code == 409


async def test_an_expired_claim_can_be_taken_over(
    client, make_moderator, queued_report, sessionmaker
):
    ana = await make_moderator("ana")
    ben = await make_moderator("ben")
    report_id = await queued_report()
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=ana)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Report).values(claim_expires_at=utcnow() - timedelta(seconds=1))
        )
    taken = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=ben)
    assert taken.status_code == 200 and taken.json()["claimed_by"] == "ben"


async def test_deciding_needs_a_claim_and_a_decided_report_cannot_be_decided_again(
    client, make_moderator, queued_report
):
    headers = await make_moderator()
    report_id = await queued_report()
    unclaimed = await client.post(
        f"/v1/moderation/reports/{report_id}/reject", json={"reason": "spam"}, headers=headers
    )
    assert unclaimed.status_code == 409
    assert unclaimed.json()["type"] == "urn:stop-intake:problem:invalid-transition"
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    rejected = await client.post(
        f"/v1/moderation/reports/{report_id}/reject", json={"reason": "spam"}, headers=headers
    )
    assert rejected.status_code == 204
    again = await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=headers
    )
    assert again.status_code == 409


async def test_release_puts_a_report_back_in_the_queue(client, make_moderator, queued_report):
    headers = await make_moderator()
    report_id = await queued_report()
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    assert (
        await client.post(f"/v1/moderation/reports/{report_id}/release", headers=headers)
    ).status_code == 204
    queue = (await client.get("/v1/moderation/queue", headers=headers)).json()["items"]
    assert queue[0]["status"] == "queued" and queue[0]["claimed_by"] is None


async def test_unknown_report_and_invalid_incident_fields_are_clear_errors(
    client, make_moderator, queued_report
):
    headers = await make_moderator()
    missing = await client.get(
        "/v1/moderation/reports/00000000-0000-4000-8000-000000000000", headers=headers
    )
    assert missing.status_code == 404
    assert (
        await client.get("/v1/moderation/reports/not-a-uuid", headers=headers)
    ).status_code == 422
    report_id = await queued_report()
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    bad = await client.post(
        f"/v1/moderation/reports/{report_id}/approve",
        json=incident_fields(types_of_exploitation=["Smuggling"]),
        headers=headers,
    )
    assert bad.status_code == 422
