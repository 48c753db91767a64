"""Urgent-report alerts: the on-call moderators' phones are told that an urgent report waits.

Off until `alerts_fcm_topic` is set. The pipeline worker calls `urgent_report_queued` in the
transaction that puts an urgent report in the queue: that writes (or joins) the one pending
row of `urgent_alerts` and nothing else, so intake and the pipeline never wait for FCM, and
an FCM outage is only a row that waits. `AlertWorker` sends pending alerts through
firebase-admin (`worker/fcm.py`), leased and retried with backoff by `worker.leasing`, the
machinery the webhook sender uses; after `alerts_max_attempts` an alert is dead (logged).

Coalescing: urgent reports that reach the queue while an alert is pending join it (so ten
reports in a burst, or an hour of FCM outage, make one alert), and an alert opened in the
minute another was sent waits for the next minute: at most one alert a minute.

What an alert says is fixed text, the number of urgent reports it stands for and a link to
the console (`alerts_console_url`): never a report's text, language, place, category or id.
Phones, lock screens and Google's servers see it; nothing in it may help anyone find a
reporter or learn what was reported.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.anonymity import to_the_minute
from core.clock import utcnow
from core.db import SessionMaker, insert_on_conflict, transaction
from core.settings import Settings
from models.alert import UrgentAlert
from models.webhook import DeliveryStatus
from worker.fcm import FcmFailed, FcmSender, Push
from worker.leasing import Key, LeasedRows, Outcome, RetryPolicy, poll

log = logging.getLogger("stop.worker.alerts")

TITLE = "STOP: urgent report"


def alert_push(reports: int, settings: Settings) -> Push:
    """The alert for `reports` urgent reports: fixed words, a count and the console link."""
    body = (
        "An urgent report is waiting in the moderation queue."
        if reports == 1
        else f"{reports} urgent reports are waiting in the moderation queue."
    )
    data = {"kind": "urgent-reports", "count": str(reports)}
    if settings.alerts_console_url:
        data["link"] = settings.alerts_console_url
    return Push(TITLE, body, data, settings.alerts_console_url)


async def urgent_report_queued(session: AsyncSession, settings: Settings) -> None:
    """An urgent report reached the queue in `session`'s transaction: open an alert, or join
    the pending one. Only flushes; the caller commits with the report."""
    if not settings.alerts_fcm_topic:
        return
    minute = to_the_minute(utcnow())
    last_sent = await session.scalar(select(func.max(col(UrgentAlert.sent_at))))
    hold = minute + timedelta(minutes=1) if last_sent is not None and last_sent >= minute else None
    insert = insert_on_conflict(session, UrgentAlert)
    await session.execute(
        insert.values(
            id=uuid.uuid4(),
            reports=1,
            opened_at=minute,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=hold,
        ).on_conflict_do_update(
            index_elements=[col(UrgentAlert.status)],
            index_where=text("status = 'pending'"),
            set_={"reports": col(UrgentAlert.reports) + 1},
        )
    )


class AlertWorker:
    """Sends pending urgent alerts, one at a time (there is at most one pending)."""

    def __init__(
        self, sessionmaker: SessionMaker, settings: Settings, rng: random.Random | None = None
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.owner = f"alerts-{uuid.uuid4().hex[:16]}"
        self.rows = LeasedRows(
            UrgentAlert,
            (UrgentAlert.id,),
            owner=self.owner,
            # A token exchange and a send, each within the timeout, and writing the outcome.
            lease=timedelta(seconds=2 * settings.alerts_timeout_seconds + 60),
            policy=RetryPolicy(
                first_seconds=settings.alerts_retry_first_seconds,
                max_seconds=settings.alerts_retry_max_seconds,
                max_attempts=settings.alerts_max_attempts,
            ),
            rng=rng or random.SystemRandom(),
        )
        self._sender: FcmSender | None = None

    def _send(self, push: Push) -> None:
        """Blocking: build the sender on first use (a bad credentials file is then a failed
        attempt, not a worker that cannot start) and send."""
        if self._sender is None:
            self._sender = FcmSender(self.settings)
        self._sender.send(push)

    async def deliver(self, key: Key) -> None:
        async with transaction(self.sessionmaker) as session:
            alert = (
                await session.execute(select(UrgentAlert).where(*self.rows.mine(key)))
            ).scalar_one_or_none()
            if alert is None:
                return
            reports, attempts = alert.reports, alert.attempts + 1
        error: str | None = None
        try:
            await asyncio.to_thread(self._send, alert_push(reports, self.settings))
        except FcmFailed as failure:
            error = failure.code
        except Exception as failure:  # an SDK surprise is a failed attempt, never a crash
            error = type(failure).__name__[:64]
        sent = {"sent_at": to_the_minute(utcnow())} if error is None else {}
        outcome = await self.rows.finish(self.sessionmaker, key, attempts, error, **sent)
        if outcome is Outcome.DELIVERED:
            log.info("urgent alert sent (%d reports, attempt %d)", reports, attempts)
        elif outcome is Outcome.DEAD:
            log.warning("urgent alert given up after %d attempts (%s)", attempts, error)
        else:
            log.info("urgent alert failed (attempt %d: %s); retrying", attempts, error)

    async def run_once(self) -> int:
        """Lease the due alert, if any, and send it; returns how many were attempted."""
        if not self.settings.alerts_fcm_topic:
            return 0
        claimed = await self.rows.claim(
            self.sessionmaker,
            select(col(UrgentAlert.id))
            .where(*self.rows.due())
            .order_by(col(UrgentAlert.opened_at))
            .limit(1),
        )
        for key in claimed:
            await self.deliver(key)
        return len(claimed)

    async def close(self) -> None:
        """Delete the Firebase app (in a thread: the SDK closes its own event loop's client)."""
        if self._sender is not None:
            await asyncio.to_thread(self._sender.close)
            self._sender = None

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set (returns at once when alerts are off)."""
        if not self.settings.alerts_fcm_topic:
            return
        try:
            await poll(
                f"alert worker {self.owner}",
                self.run_once,
                stop,
                self.settings.worker_poll_seconds,
                log,
            )
        finally:
            await self.close()
