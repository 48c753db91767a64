"""Every action on a report, in one table: the states it may start from, the state it
leads to, and who may take it.

The worker (`queue`), the reporter's side (`reply`, `withdraw`), the moderation services
and, through `ReportDetail.actions`, the JSON API and the console all ask this table:
`check` before doing an action, `available` for what a caller may do now. Actions whose
workflow is not built yet are in the table with their intended rule and `built=False`;
they are never offered and `check` refuses them.

A rule leads from any of its start states to one state, or leaves the report where it is;
where one start state leads elsewhere (the reporter's answer to a question puts a report
that waits in `needs_info` back in the queue) the rule says so in `moves`.

Bulk actions (`bulk=True`) are taken over a selection of reports at once
(`moderation.bulk`), never offered on one report: the same rules, asked once for the role
(`permits`) and, for the state and the claim, as one SQL condition (`sql_refusal`) that
says why each report of the selection is left alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlmodel import col

from core.clock import utcnow
from core.errors import Forbidden, StopError
from lifecycle.errors import (
    ClaimedByAnother,
    DecidedByAnother,
    InvalidTransition,
    NotClaimed,
    UndoWindowClosed,
)
from models.moderator import Moderator
from models.report import Report, ReportStatus


class Action(StrEnum):
    """What can be done to a report; the order is the order actions are offered in."""

    QUEUE = "queue"
    CLAIM = "claim"
    RELEASE = "release"
    ASK = "ask"
    APPROVE = "approve"
    CONFIRM = "confirm"
    SEND_BACK = "send_back"
    REJECT = "reject"
    UNDO = "undo"
    REOPEN = "reopen"
    REASSIGN = "reassign"
    MERGE = "merge"
    REDACT = "redact"
    UNREDACT = "unredact"
    CORRECT = "correct"
    RETRACT = "retract"
    WITHDRAW = "withdraw"
    REPLY = "reply"
    # over a selection of reports (`moderation.bulk`)
    BULK_REJECT = "bulk_reject"
    BULK_ASSIGN = "bulk_assign"
    TAG = "tag"


class Actor(StrEnum):
    """Who acts: the reporter (with the receipt), the pipeline worker, or a moderator's role
    (the values of `ModeratorRole`)."""

    REPORTER = "reporter"
    WORKER = "worker"
    MODERATOR = "moderator"
    LEAD = "lead"
    ADMIN = "admin"


class ClaimRule(StrEnum):
    """What the report's claim must be for the action."""

    ANY = "any"  # the claim does not matter
    FREE = "free"  # nobody else holds a live claim (claiming, or renewing one's own)
    HOLDER = "holder"  # only the moderator holding the claim
    # Not a claim but the decision: the moderator who decided (leads and admins: whoever
    # decided), and only within the caller's undo window (`Caller.undo_window`).
    DECIDER = "decider"


@dataclass(frozen=True)
class Rule:
    start: frozenset[ReportStatus]
    to: ReportStatus | None  # None: the report stays in the state it is in
    by: frozenset[Actor]
    claim: ClaimRule = ClaimRule.ANY
    built: bool = True  # False: intended rule only, never offered until its service exists
    # True: taken over a selection of reports at once, never offered on one report.
    bulk: bool = False
    # Start states that lead somewhere other than `to` (e.g. needs_info -> queued).
    moves: Mapping[ReportStatus, ReportStatus] = field(default_factory=dict, hash=False)

    def leads_to(self, current: ReportStatus) -> ReportStatus:
        return self.moves.get(current) or self.to or current


def _rule(
    start: Iterable[ReportStatus],
    to: ReportStatus | None,
    by: Iterable[Actor],
    claim: ClaimRule = ClaimRule.ANY,
    *,
    built: bool = True,
    bulk: bool = False,
    moves: Mapping[ReportStatus, ReportStatus] | None = None,
) -> Rule:
    return Rule(frozenset(start), to, frozenset(by), claim, built, bulk, dict(moves or {}))


S = ReportStatus
A = Action
STAFF = (Actor.MODERATOR, Actor.LEAD, Actor.ADMIN)
LEADS = (Actor.LEAD, Actor.ADMIN)
OPEN = (S.QUEUED, S.IN_REVIEW)
# Not yet decided: in the queue, in review, or waiting for the reporter's answer.
UNDECIDED = (*OPEN, S.NEEDS_INFO)
# Approved by a moderator: waiting for a lead, or published.
DECIDED_FOR_HUB = (S.AWAITING_LEAD, S.APPROVED)
# Every state whose texts moderators read and may redact (a withdrawn report's are gone).
READABLE = (*UNDECIDED, *DECIDED_FOR_HUB, S.REJECTED)
HOLDER, FREE, DECIDER = ClaimRule.HOLDER, ClaimRule.FREE, ClaimRule.DECIDER

