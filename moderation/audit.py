"""The audit trail: one row per moderator action, in the action's own transaction.

An event that changes something carries `changes`, `{"field": [before, after]}`, built
with `diff` from two snapshots taken around the change (`report_state`,
`incident_state`). What may appear as a value, and what may not (docs/anonymity.md):

- kept as is: states, roles, usernames, times, numbers, booleans, values from fixed
  vocabularies (types of exploitation, event type, country), and the reasons staff
  write for a rejection or a retraction (the decision's own record);
- a team's tags on reports (`models.tag`: at most 40 of a-z, 0-9 and "-"), kept as is
  like a rejection's reason: staff's own labels, which the console and the API ask them
  never to make from a name or anything in a report;
- free text that carries report content (an incident's summary and city) appears only
  as its length, `{"chars": 84}`: the trail is append-only, so anything in it outlives
  the report's own retention, and a copy of the content must not;
- secrets (passwords, second-factor secrets, recovery codes) appear as `"(secret)"`,
  which says that one changed and nothing about it. Coordinates appear as whether any
  were published, never their value.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from hub import publishing
from models.audit import AuditEvent
from models.incident import Incident
from models.moderator import Moderator
from models.report import Report

# Stands in for a secret that changed: the key's presence says so, the value nothing.
SECRET = "(secret)"  # noqa: S105 (a placeholder, never a secret)


class AuditAction(StrEnum):
    """The name of every audited event, as stored in `audit_events.action`. The stored
    strings never change: older rows and readers of the trail depend on them."""

    # a report (report_id set)
    VIEWED = "viewed"
    VIEWED_MEDIA = "viewed_media"
    CLAIMED = "claimed"
    RELEASED = "released"
    ASKED_REPORTER = "asked_reporter"
    APPROVED = "approved"
    APPROVAL_HELD = "approval_held"
    CONFIRMED = "confirmed"
    SENT_BACK = "sent_back"
    REJECTED = "rejected"
    REJECTION_UNDONE = "rejection_undone"
    APPROVAL_UNDONE = "approval_undone"
    REOPENED = "reopened"
    REASSIGNED = "reassigned"
    MERGED = "merged"  # this report was merged into another (detail: into)
    MERGE_RECEIVED = "merge_received"  # another report was merged into this one
    TAGGED = "tagged"
    UNTAGGED = "untagged"
    CORRECTED = "corrected"
    RETRACTED = "retracted"
    # logins and sessions
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_REFUSED = "login_refused"
    LOGOUT = "logout"
    # accounts
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    ROLE_CHANGED = "role_changed"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name)
    PASSWORD_RESET = "password_reset"  # noqa: S105 (an event name)
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_REMOVED = "two_factor_removed"
    TWO_FACTOR_RESET = "two_factor_reset"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
    # hub clients (detail: hub_client, the client's name)
    HUB_CLIENT_CREATED = "hub_client_created"
    HUB_CLIENT_KEY_ROTATED = "hub_client_key_rotated"
    HUB_CLIENT_REVOKED = "hub_client_revoked"
    HUB_CLIENT_SCOPES_CHANGED = "hub_client_scopes_changed"
    HUB_WEBHOOK_SET = "hub_webhook_set"
    HUB_WEBHOOK_CLEARED = "hub_webhook_cleared"
    HUB_WEBHOOK_SECRET_ROTATED = "hub_webhook_secret_rotated"  # noqa: S105 (an event name)

    # the audit trail itself
    AUDIT_EXPORTED = "audit_exported"


@dataclass(frozen=True)
class Concealed:
    """Free text compared by its value but recorded by its length only."""

    text: str | None

    def recorded(self) -> dict[str, int] | None:
        return None if self.text is None else {"chars": len(self.text)}


State = dict[str, Any]


def _recorded(value: Any) -> Any:
    if isinstance(value, Concealed):
        return value.recorded()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs between two snapshots, as `[before, after]` (a field
    missing from one side counts as null there)."""
    return {
        name: [_recorded(before.get(name)), _recorded(after.get(name))]
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }


async def record(
    session: AsyncSession,
    moderator: Moderator | None,
    action: AuditAction,
    report_id: uuid.UUID | None = None,
    *,
    changes: Mapping[str, list[Any]] | None = None,
    **detail: Any,
) -> None:
    """One event, flushed in the caller's transaction. `changes` maps each changed field
    to `[before, after]` (see `diff`); `detail` holds the action's parameters."""
    session.add(
        AuditEvent(
            at=utcnow(),
            moderator_id=moderator.id if moderator else None,
            action=action.value,
            report_id=report_id,
            detail=detail,
            changes=dict(changes or {}),
        )
    )
    await session.flush()


async def _usernames(session: AsyncSession, *ids: uuid.UUID | None) -> dict[uuid.UUID, str]:
    wanted = {moderator_id for moderator_id in ids if moderator_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(Moderator.id), col(Moderator.username)).where(col(Moderator.id).in_(wanted))
    )
    return {moderator_id: username for moderator_id, username in rows.all()}


