"""The moderation state machine: which action may move a report from which state, in one table."""

from __future__ import annotations

from lifecycle.errors import InvalidTransition
from models.report import ReportStatus

S = ReportStatus
TRANSITIONS: dict[str, dict[ReportStatus, ReportStatus]] = {
    "claim": {S.QUEUED: S.IN_REVIEW, S.IN_REVIEW: S.IN_REVIEW},
    "release": {S.IN_REVIEW: S.QUEUED},
    "approve": {S.IN_REVIEW: S.APPROVED},
    "reject": {S.IN_REVIEW: S.REJECTED},
    "withdraw": {S.RECEIVED: S.WITHDRAWN, S.QUEUED: S.WITHDRAWN, S.IN_REVIEW: S.WITHDRAWN},
    # The reporter may add to a report while it is open or after it was approved (the team
    # may still ask); a withdrawn or rejected report takes no more messages.
    "reply": {
        S.RECEIVED: S.RECEIVED,
        S.QUEUED: S.QUEUED,
        S.IN_REVIEW: S.IN_REVIEW,
        S.APPROVED: S.APPROVED,
    },
}


def next_status(action: str, current: ReportStatus) -> ReportStatus:
    """The state `action` leads to from `current`, or a 409 problem naming both."""
    try:
        return TRANSITIONS[action][current]
    except KeyError:
        raise InvalidTransition(f"Cannot {action} a report that is {current}.") from None
