"""Dates, integers and strings at the edges of what the database can hold: each gets a
clear 4xx problem, never a 500, and nothing is stored."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from models.report import Report
from tests.console.conftest import csrf_in
from tests.factories import incident_fields, new_report


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


REPORTS: list[tuple[str, dict[str, Any]]] = [
    ("year 1 with a positive offset", {"occurred_at": "0001-01-01T00:00:00+14:00"}),
    ("year 9999 with a negative offset", {"occurred_at": "9999-12-31T23:59:59-14:00"}),
    ("a window starting in year 1", {"occurred_from": "0001-01-01T05:00:00+14:00"}),
    ("before 1900", {"occurred_at": "1899-12-31T23:59:59Z"}),
    ("NaN latitude", {"location": {"latitude": float("nan"), "longitude": 1.0}}),
    ("infinite accuracy", {"location": {"latitude": 1.0, "longitude": 1.0, "accuracy_m": 1e400}}),
    ("a NUL in the text", {"text": "five people\x00 locked in"}),
    ("a NUL in the place", {"place": "Calle\x008"}),
]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
@pytest.mark.parametrize(("case", "fields"), REPORTS, ids=[case for case, _ in REPORTS])
async def test_a_report_at_the_edges_is_refused_and_nothing_stored(
    client, sessionmaker, case, fields
):
    # json.dumps writes NaN and Infinity as a careless client would; httpx's json= refuses to
    body = json.dumps(new_report(**fields))
    answer = await client.post(
        "/v1/reports", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0


CURSORS = [
    _cursor(f"seq1:{2**63}"),
    _cursor("seq1:99999999999999999999999"),
    _cursor("seq1:²"),
    _cursor("seq1:-1"),
    "%%%",
]


@pytest.mark.parametrize("cursor", CURSORS)
async def test_a_feed_cursor_out_of_range_is_refused(client, make_hub_client, cursor):
    answer = await client.get(
        "/v1/hub/incidents", params={"after": cursor}, headers=await make_hub_client()
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["type"].endswith("invalid-cursor")


async def test_the_largest_cursor_is_answered_with_an_empty_page(client, make_hub_client):
    answer = await client.get(
        "/v1/hub/incidents",
        params={"after": _cursor(f"seq1:{2**63 - 1}")},
        headers=await make_hub_client(),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == []


@pytest.mark.parametrize(
    "fields",
    [{"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}, {"victims_estimate": 2**63}],
)
async def test_incident_fields_at_the_edges_are_refused(
    client, make_moderator, queued_report, fields
):
    moderator = await make_moderator()
    report_id = await queued_report()
    claimed = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=moderator)
    assert claimed.status_code == 200
    answer = await client.post(
        f"/v1/moderation/reports/{report_id}/approve",
        json=incident_fields(**fields),
        headers=moderator,
    )
    assert answer.status_code == 422, answer.text


LOGIN_NAMES = ["an\x00a", "a" * 300, "ana\u0000\u0000", " ", "anä\x00"]


@pytest.mark.parametrize("username", LOGIN_NAMES)
async def test_a_login_name_no_account_could_have_is_a_wrong_login(client, username):
    """A NUL reaches PostgreSQL as an error if looked up; such a name is never looked up."""
    answer = await client.post("/v1/auth/login", json={"username": username, "password": "x" * 12})
    assert answer.status_code in (401, 422), answer.text
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("username", LOGIN_NAMES)
async def test_the_console_login_answers_such_a_name_with_its_form(client, username):
    form = await client.get("/console/login")
    answer = await client.post(
        "/console/login",
        data={"username": username, "password": "x" * 12, "csrf_token": csrf_in(form.text)},
    )
    assert 400 <= answer.status_code < 500  # the form again (401), or an error page
