"""Outbox rows leased as a queue: what the webhook and the alert senders share.

An outbox table (webhook deliveries, urgent alerts) is its own queue, leased on the row
like the pipeline's reports (see docs/architecture.md for why not a job-queue library). Its
rows have `status` (a `DeliveryStatus`), `attempts`, `next_attempt_at`, `lease_owner`,
`lease_expires_at` and `last_error`. `LeasedRows` holds the parts that do not depend on
what is sent:

- a row is due when it is pending, its wait is over and no live lease holds it (plus any
  condition the sender adds, e.g. webhooks keep the versions of one incident in order);
- `claim` runs the sender's candidate query with `FOR UPDATE SKIP LOCKED` (PostgreSQL;
  SQLite has one writer) and leases each row with an UPDATE that re-checks it is due, so
  two workers never send the same row at once;
- `finish` writes an attempt's outcome: delivered, or retried after an exponential, capped
  and jittered wait (drawn between half and all of it, so a receiver coming back is not hit
  by every retry at once), or dead after the policy's attempts.

`poll` is the loop around a sender's `run_once`: failures are logged and retried, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, update
from sqlmodel import SQLModel, col

from core.clock import utcnow
from core.db import SessionMaker, rows_matched, transaction
from models.webhook import DeliveryStatus

Key = tuple[Any, ...]


@dataclass(frozen=True)
class RetryPolicy:
    first_seconds: float
    max_seconds: float
    max_attempts: int

    def backoff(self, attempts: int, rng: random.Random) -> timedelta:
        """The wait after the `attempts`-th failed attempt: exponential, capped, jittered."""
        ceiling = min(self.first_seconds * 2 ** min(attempts - 1, 62), self.max_seconds)
        return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"


class LeasedRows:
    """The lease-on-row queue over one outbox table, for one worker (`owner`)."""

    def __init__(
        self,
        model: type[SQLModel],
        key: Sequence[Any],
        *,
        owner: str,
        lease: timedelta,
        policy: RetryPolicy,
        rng: random.Random,
        waits_for: Callable[[], tuple[ColumnElement[bool], ...]] = tuple,
    ) -> None:
        self.model = model
        self.key = [col(column) for column in key]
        self.owner = owner
        self.lease = lease
        self.policy = policy
        self.rng = rng
        self._waits_for = waits_for
        self._status = col(model.status)  # type: ignore[attr-defined]
        self._next = col(model.next_attempt_at)  # type: ignore[attr-defined]
        self._lease_owner = col(model.lease_owner)  # type: ignore[attr-defined]
        self._lease_expires = col(model.lease_expires_at)  # type: ignore[attr-defined]

    def due(self) -> tuple[ColumnElement[bool], ...]:
        now = utcnow()
        return (
            self._status == DeliveryStatus.PENDING,
            or_(self._next.is_(None), self._next <= now),
            or_(self._lease_expires.is_(None), self._lease_expires < now),
            *self._waits_for(),
        )

    def mine(self, key: Key) -> tuple[ColumnElement[bool], ...]:
        return (
            *(column == value for column, value in zip(self.key, key, strict=True)),
            self._lease_owner == self.owner,
        )

    async def claim(
        self, sessionmaker: SessionMaker, candidates: Select[*tuple[Any, ...]]
    ) -> list[Key]:
        """Lease the rows `candidates` selects (their key columns, filtered by `due()`)."""
        async with transaction(sessionmaker) as session:
            rows = (
                await session.execute(candidates.with_for_update(of=self.model, skip_locked=True))
            ).all()
            claimed: list[Key] = []
            expires = utcnow() + self.lease
            for row in rows:
                key = tuple(row)
                taken = await rows_matched(
                    session,
                    update(self.model)
                    .where(
                        *(column == value for column, value in zip(self.key, key, strict=True)),
                        *self.due(),
                    )
                    .values(lease_owner=self.owner, lease_expires_at=expires),
                )
                if taken:
                    claimed.append(key)
            return claimed

    def outcome(self, attempts: int, error: str | None) -> tuple[Outcome, dict[str, object]]:
        """What the `attempts`-th attempt ending in `error` (None: delivered) means, and the
        columns that record it."""
        if error is None:
            return Outcome.DELIVERED, {"status": DeliveryStatus.DELIVERED, "next_attempt_at": None}
        if attempts >= self.policy.max_attempts:
            return Outcome.DEAD, {"status": DeliveryStatus.DEAD, "next_attempt_at": None}
        wait = self.policy.backoff(attempts, self.rng)
        return Outcome.RETRY, {"next_attempt_at": utcnow() + wait}

    async def finish(
        self,
        sessionmaker: SessionMaker,
        key: Key,
        attempts: int,
        error: str | None,
        **extra: object,
    ) -> Outcome:
        """Record an attempt (and `extra` columns) and give the row's lease back."""
        outcome, values = self.outcome(attempts, error)
        async with transaction(sessionmaker) as session:
            await session.execute(
                update(self.model)
                .where(*self.mine(key))
                .values(
                    attempts=attempts,
                    last_error=error,
                    lease_owner=None,
                    lease_expires_at=None,
                    **values,
                    **extra,
                )
            )
        return outcome

    async def release(self, sessionmaker: SessionMaker, key: Key) -> None:
        """Give the lease back without an attempt (nothing to send after all)."""
        async with transaction(sessionmaker) as session:
            await session.execute(
                update(self.model)
                .where(*self.mine(key))
                .values(lease_owner=None, lease_expires_at=None)
            )


async def poll(
    name: str,
    run_once: Callable[[], Awaitable[int]],
    stop: asyncio.Event,
    poll_seconds: float,
    log: logging.Logger,
) -> None:
    """Call `run_once` until `stop` is set, waiting `poll_seconds` after a round with no work;
    a failed round is logged and retried, never fatal."""
    log.info("%s started", name)
    while not stop.is_set():
        try:
            handled = await run_once()
        except Exception:
            log.exception("%s iteration failed; retrying", name)
            handled = 0
        if handled == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
    log.info("%s stopped", name)
