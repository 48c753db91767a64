"""Every stored time that a reporter's action sets, directly or a moment later, is kept to
the minute: a time to the second could be matched to a network operator's log.

The reporter does everything a reporter can (a report with a photo, a resumable upload,
an answer to a moderator's question), the worker processes the report, and then every
date-time column of every table those actions write is read back from the database.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import metadata
from models.base import UTCDateTime
from tests.api.test_followup import receipt_auth
from tests.factories import new_report
from tests.media import builders

# Tables a reporter's actions write to (directly, or through the worker right after).
REPORTER_TABLES = ["reports", "report_messages", "media", "uploads", "app_check_token_uses"]
# Columns set by moderators' actions, not by the reporter's.
MODERATOR_COLUMNS = {("reports", "claim_expires_at"), ("reports", "decided_at")}


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_times_tied_to_a_reporter_are_whole_minutes(
    client, sessionmaker, make_moderator, process_pending, tmp_path
):
    photo = builders.jpeg(tmp_path)
    accepted = await client.post(
        "/v1/reports",
        files=[
            ("report", (None, json.dumps(new_report()), "application/json")),
            ("media", (photo.name, photo.read_bytes(), "image/jpeg")),
        ],
    )
    assert accepted.status_code == 201, accepted.text
    created = await client.post(
        "/v1/uploads", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"}
    )
    assert created.status_code == 201, created.text
    await process_pending()
    moderator = await make_moderator()
    report_id, receipt = accepted.json()["report_id"], accepted.json()["receipt"]
    asked = await client.post(
        f"/v1/moderation/reports/{report_id}/messages",
        json={"text": "Which street?"},
        headers=moderator,
    )
    assert asked.status_code == 201, asked.text
    replied = await client.post(
        "/v1/reports/mine/messages", json={"text": "Calle 8"}, headers=receipt_auth(receipt)
    )
    assert replied.status_code == 201, replied.text

    checked: dict[str, object] = {}
    async with sessionmaker() as session:
        for name in REPORTER_TABLES:
            table = metadata.tables[name]
            for column in table.columns:
                if not isinstance(column.type, UTCDateTime):
                    continue
                if (name, column.name) in MODERATOR_COLUMNS:
                    continue
                for value in (await session.execute(select(column))).scalars():
                    if value is not None:
                        checked[f"{name}.{column.name}"] = value
                        assert (value.second, value.microsecond) == (0, 0), f"{name}.{column.name}"
    # the flow really wrote each of these (a column that stayed empty would prove nothing)
    assert {"reports.received_at", "reports.queued_at", "report_messages.created_at"} <= set(
        checked
    )
    assert {"media.created_at", "uploads.expires_at"} <= set(checked)


async def test_messages_keep_their_order_within_one_minute(client, make_moderator, process_pending):
    moderator = await make_moderator()
    accepted = (await client.post("/v1/reports", json=new_report())).json()
    await process_pending()
    auth = receipt_auth(accepted["receipt"])
    sent = []
    for number in range(6):
        if number % 2 == 0:
            path, headers = f"/v1/moderation/reports/{accepted['report_id']}/messages", moderator
        else:
            path, headers = "/v1/reports/mine/messages", auth
        answer = await client.post(path, json={"text": f"message {number}"}, headers=headers)
        assert answer.status_code == 201, answer.text
        sent.append(f"message {number}")
    view = (await client.get("/v1/reports/mine", headers=auth)).json()
    assert [message["original_text"] for message in view["messages"]] == sent