async def report_state(session: AsyncSession, report: Report) -> State:
    """What moderation changes on a report, with moderators by username."""
    names = await _usernames(session, report.claimed_by, report.decided_by)
    return snapshot({name: getattr(report, name) for name in SNAPSHOT_COLUMNS}, names)


#: The report columns `snapshot` reads: what a bulk action selects for its "before".
SNAPSHOT_COLUMNS = (
    "status",
    "claimed_by",
    "claim_expires_at",
    "decided_by",
    "decided_at",
    "rejection_reason",
    "hold_reason",
    "pending_incident",
    "merged_into",
)


def snapshot(report: Mapping[str, Any], names: Mapping[uuid.UUID, str]) -> State:
    """`report_state` from a report's `SNAPSHOT_COLUMNS` and the usernames of the
    moderators they name: one report's, or each row of a bulk action's selection."""
    claimed_by, decided_by = report["claimed_by"], report["decided_by"]
    merged = report["merged_into"]
    return {
        "status": str(report["status"]),
        "claimed_by": names.get(claimed_by) if claimed_by else None,
        "claim_expires_at": report["claim_expires_at"],
        "decided_by": names.get(decided_by) if decided_by else None,
        "decided_at": report["decided_at"],
        "rejection_reason": report["rejection_reason"],
        "hold_reason": report["hold_reason"],
        "awaiting_lead_with_fields": report["pending_incident"] is not None,
        "merged_into": str(merged) if merged else None,
    }


async def usernames(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The usernames of these accounts (one query, whatever their number)."""
    return await _usernames(session, *ids)


async def record_many(
    session: AsyncSession,
    moderator: Moderator,
    action: AuditAction,
    changes: Mapping[uuid.UUID, tuple[State, State]],
    **detail: str | int,
) -> None:
    """One event per report, as `record_change` writes it (`changes` maps each report to
    its state before and after), inserted in one statement however many there are: a bulk
    action's trail is per report, its cost is not."""
    if not changes:
        return
    at = utcnow()
    rows = [
        {
            "at": at,
            "moderator_id": moderator.id,
            "action": action.value,
            "report_id": report_id,
            "detail": dict(detail),
            "changes": diff(before, after),
        }
        for report_id, (before, after) in changes.items()
    ]
    await session.execute(insert(AuditEvent), rows)


# The only free text of an incident (hub.schemas.IncidentContent): recorded by length.
_INCIDENT_TEXTS = frozenset({"summary"})


def incident_state(incident: Incident | None) -> State:
    """The published version of a report's incident as the trail records it: the version,
    what it was, every published fact by value (vocabularies, codes, bands, coarse cells:
    what the hub itself receives), the summary by length only."""
    if incident is None:
        return {}
    content = incident.payload or {}
    return {
        "incident.version": incident.version,
        "incident.change": str(incident.change),
        "incident.scrubbed": incident.scrubbed,
        **{
            f"incident.{name}": Concealed(value) if name in _INCIDENT_TEXTS else value
            for name, value in content.items()
        },
    }


async def record_change(
    session: AsyncSession,
    moderator: Moderator,
    action: AuditAction,
    report: Report,
    before: State,
    after: State | None = None,
    **detail: str | int,
) -> None:
    """Audit an action on a report with what it changed: `before` was taken before the
    change, the report's state now (plus `after`, for what is not on the report) after."""
    now = await report_state(session, report) | (after or {})
    await record(session, moderator, action, report.id, changes=diff(before, now), **detail)


async def publication_state(session: AsyncSession, report: Report) -> State:
    """The report and its latest incident version, before an action that publishes one."""
    latest = await publishing.latest(session, report.id)
    return await report_state(session, report) | incident_state(latest)


async def record_publication(
    session: AsyncSession,
    moderator: Moderator,
    action: AuditAction,
    report: Report,
    before: State,
    incident: Incident,
    **detail: str,
) -> None:
    """Audit an action that published an incident version: naming the version, with what
    changed on the report and between the incident's versions."""
    await record_change(
        session,
        moderator,
        action,
        report,
        before,
        incident_state(incident),
        incident_id=str(incident.incident_id),
        version=incident.version,
        **detail,
    )


async def history(
    session: AsyncSession, report_id: uuid.UUID
) -> list[tuple[AuditEvent, str | None]]:
    """A report's audit events, oldest first, with the acting moderator's username."""
    result = await session.execute(
        select(AuditEvent, col(Moderator.username))
        .outerjoin(Moderator, col(Moderator.id) == col(AuditEvent.moderator_id))
        .where(col(AuditEvent.report_id) == report_id)
        .order_by(col(AuditEvent.id))
    )
    return [(event, username) for event, username in result.all()]
