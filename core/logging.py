"""Logging that never names a reporter: no addresses, no user agents, no query strings.

Uvicorn's own access log prints the client address, so it is switched off and replaced
by `AccessLogMiddleware`, which logs the route template (`/v1/moderation/reports/{id}`),
the status and the duration, and nothing else.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("stop.access")


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.getLogger("uvicorn.access").disabled = True
    # /readyz inspects the schema on every call; alembic would log two lines each time
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """Uvicorn's loggers through ours, with its access logger silenced."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"level": level.upper()},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"level": "CRITICAL", "propagate": False, "handlers": []},
        },
    }


class AccessLogMiddleware:
    """One line per request: method, route template, status, milliseconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            path = (
                getattr(route, "path_format", None) or getattr(route, "path", None) or "(unrouted)"
            )
            mount = scope.get("root_path", "") if route else ""
            access_log.info(
                "%s %s%s %d %.0fms",
                scope["method"],
                mount,
                path,
                status,
                (time.perf_counter() - started) * 1000,
            )
