"""The moderation queue filtered, searched and paged (GET /v1/moderation/queue), on
PostgreSQL (full-text search over a GIN index) and SQLite (FTS5 kept by triggers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlmodel import col

from core.clock import utcnow
from core.db import transaction
from models.media import Media, MediaKind
from models.report import Report
from tests.factories import incident_fields

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)

QUEUE = "/v1/moderation/queue"
SPANISH = "Nos quitaron los pasaportes y trabajamos todos los días sin paga en la finca."
BEGGING = "A boy is made to beg at the station every day and hand over the money."
VAN = "They are taking a girl across the border tonight in a white van."
KITCHEN = "Two cooks sleep in the restaurant kitchen and never get paid."


async def ids(client, headers, **params: Any) -> list[str]:
    answer = await client.get(QUEUE, headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


async def set_columns(sessionmaker, report_id: str, **values: Any) -> None:
    """Change a stored report as the pipeline would (e.g. the worker writing a translation)."""
    async with transaction(sessionmaker) as session:
        await session.execute(
            update(Report).where(col(Report.id) == uuid.UUID(report_id)).values(**values)
        )


async def attach_media(sessionmaker, report_id: str, phash: str | None = None) -> None:
    """A photo of the report (with that perceptual hash, for the duplicate suggestions)."""
    async with transaction(sessionmaker) as session:
        session.add(
            Media(
                report_id=uuid.UUID(report_id),
                kind=MediaKind.IMAGE,
                mime="image/png",
                extension="png",
                size_bytes=10,
                sha256="0" * 64,
                storage_key=f"test/{uuid.uuid4().hex}.png",
                created_at=utcnow(),
                phash=phash,
            )
        )


@pytest.fixture
async def mixed(queued_report, sessionmaker) -> dict[str, str]:
    """Four waiting reports that differ in every filter."""
    reports = {
        "van": await queued_report(
            text=VAN, urgent=True, country="mx", categories=["SexualExploitation"]
        ),
        "begging": await queued_report(
            text=BEGGING, country="GB", categories=["ForcedBegging", "ChildLabour"]
        ),
        "spanish": await queued_report(
            text=SPANISH, locale="es-MX", country="ES", categories=["ForcedLabour"]
        ),
        "kitchen": await queued_report(text=KITCHEN),
    }
    await attach_media(sessionmaker, reports["begging"])
    await set_columns(
        sessionmaker, reports["kitchen"], received_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    )
    return reports


async def test_each_filter_narrows_the_queue(client, make_moderator, mixed):
    headers = await make_moderator()
    assert set(await ids(client, headers)) == set(mixed.values())
    assert await ids(client, headers, language="es") == [mixed["spanish"]]
    assert set(await ids(client, headers, language="en")) == {
        mixed["van"],
        mixed["begging"],
        mixed["kitchen"],
    }
    assert await ids(client, headers, country="MX") == [mixed["van"]]
    assert await ids(client, headers, country="gb") == [mixed["begging"]]  # any case
    assert await ids(client, headers, category="ChildLabour") == [mixed["begging"]]
    assert await ids(client, headers, category="ForcedLabour") == [mixed["spanish"]]
    assert await ids(client, headers, category="OrganRemoval") == []
    assert await ids(client, headers, urgent="true") == [mixed["van"]]
    assert mixed["van"] not in await ids(client, headers, urgent="false")
    assert await ids(client, headers, has_media="true") == [mixed["begging"]]
    assert mixed["begging"] not in await ids(client, headers, has_media="false")
    assert await ids(client, headers, received_to="2026-01-15") == [mixed["kitchen"]]
    assert await ids(client, headers, received_from="2026-01-15", received_to="2026-01-15") == [
        mixed["kitchen"]
    ]
    assert mixed["kitchen"] not in await ids(client, headers, received_from="2026-01-16")
    # Filters combine: every one must hold.
    assert await ids(client, headers, language="en", has_media="true", country="GB") == [
        mixed["begging"]
    ]
    assert await ids(client, headers, language="en", country="ES") == []


async def claim(client, headers, report_id: str) -> None:
    answer = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    assert answer.status_code == 200, answer.text


@pytest.fixture
async def claims(client, make_moderator, queued_report, sessionmaker) -> dict[str, Any]:
    """ana holds a live claim on one report and bo on another; ana's claim on a third
    has expired; a fourth was never claimed."""
    ana, bo = await make_moderator("ana"), await make_moderator("bo")
    reports = {
        "ana": await queued_report(text=VAN, urgent=True),
        "bo": await queued_report(text=BEGGING),
        "lapsed": await queued_report(text=KITCHEN),
        "free": await queued_report(text=SPANISH, locale="es-MX"),
    }
    await claim(client, ana, reports["ana"])
    await claim(client, bo, reports["bo"])
    await claim(client, ana, reports["lapsed"])
    await set_columns(
        sessionmaker, reports["lapsed"], claim_expires_at=utcnow() - timedelta(minutes=1)
    )
    return {"ana": ana, "bo": bo, "reports": reports}


async def test_the_claimed_filter_is_seen_from_the_moderator_who_asks(client, claims):
    ana, bo, reports = claims["ana"], claims["bo"], claims["reports"]
    assert await ids(client, ana, claimed="me") == [reports["ana"]]
    assert await ids(client, ana, claimed="others") == [reports["bo"]]
    # An expired claim is nobody's, even to the moderator who held it.
    assert set(await ids(client, ana, claimed="nobody")) == {reports["lapsed"], reports["free"]}
    assert await ids(client, bo, claimed="me") == [reports["bo"]]
    assert await ids(client, bo, claimed="others") == [reports["ana"]]
    assert set(await ids(client, bo, claimed="nobody")) == {reports["lapsed"], reports["free"]}
    # Blank is any, and the filter combines with the others.
    assert len(await ids(client, ana, claimed="")) == 4
    assert await ids(client, ana, claimed="me", urgent="false") == []
    assert await ids(client, ana, claimed="nobody", language="es") == [reports["free"]]
    answer = await client.get(QUEUE, headers=ana, params={"claimed": "me"})
    [item] = answer.json()["items"]
    assert item["claimed_by"] == "ana"


async def test_decided_reports_are_listed_only_when_asked_for(
    client, make_moderator, queued_report
):
    headers = await make_moderator()
    approved = await queued_report(text=BEGGING)
    rejected = await queued_report(text=KITCHEN)
    waiting = await queued_report(text=VAN)
    for report_id in (approved, rejected):
        claim = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
        assert claim.status_code == 200
    assert (
        await client.post(
            f"/v1/moderation/reports/{approved}/approve", headers=headers, json=incident_fields()
        )
    ).status_code == 200
    assert (
        await client.post(
            f"/v1/moderation/reports/{rejected}/reject", headers=headers, json={"reason": "spam"}
        )
    ).status_code == 204

    assert await ids(client, headers) == [waiting]
    assert await ids(client, headers, status="approved") == [approved]
    assert set(await ids(client, headers, status=["approved", "rejected"])) == {
        approved,
        rejected,
    }
    answer = await client.get(QUEUE, headers=headers, params={"status": "rejected"})
    assert answer.json()["items"][0]["status"] == "rejected"


async def test_search_finds_words_in_the_original_and_in_the_translation(
    client, make_moderator, mixed, sessionmaker
):
    headers = await make_moderator()
    # The worker's translation of the Spanish report (no es→en model in this test).
    await set_columns(
        sessionmaker,
        mixed["spanish"],
        translated_text="They took our passports and we work every day without pay on the farm.",
    )
    assert await ids(client, headers, q="pasaportes") == [mixed["spanish"]]  # original
    assert await ids(client, headers, q="FARM") == [mixed["spanish"]]  # only in the translation
    assert await ids(client, headers, q="passports farm") == [mixed["spanish"]]
    assert await ids(client, headers, q="van") == [mixed["van"]]
    assert set(await ids(client, headers, q="van or kitchen")) == {mixed["van"], mixed["kitchen"]}
    assert await ids(client, headers, q='"white van"') == [mixed["van"]]
    assert await ids(client, headers, q='"van white"') == []
    assert await ids(client, headers, q="day -station") == [mixed["spanish"]]
    assert await ids(client, headers, q="submarine") == []
    assert await ids(client, headers, q='!!! ") (*') == []  # nothing searchable, never an error
    # Search and filters together.
    assert await ids(client, headers, q="every", language="en") == [mixed["begging"]]

    # A new translation replaces the old one in the index.
    await set_columns(sessionmaker, mixed["spanish"], translated_text="Passports taken.")
    assert await ids(client, headers, q="farm") == []
    assert await ids(client, headers, q="taken") == [mixed["spanish"]]


async def test_a_withdrawn_report_leaves_the_search(client, make_moderator, settings, app):
    from tests.factories import new_report

    headers = await make_moderator()
    answer = await client.post("/v1/reports", json=new_report(text=VAN))
    receipt = answer.json()["receipt"]
    from worker.runner import PipelineWorker

    await PipelineWorker(app.state.sessionmaker, app.state.settings).run_once()
    assert len(await ids(client, headers, q="van")) == 1
    # a redaction in force: search reads the words outside it, which must go too
    start = VAN.index("van")
    redacted = await client.post(
        f"/v1/moderation/reports/{answer.json()['report_id']}/redactions",
        json={"target": "text", "start": start, "end": start + 3, "reason": "other"},
        headers=headers,
    )
    assert redacted.status_code == 201, redacted.text
    assert await ids(client, headers, q="van") == []
    assert len(await ids(client, headers, q="border")) == 1
    withdrawn = await client.post(
        "/v1/reports/mine/withdraw", headers={"Authorization": f"Receipt {receipt}"}
    )
    assert withdrawn.status_code in (200, 204), withdrawn.text
    assert await ids(client, headers, q="van", status="withdrawn") == []
    assert await ids(client, headers, q="border", status="withdrawn") == []
    if settings.is_sqlite:  # the FTS5 copy of the words is gone too
        async with transaction(app.state.sessionmaker) as session:
            rows = await session.execute(text("SELECT count(*) FROM reports_fts WHERE text != ''"))
            assert rows.scalar_one() == 0


async def test_paging_has_no_gaps_or_repeats_while_reports_arrive(
    client, make_moderator, queued_report, sessionmaker
):
    headers = await make_moderator()
    first = [await queued_report(text=f"Report number {n}.", urgent=n % 3 == 0) for n in range(7)]
    expected = await ids(client, headers)
    assert set(expected) == set(first)

    seen: list[str] = []
    after = None
    arrived: list[str] = []
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if after:
            params["after"] = after
        body = (await client.get(QUEUE, headers=headers, params=params)).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        # Between pages, new reports arrive, one urgent and one not.
        arrived.append(await queued_report(text=f"Late report {pages}.", urgent=pages == 1))
        arrived.append(await queued_report(text=f"Later report {pages}."))
        after = body["next"]
        if after is None:
            break
        assert pages < 20
    assert pages > 2
    assert len(seen) == len(set(seen)), "a report was listed twice"
    assert set(first) <= set(seen), "a report that was waiting all along was skipped"
    # The order of what was there from the start is the queue's order.
    assert [i for i in seen if i in first] == expected
    # Reports that arrived are listed only behind the cursor they arrived after, never before.
    assert set(seen) - set(first) <= set(arrived)


async def test_the_answer_counts_urgent_reports_whatever_the_filter(client, make_moderator, mixed):
    headers = await make_moderator()
    answer = await client.get(QUEUE, headers=headers, params={"language": "es"})
    body = answer.json()
    assert [item["id"] for item in body["items"]] == [mixed["spanish"]]
    assert body["urgent_open"] == 1
    assert body["next"] is None


async def test_the_queue_without_parameters_answers_as_before(
    client, make_moderator, queued_report
):
    headers = await make_moderator()
    calm = await queued_report(text=BEGGING)
    urgent = await queued_report(text=VAN, urgent=True)
    body = (await client.get(QUEUE, headers=headers, params={"limit": 1})).json()
    assert [item["id"] for item in body["items"]] == [urgent]
    assert set(body["items"][0]) >= {
        "id",
        "status",
        "urgent",
        "received_at",
        "language",
        "translation_status",
        "excerpt",
        "media_count",
        "claimed_by",
        "claim_expires_at",
    }
    assert body["next"]
    following = (
        await client.get(QUEUE, headers=headers, params={"limit": 1, "after": body["next"]})
    ).json()
    assert [item["id"] for item in following["items"]] == [calm]
    assert following["next"] is None
    # Unknown parameters are ignored, as they always were.
    assert await ids(client, headers, colour="blue") == [urgent, calm]


@pytest.mark.parametrize(
    "params",
    [
        {"after": "not-a-cursor"},
        {"after": "cTE6MTpub3BlOmZmZmY"},  # base64 of something that is not a position
        {"after": "c2VxMTo0Mg"},  # a hub feed cursor
        {"after": "cTE6MTowMDAwLTAxLTAxVDAwOjAwOjAwOjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw"},
        {"status": "received"},
        {"status": "sleeping"},
        {"language": "Spanish"},
        {"country": "MEX"},
        {"category": "Smuggling"},
        {"urgent": "maybe"},
        {"has_media": "perhaps"},
        {"received_from": "2026-02-30"},
        {"received_from": "2026-03-02", "received_to": "2026-03-01"},
        {"received_to": "0001-01-01"},
        {"limit": "0"},
        {"limit": "201"},
        {"q": "x" * 201},
        {"q": "van\x00"},
        {"claimed": "mine"},
        {"claimed": "ana"},
    ],
)
async def test_bad_parameters_are_a_problem(client, make_moderator, params):
    headers = await make_moderator()
    answer = await client.get(QUEUE, headers=headers, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 422
    if "after" in params:
        assert problem["type"] == "urn:stop-intake:problem:invalid-cursor"
