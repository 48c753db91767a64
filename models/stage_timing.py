"""Stage latencies of every process, as histogram buckets: one row per stage and bucket,
with how many observations fell in it and their seconds (`core.stage_timings`,
flushed by `lifecycle.stage_timings`). Nothing of any report: a stage name, a bound, sums."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.stage_timings import Stage
from models.base import EnumText, one_of


class StageTiming(SQLModel, table=True):
    __tablename__ = "stage_timings"
    __table_args__ = (sa.CheckConstraint(one_of("stage", list(Stage)), name="stage"),)

    stage: Stage = Field(sa_column=sa.Column(EnumText(Stage), primary_key=True))
    # The bucket's upper bound in seconds as Prometheus writes it ("0.25", "+Inf").
    le: str = Field(sa_column=sa.Column(sa.String(12), primary_key=True))
    observations: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    seconds: float = Field(default=0.0, sa_column=sa.Column(sa.Float, nullable=False))
