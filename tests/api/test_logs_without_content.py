"""No report content reaches a log, even when the database fails while storing a report.

The failure is real: a PostgreSQL trigger refuses every insert into `reports`, as a full
disk or a broken replica would. The log is read through the same formatter `serve` uses,
with every logger at DEBUG, the level an operator turns on while chasing that failure.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.logging import LOG_FORMAT, ContentFreeFormatter
from tests.factories import new_report

MARKER = "Zyxwvut-unique-report-words"
LATITUDE, LONGITUDE = 48.858372, 2.294481


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """Everything logged during the test, formatted as the server formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ContentFreeFormatter(LOG_FORMAT))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture
async def failing_inserts(sessionmaker) -> Iterator[None]:
    statements = [
        "CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$",
        "CREATE TRIGGER refuse_insert BEFORE INSERT ON reports "
        "FOR EACH ROW EXECUTE FUNCTION refuse_insert()",
    ]
    async with sessionmaker() as session, session.begin():
        for statement in statements:
            await session.execute(text(statement))
    yield
    async with sessionmaker() as session, session.begin():
        await session.execute(text("DROP TRIGGER refuse_insert ON reports"))
        await session.execute(text("DROP FUNCTION refuse_insert()"))


async def test_a_report_the_database_refuses_leaves_no_content_in_the_log(
    app, failing_inserts, server_log
):
    body = new_report(
        text=f"{MARKER} five people locked in",
        location={"latitude": LATITUDE, "longitude": LONGITUDE, "accuracy_m": 5},
    )
    # as a server would: the error handler answers, the exception does not reach the client
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await client.post("/v1/reports", json=body)

    assert answer.status_code >= 500
    log = server_log.getvalue()
    assert "Traceback" in log  # the failure itself is logged, for the operator
    assert "SQLSTATE" in log
    for secret in (MARKER, "48.85", "2.29", body["client_id"]):
        assert secret not in log
    assert MARKER not in answer.text


async def test_a_driver_error_quoting_a_value_is_logged_without_it(app, server_log):
    """asyncpg puts the value it could not encode into its message; the log keeps the type."""
    async with app.state.sessionmaker() as session:
        with pytest.raises(DBAPIError) as raised:
            await session.execute(text("SELECT CAST(:value AS integer)"), {"value": MARKER})
    assert MARKER in str(raised.value)  # the driver does quote it...
    logging.getLogger("stop.test").error("statement failed", exc_info=raised.value)
    log = server_log.getvalue()
    assert "DBAPIError" in log
    assert MARKER not in log  # ...and the log does not
