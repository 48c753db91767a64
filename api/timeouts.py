"""A request body that stops arriving ends with a 408, and a client that goes away ends
quietly: neither is the server's failure.

Phones on bad networks pause and drop; a slow-loris client pauses on purpose. A body may
pause at most `STOP_BODY_IDLE_TIMEOUT_SECONDS` between chunks (a moving upload, however
slow, never does), and a client that disconnects mid-request is logged in one line, with
no traceback, and counted as 499 (nginx's "client closed request"), not 500.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import StopError

log = logging.getLogger("stop.api")
CLIENT_CLOSED_REQUEST = 499


class BodyTooSlow(StopError):
    status = 408
    slug = "request-timeout"
    title = "The request body stopped arriving"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"No part of the body arrived for {seconds:g} seconds; send it again.")
        self.headers["Connection"] = "close"


class BodyIdleTimeoutMiddleware:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_done = False

        async def receive_in_time() -> Message:
            nonlocal body_done
            if body_done:  # after the body, receive() waits for a disconnect: no limit
                return await receive()
            try:
                async with asyncio.timeout(self.seconds):  # no extra task, unlike wait_for
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow(self.seconds) from None
            body_done = message["type"] != "http.request" or not message.get("more_body")
            return message

        await self.app(scope, receive_in_time, send)


async def _client_gone(_: Request, error: Exception) -> Response:
    log.info("client closed the connection before the request was read")
    return Response(status_code=CLIENT_CLOSED_REQUEST)


def install_timeouts(app: FastAPI, body_idle_seconds: float) -> None:
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_middleware(BodyIdleTimeoutMiddleware, seconds=body_idle_seconds)
