"""Errors of the report's life cycle, shared by the reporter's side and moderation."""

from __future__ import annotations

from core.errors import Conflict, Forbidden


class InvalidTransition(Conflict):
    slug = "invalid-transition"
    title = "The report is not in a state that allows this"


class ClaimedByAnother(Conflict):
    slug = "claimed-by-another-moderator"
    title = "Another moderator is reviewing this report"


class NotClaimed(Conflict):
    slug = "claim-required"
    title = "Claim the report before deciding on it"


class DecidedByAnother(Forbidden):
    slug = "decided-by-another-moderator"
    title = "Only the moderator who decided, or a lead, may undo the decision"


class UndoWindowClosed(Conflict):
    slug = "undo-window-closed"
    title = "Too late to undo this decision; a lead may reopen it"
