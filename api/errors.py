"""problem+json (RFC 9457) for every error, with a stable `type` clients can switch on.

Validation errors list the failing fields but never echo the submitted values (they may
be report text). Unexpected errors become a generic 500 with nothing from the request.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from core.errors import PROBLEM_BASE, StopError, raised_while_reading
from core.logging import request_id

log = logging.getLogger("stop.api")
PROBLEM_JSON = "application/problem+json"

_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
}


def problem_body(
    status: int, slug: str, title: str, detail: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = problem_body(status, slug, title, detail, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _stop_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StopError)
    return problem(
        error.status, error.slug, error.title, error.detail, error.headers, **error.extra
    )


def _field_errors(errors: Any) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in item.get("loc", ())],
            "msg": item.get("msg", ""),
            "type": item.get("type", ""),
        }
        for item in errors
    ]


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return problem(
        422,
        "validation-error",
        "The request is not valid",
        "See `errors` for each field that needs fixing.",
        errors=_field_errors(error.errors()),
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if ours := raised_while_reading(error):
        return await _stop_error(request, ours)
    if isinstance(error.__cause__, RecursionError | ValueError):
        return _unreadable_json(error.__cause__)
    slug, title = _HTTP_SLUGS.get(error.status_code, ("http-error", "HTTP error"))
    detail = error.detail if isinstance(error.detail, str) and error.detail != title else None
    headers = dict(error.headers or {})
    if error.status_code == 405 and (allowed := _documented_methods(request)):
        headers["Allow"] = allowed
    return problem(error.status_code, slug, title, detail, headers)


@functools.cache
def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")


def _documented_methods(request: Request) -> str | None:
    """Every method the API document lists for the path: Starlette's 405 names only those
    of the first route that matched, and a path may have several (tus: HEAD and PATCH)."""
    paths = request.app.openapi().get("paths", {})
    path = request.url.path
    methods = {
        method.upper()
        for template, item in paths.items()
        if _template(template).match(path)
        for method in item
        if method in ("get", "put", "post", "delete", "options", "head", "patch")
    }
    return ", ".join(sorted(methods)) or None


def _unreadable_json(cause: Exception) -> JSONResponse:
    """A JSON body FastAPI could not decode for a reason other than its syntax (which it
    answers as a 422 itself): nested too deep for the parser, not UTF-8, or a number of
    more digits than Python converts."""
    if isinstance(cause, RecursionError):
        why = "nested too deeply"
    elif isinstance(cause, UnicodeDecodeError):
        why = "not UTF-8"
    else:
        why = "a number too long"
    return problem(
        422,
        "validation-error",
        "The request is not valid",
        f"The body could not be read as JSON: {why}.",
        errors=[{"loc": ["body"], "msg": f"JSON {why}", "type": "json_invalid"}],
    )


def _database_unreachable(error: Exception) -> bool:
    """A lost or refused database connection (a restart, a failover), not a bad query."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError | ConnectionError)


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    """Registered for database and connection errors by class, so Starlette treats them as
    handled (an `Exception` handler's error is raised again, and logged twice)."""
    return await _unexpected(request, error)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    if _database_unreachable(error):
        # A connection lost is seldom alone (a restart, a failover ends them all): the
        # hot-path pool replaces every connection it holds as each is next lent, instead
        # of lending the dead ones one request at a time (the engine pings its own).
        if (hot_path := getattr(request.app.state, "hot_path", None)) is not None:
            await hot_path.expire_connections()
        # A retry is safe: a report retried with its client id is stored once whatever happened.
        log.warning("database unreachable (%s); answered 503", type(error).__name__)
        return problem(
            503,
            "service-unavailable",
            "Service unavailable",
            "The database cannot be reached right now; retry the same request shortly.",
            {"Retry-After": "2"},
        )
    log.error("unhandled %s", type(error).__name__, exc_info=error)
    current = request_id.get()  # answered outside AccessLogMiddleware: it adds no header
    return problem(
        500,
        "internal-error",
        "Internal error",
        "The server failed; retry later with the same request.",
        {"X-Request-Id": current} if current else None,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StopError, _stop_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(ConnectionError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
