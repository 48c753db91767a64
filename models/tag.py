"""A team's labels on reports ("spam-wave-nov", "needs-arabic"): many per report.

A label is the team's own word about a report, never its content: short, lower case,
letters, digits and dashes (`TAG_PATTERN`), so it cannot carry a name or a phone number
by accident and reads the same in the queue, the filter and the audit trail. The primary
key (report, tag) answers "the tags of these reports"; `ix_report_tags_tag` answers the
queue's `tag` filter (the reports carrying one tag).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

#: What a tag may be: 1 to 40 of a-z, 0-9 and "-", starting with a letter or a digit.
TAG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
TAG_MAX = 40


class ReportTag(SQLModel, table=True):
    __tablename__ = "report_tags"
    __table_args__ = (sa.Index("ix_report_tags_tag", "tag", "report_id"),)

    report_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
        )
    )
    tag: str = Field(sa_column=sa.Column(sa.String(TAG_MAX), primary_key=True))
