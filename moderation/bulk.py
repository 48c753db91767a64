"""Bulk actions: reject as spam, assign to a moderator, tag or untag, over a selection of
reports (their ids, or everything a queue filter matches) at once.

The rules are the action table's (`lifecycle.states`: `bulk_reject`, `bulk_assign`,
`tag`): the role is asked once (403 for the whole request), the state and the claim per
report in SQL (`states.sql_refusal`); a report the rules leave alone is skipped and
counted by the reason, never an error. The work is set-based, so 5,000 reports cost
about as many statements as five: one SELECT reads the selection (locked, with the reason
each is skipped and its state before), one reads the usernames it names, one UPDATE (or
INSERT, DELETE of tags) changes every report that may be changed, and one INSERT writes
their audit rows, one per report with its before and after, as a single action writes
them (`audit.record_many`). The rows of one bulk action share a `bulk` id in their detail.
Services only flush; the caller commits.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.schemas import StrictInput
from core.settings import Settings
from lifecycle.states import Action, permits, sql_refusal, staff
from models.moderator import Moderator
from models.report import Report, ReportStatus
from models.tag import ReportTag
from moderation import audit, queue, tags
from moderation.audit import AuditAction
from moderation.errors import BulkSelectionTooLarge
from moderation.leads import active_account
from moderation.queue import QueueQuery
from moderation.service import claim_values, decision_values
from moderation.tags import Tag

#: The most reports one bulk action changes: more ids are a 422, a filter matching more
#: is `422 bulk-selection-too-large`.
MAX_REPORTS = 10_000


class BulkAction(StrEnum):
    REJECT = "reject"
    ASSIGN = "assign"
    TAG = "tag"
    UNTAG = "untag"


#: The action table's row each bulk action follows.
RULE_OF = {
    BulkAction.REJECT: Action.BULK_REJECT,
    BulkAction.ASSIGN: Action.BULK_ASSIGN,
    BulkAction.TAG: Action.TAG,
    BulkAction.UNTAG: Action.TAG,
}


class Skip(StrEnum):
    """Why a selected report was left alone, besides the action table's own refusals
    (`invalid-transition`, `claimed-by-another-moderator`)."""

    NOT_FOUND = "report-not-found"  # an id that names no report (or one still in the pipeline)
    ALREADY_TAGGED = "already-tagged"
    NOT_TAGGED = "not-tagged"


class BulkIn(StrictInput):
    """A bulk action and its selection: `report_ids` or `filter`, exactly one."""

    action: BulkAction = Field(
        description="`reject` (leads and admins: reject as spam with `reason`), `assign` "
        "(leads and admins: claim for `moderator`), `tag` or `untag` (everyone: add or remove "
        "`tag`)."
    )
    report_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_REPORTS,
        description="The reports, by id: 1 to 10,000 (repeats count once).",
    )
    filter: QueueQuery | None = Field(
        default=None,
        description="Every report this queue query matches (its filters and `q`, as "
        "`listQueue` takes them, `claimed=me` being the caller's claims; `after` and `limit` "
        "are ignored): at most 10,000.",
    )
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="For `reject`: why, as a single rejection's reason (kept in the audit trail "
        "of every report; never quote a report or name a person).",
    )
    moderator: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="For `assign`: the username of an active account.",
    )
    tag: Tag | None = Field(
        default=None,
        description="For `tag` and `untag`: the label, 1 to 40 of a-z, 0-9 and `-` (any case "
        "as typed, kept in lower case), never a name or anything from a report.",
    )
    dry_run: bool = Field(
        default=False,
        description="`true`: change nothing, answer what would change (the console's "
        "confirmation).",
    )

    @model_validator(mode="after")
    def _complete(self) -> BulkIn:
        if (self.report_ids is None) == (self.filter is None):
            raise ValueError("give either report_ids or filter, not both and not neither")
        needed = {
            BulkAction.REJECT: ("reason", self.reason),
            BulkAction.ASSIGN: ("moderator", self.moderator),
            BulkAction.TAG: ("tag", self.tag),
            BulkAction.UNTAG: ("tag", self.tag),
        }[self.action]
        if needed[1] is None:
            raise ValueError(f"{self.action} needs {needed[0]}")
        return self


class BulkOut(BaseModel):
    """What a bulk action did (or, with `dry_run`, would do)."""

    matched: int = Field(description="Reports the selection names.")
    changed: int = Field(description="Reports changed (each with its own audit row).")
    skipped: dict[str, int] = Field(
        description="Reports left alone, by why: `invalid-transition` (a state the action "
        "does not start from), `claimed-by-another-moderator` (another moderator's live "
        "claim), `report-not-found`, `already-tagged`, `not-tagged`. "
        "`matched` = `changed` + the skipped."
    )


def _selection(
    session: AsyncSession, body: BulkIn, viewer: queue.Viewer
) -> list[ColumnElement[bool]]:
    """The reports `body` names; a filter is read as `viewer`'s queue page reads it
    (`claimed=me` is the moderator who acts)."""
    if body.filter is not None:
        return queue.conditions(session, body.filter, viewer)
    return [
        col(Report.id).in_(sorted(set(body.report_ids or ()))),
        col(Report.status) != ReportStatus.RECEIVED,
    ]


def _why(body: BulkIn, moderator: Moderator, now: Any) -> ColumnElement[str | None]:
    """Why each report of the selection is left alone (NULL: it is changed)."""
    refused = sql_refusal(RULE_OF[body.action], staff(moderator), now)
    if body.action == BulkAction.TAG and body.tag:
        return func.coalesce(refused, sa.case((tags.carries(body.tag), Skip.ALREADY_TAGGED.value)))
    if body.action == BulkAction.UNTAG and body.tag:
        untagged = sa.not_(tags.carries(body.tag))
        return func.coalesce(refused, sa.case((untagged, Skip.NOT_TAGGED.value)))
    return refused


async def run(
    session: AsyncSession, moderator: Moderator, body: BulkIn, settings: Settings
) -> BulkOut:
    """Do `body` (or, with `dry_run`, count what it would do) as `moderator`."""
    permits(RULE_OF[body.action], staff(moderator))
    to = await active_account(session, body.moderator) if body.moderator else None
    now = utcnow()
    columns = [getattr(Report, name) for name in audit.SNAPSHOT_COLUMNS]
    statement = (
        select(col(Report.id), _why(body, moderator, now).label("why"), *columns)
        .where(*_selection(session, body, queue.Viewer.of(moderator, now)))
        .order_by(col(Report.id))
        .limit(MAX_REPORTS + 1)
    )
    if not body.dry_run:
        statement = statement.with_for_update(of=Report)
    rows = (await session.execute(statement)).all()
    if len(rows) > MAX_REPORTS:
        raise BulkSelectionTooLarge(MAX_REPORTS)
    skipped = Counter(row.why for row in rows if row.why is not None)
    wanted = len(set(body.report_ids)) if body.report_ids is not None else len(rows)
    if wanted > len(rows):
        skipped[Skip.NOT_FOUND.value] = wanted - len(rows)
    chosen = {row.id: dict(row._mapping) for row in rows if row.why is None}
    if chosen and not body.dry_run:
        await _change(session, moderator, body, chosen, to, settings)
    return BulkOut(matched=wanted, changed=len(chosen), skipped=dict(sorted(skipped.items())))


async def _change(
    session: AsyncSession,
    moderator: Moderator,
    body: BulkIn,
    chosen: Mapping[uuid.UUID, dict[str, Any]],
    to: Moderator | None,
    settings: Settings,
) -> None:
    ids = list(chosen)
    batch = {"bulk": uuid.uuid4().hex}
    if body.action in (BulkAction.TAG, BulkAction.UNTAG):
        await _tag(session, moderator, body, ids, batch)
        return
    if body.action == BulkAction.REJECT:
        values = decision_values(moderator, ReportStatus.REJECTED) | {
            "rejection_reason": body.reason
        }
        event, detail = AuditAction.REJECTED, {"reason": body.reason or ""}
    else:
        assert to is not None  # BulkIn asks a moderator of `assign`
        values = {"status": ReportStatus.IN_REVIEW, **claim_values(to, settings)}
        event, detail = AuditAction.REASSIGNED, {"to": to.username}
    named = {row[key] for row in chosen.values() for key in ("claimed_by", "decided_by")}
    names = await audit.usernames(session, *named)
    names |= {moderator.id: moderator.username} | ({to.id: to.username} if to else {})
    await session.execute(
        update(Report)
        .where(col(Report.id).in_(ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changes = {
        report_id: (audit.snapshot(row, names), audit.snapshot(row | values, names))
        for report_id, row in chosen.items()
    }
    await audit.record_many(session, moderator, event, changes, **detail, **batch)


async def _tag(
    session: AsyncSession,
    moderator: Moderator,
    body: BulkIn,
    ids: list[uuid.UUID],
    batch: dict[str, str],
) -> None:
    """Add or remove the tag on reports that lack it or carry it; audited with each
    report's tags before and after."""
    tag = body.tag or ""
    before = await tags.of_reports(session, ids)
    if body.action == BulkAction.TAG:
        await session.execute(insert(ReportTag), [{"report_id": i, "tag": tag} for i in ids])
        event = AuditAction.TAGGED
    else:
        await session.execute(
            delete(ReportTag).where(col(ReportTag.tag) == tag, col(ReportTag.report_id).in_(ids))
        )
        event = AuditAction.UNTAGGED
    changes = {}
    for report_id in ids:
        old = before.get(report_id, [])
        new = sorted({*old, tag}) if event == AuditAction.TAGGED else [t for t in old if t != tag]
        changes[report_id] = ({"tags": old}, {"tags": new})
    await audit.record_many(session, moderator, event, changes, tag=tag, **batch)
