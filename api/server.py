"""How `serve` runs the application under uvicorn, with bounds on slow and many clients.

Uvicorn waits forever for a new connection's request headers, and for a request body that
stops arriving: twenty connections dripping a byte every few seconds would hold twenty
slots for good. It also buffers a request's headers whatever their size. Here a request's
headers must be complete within `STOP_HEADER_TIMEOUT_SECONDS` of the connection (or of the
previous response) and within `STOP_HEADER_MAX_BYTES`, a body may pause at most
`STOP_BODY_IDLE_TIMEOUT_SECONDS` between chunks (api.timeouts answers 408 then), and at
most `STOP_MAX_CONCURRENCY` connections are served at once per process (503 beyond, by
uvicorn). Reporters on bad networks are not cut off: a moving upload never idles that long.
What the HTTP parser refuses is answered as problem+json like every other error.

With several processes (`serve --workers N`) uvicorn starts each from the import string
of the app factory, and the configuration travels to them pickled: the protocol classes
are therefore module-level and read their bounds from the configuration.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from prometheus_client import Counter
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from api.errors import PROBLEM_JSON, problem_body
from api.metrics import MULTIPROCESS_DIR
from core.logging import uvicorn_log_config
from core.settings import Settings

APP_FACTORY = "api.app:create_app"
#: Requests answered by the protocol before any route read them (`GET /metrics`).
UNREAD = Counter(
    "stop_http_unread_requests",
    "Requests refused before any route read them: 400 (not HTTP), 408 (headers too slow), "
    "414 and 431 (request line or headers too large).",
    ["status"],
)
for _status in (400, 408, 414, 431):
    UNREAD.labels(str(_status))


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the bounds on a request's head the protocol enforces."""

    def __init__(
        self, *args: Any, header_timeout: float, header_max_bytes: int, **kwargs: Any
    ) -> None:
        self.header_timeout = header_timeout
        self.header_max_bytes = header_max_bytes
        super().__init__(*args, **kwargs)