RULES: dict[Action, Rule] = {
    A.QUEUE: _rule([S.RECEIVED], S.QUEUED, [Actor.WORKER]),
    # Claiming a report that waits for the reporter's answer decides without it.
    A.CLAIM: _rule(UNDECIDED, S.IN_REVIEW, STAFF, FREE),
    A.RELEASE: _rule([S.IN_REVIEW], S.QUEUED, STAFF, HOLDER),
    # Asking ends the review until the reporter answers: the claim is released. Not over
    # another moderator's live claim; asking again while waiting adds a question.
    A.ASK: _rule(UNDECIDED, S.NEEDS_INFO, STAFF, FREE),
    # Publishes at once, or waits for a lead (`awaiting_lead`) when the incident
    # is rare even at the coarsest level (hub.rarity).
    A.APPROVE: _rule([S.IN_REVIEW], S.APPROVED, STAFF, HOLDER),
    # A lead's second pair of eyes on an approval that waits: publish it, or send it back
    # to the queue. Never on one's own approval.
    A.CONFIRM: _rule([S.AWAITING_LEAD], S.APPROVED, LEADS),
    A.SEND_BACK: _rule([S.AWAITING_LEAD], S.QUEUED, LEADS),
    A.REJECT: _rule([S.IN_REVIEW], S.REJECTED, STAFF, HOLDER),
    # Take a decision back soon after it was made: back in review, claimed by the caller.
    # An approval's incident is retracted (and scrubbed); one waiting for a lead was not
    # published.
    A.UNDO: _rule([S.REJECTED, *DECIDED_FOR_HUB], S.IN_REVIEW, STAFF, DECIDER),
    A.REOPEN: _rule([S.REJECTED], S.QUEUED, LEADS),
    # Hand the claim to another moderator (over anyone's claim), or claim it for them.
    A.REASSIGN: _rule(UNDECIDED, S.IN_REVIEW, LEADS),
    # Close a duplicate into the report it repeats (the primary): rejected as a duplicate,
    # with `merged_into` naming the primary, which lists it among its sources.
    A.MERGE: _rule([S.IN_REVIEW], S.REJECTED, STAFF, HOLDER),
    # Hide identifying details of the texts (a bystander's name, the reporter's number)
    # from everyone but leads, whoever holds the claim; only leads show them again.
    A.REDACT: _rule(READABLE, None, STAFF),
    A.UNREDACT: _rule(READABLE, None, LEADS),
    A.CORRECT: _rule([S.APPROVED], None, LEADS),
    A.RETRACT: _rule([S.APPROVED], None, LEADS),
    # Also after approval: the incident is then retracted and scrubbed from the feed.
    A.WITHDRAW: _rule([S.RECEIVED, *UNDECIDED, *DECIDED_FOR_HUB], S.WITHDRAWN, [Actor.REPORTER]),
    # The reporter may add to a report while it is open or after it was approved (the team
    # may still ask); a withdrawn or rejected report takes no more messages. The answer to a
    # question puts a report that waits for it back in the queue (flagged answered).
    A.REPLY: _rule(
        [S.RECEIVED, *UNDECIDED, *DECIDED_FOR_HUB],
        None,
        [Actor.REPORTER],
        moves={S.NEEDS_INFO: S.QUEUED},
    ),
    # Reject a wave of spam: a lead decides for the team, so without holding each claim,
    # from any undecided state; never over another moderator's live claim (they are
    # reading it: that report is left alone and counted).
    A.BULK_REJECT: _rule(UNDECIDED, S.REJECTED, LEADS, FREE, bulk=True),
    # Claim undecided reports for a moderator (as `reassign` does one by one), but never
    # over another moderator's live claim: a bulk action does not take reports out of
    # someone's hands; `reassign` does that deliberately, one report at a time.
    A.BULK_ASSIGN: _rule(UNDECIDED, S.IN_REVIEW, LEADS, FREE, bulk=True),
    # Add or remove a team's label ("spam-wave-nov"); any state a moderator can list.
    A.TAG: _rule([s for s in ReportStatus if s != S.RECEIVED], None, STAFF, bulk=True),
}


@dataclass(frozen=True)
class Caller:
    """Who asks: an actor, and for a moderator their account's id (for the claim rules)
    and how long after a decision it may still be undone (`STOP_UNDO_WINDOW_SECONDS`;
    None: no undo is offered or allowed)."""

    actor: Actor
    moderator_id: uuid.UUID | None = None
    undo_window: timedelta | None = None


