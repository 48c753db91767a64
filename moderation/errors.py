"""Errors a moderator can meet; each has a stable problem type."""

from core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from lifecycle.errors import ClaimedByAnother as ClaimedByAnother  # raised by the state table
from lifecycle.errors import NotClaimed as NotClaimed


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title = "Wrong username or password"

    def __init__(self) -> None:
        super().__init__("Wrong username, password or one-time code (or the account is disabled).")


class LoginThrottled(TooManyRequests):
    """Too many failed logins in a row for this username (known or not): wait, then retry."""

    slug = "login-throttled"
    title = "Too many failed logins for this username"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            f"Too many failed logins in a row; try again in {max(1, retry_after)} seconds.",
        )


class TwoFactorEnrolmentRequired(Forbidden):
    slug = "two-factor-enrolment-required"
    title = "Set up two-factor login in the console first"

    def __init__(self) -> None:
        super().__init__(
            "Your role requires a second factor. Log in to the console (/console/login) and "
            "set up an authenticator app there; then log in here with `otp`."
        )


class WeakPassword(InvalidInput):
    slug = "weak-password"
    title = "Password too easy to guess"


class InvalidUsername(InvalidInput):
    slug = "invalid-username"
    title = "Not a valid username"


class AccountNotFound(NotFound):
    slug = "account-not-found"
    title = "No such moderator account"


class LastAdmin(Conflict):
    slug = "last-admin"
    title = "The last active admin cannot be disabled or demoted"


class CannotChangeOwnAccount(Conflict):
    slug = "own-account"
    title = "Ask another admin to disable your account or change your role"


class WrongCode(InvalidInput):
    slug = "wrong-code"
    title = "That code is not right"


class WrongPassword(InvalidInput):
    slug = "wrong-password"
    title = "Your current password is not right"


class NoEnrolmentInProgress(Conflict):
    slug = "no-enrolment-in-progress"
    title = "Start setting up two-factor login first"


class TwoFactorRequiredByRole(Conflict):
    slug = "two-factor-required"
    title = "Your role requires a second factor; set up a new one instead"


class ReportNotFound(NotFound):
    slug = "report-not-found"
    title = "No such report"


class UsernameTaken(Conflict):
    slug = "username-taken"
    title = "That username is taken"


class UnknownModerator(InvalidInput):
    """A username that names no (active, where it matters) moderator account."""

    slug = "unknown-moderator"
    title = "No moderator account has this username"


class InvalidQueueCursor(InvalidInput):
    slug = "invalid-cursor"
    title = "The cursor is not one this queue gave out"


class InvalidAwaitingCursor(InvalidInput):
    slug = "invalid-cursor"
    title = "The cursor is not one this list of waiting approvals gave out"


class InvalidMergeTarget(InvalidInput):
    """The report to merge into is not one a duplicate can join: the report itself, one
    still in the pipeline, withdrawn, rejected, or itself merged into another."""

    slug = "invalid-merge-target"
    title = "A report cannot be merged into that report"


class BulkSelectionTooLarge(InvalidInput):
    """A bulk action's filter matches more reports than one action may change at once."""

    slug = "bulk-selection-too-large"
    title = "Too many reports for one bulk action"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The filter matches more than {limit:,} reports; narrow it (e.g. by date) and "
            "act on each part."
        )


class OwnTrailOnly(Forbidden):
    """A moderator asked the audit trail for more than their own events."""

    slug = "own-trail-only"
    title = "Moderators read only their own events in the audit trail"
