"""Submitting a text report: exactly once, strictly validated, nothing identifying kept."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from intake.schemas import ReportIn
from models.report import Report, ReportStatus, TranslationStatus
from tests.factories import new_report

PROBLEM = "application/problem+json"
#: PostgreSQL and SQLite store a text report by different paths (`intake.report_rows`).
BOTH_DATABASES = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)


async def count_reports(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Report))


@BOTH_DATABASES
async def test_text_report_is_accepted_with_a_receipt_of_six_words(client, sessionmaker):
    answer = await client.post("/v1/reports", json=new_report())
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"report_id", "receipt", "status"}
    assert body["status"] == "received"
    words = body["receipt"].split("-")
    assert len(words) == 6 and all(word.isalpha() for word in words)
    assert await count_reports(sessionmaker) == 1


@BOTH_DATABASES
async def test_retry_with_same_client_id_returns_first_answer_and_stores_nothing_new(
    client, sessionmaker
):
    report = new_report()
    first = await client.post("/v1/reports", json=report)
    retry = await client.post("/v1/reports", json=report)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert await count_reports(sessionmaker) == 1


@BOTH_DATABASES
async def test_same_client_id_with_different_content_is_refused_not_overwritten(
    client, sessionmaker
):
    report = new_report()
    await client.post("/v1/reports", json=report)
    changed = await client.post("/v1/reports", json=report | {"text": "Something else"})
    assert changed.status_code == 422
    assert changed.headers["content-type"].startswith(PROBLEM)
    assert changed.json()["type"] == "urn:stop-intake:problem:client-id-reused"
    async with sessionmaker() as session:
        stored = (await session.execute(select(Report))).scalar_one()
    assert stored.text == report["text"]


@BOTH_DATABASES
async def test_racing_identical_requests_create_exactly_one_report(client, sessionmaker):
    report = new_report()
    answers = await asyncio.gather(*(client.post("/v1/reports", json=report) for _ in range(12)))
    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(201) == 1
    assert set(codes) <= {200, 201, 409}
    bodies = {answer.text for answer in answers if answer.status_code in (200, 201)}
    assert len(bodies) == 1
    assert await count_reports(sessionmaker) == 1


async def test_different_reports_get_different_receipts(client):
    first = (await client.post("/v1/reports", json=new_report())).json()
    second = (await client.post("/v1/reports", json=new_report())).json()
    assert first["receipt"] != second["receipt"]
    assert first["report_id"] != second["report_id"]


async def test_unknown_field_is_rejected_and_named(client, sessionmaker):
    answer = await client.post("/v1/reports", json=new_report(device_id="abc-123"))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"] == "urn:stop-intake:problem:validation-error"
    assert ["body", "device_id"] in [error["loc"] for error in problem["errors"]]
    assert await count_reports(sessionmaker) == 0


async def test_validation_errors_do_not_echo_the_submitted_text(client):
    secret = "the address is 12 Calle Falsa"
    answer = await client.post("/v1/reports", json=new_report(text=secret, urgent="maybe"))
    assert answer.status_code == 422
    assert secret not in answer.text


async def test_malformed_json_and_nul_bytes_get_problem_json(client):
    broken = await client.post(
        "/v1/reports", content=b'{"client_id": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and broken.headers["content-type"].startswith(PROBLEM)
    nul = await client.post("/v1/reports", json=new_report(text="help\x00me"))
    assert nul.status_code == 422 and nul.headers["content-type"].startswith(PROBLEM)


async def test_empty_or_oversized_text_is_refused(client):
    assert (await client.post("/v1/reports", json=new_report(text="   "))).status_code == 422
    huge = "a" * 20_001
    assert (await client.post("/v1/reports", json=new_report(text=huge))).status_code == 422


@BOTH_DATABASES
async def test_every_field_of_a_full_report_is_stored_as_sent(client, sessionmaker):
    report = ReportIn.model_json_schema()["examples"][0] | {"client_id": str(uuid.uuid4())}
    answer = await client.post("/v1/reports", json=report | {"categories": ["ForcedLabour"]})
    assert answer.status_code == 201, answer.text
    async with sessionmaker() as session:
        stored = await session.get(Report, uuid.UUID(answer.json()["report_id"]))
    assert (stored.text, stored.locale, stored.urgent) == (report["text"], "es-MX", True)
    assert (stored.place, stored.country_code) == (report["place"], "MX")
    assert stored.category_hints == ["ForcedLabour"]
    assert stored.occurred_from == datetime(2024, 5, 1, 14, tzinfo=UTC)
    assert stored.occurred_to == datetime(2024, 5, 4, 2, tzinfo=UTC)
    assert stored.status == ReportStatus.RECEIVED
    assert stored.translation_status == TranslationStatus.PENDING
    assert stored.place_cell is not None and stored.attempts == 0


@BOTH_DATABASES
async def test_location_is_snapped_to_a_grid_and_time_kept_to_the_minute(client, sessionmaker):
    location = {"latitude": 14.599512, "longitude": 120.984219, "accuracy_m": 5}
    answer = await client.post("/v1/reports", json=new_report(location=location, urgent=True))
    assert answer.status_code == 201
    async with sessionmaker() as session:
        stored = await session.get(Report, uuid.UUID(answer.json()["report_id"]))
    assert (stored.latitude, stored.longitude) == (14.6, 120.984)
    assert stored.location_accuracy_m >= 100  # never finer than the grid
    assert stored.received_at.second == 0 and stored.received_at.microsecond == 0
    assert stored.urgent is True


async def test_client_id_and_receipt_are_stored_only_as_keyed_hashes(client, sessionmaker):
    report = new_report()
    body = (await client.post("/v1/reports", json=report)).json()
    async with sessionmaker() as session:
        stored = (await session.execute(select(Report))).scalar_one()
    row_text = " ".join(str(value) for value in stored.model_dump().values())
    assert report["client_id"] not in row_text
    assert body["receipt"] not in row_text
    assert body["receipt"].replace("-", " ") not in row_text


async def test_out_of_range_coordinates_and_future_times_are_refused(client):
    bad_place = new_report(location={"latitude": 91, "longitude": 0})
    assert (await client.post("/v1/reports", json=bad_place)).status_code == 422
    future = new_report(occurred_at="2999-01-01T00:00:00Z")
    assert (await client.post("/v1/reports", json=future)).status_code == 422
    naive = new_report(occurred_at="2026-01-01T00:00:00")
    assert (await client.post("/v1/reports", json=naive)).status_code == 422
