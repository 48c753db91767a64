"""The queue's bulk form over HTTP: a checkbox on every row and "everything matching this
filter", the action and its fields, a confirmation that says how many reports will change
before anything does, the result; a moderator is offered (and allowed) only tagging."""

from __future__ import annotations

import re
import uuid

import pytest

from models.moderator import ModeratorRole
from models.report import Report, ReportStatus

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)

CHECKBOX = re.compile(
    r'<input type="checkbox" name="report_ids" value="([0-9a-f-]{36})" form="bulk-form"'
)


async def status_of(sessionmaker, report_id: str) -> ReportStatus:
    async with sessionmaker() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        return report.status


async def test_a_lead_ticks_reports_sees_the_count_then_confirms_a_bulk_rejection(
    client, console_as, queued_report, sessionmaker
):
    spam = [await queued_report() for _ in range(2)]
    kept = await queued_report()
    csrf = await console_as("lea", ModeratorRole.LEAD)
    queue = (await client.get("/console/queue")).text
    assert set(CHECKBOX.findall(queue)) == {*spam, kept}
    assert '<option value="reject">Reject as spam</option>' in queue
    form = {
        "csrf_token": csrf,
        "scope": "selected",
        "report_ids": spam,
        "action": "reject",
        "reason": "Spam wave.",
    }

    preview = await client.post("/console/bulk", data=form)

    assert preview.status_code == 200, preview.text
    assert "2 of 2 selected reports will change" in preview.text
    assert '<input type="hidden" name="confirm" value="yes">' in preview.text
    assert [await status_of(sessionmaker, r) for r in spam] == [ReportStatus.QUEUED] * 2

    done = await client.post("/console/bulk", data={**form, "confirm": "yes"})

    assert done.status_code == 200, done.text
    assert "2 of 2 selected reports changed" in done.text
    assert [await status_of(sessionmaker, r) for r in spam] == [ReportStatus.REJECTED] * 2
    assert await status_of(sessionmaker, kept) == ReportStatus.QUEUED


async def test_a_moderator_tags_everything_a_search_matches_and_sees_the_tags(
    client, console_as, queued_report
):
    crypto = [await queued_report(text="Send crypto to win a prize.") for _ in range(2)]
    other = await queued_report()
    csrf = await console_as("ana")
    queue = (await client.get("/console/queue", params={"q": "crypto"})).text
    assert 'name="filter_q" value="crypto"' in queue
    assert 'value="reject"' not in queue  # not offered to a moderator
    form = {
        "csrf_token": csrf,
        "scope": "filter",
        "filter_q": "crypto",
        "action": "tag",
        "tag": "spam-wave-nov",
        "confirm": "yes",
    }
    done = await client.post("/console/bulk", data=form)
    assert "2 of 2 selected reports changed" in done.text

    tagged = (await client.get("/console/queue", params={"tag": "spam-wave-nov"})).text
    assert set(CHECKBOX.findall(tagged)) == set(crypto)
    assert ">spam-wave-nov</a>" in tagged
    report_page = (await client.get(f"/console/reports/{crypto[0]}")).text
    assert ">spam-wave-nov</a>" in report_page
    assert other not in tagged


async def test_a_moderator_may_not_reject_in_bulk_and_an_empty_selection_is_explained(
    client, console_as, queued_report, sessionmaker
):
    report_id = await queued_report()
    csrf = await console_as("ana")
    refused = await client.post(
        "/console/bulk",
        data={
            "csrf_token": csrf,
            "report_ids": [report_id],
            "action": "reject",
            "reason": "Spam.",
            "confirm": "yes",
        },
    )
    assert refused.status_code == 403
    assert await status_of(sessionmaker, report_id) == ReportStatus.QUEUED

    empty = await client.post(
        "/console/bulk", data={"csrf_token": csrf, "action": "tag", "tag": "x"}
    )
    assert empty.status_code == 422
    assert "Tick at least one report" in empty.text
