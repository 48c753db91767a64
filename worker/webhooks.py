"""The webhook worker: leases due deliveries, sends them signed, retries, dead-letters.

The deliveries table is the queue, leased on the row like the pipeline's reports (see
docs/architecture.md for why not a job-queue library): a batch is claimed with `FOR UPDATE
SKIP LOCKED` on PostgreSQL (SQLite has one writer and one worker), and the claiming UPDATE
re-checks the lease, so two workers never send the same delivery at once. A delivery is due
when its wait is over and no earlier version of the same incident is still pending for the
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
import contextlib
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.clock import utcnow
from core.db import SessionMaker, rows_matched, transaction
from core.hashing import keyed_hasher
from core.settings import Settings
from hub.webhooks import message, secret_of, signed_headers, webhook_id
from models.hub_client import HubClient
from models.incident import Incident
from models.webhook import DeliveryStatus, WebhookDelivery, WebhookEvent

log = logging.getLogger("stop.worker.webhooks")

Key = tuple[uuid.UUID, uuid.UUID]  # (event_id, client_id)


@dataclass(frozen=True)
class _Attempt:
    client_name: str
    url: str
    headers: dict[str, str]
    body: bytes
    attempts: int
    error: str | None = None  # known to fail before sending (the secret does not open)


def backoff(settings: Settings, attempts: int, rng: random.Random) -> timedelta:
    """The wait after the `attempts`-th failed attempt: exponential, capped, jittered."""
    ceiling = min(
        settings.webhook_retry_first_seconds * 2 ** min(attempts - 1, 62),
        settings.webhook_retry_max_seconds,
    )
    return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


class WebhookWorker:
    def __init__(
        self, sessionmaker: SessionMaker, settings: Settings, rng: random.Random | None = None
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.hasher = keyed_hasher(settings)
        self.rng = rng or random.SystemRandom()
        self.owner = f"webhooks-{uuid.uuid4().hex[:16]}"
        self.http = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
            headers={"user-agent": "stop-intake-webhooks"},
        )

    @property
    def lease(self) -> timedelta:
        """Long enough to send one message and write the outcome."""
        return timedelta(seconds=self.settings.webhook_timeout_seconds + 60)

    def _due(self) -> tuple[ColumnElement[bool], ...]:
        now = utcnow()
        earlier = aliased(WebhookDelivery)
        return (
            col(WebhookDelivery.status) == DeliveryStatus.PENDING,
            or_(
                col(WebhookDelivery.next_attempt_at).is_(None),
                col(WebhookDelivery.next_attempt_at) <= now,
            ),
            or_(
                col(WebhookDelivery.lease_expires_at).is_(None),
                col(WebhookDelivery.lease_expires_at) < now,
            ),
            ~exists().where(
                col(earlier.client_id) == col(WebhookDelivery.client_id),
                col(earlier.incident_id) == col(WebhookDelivery.incident_id),
                col(earlier.sequence) < col(WebhookDelivery.sequence),
                col(earlier.status) == DeliveryStatus.PENDING,
            ),
        )

    async def claim_batch(self) -> list[Key]:
        """Lease up to a batch of due deliveries to clients with a webhook, oldest first."""
        async with transaction(self.sessionmaker) as session:
            candidates = (
                await session.execute(
                    select(col(WebhookDelivery.event_id), col(WebhookDelivery.client_id))
                    .join(HubClient, col(HubClient.id) == col(WebhookDelivery.client_id))
                    .where(
                        *self._due(),
                        col(HubClient.is_active).is_(True),
                        col(HubClient.webhook_url).is_not(None),
                    )
                    .order_by(col(WebhookDelivery.sequence))
                    .limit(self.settings.webhook_batch_size)
                    .with_for_update(of=WebhookDelivery, skip_locked=True)
                )
            ).all()
            claimed: list[Key] = []
            expires = utcnow() + self.lease
            for event_id, client_id in candidates:
                taken = await rows_matched(
                    session,
                    update(WebhookDelivery)
                    .where(
                        col(WebhookDelivery.event_id) == event_id,
                        col(WebhookDelivery.client_id) == client_id,
                        *self._due(),
                    )
                    .values(lease_owner=self.owner, lease_expires_at=expires),
                )
                if taken:
                    claimed.append((event_id, client_id))
            return claimed

    async def _prepare(self, key: Key) -> _Attempt | None:
        """The message as it is now, signed; None if the lease or the webhook is gone."""
        async with transaction(self.sessionmaker) as session:
            row = (
                await session.execute(
                    select(WebhookDelivery, WebhookEvent, Incident, HubClient)
                    .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
                    .join(Incident, col(Incident.id) == col(WebhookEvent.incident_version_id))
                    .join(HubClient, col(HubClient.id) == col(WebhookDelivery.client_id))
                    .where(
                        col(WebhookDelivery.event_id) == key[0],
                        col(WebhookDelivery.client_id) == key[1],
                        col(WebhookDelivery.lease_owner) == self.owner,
                    )
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
            await self._release(key)
            return
        error = attempt.error or await self._send(attempt)
        if error is None:
            values: dict[str, object] = {
                "status": DeliveryStatus.DELIVERED,
                "next_attempt_at": None,
            }
        elif attempt.attempts >= self.settings.webhook_max_attempts:
            values = {"status": DeliveryStatus.DEAD, "next_attempt_at": None}
            log.warning(
                "webhook to hub client %s dead-lettered after %d attempts (%s)",
                attempt.client_name,
                attempt.attempts,
                error,
            )
        else:
            wait = backoff(self.settings, attempt.attempts, self.rng)
            values = {"next_attempt_at": utcnow() + wait}
            log.info(
                "webhook to hub client %s failed (attempt %d: %s); retrying",
                attempt.client_name,
                attempt.attempts,
                error,
            )
        async with transaction(self.sessionmaker) as session:
            await session.execute(
                update(WebhookDelivery)
                .where(*self._mine(key))
                .values(
                    attempts=attempt.attempts,
                    last_error=error,
                    lease_owner=None,
                    lease_expires_at=None,
                    **values,
                )
            )

    def _mine(self, key: Key) -> tuple[ColumnElement[bool], ...]:
        return (
            col(WebhookDelivery.event_id) == key[0],
            col(WebhookDelivery.client_id) == key[1],
            col(WebhookDelivery.lease_owner) == self.owner,
        )

    async def _release(self, key: Key) -> None:
        async with transaction(self.sessionmaker) as session:
            await session.execute(
                update(WebhookDelivery)
                .where(*self._mine(key))
                .values(lease_owner=None, lease_expires_at=None)
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
        log.info("webhook worker %s started", self.owner)
        try:
            while not stop.is_set():
                try:
                    handled = await self.run_once()
                except Exception:
                    log.exception("webhook worker iteration failed; retrying")
                    handled = 0
                if handled == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            stop.wait(), timeout=self.settings.worker_poll_seconds
                        )
        finally:
            await self.close()
        log.info("webhook worker %s stopped", self.owner)
