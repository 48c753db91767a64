"""The urgent-alert outbox: a push to the on-call moderators that an urgent report waits.

A row is opened (or joined) in the same transaction that puts an urgent report in the
moderation queue, so an alert exists exactly when such a report reached the queue, and
writing it costs intake nothing: the worker sends it later (`worker/alerts.py`). At most one
alert is pending at a time: urgent reports reaching the queue while one waits (for its
minute, or for FCM to come back) join it, so an outage ends in one alert, not a flood.

The row holds no report, no reference to one and no content: only how many urgent reports
it stands for and, to the minute, when it was opened and sent (the minute the reports
reached the queue, which their own `queued_at` already says).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import EnumText, UTCDateTime, one_of, partial_index
from models.webhook import DeliveryStatus


class UrgentAlert(SQLModel, table=True):
    __tablename__ = "urgent_alerts"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", list(DeliveryStatus)), name="status"),
        # One pending alert at most: ON CONFLICT on this index is how reports join it.
        partial_index(
            "uq_urgent_alerts_pending", "status", where="status = 'pending'", unique=True
        ),
        sa.Index("ix_urgent_alerts_sent", "sent_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reports: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    opened_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))  # minute
    sent_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))  # minute
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING,
        sa_column=sa.Column(EnumText(DeliveryStatus), nullable=False),
    )
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
    lease_owner: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    lease_expires_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
    # Why the last attempt failed, as a code (`http-503`, `ConnectError`): never a body.
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
