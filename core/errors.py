"""One base error for the whole project; the API turns any of them into problem+json.

Services raise these; routes never catch them. `type` is a stable URN that clients may
switch on, so it never changes once published.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "urn:stop-intake:problem:"


class StopError(Exception):
    """Base of every error a client may see: an HTTP status, a stable type and a title."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra
        self.headers: dict[str, str] = {}

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug


class NotFound(StopError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(StopError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Unauthorized(StopError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"


class Forbidden(StopError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class InvalidInput(StopError):
    status = 422
    slug = "invalid-input"
    title = "Invalid input"


class PayloadTooLarge(StopError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(StopError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class TooManyRequests(StopError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(max(1, int(retry_after)))


class ServiceUnavailable(StopError):
    """A service this one depends on is down for now; the same request will work later."""

    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(max(1, int(retry_after)))


class StorageUnavailable(ServiceUnavailable):
    """Media storage (an S3-compatible server) cannot be reached or answers 5xx."""

    slug = "storage-unavailable"
    title = "Media storage unavailable"


def raised_while_reading(error: BaseException) -> StopError | None:
    """The error of ours behind a framework's error: FastAPI answers any exception raised
    while it reads a request body (a body limit, a body that stopped arriving) with a
    generic 400, keeping ours as the cause. The caller answers with ours instead."""
    cause = error.__cause__
    return cause if isinstance(cause, StopError) else None
