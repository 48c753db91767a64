"""The retention purge: decided reports are emptied of the reporter's content once their
period is over (`stop-intake purge`, or the worker every `purge_every_hours`).

What goes is what a withdrawal removes (`lifecycle.erasure`): text, translation, place,
coordinates, times, the conversation and the media (rows and stored files). What stays:
the report row with its status, decision and coarse received time (the audit trail and
the hub's incidents name it by id, and the trail is append-only), and the published
incident itself with the media it shares with the hub. Rejected reports (merged
duplicates included) go sooner than approved and withdrawn ones: nothing of them was
published. Each emptied report gets a `purged` audit row (what changed, by lengths and
counts, never content) and each run one `purge_run` row with the counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.db import SessionMaker, transaction
from core.settings import Settings
from core.storage import AsyncMediaStorage
from hub.shared_media import published_media
from lifecycle.erasure import erase_content
from lifecycle.schedule import claim_run
from models.media import Media
from models.message import ReportMessage
from models.report import Report, ReportStatus
from moderation.audit import AuditAction, Concealed, State, diff, record

log = logging.getLogger("stop.retention")
JOB = "purge"
BATCH = 100  # reports per transaction: a long backlog never holds one huge transaction


@dataclass
class PurgeResult:
    """How many reports a run emptied (or, dry, would empty), by status, and files deleted."""

    reports: Counter[str] = field(default_factory=Counter)
    media_files: int = 0
    messages: int = 0

    @property
    def total(self) -> int:
        return sum(self.reports.values())


def _due(settings: Settings, now: datetime) -> ColumnElement[bool]:
    """Decided, not yet purged, and decided longer ago than its status's period (reports
    without a decision time, the withdrawn ones, count from their received time)."""
    decided = func.coalesce(col(Report.decided_at), col(Report.received_at))
    periods = (
        ((ReportStatus.REJECTED,), settings.retain_rejected_days),
        ((ReportStatus.APPROVED, ReportStatus.WITHDRAWN), settings.retain_decided_days),
    )
    branches = [
        and_(col(Report.status).in_(statuses), decided < now - timedelta(days=days))
        for statuses, days in periods
        if days > 0  # 0: kept for ever
    ]
    if not branches:
        return col(Report.id).is_(None)  # nothing is ever due
    return and_(col(Report.purged_at).is_(None), or_(*branches))


async def _count(
    session: AsyncSession, model: type[Media] | type[ReportMessage], report_id: uuid.UUID
) -> int:
    column = col(model.report_id)
    return (await session.execute(select(func.count()).where(column == report_id))).scalar_one()


async def _state(session: AsyncSession, report: Report) -> State:
    """What the purge changes, by lengths and counts only: the trail outlives the content."""
    return {
        "text": Concealed(report.text),
        "translated_text": Concealed(report.translated_text),
        "place": Concealed(report.place),
        "location": report.latitude is not None,
        "media": await _count(session, Media, report.id),
        "messages": await _count(session, ReportMessage, report.id),
        "purged_at": report.purged_at,
    }


async def _purge_one(
    session: AsyncSession, storage: AsyncMediaStorage, report: Report, now: datetime
) -> tuple[int, int]:
    before = await _state(session, report)
    keys = await erase_content(
        session, report, keep_media=await published_media(session, report.id)
    )
    report.purged_at = now
    for key in keys:  # before the commit, as a withdrawal does: a retry completes it
        await storage.delete(key)
    after = await _state(session, report)
    await record(session, None, AuditAction.PURGED, report.id, changes=diff(before, after))
    return len(keys), int(before["messages"])


async def purge(
    sessionmaker: SessionMaker,
    storage: AsyncMediaStorage,
    settings: Settings,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
) -> PurgeResult:
    """Empty every decided report past its period; `dry_run` only counts them."""
    now = now or utcnow()
    result = PurgeResult()
    if dry_run:
        async with transaction(sessionmaker) as session:
            rows = await session.execute(
                select(col(Report.status), func.count())
                .where(_due(settings, now))
                .group_by(col(Report.status))
            )
            result.reports.update({str(status): count for status, count in rows.all()})
        return result
    while True:
        async with transaction(sessionmaker) as session:
            batch = (
                (
                    await session.execute(
                        select(Report)
                        .where(_due(settings, now))
                        .order_by(col(Report.id))
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            for report in batch:
                files, messages = await _purge_one(session, storage, report, now)
                result.reports[report.status.value] += 1
                result.media_files += files
                result.messages += messages
        if len(batch) < BATCH:
            break
    async with transaction(sessionmaker) as session:
        await record(
            session,
            None,
            AuditAction.PURGE_RUN,
            reports=result.total,
            by_status={status.value: result.reports[status.value] for status in _PURGED_STATUSES},
            media_files=result.media_files,
            messages=result.messages,
            retain_decided_days=settings.retain_decided_days,
            retain_rejected_days=settings.retain_rejected_days,
        )
    return result


_PURGED_STATUSES = (ReportStatus.APPROVED, ReportStatus.REJECTED, ReportStatus.WITHDRAWN)


async def run_periodically(
    sessionmaker: SessionMaker,
    storage: AsyncMediaStorage,
    settings: Settings,
    stop: asyncio.Event,
    check_seconds: float = 60.0,
) -> None:
    """The worker's purge loop: every `check_seconds`, purge if due and not taken."""
    if settings.purge_every_hours is None:
        return
    every = timedelta(hours=settings.purge_every_hours)
    while not stop.is_set():
        try:
            if await claim_run(sessionmaker, JOB, every, utcnow()):
                result = await purge(sessionmaker, storage, settings)
                log.info("retention purge emptied %d reports", result.total)
        except Exception:  # a failed purge is retried next round; it must not stop the worker
            log.exception("retention purge failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=check_seconds)