class _BoundedHead:
    """Mixed into uvicorn's protocol: a request's head (its line and headers) must be
    complete within `config.header_timeout` seconds and `config.header_max_bytes` bytes,
    and what the parser cannot read is answered as problem+json.

    Past the time, a connection that sent part of a head gets a 408 and one that sent
    nothing (an idle keep-alive) is closed. Past the size, a 431 (a 414 when the request
    line alone is too long) before the parser has buffered more: uvicorn and httptools set
    no limit of their own, so one header of a gigabyte would be held in memory whole."""

    # Provided by uvicorn's protocol classes.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    server_state: Any

    def __init__(self, config: ServerConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)  # type: ignore[call-arg]
        self._header_seconds = config.header_timeout
        self._head_limit = config.header_max_bytes
        self._header_timer: asyncio.TimerHandle | None = None
        self._waiting_cycle: object = None
        self._head_bytes = 0
        self._head_tail = b""  # the last bytes of the head so far, to find its end across reads
        self._line_read = False
        self._line_bytes = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        if self._header_timer is not None and not self._head_fits(data):
            return
        super().data_received(data)  # type: ignore[misc]
        if self._header_timer is not None and self.cycle is not self._waiting_cycle:
            self._stop_waiting()  # a new request's headers are in

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._await_headers()  # the next request on this connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)  # type: ignore[misc]

    def send_400_response(self, msg: str) -> None:
        """What httptools refuses: a broken request line or header, a NUL, a bad length."""
        self._answer(
            400,
            "malformed-request",
            "The request is not valid HTTP/1.1",
            "Its request line, a header, its Content-Length or its chunked encoding could "
            "not be read.",
        )

    def _head_fits(self, data: bytes) -> bool:
        """Counts the head's bytes in `data` (a read may hold the start of the body too)."""
        seen = self._head_tail + data
        end = seen.find(b"\r\n\r\n")
        head = data if end < 0 else data[: max(0, end + 4 - len(self._head_tail))]
        if not self._line_read:
            line_end = head.find(b"\r\n")
            self._line_bytes += len(head) if line_end < 0 else line_end
            self._line_read = line_end >= 0
        self._head_bytes += len(head)
        self._head_tail = seen[-3:]
        if self._head_bytes <= self._head_limit:
            return True
        self._stop_waiting()
        limit = f"{self._head_limit:,} bytes"
        if self._line_bytes <= self._head_limit:
            self._answer(
                431,
                "request-header-fields-too-large",
                "The request's headers are too large",
                f"The request line and headers together may be at most {limit}.",
            )
        else:
            self._answer(
                414, "uri-too-long", "The URL is too long", f"The request line is over {limit}."
            )
        return False

    def _answer(self, status: int, slug: str, title: str, detail: str) -> None:
        """A problem+json answer written before any application saw the request; then close."""
        if self.transport.is_closing():
            return
        UNREAD.labels(str(status)).inc()
        body = json.dumps(problem_body(status, slug, title, detail)).encode()
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            f"content-type: {PROBLEM_JSON}\r\ncontent-length: {len(body)}\r\n".encode(),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()

    def _await_headers(self) -> None:
        self._stop_waiting()
        self._waiting_cycle = self.cycle
        self._head_bytes, self._head_tail, self._line_read, self._line_bytes = 0, b"", False, 0
        self._header_timer = self.loop.call_later(self._header_seconds, self._headers_too_slow)

    def _stop_waiting(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is not self._waiting_cycle or self.transport.is_closing():
            return
        if self._head_bytes:
            self._answer(
                408,
                "request-timeout",
                "The request's headers stopped arriving",
                f"The headers were not complete within {self._header_seconds:g} seconds.",
            )
        else:
            self.transport.close()  # an idle connection: nothing was asked


class HttpToolsWithBoundedHead(_BoundedHead, HttpToolsProtocol):
    """uvicorn's fast protocol (httptools, installed with uvicorn[standard]), bounded."""


def default_workers(settings: Settings) -> int:
    """One process per core on PostgreSQL; one on SQLite (a single writer anyway)."""
    return 1 if settings.is_sqlite else max(1, len(os.sched_getaffinity(0)))


def server_config(
    app: FastAPI | str,
    settings: Settings,
    host: str,
    port: int,
    *,
    workers: int = 1,
    own_logging: bool = True,
) -> ServerConfig:
    """The uvicorn configuration `serve` runs (and the tests run, to check the bounds).

    `app` is the application, or with several workers the factory's import string.
    `own_logging=False` leaves the process's logging as it is (uvicorn would replace it)."""
    return ServerConfig(
        app,
        factory=isinstance(app, str),
        host=host,
        port=port,
        workers=workers,
        http=HttpToolsWithBoundedHead,
        header_timeout=settings.header_timeout_seconds,
        header_max_bytes=settings.header_max_bytes,
        # No WebSocket: the API has none, and uvicorn logs each refused handshake with the
        # client's address and query string. Upgrade requests are then plain HTTP requests.
        ws="none",
        access_log=False,
        server_header=False,
        proxy_headers=False,  # forwarding headers are read only by intake.protection
        limit_concurrency=settings.max_concurrency,
        timeout_keep_alive=5,
        log_config=uvicorn_log_config(settings.log_level, settings.log_format)
        if own_logging
        else None,
    )


@contextmanager
def shared_metrics() -> Iterator[None]:
    """Turn on prometheus_client's multiprocess mode for the processes started inside the
    block: a new private folder (0700) named in `PROMETHEUS_MULTIPROC_DIR`, which they
    inherit, deleted afterwards. New for each run: files left by an earlier run would be
    added to this one's counts. See api.metrics."""
    folder = tempfile.mkdtemp(prefix="stop-intake-metrics-")
    before = os.environ.get(MULTIPROCESS_DIR)
    os.environ[MULTIPROCESS_DIR] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(MULTIPROCESS_DIR, None)
        else:
            os.environ[MULTIPROCESS_DIR] = before
        shutil.rmtree(folder, ignore_errors=True)
