"""How `serve` runs the application under uvicorn, with bounds on slow and many clients.

Uvicorn waits forever for a new connection's request headers, and for a request body that
stops arriving: twenty connections dripping a byte every few seconds would hold twenty
slots for good. Here a request's headers must be complete within `STOP_HEADER_TIMEOUT_SECONDS`
of the connection (or of the previous response), a body may pause at most
`STOP_BODY_IDLE_TIMEOUT_SECONDS` between chunks (api.timeouts answers 408 then), and at
most `STOP_MAX_CONCURRENCY` connections are served at once per process (503 beyond, by
uvicorn). Reporters on bad networks are not cut off: a moving upload never idles that long.

With several processes (`serve --workers N`) uvicorn starts each from the import string
of the app factory, and the configuration travels to them pickled: the protocol classes
are therefore module-level and read their timeout from the configuration.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from core.logging import uvicorn_log_config
from core.settings import Settings

APP_FACTORY = "api.app:create_app"


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the header timeout the protocol enforces."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        self.header_timeout = header_timeout
        super().__init__(*args, **kwargs)


class _HeaderTimeout:
    """Mixed into uvicorn's protocol: closes a connection whose request headers are not
    complete in time (`config.header_timeout` seconds)."""

    # Provided by uvicorn's protocol classes.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any

    def __init__(self, config: ServerConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)  # type: ignore[call-arg]
        self._header_seconds = config.header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._waiting_cycle: object = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._await_headers()

    def data_received(self, data: bytes) -> None:
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

    def _await_headers(self) -> None:
        self._stop_waiting()
        self._waiting_cycle = self.cycle
        self._header_timer = self.loop.call_later(self._header_seconds, self._headers_too_slow)

    def _stop_waiting(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is self._waiting_cycle and not self.transport.is_closing():
            self.transport.close()


class HttpToolsWithHeaderTimeout(_HeaderTimeout, HttpToolsProtocol):
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
        http=HttpToolsWithHeaderTimeout,
        header_timeout=settings.header_timeout_seconds,
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
