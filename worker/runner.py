"""The pipeline worker: claims received reports, analyses them, and puts them in the queue.

The reports table is the queue. A batch is claimed with `FOR UPDATE SKIP LOCKED` (on
PostgreSQL; SQLite has one writer) and a lease; the claim update re-checks the lease
and returns only the rows it really took, so two workers never process the same report.
A worker that dies leaves leases that expire, and another worker retries the rows. After
`worker_max_attempts` failures the report is queued anyway, untranslated, so that no
report is ever stuck out of the moderators' sight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlmodel import col

from core.anonymity import minute_after, to_the_minute
from core.clock import utcnow
from core.db import SessionMaker, transaction
from core.settings import Settings
from lifecycle import similarity_keys
from lifecycle.states import RULES, Action
from models.report import Report, TranslationStatus
from translation import Translator, get_translator, warm_up_detection
from worker.alerts import urgent_report_queued
from worker.pipeline import analyse
from worker.translations import translate_late_reports, translate_messages

log = logging.getLogger("stop.worker")
LATE_MESSAGES_PER_SWEEP = 500


class PipelineWorker:
    def __init__(
        self, sessionmaker: SessionMaker, settings: Settings, translator: Translator | None = None
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.translator = translator or get_translator(settings)
        self.owner = f"worker-{uuid.uuid4().hex[:16]}"
        self._catalogue: list[tuple[str, str]] | None = None

    def _claimable(self) -> tuple[ColumnElement[bool], ...]:
        """Received reports nobody holds, and those this worker still holds from an
        iteration that failed (the database restarted mid-way): it works one batch at a
        time, so at the start of a claim no lease of its own is in use, and waiting for
        them to expire would hold those reports back for `worker_lease_seconds`."""
        now = utcnow()
        lease_expires_at = col(Report.lease_expires_at)
        return (
            col(Report.status).in_(RULES[Action.QUEUE].start),  # received, by the action table
            or_(
                lease_expires_at.is_(None),
                lease_expires_at < now,
                col(Report.lease_owner) == self.owner,
            ),
        )

    async def claim_batch(self) -> list[uuid.UUID]:
        """Lease up to a batch of received reports, urgent ones first."""
        async with transaction(self.sessionmaker) as session:
            candidates = (
                (
                    await session.execute(
                        select(col(Report.id))
                        .where(*self._claimable())
                        .order_by(col(Report.urgent).desc(), col(Report.received_at))
                        .limit(self.settings.worker_batch_size)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            if not candidates:
                return []
            claimed = await session.execute(
                update(Report)
                .where(col(Report.id).in_(candidates), *self._claimable())
                .values(
                    lease_owner=self.owner,
                    lease_expires_at=minute_after(
                        utcnow() + timedelta(seconds=self.settings.worker_lease_seconds)
                    ),
                    attempts=col(Report.attempts) + 1,
                )
                .returning(col(Report.id))
            )
            return list(claimed.scalars())

    async def process(self, report_id: uuid.UUID) -> None:
        async with transaction(self.sessionmaker) as session:
            report = await session.get(Report, report_id)
            if report is None or report.lease_owner != self.owner:
                return
            text, locale, attempts = report.text, report.locale, report.attempts
        try:
            columns = await asyncio.to_thread(
                analyse, text, locale, self.translator, self.settings.target_language
            )
        except Exception as error:  # a bad report must not stop the pipeline
            log.exception("analysis failed for a report (attempt %d)", attempts)
            if attempts < self.settings.worker_max_attempts:
                await self._retry_later(report_id, attempts, type(error).__name__)
                return
            columns = {
                "translation_status": TranslationStatus.FAILED,
                "last_error": type(error).__name__,
            }
        await self._queue(report_id, columns)

    async def _queue(self, report_id: uuid.UUID, columns: dict[str, object]) -> None:
        """Put the report in the moderation queue if this worker still holds the lease and
        the action table still lets the worker (the reporter may have withdrawn it meanwhile).

        The worker's one action has no claim rule, so its states are checked by the UPDATE
        itself: one statement, no row loaded. Its text is final now: its band keys for the
        duplicate suggestions are stored with it. An urgent report opens (or joins) an alert
        to the on-call moderators in the same transaction: a row, sent later by the worker."""
        rule = RULES[Action.QUEUE]
        async with transaction(self.sessionmaker) as session:
            queued = (
                await session.execute(
                    update(Report)
                    .where(
                        col(Report.id) == report_id,
                        col(Report.lease_owner) == self.owner,
                        col(Report.status).in_(rule.start),
                    )
                    .values(
                        status=rule.to,
                        queued_at=to_the_minute(utcnow()),
                        lease_owner=None,
                        lease_expires_at=None,
                        **columns,
                    )
                    .returning(*similarity_keys.SOURCE, col(Report.urgent))
                )
            ).one_or_none()
            if queued is None:
                return
            await similarity_keys.store(session, report_id, *queued[:-1])
            if queued.urgent:
                await urgent_report_queued(session, self.settings)

    async def _retry_later(self, report_id: uuid.UUID, attempts: int, error: str) -> None:
        backoff = timedelta(seconds=min(2**attempts, self.settings.worker_lease_seconds))
        async with transaction(self.sessionmaker) as session:
            await session.execute(
                update(Report)
                .where(col(Report.id) == report_id, col(Report.lease_owner) == self.owner)
                .values(
                    lease_owner=None,
                    lease_expires_at=minute_after(utcnow() + backoff),
                    last_error=error,
                )
            )

    async def run_once(self) -> int:
        """One round of every kind of work; returns how many items it handled."""
        claimed = await self.claim_batch()
        for report_id in claimed:
            await self.process(report_id)
        handled = len(claimed)
        handled += await translate_messages(
            self.sessionmaker,
            self.translator,
            (TranslationStatus.PENDING,),
            self.settings.worker_batch_size,
        )
        catalogue = await asyncio.to_thread(self.translator.available_languages)
        if catalogue != self._catalogue:  # a model was installed or removed: catch up
            self._catalogue = catalogue
            handled += await translate_late_reports(
                self.sessionmaker, self.translator, self.settings, self.owner
            )
            handled += await translate_messages(
                self.sessionmaker,
                self.translator,
                (TranslationStatus.UNAVAILABLE,),
                LATE_MESSAGES_PER_SWEEP,
            )
        return handled

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set; database hiccups are logged and retried, never fatal."""
        log.info("pipeline worker %s started", self.owner)
        try:  # load models now rather than on the first report
            await asyncio.to_thread(warm_up_detection)
            await asyncio.to_thread(self.translator.preload)
        except Exception:  # a broken model must not stop the pipeline: reports still queue
            log.exception("could not preload translation models")
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("pipeline worker iteration failed; retrying")
                handled = 0
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
        log.info("pipeline worker %s stopped", self.owner)
