"""Errors a moderator can meet; each has a stable problem type."""

from core.errors import Conflict, NotFound, Unauthorized


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title = "Wrong username or password"


class ReportNotFound(NotFound):
    slug = "report-not-found"
    title = "No such report"


class ClaimedByAnother(Conflict):
    slug = "claimed-by-another-moderator"
    title = "Another moderator is reviewing this report"


class NotClaimed(Conflict):
    slug = "claim-required"
    title = "Claim the report before deciding on it"


class UsernameTaken(Conflict):
    slug = "username-taken"
    title = "That username is taken"
