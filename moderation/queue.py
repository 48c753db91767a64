"""The moderation queue: reports awaiting a decision, filtered, searched, paged by a cursor.

The order is the one moderators work in: urgent reports first; within each urgency the
reports the reporter has answered a question about (`answered_at`), then the rest; then
the oldest, then the id (reports received in the same minute). A page is read one such
section at a time, each an ascending range scan of `ix_reports_open_queue` from the cursor
on, so a page costs the same on the first page and the thousandth, and however many
reports were decided before.

The cursor is the last report's place in that order (section, received time, id), opaque
to clients. A report that arrives while a moderator pages through is placed by its own
time, so the pages already read never repeat and none is skipped; a new urgent report
lands behind a moderator who is past the urgent ones, which is why every page also says
how many urgent reports are waiting (`urgent_open`).

Whose claim a report is under (`claimed`: me, others, nobody) depends on who asks and
when: `Viewer` says both, and the page and a bulk action over the same filter pass theirs.
Live claims are few, so those filters read them from `ix_reports_claims`, not the queue.

Text search reads the original and the translation: PostgreSQL's full-text search with
`websearch_to_tsquery` (quoted phrases, `or`, `-word`) over the GIN index
`ix_reports_search`, and SQLite's FTS5 table `reports_fts` with the same syntax
translated (`fts5_query`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import Field, field_validator, model_validator
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from core import cursors
from core.clock import end_of, start_of, utcnow
from core.schemas import PlausibleDate, QueryInput
from lifecycle.states import sql_claim_is_live
from models.media import Media
from models.moderator import Moderator
from models.report import OPEN_STATUSES, SEARCH_DOCUMENT, Report, ReportStatus, in_states
from models.vocabulary import ExploitationType
from moderation import redaction, tags
from moderation.errors import InvalidQueueCursor
from moderation.schemas import QueueItem, QueuePage
from moderation.tags import Tag

EXCERPT_CHARS = 240
MAX_LIMIT = 200
#: Every state a moderator may list: all but `received` (still in the pipeline).
LISTABLE = tuple(status for status in ReportStatus if status != ReportStatus.RECEIVED)
LANGUAGE = r"^[a-z]{2,3}(-[A-Z][a-z]{3})?$"
COUNTRY = r"^[A-Za-z]{2}$"


class Claimed(StrEnum):
    """Whose live claim a report is under, from where the moderator who asks stands."""

    ME = "me"
    OTHERS = "others"
    NOBODY = "nobody"  # unclaimed, or the claim has expired: anyone may claim it


class QueueQuery(QueryInput):
    """What a moderator asks of the queue: filters, text search, a page.

    The JSON API reads it from the query string, the console from its filter form (a GET
    form, so a filtered view is a link to share). Blank values mean "any", and unknown
    parameters are ignored, as they always were on this route."""

    status: list[ReportStatus] = Field(
        default_factory=list,
        max_length=len(LISTABLE),
        description="Repeat to list several. By default the reports awaiting a decision "
        "(`queued`, `in_review`); `approved`, `rejected` and `withdrawn` look back at decided "
        "ones. `received` reports are still being processed and cannot be listed.",
    )
    language: Annotated[str | None, Field(pattern=LANGUAGE, max_length=8)] = Field(
        default=None,
        description="Detected language, as in `QueueItem.language`: `es`, `ur-Latn`, `und`.",
    )
    category: ExploitationType | None = Field(
        default=None, description="One of the categories the reporter chose (HTCDS 2.0)."
    )
    country: Annotated[str | None, Field(pattern=COUNTRY)] = Field(
        default=None, description="ISO 3166-1 alpha-2 code the reporter gave (any case)."
    )
    urgent: bool | None = Field(
        default=None, description="`true`: urgent reports only; `false`: the others."
    )
    has_media: bool | None = Field(
        default=None, description="`true`: with photos, video or audio; `false`: text only."
    )
    received_from: PlausibleDate | None = Field(
        default=None, description="Received on or after this day (UTC), `YYYY-MM-DD`."
    )
    received_to: PlausibleDate | None = Field(
        default=None, description="Received on or before this day (UTC), `YYYY-MM-DD`."
    )
    q: Annotated[str | None, Field(max_length=200)] = Field(
        default=None,
        description="Words to find in the original text or its translation (whole words, "
        'any case): `"a phrase"`, `or`, and `-word` to leave one out. At most 200 characters.',
    )
    tag: Tag | None = Field(
        default=None, description="Only reports carrying this tag (`spam-wave-nov`)."
    )
    claimed: Claimed | None = Field(
        default=None,
        description="`me`: reports you hold a live claim on; `others`: reports another "
        "moderator holds a live claim on; `nobody`: reports no one holds a live claim on "
        "(never claimed, released, or the claim expired). A claim is live until its "
        "`claim_expires_at`.",
    )
    after: Annotated[str | None, Field(max_length=200)] = Field(
        default=None,
        description="The `next` cursor of the previous page; send the same filters with it. "
        "A cursor the queue never gave is `422 invalid-cursor`.",
    )
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT, description="How many reports, 1 to 200.")

    @field_validator("status")
    @classmethod
    def _listable(cls, value: list[ReportStatus]) -> list[ReportStatus]:
        if ReportStatus.RECEIVED in value:
            raise ValueError("received reports are still being processed; choose another status")
        return value

    @model_validator(mode="after")
    def _check(self) -> QueueQuery:
        if self.received_from and self.received_to and self.received_from > self.received_to:
            raise ValueError("received_from is after received_to")
        if self.country:
            self.country = self.country.upper()
        return self

    @property
    def statuses(self) -> tuple[ReportStatus, ...]:
        """The states asked for, in a fixed order (one SQL text per set)."""
        return tuple(s for s in LISTABLE if s in self.status) if self.status else OPEN_STATUSES

    @property
    def narrowed(self) -> bool:
        """Whether any filter or search is set (paging alone is not a filter)."""
        return bool(self.model_dump(exclude={"after", "limit"}, exclude_defaults=True))


@dataclass(frozen=True)
class Viewer:
    """Who looks at the queue, and when: `claimed=me` means this moderator's claims, and a
    claim is live if it expires after `now`. A bulk action passes its own moderator and
    the moment it checks claims at, so its selection is what that moderator's page shows."""

    moderator_id: uuid.UUID
    now: datetime

    @classmethod
    def of(cls, moderator: Moderator, now: datetime | None = None) -> Viewer:
        return cls(moderator.id, now or utcnow())


