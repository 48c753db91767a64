"""A withdrawal takes back what the reporter told us; a closed report takes no messages."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from models.media import Media
from models.message import ReportMessage
from models.report import Report
from models.report_band import ReportBand
from tests.api.test_followup import receipt_auth
from tests.factories import new_report
from tests.media import builders

PLACE = "Taller de la calle 8"


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_withdrawal_removes_text_place_conversation_and_media(
    client, settings, sessionmaker, make_moderator, process_pending, tmp_path
):
    photo = builders.jpeg(tmp_path)
    body = new_report(
        place=PLACE,
        location={"latitude": 19.43, "longitude": -99.13},
        occurred_at="2026-11-01T10:00:00Z",
    )
    accepted = await client.post(
        "/v1/reports",
        files=[
            ("report", (None, json.dumps(body), "application/json")),
            ("media", (photo.name, photo.read_bytes(), "image/jpeg")),
        ],
    )
    assert accepted.status_code == 201, accepted.text
    report_id, auth = accepted.json()["report_id"], receipt_auth(accepted.json()["receipt"])
    await process_pending()
    asked = await client.post(
        f"/v1/moderation/reports/{report_id}/messages",
        json={"text": "Which street?"},
        headers=await make_moderator(),
    )
    assert asked.status_code == 201
    assert (
        await client.post("/v1/reports/mine/messages", json={"text": "8"}, headers=auth)
    ).is_success
    media_files = [p for p in settings.effective_media_dir.rglob("*") if p.is_file()]
    assert len(media_files) == 1
    async with sessionmaker() as session:  # the keys the duplicate suggestions find it by
        assert await session.scalar(select(func.count()).select_from(ReportBand)) > 0

    withdrawn = await client.post("/v1/reports/mine/withdraw", headers=auth)

    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["messages"] == []
    async with sessionmaker() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        assert (report.text, report.place, report.latitude, report.longitude) == (
            "",
            None,
            None,
            None,
        )
        assert (report.occurred_from, report.occurred_to, report.translated_text) == (
            None,
            None,
            None,
        )
        for table in (Media, ReportMessage, ReportBand):
            assert await session.scalar(select(func.count()).select_from(table)) == 0
    assert not [p for p in settings.effective_media_dir.rglob("*") if p.is_file()]


async def test_a_withdrawn_report_keeps_no_fingerprint_yet_answers_a_retry(client, sessionmaker):
    body = new_report()
    first = await client.post("/v1/reports", json=body)
    auth = receipt_auth(first.json()["receipt"])
    assert (await client.post("/v1/reports/mine/withdraw", headers=auth)).status_code == 200
    async with sessionmaker() as session:
        report = await session.get(Report, uuid.UUID(first.json()["report_id"]))
        assert report is not None and report.payload_hash == "withdrawn"
    retry = await client.post("/v1/reports", json=body)  # a phone retrying the first send
    assert retry.status_code == 200
    assert retry.json() == first.json()


async def test_a_withdrawn_or_rejected_report_takes_no_more_messages(
    client, make_moderator, queued_report
):
    moderator = await make_moderator()
    withdrawn = (await client.post("/v1/reports", json=new_report())).json()
    auth = receipt_auth(withdrawn["receipt"])
    assert (await client.post("/v1/reports/mine/withdraw", headers=auth)).status_code == 200
    late = await client.post("/v1/reports/mine/messages", json={"text": "one more"}, headers=auth)
    assert late.status_code == 409
    assert late.json()["type"].endswith("invalid-transition")

    rejected = (await client.post("/v1/reports", json=new_report())).json()
    await queued_report()  # runs the pipeline over both
    report_id = rejected["report_id"]
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=moderator)
    decided = await client.post(
        f"/v1/moderation/reports/{report_id}/reject", json={"reason": "spam"}, headers=moderator
    )
    assert decided.is_success, decided.text
    late = await client.post(
        "/v1/reports/mine/messages",
        json={"text": "one more"},
        headers=receipt_auth(rejected["receipt"]),
    )
    assert late.status_code == 409
