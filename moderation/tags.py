"""A team's labels on reports (`models.tag`): reading them for the queue and the report
page, and the queue's `tag` filter. Adding and removing them is a bulk action
(`moderation.bulk`), so one report or five thousand are tagged, and audited, alike."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Annotated

from pydantic import BeforeValidator, Field
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.schemas import StrictInput
from models.report import Report
from models.tag import TAG_MAX, TAG_PATTERN, ReportTag


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


#: A tag as typed: trimmed and lower-cased, then 1 to 40 of a-z, 0-9 and "-".
Tag = Annotated[
    str,
    BeforeValidator(_lower),
    Field(
        pattern=TAG_PATTERN,
        max_length=TAG_MAX,
        description="A short label: 1 to 40 letters a-z, digits and dashes (`spam-wave-nov`, "
        "`needs-arabic`), any case as typed, kept in lower case. A label, never a name or "
        "anything from the report.",
    ),
]


class TagIn(StrictInput):
    """One tag, as the report page's tag form sends it (to add it, or to take it off)."""

    tag: Tag


def carries(tag: str) -> ColumnElement[bool]:
    """The report carries this tag (`ix_report_tags_tag`)."""
    return exists().where(col(ReportTag.report_id) == col(Report.id), col(ReportTag.tag) == tag)


async def of_reports(
    session: AsyncSession, report_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """The tags of each of these reports, in alphabetical order (one query)."""
    if not report_ids:
        return {}
    rows = await session.execute(
        select(col(ReportTag.report_id), col(ReportTag.tag))
        .where(col(ReportTag.report_id).in_(list(report_ids)))
        .order_by(col(ReportTag.tag))
    )
    found: dict[uuid.UUID, list[str]] = {}
    for report_id, tag in rows.all():
        found.setdefault(report_id, []).append(tag)
    return found