@dataclass(frozen=True)
class Position:
    """A report's place in the queue's order."""

    urgent: bool
    answered: bool
    received_at: datetime
    id: uuid.UUID

    @property
    def section(self) -> Section:
        return Section(self.urgent, self.answered)

    @property
    def place(self) -> cursors.Keyset:
        """The position as its cursor holds it: the section in the head."""
        return cursors.Keyset(
            f"q2:{int(self.urgent)}{int(self.answered)}", self.received_at, self.id
        )


@dataclass(frozen=True)
class Section:
    """Reports of one urgency, answered or not: the queue is these, one after another."""

    urgent: bool
    answered: bool


SECTIONS = [Section(urgent, answered) for urgent in (True, False) for answered in (True, False)]

_HEAD = re.compile(r"q2:([01])([01])")


def encode_cursor(position: Position) -> str:
    return cursors.encode_keyset(position.place)


def decode_cursor(cursor: str) -> Position:
    place = cursors.decode_keyset(cursor)
    head = _HEAD.fullmatch(place.head) if place is not None else None
    if place is None or head is None:
        raise InvalidQueueCursor()
    return Position(head[1] == "1", head[2] == "1", place.moment, place.id)


_FTS_COLUMNS = "{text translation}"
_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


def fts5_query(text: str) -> tuple[str | None, str | None]:
    """A search box's text as FTS5 queries, read as PostgreSQL's `websearch_to_tsquery`
    reads it: words must all appear, `"…"` is a phrase, `or` between alternatives, `-word`
    leaves out. Returns (what must match, what must not), either None when absent; every
    word is quoted, so nothing typed is ever FTS5 syntax."""
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    for match in _TERM.finditer(text):
        negated, phrase, bare = match[1] == "-", match[2], match[3]
        if bare is not None:
            if bare.lower() == "or":
                groups.append([])
                continue
            negated, phrase = bare.startswith("-"), bare.lstrip("-")
        words = _WORD.findall(phrase or "")
        if not words:
            continue
        quoted = '"' + " ".join(words) + '"'
        (excluded if negated else groups[-1]).append(quoted)
    alternatives = ["(" + " AND ".join(group) + ")" for group in groups if group]
    wanted = f"{_FTS_COLUMNS} : ({' OR '.join(alternatives)})" if alternatives else None
    unwanted = f"{_FTS_COLUMNS} : ({' OR '.join(excluded)})" if excluded else None
    return wanted, unwanted


def _fts_ids(query: str) -> sa.Select[Any]:
    return (
        select(sa.literal_column("report_id"))
        .select_from(sa.table("reports_fts"))
        .where(
            sa.text("reports_fts MATCH :fts").bindparams(sa.bindparam("fts", query, unique=True))
        )
    )


def _search(text: str, postgres: bool) -> ColumnElement[bool]:
    if postgres:
        document: ColumnElement[Any] = sa.literal_column(SEARCH_DOCUMENT)
        wanted = func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), text)
        return document.op("@@", is_comparison=True)(wanted)
    positive, negative = fts5_query(text)
    if positive is None and negative is None:
        return sa.false()  # nothing searchable typed: as PostgreSQL, nothing matches
    conditions: list[ColumnElement[bool]] = []
    if positive is not None:
        conditions.append(col(Report.id).in_(_fts_ids(positive)))
    if negative is not None:
        conditions.append(col(Report.id).not_in(_fts_ids(negative)))
    return sa.and_(*conditions)


def _has_category(category: ExploitationType, postgres: bool) -> ColumnElement[bool]:
    hints = col(Report.category_hints)
    if postgres:
        return sa.cast(hints, JSONB).contains([category.value])
    each = func.json_each(hints).table_valued("value")
    return sa.exists(select(sa.literal(1)).select_from(each).where(each.c.value == category.value))


