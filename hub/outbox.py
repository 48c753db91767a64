"""The webhook outbox: an event per published incident version, written in the publishing
transaction, and a delivery of it to every active client with a webhook.

Writing the event where the version is written (not after the commit, not by a trigger
elsewhere) is what makes pushes exactly as complete as the feed: a version that commits has
its event, a version that rolls back takes its event with it. The fan-out to clients is in
the same transaction: one INSERT … SELECT over the clients with a webhook.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Insert,
    Select,
    Uuid,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.hub_client import HubClient
from models.incident import Incident
from models.webhook import DeliveryStatus, WebhookDelivery, WebhookEvent

_COLUMNS = ["event_id", "client_id", "incident_id", "sequence", "status", "attempts"]


def _pending(selection: Select[Any]) -> Insert:
    """INSERT a pending delivery for each row of `selection` (the columns of `_COLUMNS`
    but the last two)."""
    rows = selection.add_columns(literal(DeliveryStatus.PENDING.value), literal(0))
    return insert(WebhookDelivery).from_select(_COLUMNS, rows)


def _uuid(value: uuid.UUID) -> Any:
    return literal(value, Uuid())


async def record(session: AsyncSession, incident: Incident) -> WebhookEvent:
    """The event of a version just published, and its deliveries (flushed, not committed:
    the publishing transaction commits them with the version)."""
    event = WebhookEvent(incident_version_id=incident.id, sequence=incident.sequence)
    session.add(event)
    await session.flush()
    await session.execute(
        _pending(
            select(
                _uuid(event.id),
                col(HubClient.id),
                _uuid(incident.incident_id),
                literal(incident.sequence, BigInteger()),
            ).where(col(HubClient.is_active).is_(True), col(HubClient.webhook_url).is_not(None))
        )
    )
    return event


async def _events_since(session: AsyncSession, sequence: int) -> None:
    """Make the events of versions after `sequence` published before the outbox existed."""
    missing = await session.execute(
        select(col(Incident.id), col(Incident.sequence)).where(
            col(Incident.sequence) > sequence,
            ~exists().where(col(WebhookEvent.incident_version_id) == col(Incident.id)),
        )
    )
    for version_id, version_sequence in missing.all():
        session.add(WebhookEvent(incident_version_id=version_id, sequence=version_sequence))
    await session.flush()


_AGAIN = {
    "status": DeliveryStatus.PENDING,
    "attempts": 0,
    "next_attempt_at": None,
    "lease_owner": None,
    "lease_expires_at": None,
    "last_error": None,
}


async def replay_since(session: AsyncSession, client: HubClient, sequence: int) -> int:
    """Send the client every version published after `sequence` again (same `webhook-id`s,
    so a receiver that already has one ignores it), in order. Returns how many."""
    await _events_since(session, sequence)
    await session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.client_id) == client.id, col(WebhookDelivery.sequence) > sequence
        )
        .values(**_AGAIN)
    )
    await session.execute(
        _pending(
            select(
                col(WebhookEvent.id),
                _uuid(client.id),
                col(Incident.incident_id),
                col(WebhookEvent.sequence),
            )
            .join(Incident, col(Incident.id) == col(WebhookEvent.incident_version_id))
            .where(
                col(WebhookEvent.sequence) > sequence,
                ~exists().where(
                    col(WebhookDelivery.event_id) == col(WebhookEvent.id),
                    col(WebhookDelivery.client_id) == client.id,
                ),
            ),
        )
    )
    return await _count(session, client, DeliveryStatus.PENDING, after=sequence)


async def replay_dead(session: AsyncSession, client: HubClient) -> int:
    """Give the client's dead-lettered deliveries a fresh set of attempts. Returns how many."""
    dead = await _count(session, client, DeliveryStatus.DEAD)
    await session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.client_id) == client.id,
            col(WebhookDelivery.status) == DeliveryStatus.DEAD,
        )
        .values(**_AGAIN)
    )
    return dead


async def drop_pending(session: AsyncSession, client_id: uuid.UUID) -> None:
    """Forget what was still to be sent to a client whose webhook ends (cleared, revoked)."""
    await session.execute(
        delete(WebhookDelivery).where(
            col(WebhookDelivery.client_id) == client_id,
            col(WebhookDelivery.status) == DeliveryStatus.PENDING,
        )
    )


async def _count(
    session: AsyncSession, client: HubClient, status: DeliveryStatus, after: int = -1
) -> int:
    return (
        await session.scalar(
            select(func.count()).where(
                col(WebhookDelivery.client_id) == client.id,
                col(WebhookDelivery.status) == status,
                col(WebhookDelivery.sequence) > after,
            )
        )
    ) or 0


async def counts_by_client(session: AsyncSession) -> dict[uuid.UUID, dict[DeliveryStatus, int]]:
    """Deliveries by client and status (for `hub-clients webhooks status`)."""
    counts: dict[uuid.UUID, dict[DeliveryStatus, int]] = {}
    rows = await session.execute(
        select(col(WebhookDelivery.client_id), col(WebhookDelivery.status), func.count()).group_by(
            col(WebhookDelivery.client_id), col(WebhookDelivery.status)
        )
    )
    for client_id, status, count in rows.all():
        counts.setdefault(client_id, {})[status] = count
    return counts


async def backlog(session: AsyncSession) -> dict[DeliveryStatus, int]:
    """Deliveries waiting and dead-lettered, over every client (for metrics)."""
    rows = await session.execute(
        select(col(WebhookDelivery.status), func.count())
        .where(col(WebhookDelivery.status) != DeliveryStatus.DELIVERED)
        .group_by(col(WebhookDelivery.status))
    )
    counts = dict(rows.all())
    return {
        status: counts.get(status, 0) for status in (DeliveryStatus.PENDING, DeliveryStatus.DEAD)
    }
