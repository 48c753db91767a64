"""Needs info: asking the reporter takes the report out of the queue and releases the
claim; the reporter's answer brings it back, flagged answered, ahead of its age group.
The reporter's app sees the statuses it always knew, plus `awaiting_answer`."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.anonymity import to_the_minute
from core.clock import utcnow
from intake.followup import reporter_status
from models.report import Report, ReportStatus
from tests.factories import new_report

PROBLEM = "urn:stop-intake:problem:"


def receipt_auth(receipt: str) -> dict[str, str]:
    return {"Authorization": f"Receipt {receipt}"}


async def submit(client, process_pending, **fields) -> dict:
    accepted = await client.post("/v1/reports", json=new_report(**fields))
    assert accepted.status_code == 201
    await process_pending()
    return accepted.json()


async def ask(client, report_id: str, headers: dict, text: str = "Which street is it on?"):
    return await client.post(
        f"/v1/moderation/reports/{report_id}/messages", json={"text": text}, headers=headers
    )


async def answer(client, receipt: str, text: str = "Calle 8, next to the bakery."):
    return await client.post(
        "/v1/reports/mine/messages", json={"text": text}, headers=receipt_auth(receipt)
    )


async def queue_ids(client, headers) -> list[str]:
    items = (await client.get("/v1/moderation/queue", headers=headers)).json()["items"]
    return [item["id"] for item in items]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_asking_waits_for_the_answer_out_of_the_queue_and_the_answer_brings_it_back(
    client, make_moderator, process_pending, sessionmaker
):
    ana = await make_moderator("ana")
    accepted = await submit(client, process_pending)
    report_id, receipt = accepted["report_id"], accepted["receipt"]
    claim = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=ana)
    assert claim.status_code == 200

    asked = await ask(client, report_id, ana)
    assert asked.status_code == 201
    detail = (await client.get(f"/v1/moderation/reports/{report_id}", headers=ana)).json()
    assert detail["status"] == "needs_info"
    assert detail["claimed_by"] is None  # the claim is released
    assert detail["answered_at"] is None
    assert detail["actions"] == ["claim", "ask", "redact"]
    assert await queue_ids(client, ana) == []  # nothing to do until the reporter answers

    # The reporter's app sees a status it knows, and that the team waits for them.
    view = (await client.get("/v1/reports/mine", headers=receipt_auth(receipt))).json()
    assert view["status"] == "in_review" and view["awaiting_answer"] is True

    assert (await answer(client, receipt)).status_code == 201
    queue = (await client.get("/v1/moderation/queue", headers=ana)).json()["items"]
    assert [item["id"] for item in queue] == [report_id]
    assert queue[0]["status"] == "queued" and queue[0]["answered_at"] is not None
    answered_at = queue[0]["answered_at"]
    view = (await client.get("/v1/reports/mine", headers=receipt_auth(receipt))).json()
    assert view["status"] == "queued" and view["awaiting_answer"] is False

    # A second message of the reporter does not move the time of the answer.
    assert (await answer(client, receipt, "And a blue door.")).status_code == 201
    async with sessionmaker() as session:
        report = await session.scalar(select(Report).where(Report.id == uuid.UUID(report_id)))
    assert report.answered_at.isoformat().replace("+00:00", "Z") == answered_at
    assert report.answered_at.second == 0 and report.answered_at.microsecond == 0


async def test_the_queue_puts_answered_reports_after_urgent_ones_and_before_older_ones(
    client, make_moderator, process_pending, sessionmaker
):
    ana = await make_moderator("ana")
    oldest = (await submit(client, process_pending, text="A man keeps the passports."))["report_id"]
    asked = await submit(client, process_pending, text="Workers sleep in the shed.")
    urgent = (await submit(client, process_pending, text="A girl is taken now.", urgent=True))[
        "report_id"
    ]
    newest = (await submit(client, process_pending, text="Boys beg at the station."))["report_id"]
    # Received an hour apart (times are kept to the minute, so these came in together).
    async with sessionmaker() as session, session.begin():
        for hours, report_id in enumerate([newest, urgent, asked["report_id"], oldest]):
            await session.execute(
                update(Report)
                .where(Report.id == uuid.UUID(report_id))
                .values(received_at=to_the_minute(utcnow()) - timedelta(hours=hours))
            )
    assert await queue_ids(client, ana) == [urgent, oldest, asked["report_id"], newest]

    assert (await ask(client, asked["report_id"], ana)).status_code == 201
    assert await queue_ids(client, ana) == [urgent, oldest, newest]
    assert (await answer(client, asked["receipt"])).status_code == 201
    assert await queue_ids(client, ana) == [urgent, asked["report_id"], oldest, newest]

    # Asked again, it waits again and loses its place until the new answer.
    assert (await ask(client, asked["report_id"], ana, "Which town?")).status_code == 201
    assert await queue_ids(client, ana) == [urgent, oldest, newest]


async def test_nobody_asks_over_another_moderators_live_claim(
    client, make_moderator, process_pending
):
    ana = await make_moderator("ana")
    bo = await make_moderator("bo")
    report_id = (await submit(client, process_pending))["report_id"]
    assert (
        await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=bo)
    ).status_code == 200
    refused = await ask(client, report_id, ana)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == PROBLEM + "claimed-by-another-moderator"
    detail = (await client.get(f"/v1/moderation/reports/{report_id}", headers=bo)).json()
    assert detail["status"] == "in_review" and detail["claimed_by"] == "bo"
    assert detail["messages"] == []


async def test_a_moderator_may_claim_a_report_waiting_for_its_answer_and_decide_without_it(
    client, make_moderator, process_pending
):
    ana = await make_moderator("ana")
    accepted = await submit(client, process_pending)
    report_id = accepted["report_id"]
    assert (await ask(client, report_id, ana)).status_code == 201
    claim = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=ana)
    assert claim.status_code == 200 and claim.json()["status"] == "in_review"
    rejected = await client.post(
        f"/v1/moderation/reports/{report_id}/reject", json={"reason": "Spam."}, headers=ana
    )
    assert rejected.status_code == 204
    late = await answer(client, accepted["receipt"])  # a rejected report takes no messages
    assert late.status_code == 409 and late.json()["type"] == PROBLEM + "invalid-transition"


async def test_the_reporter_may_withdraw_a_report_that_waits_for_their_answer(
    client, make_moderator, process_pending
):
    ana = await make_moderator("ana")
    accepted = await submit(client, process_pending)
    assert (await ask(client, accepted["report_id"], ana)).status_code == 201
    withdrawn = await client.post(
        "/v1/reports/mine/withdraw", headers=receipt_auth(accepted["receipt"])
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["awaiting_answer"] is False
    assert withdrawn.json()["messages"] == []
    again = await answer(client, accepted["receipt"])
    assert again.status_code == 409
    assert await queue_ids(client, ana) == []


def test_the_reporters_app_is_never_shown_a_status_it_does_not_know(app):
    """GET /v1/reports/mine keeps the statuses the app was built with: every state of a
    report, new ones included, is shown as one of them."""
    known = ["received", "queued", "in_review", "approved", "rejected", "withdrawn"]
    schemas = app.openapi()["components"]["schemas"]
    shown = schemas["ReporterView"]["properties"]["status"]
    assert schemas[shown["$ref"].rsplit("/", 1)[1]]["enum"] == known
    assert {reporter_status(status).value for status in ReportStatus} == set(known)
    assert reporter_status(ReportStatus.NEEDS_INFO) == "in_review"
