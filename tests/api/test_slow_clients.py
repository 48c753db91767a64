"""Slow, stalled and vanishing clients against the server as `serve` runs it (uvicorn with
the project's protocol and limits, in a thread): each is bounded or ended, none is a 500.

The bounds are set to a second here; the tests wait far longer than that for the server
to act, and assert what it did, not how fast."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy import func, select

from api.app import create_app
from models.report import Report
from tests.live_server import serving
from tests.raw_http import PATIENCE, connect, parse, read_all, read_one_response

pytestmark = pytest.mark.slow


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"header_timeout_seconds": 1, "body_idle_timeout_seconds": 1, "max_concurrency": 4}


@pytest.fixture
def running(app, settings) -> Iterator[uvicorn.Server]:
    """The server as `serve` runs it, in a thread; its `config.port` is where it listens."""
    with serving(create_app(settings), settings) as served:
        yield served


@pytest.fixture
def server(running: uvicorn.Server) -> int:
    return running.config.port


def wait_until(condition) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "the server never got there"
        time.sleep(0.01)


def test_headers_that_never_finish_end_the_connection(server):
    with connect(server) as dripping, connect(server) as silent:
        dripping.sendall(b"POST /v1/reports HTTP/1.1\r\nHost: x\r\n")
        answer = parse(read_all(dripping))  # a 408 for what was begun, then closed
        assert answer.status == 408
        assert answer.json()["type"] == "urn:stop-intake:problem:request-timeout"
        assert read_all(silent) == b""  # nothing was asked: closed without a word


def test_the_next_request_on_a_kept_alive_connection_is_bounded_too(server):
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = read_one_response(sock)
        assert first.startswith(b"HTTP/1.1 200")
        assert first.endswith(b'{"status":"ok"}')
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        assert parse(read_all(sock)).status == 408


def test_a_kept_alive_connection_left_idle_is_closed_without_an_answer(server):
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_one_response(sock).startswith(b"HTTP/1.1 200")
        assert read_all(sock) == b""


async def test_a_stalled_body_gets_a_408_and_stores_nothing(server, sessionmaker):
    with connect(server) as sock:
        sock.sendall(
            b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 500\r\n\r\n" + b'{"client_id": "6f1c2a0e-'
        )
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"request-timeout" in answer
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0


@pytest.mark.parametrize(
    "settings_overrides",
    # the held connections must not time out while the extra one is made, however slow
    [{"header_timeout_seconds": 600, "body_idle_timeout_seconds": 600, "max_concurrency": 4}],
)
def test_connections_beyond_the_cap_are_refused_with_503(running, server):
    """The cap counts connections, the arriving one included: with a cap of 4, three
    requests in progress leave no room for a fourth connection's request."""
    held = []
    try:
        for number in range(1, 4):  # headers done, body pending: each holds a slot
            sock = connect(server)
            held.append(sock)
            sock.sendall(
                b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 10\r\n\r\n"
            )
            wait_until(lambda n=number: len(running.server_state.tasks) == n)
        with connect(server) as extra:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert read_all(extra).startswith(b"HTTP/1.1 503")
    finally:
        for sock in held:
            sock.close()


def test_a_client_that_vanishes_mid_upload_is_no_server_error(server, caplog):
    caplog.set_level(logging.INFO)
    boundary = b"x0x0x0"
    with connect(server) as sock:
        sock.sendall(
            b"POST /v1/reports HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n"
            b"Content-Length: 1000000\r\n\r\n--" + boundary + b"\r\n"
            b'Content-Disposition: form-data; name="media"; filename="v.mp4"\r\n\r\n' + b"\0" * 4096
        )
        time.sleep(0.3)
    deadline = time.monotonic() + PATIENCE
    while not any("client closed" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, "the disconnect was never noticed"
        time.sleep(0.05)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(" 499 " in r.getMessage() for r in caplog.records if r.name == "stop.access")
