"""The webhook worker: leases due deliveries, sends them signed, retries, dead-letters.

The deliveries table is the queue, leased on the row by `worker.leasing` (shared with the
urgent-alert sender): a batch is claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite
has one writer and one worker), and the claiming UPDATE re-checks the lease, so two workers
never send the same delivery at once. A delivery is due when its wait is over and no
earlier version of the same incident is still pending for the
same client: versions of one incident reach a client in order, each after the one before
was delivered or dead-lettered. Different incidents and clients do not wait for each other,
and a batch is sent concurrently, so a slow receiver holds up only its own deliveries.

A failed attempt (no answer within the timeout, a refused connection, anything but 2xx)
waits `webhook_retry_first_seconds`, doubling each time up to `webhook_retry_max_seconds`,
drawn between half and all of that (jitter, so a receiver coming back is not hit by every
retry at once); after `webhook_max_attempts` the delivery is dead. Nothing of a message is
logged, and no URL: only the client's name and what went wrong.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.clock import utcnow
from core.db import SessionMaker, transaction
from core.hashing import keyed_hasher
from core.settings import Settings
from hub.webhooks import message, secret_of, signed_headers, webhook_id
from models.hub_client import HubClient
from models.incident import Incident
from models.webhook import DeliveryStatus, WebhookDelivery, WebhookEvent
from worker.leasing import Key, LeasedRows, Outcome, RetryPolicy, poll

log = logging.getLogger("stop.worker.webhooks")


@dataclass(frozen=True)
class _Attempt:
    client_name: str
    url: str
    headers: dict[str, str]
    body: bytes
    attempts: int
    error: str | None = None  # known to fail before sending (the secret does not open)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        first_seconds=settings.webhook_retry_first_seconds,
        max_seconds=settings.webhook_retry_max_seconds,
        max_attempts=settings.webhook_max_attempts,
    )


def _no_earlier_version_pending() -> tuple[ColumnElement[bool], ...]:
    earlier = aliased(WebhookDelivery)
    return (
        ~exists().where(
            col(earlier.client_id) == col(WebhookDelivery.client_id),
            col(earlier.incident_id) == col(WebhookDelivery.incident_id),
            col(earlier.sequence) < col(WebhookDelivery.sequence),
            col(earlier.status) == DeliveryStatus.PENDING,
        ),
    )


class WebhookWorker:
    def __init__(
        self, sessionmaker: SessionMaker, settings: Settings, rng: random.Random | None = None
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.hasher = keyed_hasher(settings)
        self.owner = f"webhooks-{uuid.uuid4().hex[:16]}"
        self.rows = LeasedRows(
            WebhookDelivery,
            (WebhookDelivery.event_id, WebhookDelivery.client_id),
            owner=self.owner,
            # Long enough to send one message and write the outcome.
            lease=timedelta(seconds=settings.webhook_timeout_seconds + 60),
            policy=retry_policy(settings),
            rng=rng or random.SystemRandom(),
            waits_for=_no_earlier_version_pending,
        )
        self.http = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
            headers={"user-agent": "stop-intake-webhooks"},
        )

    async def claim_batch(self) -> list[Key]:
        """Lease up to a batch of due deliveries to clients with a webhook, oldest first."""
        return await self.rows.claim(
            self.sessionmaker,
            select(col(WebhookDelivery.event_id), col(WebhookDelivery.client_id))
            .join(HubClient, col(HubClient.id) == col(WebhookDelivery.client_id))
            .where(
                *self.rows.due(),
                col(HubClient.is_active).is_(True),
                col(HubClient.webhook_url).is_not(None),
            )
            .order_by(col(WebhookDelivery.sequence))
            .limit(self.settings.webhook_batch_size),
        )

    async def _prepare(self, key: Key) -> _Attempt | None:
        """The message as it is now, signed; None if the lease or the webhook is gone."""
        async with transaction(self.sessionmaker) as session:
            row = (
                await session.execute(
                    select(WebhookDelivery, WebhookEvent, Incident, HubClient)
                    .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
                    .join(Incident, col(Incident.id) == col(WebhookEvent.incident_version_id))
                    .join(HubClient, col(HubClient.id) == col(WebhookDelivery.client_id))
                    .where(*self.rows.mine(key))
                )
            ).one_or_none()
        if row is None:
            return None
        delivery, event, incident, client = row
        if client.webhook_url is None:
            return None
        attempts = delivery.attempts + 1
        secret = secret_of(self.hasher, client)
        if secret is None:  # counts as a failed attempt, so it ends dead, not in a loop
            return _Attempt(client.name, client.webhook_url, {}, b"", attempts, "secret-unsealable")
        body = message(event, incident, self.settings)
        headers = signed_headers(secret, webhook_id(event), body, utcnow())
        return _Attempt(client.name, client.webhook_url, headers, body, attempts)

    async def _send(self, attempt: _Attempt) -> str | None:
        """POST the message; None when the receiver took it (2xx), else what went wrong."""
        try:
            answer = await self.http.post(
                attempt.url, content=attempt.body, headers=attempt.headers
            )
        except httpx.TimeoutException:
            return "timeout"
        except httpx.HTTPError as error:
            return type(error).__name__
        if 200 <= answer.status_code < 300:
            return None
        return f"http-{answer.status_code}"

    async def deliver(self, key: Key) -> None:
        attempt = await self._prepare(key)
        if attempt is None:
            await self.rows.release(self.sessionmaker, key)
            return
        error = attempt.error or await self._send(attempt)
        outcome = await self.rows.finish(self.sessionmaker, key, attempt.attempts, error)
        if outcome is Outcome.DEAD:
            log.warning(
                "webhook to hub client %s dead-lettered after %d attempts (%s)",
                attempt.client_name,
                attempt.attempts,
                error,
            )
        elif outcome is Outcome.RETRY:
            log.info(
                "webhook to hub client %s failed (attempt %d: %s); retrying",
                attempt.client_name,
                attempt.attempts,
                error,
            )

    async def run_once(self) -> int:
        """Lease one batch and send it (concurrently); returns how many were attempted."""
        claimed = await self.claim_batch()
        await asyncio.gather(*(self.deliver(key) for key in claimed))
        return len(claimed)

    async def close(self) -> None:
        await self.http.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set; failures are logged and retried, never fatal."""
        try:
            await poll(
                f"webhook worker {self.owner}",
                self.run_once,
                stop,
                self.settings.worker_poll_seconds,
                log,
            )
        finally:
            await self.close()
