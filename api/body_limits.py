"""How large a request body may be: 413 before it is taken whole into memory.

FastAPI reads a JSON or form body whole before it validates a single field, with no limit
of its own: one `POST /v1/auth/login` of a gigabyte would be held in memory. Every route's
body is therefore capped at `STOP_BODY_MAX_BYTES`, except the two that stream their bodies
and have their own limits: a report submission (`STOP_REPORT_MAX_BYTES` as JSON,
`STOP_REQUEST_MAX_BYTES` as multipart; intake also enforces them as bytes arrive) and a tus
PATCH (the upload's remaining length, checked by the upload service).

A declared `Content-Length` over the limit is refused at the application's first read,
before a byte is taken; a body without one (chunked) when it passes the limit. The limit
is applied where the body is read, once the route is known (`scope["route"]`), so a
request refused earlier (no credentials, a 404) is refused for that reason.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import PayloadTooLarge
from core.settings import Settings

REPORTS = "/v1/reports"
UPLOAD = "/v1/uploads/{upload_id}"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def limit(self, scope: Scope) -> int | None:
        """The most bytes this request's body may have; None for a tus PATCH."""
        route = getattr(scope.get("route"), "path", None)
        if route == UPLOAD and scope["method"] == "PATCH":
            return None
        if route == REPORTS and scope["method"] == "POST":
            if _header(scope, b"content-type").lower().startswith(b"multipart/"):
                return self.settings.request_max_bytes
            return self.settings.report_max_bytes
        return self.settings.body_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0
        limit: int | None = -1  # not known until the route is

        async def receive_within_limit() -> Message:
            nonlocal received, limit
            if limit == -1:
                limit = self.limit(scope)
                if limit is not None and _declared_length(scope) > limit:
                    raise _too_large(limit)
            message = await receive()
            if limit is not None and message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, receive_within_limit, send)


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return b""


def _declared_length(scope: Scope) -> int:
    """The Content-Length (0 without one; the HTTP parser has checked its form)."""
    value = _header(scope, b"content-length").strip()
    return int(value) if value.isdigit() else 0


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body may be at most {limit:,} bytes.")
