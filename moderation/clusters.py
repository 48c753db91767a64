"""Clusters in the queue: many open reports about one place in a few days are one signal
("7 reports about this place in 3 days"), shown as one line a moderator can open.

The rule, simple enough to say in a sentence: open reports (queued or in review) whose
stored positions fall in the same H3 cell of resolution 7 (about 5 km²;
`core.places.cluster_cell`, kept on the report as `place_cell`) and that were received
within `CLUSTER_DAYS` of the report that leads the line. The lead is the first of them on
the page, in the queue's own order; the others on the page are folded into its line.

Bounded, and the queue's keyset paging untouched: clusters are worked out for the
reports of one page only: their cells are read by primary key, then one query over the
index `ix_reports_open_cells` reads their neighbours. A cluster's members can be on
other pages too: the line counts and lists them, and they still appear on their own page.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.base import one_of
from models.report import OPEN_STATUSES, Report, ReportStatus
from moderation import redaction
from moderation.duplicates import EXCERPT_CHARS
from moderation.schemas import QueueCluster, QueueItem, QueuePage

CLUSTER_DAYS = 3
MAX_MEMBERS_LISTED = 50


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    status: ReportStatus
    received_at: datetime
    excerpt: str


@dataclass
class Cluster:
    """Open reports about one place within days of the lead: `members` includes the lead,
    oldest first (at most `MAX_MEMBERS_LISTED` listed; `count` counts them all)."""

    lead: uuid.UUID
    count: int
    members: list[Member] = field(default_factory=list)

    @property
    def days(self) -> int:
        """How many days the cluster spans, from its first report to its last (at least 1)."""
        if not self.members:
            return 1
        span = self.members[-1].received_at - self.members[0].received_at
        return max(1, math.ceil(span / timedelta(days=1)))

    @property
    def summary(self) -> str:
        days = self.days
        return f"{self.count} reports about this place in {days} day{'s' if days > 1 else ''}"


@dataclass
class PageClusters:
    """The clusters of one page: by the id of the report that leads each line, and the
    ids of the page's reports folded into a line led by another (with that line's lead)."""

    leading: dict[uuid.UUID, Cluster] = field(default_factory=dict)
    folded_into: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def of(self, report_id: uuid.UUID) -> Cluster | None:
        """The cluster of a report of the page, whether it leads the line or is folded."""
        return self.leading.get(self.folded_into.get(report_id, report_id))


async def _neighbours(
    session: AsyncSession, items: list[QueueItem]
) -> dict[uuid.UUID, list[Member]]:
    """For each listed report with a place, the open reports of its cell received within
    `CLUSTER_DAYS` of it (itself included), oldest first. The page's cells come from their
    primary keys, then one query over `ix_reports_open_cells` reads their neighbours."""
    cells = dict(
        (
            await session.execute(
                select(col(Report.id), col(Report.place_cell)).where(
                    col(Report.id).in_([item.id for item in items]),
                    col(Report.place_cell).is_not(None),
                )
            )
        ).all()
    )
    if not cells:
        return {}
    window = timedelta(days=CLUSTER_DAYS)
    times = [item.received_at for item in items if item.id in cells]
    shown = func.coalesce(col(Report.translated_text), col(Report.text))
    rows = await session.execute(
        select(
            col(Report.id),
            col(Report.place_cell),
            col(Report.status),
            col(Report.received_at),
            func.substr(shown, 1, EXCERPT_CHARS),
        )
        .where(
            # the partial index's own condition, as literal SQL
            sa.literal_column(one_of("reports.status", list(OPEN_STATUSES)), sa.Boolean),
            col(Report.place_cell).in_(set(cells.values())),
            col(Report.received_at).between(min(times) - window, max(times) + window),
        )
        .order_by(col(Report.received_at), col(Report.id))
    )
    found = rows.all()
    # The excerpt read in SQL is the raw text: redact those of reports with redactions.
    redacted = await redaction.redacted_reports(session, (row[0] for row in found))
    excerpts = await redaction.excerpts(session, redacted, EXCERPT_CHARS)
    by_cell: dict[str, list[Member]] = defaultdict(list)
    for report_id, cell, status, received_at, excerpt in found:
        text = excerpts.get(report_id, excerpt or "")
        by_cell[cell].append(Member(report_id, status, received_at, text))
    received = {item.id: item.received_at for item in items}
    return {
        report_id: [
            member
            for member in by_cell[cell]
            if abs(member.received_at - received[report_id]) <= window
        ]
        for report_id, cell in cells.items()
        if cell is not None
    }


async def for_page(session: AsyncSession, items: list[QueueItem]) -> PageClusters:
    """The cluster lines of a queue page (reports in the page's order)."""
    result = PageClusters()
    neighbours = await _neighbours(session, items)
    for item in items:
        if item.id in result.folded_into:
            continue
        members = neighbours.get(item.id, [])
        if len(members) < 2:
            continue
        result.leading[item.id] = Cluster(item.id, len(members), members[:MAX_MEMBERS_LISTED])
        result.folded_into.update(
            (member.id, item.id) for member in members if member.id != item.id
        )
    return result


async def with_clusters(session: AsyncSession, page: QueuePage) -> QueuePage:
    """The page with each listed report's `cluster` set, as the console groups them (the
    JSON API's queue: the same lines, said in its schema)."""
    grouped = await for_page(session, page.items)
    items = []
    for item in page.items:
        cluster = grouped.of(item.id)
        described = (
            QueueCluster(
                lead=cluster.lead, count=cluster.count, days=cluster.days, summary=cluster.summary
            )
            if cluster is not None
            else None
        )
        items.append(item.model_copy(update={"cluster": described}))
    return page.model_copy(update={"items": items})
