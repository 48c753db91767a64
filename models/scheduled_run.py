"""When a periodic job last ran, one row per job, shared by every process
(`lifecycle.schedule.claim_run` says how exactly one process takes each round)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class ScheduledRun(SQLModel, table=True):
    __tablename__ = "scheduled_runs"

    job: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    last_run_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
