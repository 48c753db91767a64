"""Logging that never names a reporter: no addresses, no user agents, no query strings.

Uvicorn's own access log prints the client address, so it is switched off and replaced
by `AccessLogMiddleware`, which logs the route template (`/v1/moderation/reports/{id}`),
the status and the duration, and nothing else.

Every handler formats with `ContentFreeFormatter`: a logged exception shows its type and
where it was raised, never its message. Messages of database and driver errors quote the
values they failed on (a report's text, a coordinate, a receipt's hash), and one
overlooked `log.exception` must not be enough to write them to disk.

With `STOP_LOG_FORMAT=json`, `JsonFormatter` writes each record as one JSON object a line
(time, level, logger, message, request id, and for the access line route, status and
duration) for an operator's log stack. Each request gets a random id, generated here and
never taken from the client (a client-chosen id could carry anything, or link requests
for whoever chose it); it is returned as `X-Request-Id` and set in a context variable, so
every line logged while serving the request carries it.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("stop.access")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Loggers kept to warnings: alembic speaks on every /readyz (schema check) and on import
#: in each server process; httpx logs every outbound URL, which may carry a token; the
#: database drivers and SQLAlchemy's engine log every statement with its parameters (a
#: report's text, its coordinates) once the level is INFO or DEBUG.
QUIET_LOGGERS = (
    "alembic.runtime.migration",
    "alembic.runtime.plugins",
    "httpx",
    "aiosqlite",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
)

LogFormat = Literal["text", "json"]
#: The id of the request being served, in every line logged while serving it.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = b"x-request-id"
#: What the access line adds to its record (`extra=`), as JSON fields.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class ContentFreeFormatter(logging.Formatter):
    """Tracebacks with exception types and code locations only, never exception messages."""

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached the full traceback text on the record already.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 (logging's name)
        _, error, _ = ei
        if error is None:
            return ""
        lines: list[str] = []
        for exception in _chain(error):
            frames = traceback.extract_tb(exception.__traceback__)
            lines.extend(f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames)
            lines.append(_describe(exception))
        header = "Traceback (causes first; messages withheld, they may quote report data):"
        return header + "\n" + "\n".join(lines)


class JsonFormatter(ContentFreeFormatter):
    """One JSON object per record: time, level, logger, message, the request's id, the
    access line's route, status and duration, and a content-free traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = getattr(record, "request_id", None) or request_id.get()
        if current:
            entry["request_id"] = current
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _formatter(fmt: LogFormat) -> type[ContentFreeFormatter]:
    return JsonFormatter if fmt == "json" else ContentFreeFormatter


def _chain(error: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost cause first, as Python prints them."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return list(reversed(chain))


def _describe(error: BaseException) -> str:
    """The error's type, and a database error's SQLSTATE, which names the kind of failure."""
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    state = getattr(error, "sqlstate", None) or getattr(
        getattr(error, "orig", None), "sqlstate", None
    )
    return f"{name} [SQLSTATE {state}]" if isinstance(state, str) else name


def configure_logging(level: str = "INFO", fmt: LogFormat = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_formatter(fmt)(LOG_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.getLogger("uvicorn.access").disabled = True
    for quiet in QUIET_LOGGERS:
        logging.getLogger(quiet).setLevel(logging.WARNING)


def uvicorn_log_config(level: str = "INFO", fmt: LogFormat = "text") -> dict[str, Any]:
    """Uvicorn's loggers through ours, with its access logger silenced."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"()": _formatter(fmt), "format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"level": level.upper()},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"level": "CRITICAL", "propagate": False, "handlers": []},
            **{quiet: {"level": "WARNING"} for quiet in QUIET_LOGGERS},
        },
    }


#: Told of every request, as the access log sees it: method, route template, status,
#: seconds (e.g. the request metrics). Never the path, query, address or headers.
RequestObserver = Callable[[str, str, int, float], None]


class AccessLogMiddleware:
    """One line per request: method, route template, status, milliseconds; and the
    request's id, made here, set for the lines logged while serving it and returned as
    `X-Request-Id` (the client's own `X-Request-Id`, if any, is ignored)."""

    def __init__(self, app: ASGIApp, observers: Sequence[RequestObserver] = ()) -> None:
        self.app = app
        self.observers = tuple(observers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        current = os.urandom(16).hex()  # 128 random bits, as a uuid4's hex
        token = request_id.set(current)

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != REQUEST_ID_HEADER
                ]
                message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, current.encode())]}
            await send(message)

        failed = True
        try:
            await self.app(scope, receive, send_and_note)
            failed = False
        finally:
            route = scope.get("route")
            path = (
                getattr(route, "path_format", None) or getattr(route, "path", None) or "(unrouted)"
            )
            mount = scope.get("root_path", "") if route else ""
            seconds = time.perf_counter() - started
            fields = {
                "method": scope["method"],
                "route": mount + path,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            }
            access_log.info(
                "%s %s%s %d %.0fms",
                scope["method"],
                mount,
                path,
                status,
                seconds * 1000,
                extra=fields,
            )
            for observe in self.observers:
                observe(scope["method"], mount + path, status, seconds)
            if not failed:  # an unhandled error is logged (and answered) outside, with the id
                request_id.reset(token)
