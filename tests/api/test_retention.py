"""The retention purge: decided reports lose the reporter's content after their period
(rejected ones sooner), open ones never; stored files go with their rows, the hub's
incidents and the media they share stay, and the audit trail records each purge."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from core.clock import utcnow
from lifecycle.schedule import claim_run
from models.audit import AuditEvent
from models.media import Media
from models.message import ReportMessage
from models.report import Report
from models.report_band import ReportBand
from moderation.retention import JOB, purge
from tests.api.test_followup import receipt_auth
from tests.api.test_hub_incidents import feed
from tests.api.test_hub_media import approve_sharing_one_of_two_photos
from tests.factories import new_report
from tests.media import builders

both_databases = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
TEXT = "Retention canary: the truck left from the yard behind the market."


def stored_files(settings: Any) -> set[str]:
    return {p.name for p in settings.effective_media_dir.rglob("*") if p.is_file()}


async def rejected_with_photo_and_conversation(
    client: Any, moderator: dict[str, str], process_pending: Any, tmp_path: Any
) -> str:
    photo = builders.jpeg(tmp_path, "rejected.jpg")
    accepted = await client.post(
        "/v1/reports",
        files=[
            (
                "report",
                (None, json.dumps(new_report(text=TEXT, place="Mercado")), "application/json"),
            ),
            ("media", (photo.name, photo.read_bytes(), "image/jpeg")),
        ],
    )
    assert accepted.status_code == 201, accepted.text
    report_id = accepted.json()["report_id"]
    await process_pending()
    asked = await client.post(
        f"/v1/moderation/reports/{report_id}/messages",
        json={"text": "Which day?"},
        headers=moderator,
    )
    assert asked.status_code == 201, asked.text
    auth = receipt_auth(accepted.json()["receipt"])
    assert (
        await client.post("/v1/reports/mine/messages", json={"text": "Monday"}, headers=auth)
    ).is_success
    await process_pending()
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=moderator)
    rejected = await client.post(
        f"/v1/moderation/reports/{report_id}/reject", json={"reason": "spam"}, headers=moderator
    )
    assert rejected.is_success, rejected.text
    return report_id


async def content(sessionmaker: Any, report_id: str) -> dict[str, Any]:
    async with sessionmaker() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        counts = {
            table.__name__: await session.scalar(
                select(func.count()).select_from(table).where(col(table.report_id) == report.id)
            )
            for table in (Media, ReportMessage, ReportBand)
        }
        return {
            "status": report.status.value,
            "text": report.text,
            "place": report.place,
            "purged": report.purged_at is not None,
        } | counts


async def audit_rows(sessionmaker: Any, action: str) -> list[AuditEvent]:
    async with sessionmaker() as session:
        rows = await session.execute(select(AuditEvent).where(col(AuditEvent.action) == action))
        return list(rows.scalars())


@pytest.fixture
async def world(
    client, app, make_moderator, make_hub_client, process_pending, queued_report, tmp_path
) -> dict[str, Any]:
    """An approved report sharing one of its two photos, a rejected one with a photo and a
    conversation, and an open one in the queue."""
    moderator, hub = await make_moderator("ana"), await make_hub_client()
    approved = await approve_sharing_one_of_two_photos(client, moderator, process_pending, tmp_path)
    rejected = await rejected_with_photo_and_conversation(
        client, moderator, process_pending, tmp_path
    )
    open_id = await queued_report(text=TEXT)
    return {
        "approved": approved,
        "rejected": rejected,
        "open": open_id,
        "hub": hub,
        "feed": await feed(client, hub),
        "files": stored_files(app.state.settings),
    }


@both_databases
async def test_rejected_go_after_30_days_approved_after_90_open_never(
    client, app, sessionmaker, world
):
    settings, storage = app.state.settings, app.state.storage
    approved_id = world["approved"]["report_id"]
    assert len(world["files"]) == 3

    early = await purge(sessionmaker, storage, settings, utcnow() + timedelta(days=29))
    assert early.total == 0
    before = await content(sessionmaker, world["rejected"])
    assert before["text"] == TEXT and before["ReportBand"] > 0

    month = await purge(sessionmaker, storage, settings, utcnow() + timedelta(days=31))
    assert dict(month.reports) == {"rejected": 1}
    assert await content(sessionmaker, world["rejected"]) == {
        "status": "rejected",
        "text": "",
        "place": None,
        "purged": True,
        "Media": 0,
        "ReportMessage": 0,
        "ReportBand": 0,  # the keys the duplicate suggestions found it by go with its words
    }
    assert len(stored_files(settings)) == 2  # the rejected report's photo is gone from disk
    assert (await content(sessionmaker, approved_id))["Media"] == 2

    later = await purge(sessionmaker, storage, settings, utcnow() + timedelta(days=91))
    assert dict(later.reports) == {"approved": 1}
    approved = await content(sessionmaker, approved_id)
    assert (approved["text"], approved["purged"], approved["Media"]) == ("", True, 1)
    async with sessionmaker() as session:  # the photo the hub was given stays, the other goes
        kept = await session.scalar(
            select(col(Media.id)).where(col(Media.report_id) == uuid.UUID(approved_id))
        )
    assert str(kept) == world["approved"]["shared"]
    assert len(stored_files(settings)) == 1

    opened = await content(sessionmaker, world["open"])
    assert (opened["status"], opened["text"], opened["purged"]) == ("queued", TEXT, False)
    # the hub's feed is exactly as it was, and the shared photo still has its link
    assert await feed(client, world["hub"]) == world["feed"]
    again = await purge(sessionmaker, storage, settings, utcnow() + timedelta(days=400))
    assert again.total == 0  # purged once, never again


@both_databases
async def test_every_purge_is_audited_by_counts_and_lengths_without_content(
    app, sessionmaker, world
):
    await purge(sessionmaker, app.state.storage, app.state.settings, utcnow() + timedelta(days=91))

    purged = await audit_rows(sessionmaker, "purged")
    assert {str(row.report_id) for row in purged} == {
        world["rejected"],
        world["approved"]["report_id"],
    }
    rejected = next(row for row in purged if str(row.report_id) == world["rejected"])
    assert rejected.moderator_id is None
    assert rejected.changes["text"] == [{"chars": len(TEXT)}, {"chars": 0}]
    assert rejected.changes["media"] == [1, 0]
    assert rejected.changes["messages"] == [2, 0]
    (run,) = await audit_rows(sessionmaker, "purge_run")
    assert run.report_id is None
    assert run.detail["reports"] == 2
    assert run.detail["by_status"] == {"approved": 1, "rejected": 1, "withdrawn": 0}
    assert run.detail["media_files"] == 2
    trail = json.dumps([row.changes | row.detail for row in [*purged, run]], default=str)
    assert "canary" not in trail and "Mercado" not in trail
    # the emptied reports still have every audit row that names them
    async with sessionmaker() as session:
        named = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(col(AuditEvent.report_id) == uuid.UUID(world["rejected"]))
        )
    assert named >= 3  # claimed, rejected, purged (and the question asked)


async def test_a_dry_run_counts_and_changes_nothing_then_the_command_purges(
    app, sessionmaker, run_cli, world
):
    async with sessionmaker() as session, session.begin():  # decided 31 days ago
        await session.execute(
            update(Report)
            .where(col(Report.decided_at).is_not(None))
            .values(decided_at=utcnow() - timedelta(days=31))
        )

    dry = await run_cli("purge", "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert dry.output.strip() == "would purge 1 reports (rejected 1)"
    assert (await content(sessionmaker, world["rejected"]))["text"] == TEXT
    assert stored_files(app.state.settings) == world["files"]
    assert await audit_rows(sessionmaker, "purge_run") == []

    done = await run_cli("purge")
    assert done.exit_code == 0, done.output
    assert "purged 1 reports (rejected 1)" in done.output
    assert (await content(sessionmaker, world["rejected"]))["purged"]
    assert len(await audit_rows(sessionmaker, "purge_run")) == 1


@pytest.mark.parametrize(
    "settings_overrides", [{"retain_rejected_days": 0, "retain_decided_days": 0}]
)
async def test_a_period_of_zero_keeps_reports_for_ever(app, sessionmaker, world):
    result = await purge(
        sessionmaker, app.state.storage, app.state.settings, utcnow() + timedelta(days=3650)
    )
    assert result.total == 0
    assert (await content(sessionmaker, world["rejected"]))["text"] == TEXT


@both_databases
async def test_of_several_workers_exactly_one_takes_each_round_of_the_purge(sessionmaker):
    now, every = utcnow(), timedelta(hours=24)
    first = await asyncio.gather(*(claim_run(sessionmaker, JOB, every, now) for _ in range(4)))
    assert sorted(first) == [False, False, False, True]
    assert not await claim_run(sessionmaker, JOB, every, now + timedelta(hours=23))
    later = await asyncio.gather(
        *(claim_run(sessionmaker, JOB, every, now + timedelta(hours=25)) for _ in range(4))
    )
    assert sorted(later) == [False, False, False, True]
