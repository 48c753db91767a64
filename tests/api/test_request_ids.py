"""Every request gets an id made by the server (never the client's), returned as
`X-Request-Id` and carried by every log line written while serving it; in JSON format
each of those lines is one object."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from core.logging import LOG_FORMAT, JsonFormatter
from tests.api.test_logs_without_content import MARKER, failing_inserts  # noqa: F401 (fixture)
from tests.factories import new_report


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(LOG_FORMAT))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def entries(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_each_request_gets_its_own_id_whatever_the_client_sends(client, json_log):
    chosen = "reporter-7f3a-chosen-id"
    answers = [
        await client.get("/healthz", headers={"X-Request-Id": chosen}),
        await client.post("/v1/reports", json=new_report()),
        await client.get("/v1/no-such-route"),
    ]

    ids = [answer.headers["x-request-id"] for answer in answers]
    assert len(set(ids)) == 3 and chosen not in ids
    assert all(len(value) == 32 and int(value, 16) >= 0 for value in ids)
    access = [entry for entry in entries(json_log) if entry["logger"] == "stop.access"]
    assert [(entry["request_id"], entry["status"]) for entry in access] == list(
        zip(ids, [200, 201, 404], strict=True)
    )
    assert chosen not in json_log.getvalue()


async def test_an_error_inside_a_request_is_logged_with_that_requests_id(
    app,
    failing_inserts,  # noqa: F811 (the fixture)
    json_log,
):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answer = await http.post("/v1/reports", json=new_report(text=f"{MARKER} locked in"))

    assert answer.status_code == 500
    request = answer.headers["x-request-id"]
    logged = entries(json_log)  # every line is one JSON object
    [error] = [entry for entry in logged if entry["level"] == "ERROR"]
    assert error["request_id"] == request
    assert "SQLSTATE" in str(error["exception"])
    assert MARKER not in json_log.getvalue()
