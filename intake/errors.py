"""Errors a reporter's app can meet; each has a stable problem type."""

from core.errors import Conflict, InvalidInput, Unauthorized


class ClientIdReused(InvalidInput):
    slug = "client-id-reused"
    title = "This client_id was already used for a different report"


class SubmissionInProgress(Conflict):
    slug = "submission-in-progress"
    title = "The first request with this client_id is still being processed; retry shortly"


class ReceiptNotRecognised(Unauthorized):
    slug = "receipt-not-recognised"
    title = "Receipt not recognised"
