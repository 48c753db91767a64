"""Errors of the resumable upload protocol; each has a stable problem type.

Messages never quote client metadata or file contents; an upload is named only by its id,
which the client already holds.
"""

from __future__ import annotations

from core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    StopError,
    UnsupportedMediaType,
)


class TusVersionUnsupported(StopError):
    status = 412
    slug = "tus-version-unsupported"
    title = "Send Tus-Resumable: 1.0.0"


class InvalidUploadRequest(StopError):
    status = 400
    slug = "invalid-upload-request"
    title = "The upload request is malformed"


class UploadNotFound(NotFound):
    """Unknown, expired or lost (e.g. its partial file is gone): start a new upload."""

    slug = "upload-not-found"
    title = "No such upload; it may have expired. Start a new upload"


class UploadOffsetMismatch(Conflict):
    slug = "upload-offset-mismatch"
    title = "Upload-Offset does not match the bytes received; ask with HEAD and resume there"


class UploadLocked(StopError):
    """Another request is appending to or sanitising this upload right now (retryable)."""

    status = 423
    slug = "upload-locked"
    title = "Another request is busy with this upload; retry shortly"


class UploadTooLarge(PayloadTooLarge):
    slug = "upload-too-large"
    title = "The upload is larger than allowed or than its declared Upload-Length"


class UploadContentType(UnsupportedMediaType):
    slug = "upload-content-type"
    title = "PATCH bodies must be application/offset+octet-stream"


class UploadRefused(UnsupportedMediaType):
    """The complete file could not be sanitised; nothing of it was kept."""

    slug = "upload-refused"
    title = "The uploaded file was refused"


class UploadCapacityReached(StopError):
    status = 503
    slug = "upload-capacity-reached"
    title = "Too many unfinished uploads on the server; retry later"

    def __init__(self, retry_after: int = 600) -> None:
        super().__init__()
        self.headers["Retry-After"] = str(retry_after)


class UploadNotAttachable(InvalidInput):
    """A report listed an upload that is not a finished, sanitised, unused upload."""

    slug = "upload-not-attachable"
    title = "An upload listed in the report cannot be attached"
