"""Redaction over the JSON API, on PostgreSQL and SQLite: a moderator hides a span, other
moderators read the replacement (report, queue excerpt, search results), a lead reads
the original and un-redacts, the audit trail keeps offsets and never the text, the
suggestions find phone numbers, e-mail addresses and quoted names, an approval whose
summary repeats a redacted string is refused, and a text that changed under its
redactions is flagged and hidden whole."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from core.db import transaction
from models.audit import AuditEvent
from models.moderator import ModeratorRole
from models.report import Report
from tests.factories import incident_fields

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)

PROBLEM = "urn:stop-intake:problem:"
BASE = "/v1/moderation/reports"
NAME = "Marisol Quintana"
PHONE = "+52 55 1234 5678"
EMAIL = "marisol.q@example.org"
TEXT = (
    f'The cook "{NAME}" saw them lock the door. Call me on {PHONE} or write to {EMAIL}, '
    "the workshop on 8th street keeps five women inside."
)


def problem(answer, status: int, slug: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == PROBLEM + slug


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


@pytest.fixture
async def team(make_moderator) -> dict[str, dict[str, str]]:
    return {
        "ana": await make_moderator("ana"),
        "bo": await make_moderator("bo"),
        "lea": await make_moderator("lea", ModeratorRole.LEAD),
    }


@pytest.fixture
async def report_id(queued_report) -> str:
    return await queued_report(text=TEXT)


async def redact(client, report_id: str, headers, words: str, reason="bystander", **extra):
    start, end = span(TEXT, words)
    body = {"target": "text", "start": start, "end": end, "reason": reason, **extra}
    return await client.post(f"{BASE}/{report_id}/redactions", json=body, headers=headers)


async def detail(client, report_id: str, headers, **params) -> dict:
    answer = await client.get(f"{BASE}/{report_id}", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_moderators_read_the_replacement_and_a_lead_the_original(client, team, report_id):
    created = await redact(client, report_id, team["ana"], NAME, note="the cook")
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["reason"] == "bystander" and made["length"] == len(NAME)
    assert made["created_by"] == "ana" and made["needs_recheck"] is False

    for who in ("ana", "bo", "lea"):  # everyone reads it redacted by default
        seen = await detail(client, report_id, team[who])
        assert NAME not in seen["text"], who
        assert '"[redacted: bystander]"' in seen["text"]
        assert seen["original"] is False
        assert [r["id"] for r in seen["redactions"]] == [made["id"]]

    original = await detail(client, report_id, team["lea"], original="true")
    assert original["original"] is True
    assert original["history"][-1]["detail"] == {"original": "yes"}  # on the record
    assert original["text"] == TEXT
    hidden = original["redactions"][0]
    assert original["text"][hidden["start"] : hidden["end"]] == NAME

    refused = await client.get(
        f"{BASE}/{report_id}", headers=team["bo"], params={"original": "true"}
    )
    problem(refused, 403, "originals-for-leads")


async def test_only_a_lead_un_redacts_and_both_are_audited_without_the_text(
    client, team, report_id, sessionmaker
):
    made = (await redact(client, report_id, team["ana"], PHONE, "reporter_identity")).json()
    url = f"{BASE}/{report_id}/redactions/{made['id']}"
    assert (await client.delete(url, headers=team["bo"])).status_code == 403
    assert PHONE not in (await detail(client, report_id, team["bo"]))["text"]

    assert (await client.delete(url, headers=team["lea"])).status_code == 204
    seen = await detail(client, report_id, team["bo"])
    assert PHONE in seen["text"] and seen["redactions"] == []
    problem(await client.delete(url, headers=team["lea"]), 404, "redaction-not-found")

    async with sessionmaker() as session:
        rows = (
            await session.scalars(
                select(AuditEvent)
                .where(col(AuditEvent.report_id) == uuid.UUID(report_id))
                .where(col(AuditEvent.action).in_(["redacted", "unredacted"]))
                .order_by(col(AuditEvent.id))
            )
        ).all()
    assert [row.action for row in rows] == ["redacted", "unredacted"]
    start, end = span(TEXT, PHONE)
    for row in rows:
        assert row.detail["start"] == start and row.detail["end"] == end
        assert row.detail["length"] == len(PHONE)
        assert row.detail["reason"] == "reporter_identity"
        stored = json.dumps([row.detail, row.changes])
        assert PHONE not in stored and "1234" not in stored
    assert rows[0].changes["redactions"] == [0, 1]
    assert rows[1].changes["redactions"] == [1, 0]


async def test_spans_outside_the_text_and_bad_input_are_refused(client, team, report_id):
    outside = {"target": "text", "start": 0, "end": len(TEXT) + 1, "reason": "other"}
    problem(
        await client.post(f"{BASE}/{report_id}/redactions", json=outside, headers=team["ana"]),
        422,
        "redaction-out-of-range",
    )
    # no translation stored (an English report needs none)
    translation = {"target": "translation", "start": 0, "end": 3, "reason": "other"}
    problem(
        await client.post(f"{BASE}/{report_id}/redactions", json=translation, headers=team["ana"]),
        422,
        "redaction-out-of-range",
    )
    for body in (
        {"target": "text", "start": 5, "end": 5, "reason": "other"},
        {"target": "text", "start": 0, "end": 3, "reason": "gossip"},
        {"target": "message", "start": 0, "end": 3, "reason": "other"},
    ):
        answer = await client.post(f"{BASE}/{report_id}/redactions", json=body, headers=team["ana"])
        assert answer.status_code == 422, body
    missing = f"{BASE}/{uuid.uuid4()}/redactions"
    body = {"target": "text", "start": 0, "end": 3, "reason": "other"}
    problem(await client.post(missing, json=body, headers=team["ana"]), 404, "report-not-found")


async def test_suggestions_find_a_phone_number_an_email_and_a_quoted_name(client, team, report_id):
    answer = await client.get(f"{BASE}/{report_id}/redaction-suggestions", headers=team["ana"])
    assert answer.status_code == 200, answer.text
    found = {(item["kind"], item["text"]): item for item in answer.json()["items"]}
    assert ("phone", PHONE) in found
    assert ("email", EMAIL) in found
    assert ("quoted", NAME) in found
    assert found[("phone", PHONE)]["reason"] == "contact_details"

    # one click: a suggestion is a valid redaction as it is
    pick = found[("quoted", NAME)]
    body = {key: pick[key] for key in ("target", "start", "end", "reason")}
    created = await client.post(f"{BASE}/{report_id}/redactions", json=body, headers=team["ana"])
    assert created.status_code == 201, created.text
    again = await client.get(f"{BASE}/{report_id}/redaction-suggestions", headers=team["ana"])
    assert NAME not in {item["text"] for item in again.json()["items"]}


async def test_suggestions_never_show_a_moderator_part_of_a_redacted_span(client, team, report_id):
    await redact(client, report_id, team["ana"], "Marisol")  # only the first name
    url = f"{BASE}/{report_id}/redaction-suggestions"
    for who, shown in (("bo", False), ("lea", True)):
        texts = [
            item["text"] for item in (await client.get(url, headers=team[who])).json()["items"]
        ]
        assert any("Marisol" in text for text in texts) is shown, who
        assert PHONE in texts


async def test_an_approval_whose_summary_repeats_redacted_text_is_refused(
    client, team, report_id, make_hub_client
):
    await redact(client, report_id, team["ana"], NAME)
    assert (await client.post(f"{BASE}/{report_id}/claim", headers=team["ana"])).status_code == 200
    leaking = incident_fields(summary=f"A cook, {NAME.lower()}, saw five women locked in.")
    refused = await client.post(f"{BASE}/{report_id}/approve", json=leaking, headers=team["ana"])
    problem(refused, 422, "summary-contains-redacted-text")
    assert NAME.lower() not in refused.text.lower()

    hub = await make_hub_client()
    assert (await client.get("/v1/hub/incidents", headers=hub)).json()["items"] == []
    clean = incident_fields(summary="A cook saw five women locked inside a workshop.")
    approved = await client.post(f"{BASE}/{report_id}/approve", json=clean, headers=team["ana"])
    assert approved.status_code == 200, approved.text
    feed = (await client.get("/v1/hub/incidents", headers=hub)).text
    assert NAME not in feed and "Quintana" not in feed


async def test_the_queue_excerpt_and_search_results_are_redacted(client, team, report_id):
    await redact(client, report_id, team["ana"], NAME)
    queue = await client.get("/v1/moderation/queue", headers=team["bo"])
    item = next(i for i in queue.json()["items"] if i["id"] == report_id)
    assert NAME not in item["excerpt"] and "[redacted: bystander]" in item["excerpt"]

    searched = await client.get(
        "/v1/moderation/queue", headers=team["bo"], params={"q": "workshop cook"}
    )
    items = searched.json()["items"]
    assert [i["id"] for i in items] == [report_id]
    assert NAME not in items[0]["excerpt"]


async def translate(sessionmaker, report_id: str, translation: str) -> None:
    """Store a translation of the report, as the worker does."""
    async with transaction(sessionmaker) as session:
        await session.execute(
            update(Report)
            .where(col(Report.id) == uuid.UUID(report_id))
            .values(translated_text=translation)
        )


async def searched(client, headers, words: str) -> list[str]:
    answer = await client.get("/v1/moderation/queue", headers=headers, params={"q": words})
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


async def test_a_redacted_name_finds_the_report_again_only_once_a_lead_un_redacts_it(
    client, team, report_id, sessionmaker
):
    assert await searched(client, team["bo"], "Quintana") == [report_id]
    made = (await redact(client, report_id, team["ana"], NAME)).json()
    translation = f"Translated: the cook {NAME} saw it."
    await translate(sessionmaker, report_id, translation)  # redacted too, below
    start, end = span(translation, NAME)
    body = {"target": "translation", "start": start, "end": end, "reason": "bystander"}
    in_translation = await client.post(
        f"{BASE}/{report_id}/redactions", json=body, headers=team["ana"]
    )
    assert in_translation.status_code == 201, in_translation.text

    for who in ("bo", "lea"):  # nobody finds it by the hidden name, leads included
        for words in ("Quintana", f'"{NAME}"'):  # ("Marisol" is in the e-mail address too)
            assert await searched(client, team[who], words) == [], (who, words)
    assert await searched(client, team["bo"], "cook workshop") == [report_id]
    assert await searched(client, team["bo"], "translated") == [report_id]

    # un-redacted in the text only: the text finds it again, the translation still hides it
    url = f"{BASE}/{report_id}/redactions/{made['id']}"
    assert (await client.delete(url, headers=team["lea"])).status_code == 204
    assert await searched(client, team["bo"], "Quintana") == [report_id]
    async with sessionmaker() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None and report.search_text is None
        assert report.search_translation is not None and NAME not in report.search_translation


async def test_a_translation_that_changed_under_its_redactions_is_flagged_and_hidden(
    client, team, report_id, sessionmaker
):
    translation = f"Translated: the cook {NAME} saw it."
    await translate(sessionmaker, report_id, translation)
    start, end = span(translation, NAME)
    body = {"target": "translation", "start": start, "end": end, "reason": "bystander"}
    created = await client.post(f"{BASE}/{report_id}/redactions", json=body, headers=team["ana"])
    assert created.status_code == 201, created.text
    seen = await detail(client, report_id, team["bo"])
    assert seen["translation"]["text"] == "Translated: the cook [redacted: bystander] saw it."

    # the translation is re-run: the offsets would now cut through other words
    rerun = f"Re-translated text: {NAME}, a cook, saw it all."
    await translate(sessionmaker, report_id, rerun)
    seen = await detail(client, report_id, team["bo"])
    assert seen["redactions"][0]["needs_recheck"] is True
    assert seen["translation"]["text"] == "[redacted: re-check needed]"
    queue = await client.get("/v1/moderation/queue", headers=team["bo"])
    item = next(i for i in queue.json()["items"] if i["id"] == report_id)
    assert NAME not in item["excerpt"]
    # moderators get no suggestions from the hidden text; the lead does, and sees it all
    mod = await client.get(f"{BASE}/{report_id}/redaction-suggestions", headers=team["bo"])
    assert all(i["target"] != "translation" for i in mod.json()["items"])
    lead = await detail(client, report_id, team["lea"], original="true")
    assert lead["translation"]["text"] == rerun
    assert lead["redactions"][0]["needs_recheck"] is True


async def test_a_message_is_redacted_and_the_reporter_still_reads_their_own_text(
    client, team, queued_report
):
    submitted = await client.post(
        "/v1/reports", json={"client_id": str(uuid.uuid4()), "text": TEXT, "locale": "en-US"}
    )
    receipt = submitted.json()["receipt"]
    report_id = submitted.json()["report_id"]
    await queued_report()  # runs the pipeline over it too
    answer_text = f"My number is {PHONE}."
    sent = await client.post(
        "/v1/reports/mine/messages",
        json={"text": answer_text},
        headers={"Authorization": f"Receipt {receipt}"},
    )
    assert sent.status_code in (200, 201), sent.text
    message = (await detail(client, report_id, team["ana"]))["messages"][-1]
    start, end = span(answer_text, PHONE)
    body = {
        "target": "message",
        "message_id": message["id"],
        "start": start,
        "end": end,
        "reason": "reporter_identity",
    }
    created = await client.post(f"{BASE}/{report_id}/redactions", json=body, headers=team["ana"])
    assert created.status_code == 201, created.text
    seen = (await detail(client, report_id, team["bo"]))["messages"][-1]
    assert seen["text"] == "My number is [redacted: reporter_identity]."

    mine = await client.get("/v1/reports/mine", headers={"Authorization": f"Receipt {receipt}"})
    assert mine.json()["messages"][-1]["original_text"] == answer_text
