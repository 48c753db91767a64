"""The MinHash band keys of each report's compared text (`core.trigrams.band_keys`): how
duplicate suggestions find the reports whose text is likely alike without reading every
report of the window (`moderation.duplicates`).

One row per key of a report (`core.trigrams.BANDS` at most), with the report's received
time beside it: the primary key (band_key, received_at, report_id) is the lookup itself, an
equality on the key within the ±30-day window answered from the index alone, however common
the report's words and however many years of reports are stored. The rows are kept in step
by `lifecycle.similarity_keys` where a report's text becomes final or changes (the worker,
a late translation, a withdrawal or the retention purge), and go with the report (CASCADE).
They are derived from the text (a hash of a few of its trigrams per key), so they are
erased with it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class ReportBand(SQLModel, table=True):
    __tablename__ = "report_bands"
    # A report's keys, to replace or erase them (deduplicated by PostgreSQL: one entry a report).
    __table_args__ = (sa.Index("ix_report_bands_report_id", "report_id"),)

    band_key: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    received_at: datetime = Field(sa_column=sa.Column(UTCDateTime, primary_key=True))
    report_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
        )
    )
