"""Keeping each report's band keys (`models.report_band`) in step with its text.

The keys are made from the text similarity compares (`core.trigrams.compared_text`): the
translation, or the original where none was needed. They are stored when that text becomes
final, as the worker puts the report in the queue, and again when it changes: a translation
that comes late (a model installed after the report arrived), a withdrawal or the retention
purge (which empty it: its keys go with its words). A report still in the pipeline has none,
and needs none: suggestions never name it. Redacting changes no stored text (a redaction is
a span over it), and merging none either (a merged report keeps its keys, so undoing the
merge makes it a candidate again; the suggestions leave merged reports out by their column).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.trigrams import band_keys, compared_text
from models.report import Report
from models.report_band import ReportBand

#: What a report's keys are made of, in `store`'s order: for an UPDATE … RETURNING that
#: changes the text, so the keys follow in the same transaction without reading the row.
SOURCE = (col(Report.received_at), col(Report.text), col(Report.translated_text))


async def store(
    session: AsyncSession,
    report_id: uuid.UUID,
    received_at: datetime,
    text: str,
    translated_text: str | None,
) -> None:
    """Replace the report's keys with those of its text as it now is."""
    await erase(session, report_id)
    keys = band_keys(compared_text(text, translated_text))
    if keys:
        rows = [
            {"band_key": key, "received_at": received_at, "report_id": report_id} for key in keys
        ]
        await session.execute(insert(ReportBand), rows)


async def erase(session: AsyncSession, report_id: uuid.UUID) -> None:
    """Remove the report's keys (its text is gone)."""
    await session.execute(delete(ReportBand).where(col(ReportBand.report_id) == report_id))