def conditions(
    session: AsyncSession, query: QueueQuery, viewer: Viewer
) -> list[ColumnElement[bool]]:
    """The reports `query` asks for, whatever the page: the queue's page and a bulk action
    over "everything matching this filter" select the same reports, given the same
    `viewer` (`claimed=me` is theirs)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    # The states as literal SQL, so PostgreSQL sees the partial index's own condition.
    where: list[ColumnElement[bool]] = [in_states(query.statuses)]
    if query.language:
        where.append(col(Report.language) == query.language)
    if query.country:
        where.append(col(Report.country_code) == query.country)
    if query.category:
        where.append(_has_category(query.category, postgres))
    if query.received_from:
        where.append(col(Report.received_at) >= start_of(query.received_from))
    if query.received_to:
        where.append(col(Report.received_at) < end_of(query.received_to))
    if query.has_media is not None:
        with_media = sa.exists(select(col(Media.id)).where(col(Media.report_id) == col(Report.id)))
        where.append(with_media if query.has_media else ~with_media)
    if query.q:
        where.append(_search(query.q, postgres))
    if query.tag:
        where.append(tags.carries(query.tag))
    if query.claimed:
        where.append(_claimed(query.claimed, viewer))
    return where


def _claimed(claimed: Claimed, viewer: Viewer) -> ColumnElement[bool]:
    """The action table's notion of a live claim (`states.sql_claim_is_live`), seen from
    the viewer: an expired claim, even the viewer's own, is nobody's."""
    live = sql_claim_is_live(viewer.now)
    if claimed == Claimed.NOBODY:
        return sa.not_(live)
    mine = col(Report.claimed_by) == viewer.moderator_id
    return sa.and_(live, mine if claimed == Claimed.ME else sa.not_(mine))


async def _section(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    section: Section,
    after: Position | None,
    limit: int,
) -> list[tuple[Report, str | None, int]]:
    """Up to `limit` reports of one section, oldest first, after `after`."""
    answered = col(Report.answered_at).is_not(None)
    claimer = aliased(Moderator)
    media_count = (
        select(func.count(col(Media.id)))
        .where(col(Media.report_id) == col(Report.id))
        .scalar_subquery()
    )
    statement = (
        select(Report, col(claimer.username), media_count)
        .outerjoin(claimer, col(claimer.id) == col(Report.claimed_by))
        .where(*where, col(Report.urgent) == (sa.true() if section.urgent else sa.false()))
        .where(answered if section.answered else sa.not_(answered))
        .order_by(col(Report.received_at), col(Report.id))
        .limit(limit)
    )
    if after is not None:
        table = Report.__table__.c  # type: ignore[attr-defined]
        statement = statement.where(cursors.after(after.place, table.received_at, table.id))
    return [
        (report, username, count) for report, username, count in await session.execute(statement)
    ]


async def urgent_open(session: AsyncSession) -> int:
    """How many urgent reports await a decision, whatever a view shows."""
    count = await session.scalar(
        select(func.count())
        .select_from(Report)
        .where(in_states(OPEN_STATUSES), col(Report.urgent) == sa.true())
    )
    return int(count or 0)


async def page(session: AsyncSession, query: QueueQuery, viewer: Viewer) -> QueuePage:
    """One page of the queue under `query` as `viewer` sees it, with the cursor of the
    next one."""
    after = decode_cursor(query.after) if query.after else None
    where = conditions(session, query, viewer)
    rows: list[tuple[Report, str | None, int]] = []
    reached = SECTIONS.index(after.section) if after is not None else 0
    for index, section in enumerate(SECTIONS):
        if query.urgent is not None and query.urgent != section.urgent:
            continue
        if index < reached:
            continue  # this section was all on earlier pages
        start = after if index == reached else None  # later sections from their first
        rows += await _section(session, where, section, start, query.limit + 1 - len(rows))
        if len(rows) > query.limit:
            break
    shown = rows[: query.limit]
    last = shown[-1][0] if shown else None
    labels = await tags.of_reports(session, [report.id for report, _, _ in shown])
    excerpts = await redaction.excerpts(session, [row[0] for row in shown], EXCERPT_CHARS)
    return QueuePage(
        items=[
            _item(report, username, count, excerpts[report.id], labels.get(report.id, []))
            for report, username, count in shown
        ],
        next=(
            encode_cursor(
                Position(last.urgent, last.answered_at is not None, last.received_at, last.id)
            )
            if last is not None and len(rows) > query.limit
            else None
        ),
        urgent_open=await urgent_open(session),
    )


def _item(
    report: Report, username: str | None, media_count: int, excerpt: str, labels: list[str]
) -> QueueItem:
    return QueueItem(
        id=report.id,
        status=report.status,
        urgent=report.urgent,
        received_at=report.received_at,
        language=report.language,
        translation_status=report.translation_status,
        excerpt=excerpt,
        media_count=media_count,
        claimed_by=username,
        claim_expires_at=report.claim_expires_at,
        answered_at=report.answered_at,
        tags=labels,
    )
