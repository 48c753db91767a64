"""When a periodic job last ran, one row per job, shared by every worker process.

A worker that finds the job due takes the row with `FOR UPDATE SKIP LOCKED` (SQLite has one
writer), moves `last_run_at` on and commits before it runs the job: of several workers
checking at once, exactly one runs it, and the others see it done.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class ScheduledRun(SQLModel, table=True):
    __tablename__ = "scheduled_runs"

    job: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    last_run_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
