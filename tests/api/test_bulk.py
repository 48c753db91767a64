"""Bulk actions (`POST /v1/moderation/bulk`): reject as spam, assign, tag and untag, over
report ids or everything a queue filter matches. Each changed report has its own audit
row with its before and after; reports the action table leaves alone are skipped and
counted; roles it does not name are refused whole; and 5,000 reports cost a handful of
SQL statements, not thousands."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from core.clock import utcnow
from core.db import transaction
from models.audit import AuditEvent
from models.moderator import Moderator, ModeratorRole
from models.report import Report, ReportStatus, TranslationStatus
from moderation import bulk
from tests.api.test_lead_actions import problem

BULK = "/v1/moderation/bulk"
QUEUE = "/v1/moderation/queue"
BASE = "/v1/moderation/reports"
BOTH = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)


@pytest.fixture
async def team(make_moderator) -> dict[str, dict[str, str]]:
    return {
        "ana": await make_moderator("ana"),
        "bo": await make_moderator("bo"),
        "lea": await make_moderator("lea", ModeratorRole.LEAD),
    }


async def set_status(sessionmaker, report_id: str, status: ReportStatus) -> None:
    async with transaction(sessionmaker) as session:
        await session.execute(
            update(Report).where(Report.id == uuid.UUID(report_id)).values(status=status)
        )


async def events(sessionmaker, action: str) -> dict[str, AuditEvent]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return {str(row.report_id): row for row in rows}


async def status_of(sessionmaker, report_id: str) -> Report:
    async with sessionmaker() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        return report


@BOTH
async def test_a_lead_rejects_a_selection_as_spam_and_what_it_may_not_touch_is_counted(
    client, team, queued_report, sessionmaker
):
    spam = [await queued_report() for _ in range(2)]
    held = await queued_report()
    assert (await client.post(f"{BASE}/{held}/claim", headers=team["ana"])).status_code == 200
    done = await queued_report()
    await set_status(sessionmaker, done, ReportStatus.APPROVED)
    nowhere = str(uuid.uuid4())

    answer = await client.post(
        BULK,
        json={
            "action": "reject",
            "report_ids": [*spam, spam[0], held, done, nowhere],
            "reason": "Spam wave, November.",
        },
        headers=team["lea"],
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "matched": 5,
        "changed": 2,
        "skipped": {
            "claimed-by-another-moderator": 1,
            "invalid-transition": 1,
            "report-not-found": 1,
        },
    }
    for report_id in spam:
        report = await status_of(sessionmaker, report_id)
        assert report.status == ReportStatus.REJECTED
        assert report.rejection_reason == "Spam wave, November."
    assert (await status_of(sessionmaker, held)).status == ReportStatus.IN_REVIEW
    assert (await status_of(sessionmaker, done)).status == ReportStatus.APPROVED
    rejected = await events(sessionmaker, "rejected")
    assert set(rejected) == set(spam)
    for row in rejected.values():
        assert row.changes["status"] == ["queued", "rejected"]
        assert row.changes["decided_by"] == [None, "lea"]
        assert row.changes["rejection_reason"] == [None, "Spam wave, November."]
        assert row.detail["reason"] == "Spam wave, November."
    assert len({row.detail["bulk"] for row in rejected.values()}) == 1  # one bulk action
    history = (await client.get(f"{BASE}/{spam[0]}", headers=team["ana"])).json()["history"]
    assert any(entry["action"] == "rejected" for entry in history)


@BOTH
async def test_a_lead_assigns_reports_to_a_moderator_but_not_over_a_live_claim(
    client, team, queued_report, sessionmaker
):
    free = [await queued_report() for _ in range(3)]
    held = await queued_report()
    assert (await client.post(f"{BASE}/{held}/claim", headers=team["ana"])).status_code == 200

    answer = await client.post(
        BULK,
        json={"action": "assign", "report_ids": [*free, held], "moderator": "BO"},
        headers=team["lea"],
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "matched": 4,
        "changed": 3,
        "skipped": {"claimed-by-another-moderator": 1},
    }
    for report_id in free:
        report = (await client.get(f"{BASE}/{report_id}", headers=team["bo"])).json()
        assert report["status"] == "in_review" and report["claimed_by"] == "bo"
        assert "approve" in report["actions"]  # bo holds the claim now
    assigned = await events(sessionmaker, "reassigned")
    assert set(assigned) == set(free)
    row = assigned[free[0]]
    assert row.changes["claimed_by"] == [None, "bo"]
    assert row.changes["status"] == ["queued", "in_review"]
    assert row.detail["to"] == "bo"
    assert (await status_of(sessionmaker, held)).claimed_by != (
        await status_of(sessionmaker, free[0])
    ).claimed_by


@BOTH
async def test_anyone_tags_what_a_filter_matches_and_the_queue_shows_and_filters_tags(
    client, team, queued_report, sessionmaker
):
    crypto = [await queued_report(text="Send crypto to win a prize now.") for _ in range(2)]
    other = await queued_report()

    tagged = await client.post(
        BULK,
        json={"action": "tag", "filter": {"q": "crypto"}, "tag": "Spam-Wave-Nov"},
        headers=team["ana"],
    )
    assert tagged.status_code == 200, tagged.text
    assert tagged.json() == {"matched": 2, "changed": 2, "skipped": {}}

    again = await client.post(
        BULK,
        json={"action": "tag", "report_ids": [*crypto, other], "tag": "spam-wave-nov"},
        headers=team["bo"],
    )
    assert again.json() == {"matched": 3, "changed": 1, "skipped": {"already-tagged": 2}}

    page = await client.get(
        "/v1/moderation/queue", params={"tag": "spam-wave-nov"}, headers=team["ana"]
    )
    assert page.status_code == 200
    assert {item["id"] for item in page.json()["items"]} == {*crypto, other}
    assert all(item["tags"] == ["spam-wave-nov"] for item in page.json()["items"])
    detail = (await client.get(f"{BASE}/{other}", headers=team["bo"])).json()
    assert detail["tags"] == ["spam-wave-nov"]

    untagged = await client.post(
        BULK,
        json={"action": "untag", "report_ids": crypto, "tag": "spam-wave-nov"},
        headers=team["ana"],
    )
    assert untagged.json() == {"matched": 2, "changed": 2, "skipped": {}}
    page = await client.get(
        "/v1/moderation/queue", params={"tag": "spam-wave-nov"}, headers=team["ana"]
    )
    assert [item["id"] for item in page.json()["items"]] == [other]
    audit_rows = await events(sessionmaker, "tagged")
    assert audit_rows[crypto[0]].changes == {"tags": [[], ["spam-wave-nov"]]}
    assert (await events(sessionmaker, "untagged"))[crypto[0]].changes == {
        "tags": [["spam-wave-nov"], []]
    }


@BOTH
async def test_a_filter_of_claims_selects_what_the_callers_queue_page_shows(
    client, team, queued_report, sessionmaker
):
    mine = [await queued_report() for _ in range(2)]
    theirs, lapsed, free = await queued_report(), await queued_report(), await queued_report()
    for report_id, holder in [(mine[0], "ana"), (mine[1], "ana"), (lapsed, "ana"), (theirs, "bo")]:
        claimed = await client.post(f"{BASE}/{report_id}/claim", headers=team[holder])
        assert claimed.status_code == 200, claimed.text
    async with transaction(sessionmaker) as session:
        await session.execute(
            update(Report)
            .where(Report.id == uuid.UUID(lapsed))
            .values(claim_expires_at=utcnow() - timedelta(minutes=1))
        )
    queue = await client.get(QUEUE, params={"claimed": "me"}, headers=team["ana"])
    assert {item["id"] for item in queue.json()["items"]} == set(mine)

    tag = {"action": "tag", "filter": {"claimed": "me"}, "tag": "follow-up"}
    done = await client.post(BULK, json=tag, headers=team["ana"])

    assert done.json() == {"matched": 2, "changed": 2, "skipped": {}}
    tagged = await client.get(QUEUE, params={"tag": "follow-up"}, headers=team["bo"])
    assert {item["id"] for item in tagged.json()["items"]} == set(mine)
    # The same filter sent by bo is bo's own claims.
    again = await client.post(BULK, json=tag, headers=team["bo"])
    assert again.json() == {"matched": 1, "changed": 1, "skipped": {}}
    # Reports nobody holds a live claim on, the expired claim among them, are free for a
    # lead to assign: none is skipped as another moderator's.
    assign = {"action": "assign", "filter": {"claimed": "nobody"}, "moderator": "bo"}
    assigned = await client.post(BULK, json=assign, headers=team["lea"])
    assert assigned.json() == {"matched": 2, "changed": 2, "skipped": {}}
    for report_id in (lapsed, free):
        assert (await status_of(sessionmaker, report_id)).claimed_by is not None
    mine_now = await client.get(QUEUE, params={"claimed": "me"}, headers=team["bo"])
    assert {item["id"] for item in mine_now.json()["items"]} == {theirs, lapsed, free}


@BOTH
async def test_a_dry_run_counts_and_changes_nothing(client, team, queued_report, sessionmaker):
    report_id = await queued_report()
    answer = await client.post(
        BULK,
        json={"action": "reject", "filter": {}, "reason": "Spam.", "dry_run": True},
        headers=team["lea"],
    )
    assert answer.json() == {"matched": 1, "changed": 1, "skipped": {}}
    assert (await status_of(sessionmaker, report_id)).status == ReportStatus.QUEUED
    assert await events(sessionmaker, "rejected") == {}


@BOTH
@pytest.mark.parametrize(
    "body",
    [
        {"action": "reject", "report_ids": ["ID"], "reason": "Spam."},
        {"action": "assign", "report_ids": ["ID"], "moderator": "bo"},
    ],
    ids=["reject", "assign"],
)
async def test_a_moderator_may_not_reject_or_assign_in_bulk(
    body, client, team, queued_report, sessionmaker
):
    report_id = await queued_report()
    body = {**body, "report_ids": [report_id]}
    problem(await client.post(BULK, json=body, headers=team["ana"]), 403, "forbidden")
    assert (await status_of(sessionmaker, report_id)).status == ReportStatus.QUEUED


@BOTH
@pytest.mark.parametrize(
    ("body", "slug"),
    [
        ({"action": "tag", "tag": "x"}, "validation-error"),
        ({"action": "tag", "tag": "x", "report_ids": [], "filter": {}}, "validation-error"),
        ({"action": "tag", "tag": "x", "filter": {}, "report_ids": ["ID"]}, "validation-error"),
        ({"action": "reject", "filter": {}}, "validation-error"),
        ({"action": "assign", "filter": {}}, "validation-error"),
        ({"action": "tag", "filter": {}, "tag": "Maria Lopez!"}, "validation-error"),
        ({"action": "tag", "filter": {"status": ["received"]}, "tag": "x"}, "validation-error"),
        ({"action": "purge", "filter": {}}, "validation-error"),
        ({"action": "assign", "filter": {}, "moderator": "nobody"}, "unknown-moderator"),
        (
            {"action": "tag", "tag": "x", "report_ids": [str(uuid.uuid4())] * 10_001},
            "validation-error",
        ),
    ],
)
async def test_bad_bulk_requests_are_problems_not_errors(body, slug, client, team):
    body = {
        **body,
        **({"report_ids": [str(uuid.uuid4())]} if body.get("report_ids") == ["ID"] else {}),
    }
    problem(await client.post(BULK, json=body, headers=team["lea"]), 422, slug)


async def seed_queued(sessionmaker, count: int) -> list[uuid.UUID]:
    """`count` reports waiting in the queue, written straight to the table."""
    now = utcnow()
    reports = [
        Report(
            client_id_hash=uuid.uuid4().hex,
            payload_hash=uuid.uuid4().hex,
            receipt_hash=uuid.uuid4().hex,
            status=ReportStatus.QUEUED,
            text="Win a prize, send crypto.",
            language="en",
            translation_status=TranslationStatus.NOT_NEEDED,
            received_at=now - timedelta(minutes=n % 600),
        )
        for n in range(count)
    ]
    async with transaction(sessionmaker) as session:
        session.add_all(reports)
    return [report.id for report in reports]


class Statements:
    """Counts the SQL statements an engine sends (an executemany counts once)."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


@pytest.mark.parametrize(
    "body",
    [
        {"action": "reject", "filter": {"q": "crypto"}, "reason": "Spam wave."},
        {"action": "assign", "filter": {}, "moderator": "bo"},
        {"action": "tag", "filter": {"status": ["queued"]}, "tag": "spam-wave-nov"},
    ],
    ids=["reject", "assign", "tag"],
)
async def test_a_bulk_action_over_5000_reports_is_a_handful_of_statements(
    body, app, team, sessionmaker
):
    ids = await seed_queued(sessionmaker, 5_000)
    async with sessionmaker() as session:
        lead = await session.scalar(select(Moderator).where(Moderator.username == "lea"))
        with Statements(app.state.engine.sync_engine) as statements:
            done = await bulk.run(
                session, lead, bulk.BulkIn.model_validate(body), app.state.settings
            )
        await session.commit()
    assert done.matched == done.changed == 5_000
    assert statements.count <= 8
    async with sessionmaker() as session:
        written = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.report_id.in_(ids))
        )
    assert written == 5_000