REPORTER = Caller(Actor.REPORTER)
WORKER = Caller(Actor.WORKER)


def staff(moderator: Moderator, undo_window: timedelta | None = None) -> Caller:
    return Caller(Actor(moderator.role), moderator.id, undo_window)


def claim_is_live(report: Report, now: datetime | None = None) -> bool:
    return report.claim_expires_at is not None and report.claim_expires_at > (now or utcnow())


def sql_claim_is_live(now: datetime) -> ColumnElement[bool]:
    """`claim_is_live` over `reports`, for a claim someone holds: never NULL, so its
    negation is every report nobody holds a live claim on (the queue's `claimed` filter,
    and `sql_refusal`)."""
    return sa.and_(
        col(Report.claimed_by).is_not(None),
        col(Report.claim_expires_at).is_not(None),
        col(Report.claim_expires_at) > now,
    )


def refusal(
    action: Action, report: Report, caller: Caller, now: datetime | None = None
) -> StopError | None:
    """Why `caller` may not take `action` on `report` now, or None if they may: a role
    that may not is a 403; a state it cannot start from, or a claim in the way, a 409."""
    rule = RULES[action]
    if caller.actor not in rule.by:
        return _forbidden(action)
    if not rule.built or report.status not in rule.start:
        return InvalidTransition(f"Cannot {action} a report that is {report.status}.")
    if rule.claim == ClaimRule.DECIDER:
        return _undo_refusal(report, caller, now)
    mine = report.claimed_by is not None and report.claimed_by == caller.moderator_id
    taken = report.claimed_by is not None and not mine and claim_is_live(report, now)
    if rule.claim == ClaimRule.FREE and taken:
        return ClaimedByAnother()
    if rule.claim == ClaimRule.HOLDER and not mine:
        return ClaimedByAnother() if taken else NotClaimed()
    return None


def _forbidden(action: Action) -> Forbidden:
    return Forbidden(f"Your role may not {action.value.replace('_', ' ')} a report.")


def permits(action: Action, caller: Caller) -> None:
    """Refuse (403) a caller whose role may not take `action` at all: a bulk action asks
    this once for the whole selection."""
    if caller.actor not in RULES[action].by:
        raise _forbidden(action)


def sql_refusal(action: Action, caller: Caller, now: datetime) -> ColumnElement[str | None]:
    """`refusal`'s state and claim rules as one SQL expression over `reports`: the problem
    type (`invalid-transition`, `claimed-by-another-moderator`) that leaves a report of a
    selection alone, or NULL where the action may go ahead. For the rules of bulk actions
    (claims ANY or FREE); the role is asked once, with `permits`."""
    rule = RULES[action]
    if rule.claim not in (ClaimRule.ANY, ClaimRule.FREE) or not rule.built:
        raise ValueError(f"{action} is not an action over a selection")
    starts = [status for status in ReportStatus if status in rule.start]
    cases: list[tuple[ColumnElement[bool], str]] = [
        (sa.not_(col(Report.status).in_(starts)), InvalidTransition.slug)
    ]
    if rule.claim == ClaimRule.FREE:
        taken = sql_claim_is_live(now)
        if caller.moderator_id is not None:
            taken = sa.and_(taken, col(Report.claimed_by) != caller.moderator_id)
        cases.append((taken, ClaimedByAnother.slug))
    return sa.case(*cases, else_=sa.null())


def _undo_refusal(report: Report, caller: Caller, now: datetime | None) -> StopError | None:
    """A moderator may undo only their own decision, a lead or admin anyone's; nobody once
    the window since the decision has passed (403 and 409)."""
    if caller.actor not in LEADS and report.decided_by != caller.moderator_id:
        return DecidedByAnother()
    window = caller.undo_window
    if (
        window is None
        or report.decided_at is None
        or report.decided_at + window <= (now or utcnow())
    ):
        return UndoWindowClosed()
    return None


def may(action: Action, report: Report, caller: Caller, now: datetime | None = None) -> bool:
    """May this caller take this action on this report now?"""
    return refusal(action, report, caller, now) is None


def check(
    action: Action, report: Report, caller: Caller, now: datetime | None = None
) -> ReportStatus:
    """The state `action` leads to, or the problem that refuses it (see `refusal`)."""
    problem = refusal(action, report, caller, now)
    if problem is not None:
        raise problem
    return RULES[action].leads_to(report.status)


def available(report: Report, caller: Caller, now: datetime | None = None) -> list[Action]:
    """The actions this caller may take on this report now, in the table's order."""
    now = now or utcnow()
    return [
        action for action in Action if not RULES[action].bulk and may(action, report, caller, now)
    ]
