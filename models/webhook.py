"""The webhook outbox: one event per published incident version, and its delivery to each
hub client with a webhook.

The event is written in the same transaction as the incident version it announces, so an
event exists exactly when its version does (no version is published without one, no event
announces a version that rolled back). A delivery is a row per event and client: the
worker leases it, sends it, and retries it with a growing delay until it is delivered or
dead-lettered. The event keeps no content: the worker builds the message from the
incident version as it is when it sends, so a version scrubbed by a retraction goes out
scrubbed. No row here keeps when anything was published or delivered (`published_at`,
to the hour, is the only such time); `next_attempt_at` exists only while a delivery waits.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import EnumText, UTCDateTime, one_of


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its turn, its next attempt, or a worker's lease
    DELIVERED = "delivered"  # the receiver answered 2xx
    DEAD = "dead"  # gave up after the configured attempts; `webhooks replay --dead` resends


class WebhookEvent(SQLModel, table=True):
    """The outbox row of one incident version; its id is the stable `webhook-id`."""

    __tablename__ = "webhook_events"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    incident_version_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    # The version's feed sequence: events are sent, and replayed `--since`, in this order.
    sequence: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False, unique=True))


class WebhookDelivery(SQLModel, table=True):
    """One event on its way to one client. `incident_id` and `sequence` are copied from the
    event so that "is an earlier version of this incident still pending for this client?"
    is one index lookup: a version is sent only once every earlier one is delivered or dead."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", list(DeliveryStatus)), name="status"),
        sa.Index("ix_webhook_deliveries_order", "client_id", "incident_id", "sequence", "status"),
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    event_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("webhook_events.id", ondelete="CASCADE"), primary_key=True
        )
    )
    client_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("hub_clients.id", ondelete="CASCADE"), primary_key=True
        )
    )
    incident_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    sequence: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING,
        sa_column=sa.Column(EnumText(DeliveryStatus), nullable=False),
    )
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    # When it may be tried again (null: now); cleared once delivered or dead.
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
    lease_owner: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    lease_expires_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
    # Why the last attempt failed, as a code (`http-503`, `ConnectError`): never a body.
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
