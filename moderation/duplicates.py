"""Likely duplicates and reports about nearby places, suggested for one report.

A news story brings many reports of the same thing; a moderator should see them together
and merge the copies (`moderation.merging`). Four signals, each explainable in a line:

- **similar text**: the first characters of each report in the team's language
  (`core.trigrams.compared_text`: the translation, or the original where none was needed,
  so a report and its copy in another language meet in the translation) share many
  character trigrams. The candidates are the reports sharing one of its MinHash band keys
  (`core.trigrams.band_keys`, stored in `report_bands`): an equality lookup per key within
  the window, whose cost does not depend on how common the report's words are. Only those
  few are scored, by pg_trgm's `similarity` on PostgreSQL and by the same measure computed
  here on SQLite (`core.trigrams.similarity`), so both backends suggest the same reports.
  The keys find a pair at the threshold's similarity nine times in ten or more, and copies
  with a few words changed every time (`benchmarks/duplicate_recall.py` measures it).
- **same photo**: a photo of each has perceptual hashes (`media.fingerprint`) at most
  `PHOTO_BITS` bits apart. Candidates are the photos of the window that equal it in one of
  four 16-bit pieces give or take `PHOTO_BITS // 4` bits (which every photo within
  `PHOTO_BITS` does), each piece read from its own index (`models.media.PHASH_PIECES`).
- **near**: the stored positions (already coarse, ~110 m) are at most `NEAR_KM` apart
  (haversine). The `NEAR_CANDIDATES` reports of the window nearest in degrees are read,
  nearest first: from a GiST index on PostgreSQL (`ix_reports_nearby`, which stops after
  them), by sorting the window's positions on SQLite; the distance of a report found by
  another signal is taken too.
- **same country**, received within `COUNTRY_DAYS` of each other: a weak signal that only
  adds to the others, never suggests a report on its own.

Only reports received within `WINDOW_DAYS` before or after the report are compared, and
never one still in the pipeline, withdrawn (its text is gone) or already merged into
another (the primary it was merged into is suggested instead). The rank adds the signals:
the text similarity (0 to 1), a photo match (1 for the same hash, less for each bit that
differs), closeness (up to 0.5) and 0.1 for the same country; ties go to the nearest in
time. Each step reads a bounded number of rows, however many reports the window holds.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.places import distance_km
from core.trigrams import compared_text, probe_keys, similarity, trigrams
from media.fingerprint import BITS, distance, pieces_within
from models.media import PHASH_PIECES, Media, MediaKind
from models.report import POSITION_POINT, SIMILARITY_DOCUMENT, Report, ReportStatus
from models.report_band import ReportBand
from moderation import redaction
from moderation.errors import ReportNotFound
from moderation.schemas import DuplicateList, DuplicateSuggestion, SuggestionReason

WINDOW_DAYS = 30
LIMIT = 10
TEXT_SIMILARITY = 0.45  # trigram similarity from which two texts count as similar
PHOTO_BITS = 10  # of 64: re-encoded, resized or slightly cropped photos stay well within
NEAR_KM = 25.0
NEAR_CANDIDATES = 100
COUNTRY_DAYS = 3
EXCERPT_CHARS = 240
_NEVER = (ReportStatus.RECEIVED, ReportStatus.WITHDRAWN)


@dataclass(frozen=True)
class _Facts:
    """What is read of a candidate to keep it or not, and to rank it."""

    id: uuid.UUID
    received_at: datetime
    status: ReportStatus
    merged_into: uuid.UUID | None
    country: str | None
    latitude: float | None
    longitude: float | None


@dataclass
class _Found:
    """What the signals found about one candidate."""

    text: float | None = None
    photo: int | None = None
    km: float | None = None

    @property
    def telling(self) -> bool:
        """Whether any signal suggests it (the same country alone never does)."""
        return self.text is not None or self.photo is not None or self.km is not None


def _comparable(report: Report, other: _Facts, window: timedelta) -> bool:
    """Whether a suggestion may name a candidate: in the window, not this one, not in the
    pipeline, not withdrawn, not merged into another. Checked here, on the few candidates
    read by their ids (with the window in SQL too, PostgreSQL may read the whole window
    from an index to apply it, which is the cost this module avoids)."""
    return (
        other.id != report.id
        and abs(other.received_at - report.received_at) <= window
        and other.status not in _NEVER
        and other.merged_into is None
    )


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def similar_texts(
    session: AsyncSession, wanted: str, lo: datetime, hi: datetime
) -> dict[uuid.UUID, float]:
    """The reports received between `lo` and `hi` whose compared text is at least
    `TEXT_SIMILARITY` alike to `wanted`, with their similarity: those sharing one of its
    band keys (read from the index alone), scored by pg_trgm's `similarity` on PostgreSQL
    and by the same measure computed here on SQLite. Any status: the caller chooses."""
    keys = probe_keys(wanted)
    if not keys:
        return {}
    sharing = list(
        await session.scalars(
            select(col(ReportBand.report_id))
            .where(col(ReportBand.band_key).in_(keys), col(ReportBand.received_at).between(lo, hi))
            .distinct()
        )
    )
    if not sharing:
        return {}
    chosen = col(Report.id).in_(sharing)
    if _postgres(session):
        score = func.similarity(sa.literal_column(SIMILARITY_DOCUMENT), wanted)
        rows = await session.execute(select(col(Report.id), score).where(chosen))
        scores = {report_id: float(value) for report_id, value in rows}
    else:
        texts = await session.execute(
            select(col(Report.id), col(Report.text), col(Report.translated_text)).where(chosen)
        )
        mine = trigrams(wanted)
        scores = {
            report_id: similarity(mine, trigrams(compared_text(text, translated)))
            for report_id, text, translated in texts
        }
    return {report_id: value for report_id, value in scores.items() if value >= TEXT_SIMILARITY}


async def _same_photos(
    session: AsyncSession, report: Report, lo: datetime, hi: datetime
) -> dict[uuid.UUID, int]:
    """Reports with a photo of the window within `PHOTO_BITS` of one of this report's."""
    mine = [
        phash
        for phash in await session.scalars(
            select(col(Media.phash)).where(
                col(Media.report_id) == report.id,
                col(Media.kind) == MediaKind.IMAGE,
                col(Media.phash).is_not(None),
            )
        )
        if phash is not None
    ]
    if not mine:
        return {}
    wanted: list[set[str]] = [set() for _ in PHASH_PIECES]
    for phash in mine:
        for piece, values in enumerate(pieces_within(phash, PHOTO_BITS)):
            wanted[piece] |= values
    # one query per piece, each answered by its own index; a photo may match several
    matching = sa.union(
        *(
            select(col(Media.report_id), col(Media.phash)).where(
                sa.literal_column(expression).in_(sorted(values)),
                col(Media.created_at).between(lo, hi),
                col(Media.phash).is_not(None),
            )
            for expression, values in zip(PHASH_PIECES, wanted, strict=True)
        )
    )
    found: dict[uuid.UUID, int] = {}
    for report_id, theirs in await session.execute(matching):
        if theirs is None:  # never: the query asks for fingerprints
            continue
        bits = min(distance(theirs, own) for own in mine)
        if bits <= PHOTO_BITS and bits < found.get(report_id, BITS + 1):
            found[report_id] = bits
    return found


async def _nearest(
    session: AsyncSession, report: Report, lo: datetime, hi: datetime
) -> list[uuid.UUID]:
    """The `NEAR_CANDIDATES` placed reports of the window nearest to this one in degrees.
    (Across the antimeridian degrees are far apart: a report there is found only while
    fewer than that many are nearer in degrees on its own side.)"""
    lat, lon = report.latitude, report.longitude
    if lat is None or lon is None:
        return []
    latitude, longitude = col(Report.latitude), col(Report.longitude)
    if _postgres(session):  # the GiST index gives them nearest first and stops after them
        nearness: ColumnElement[Any] = sa.literal_column(POSITION_POINT).op("<->")(
            func.point(lon, lat)
        )
    else:
        nearness = (latitude - lat) * (latitude - lat) + (longitude - lon) * (longitude - lon)
    found = await session.scalars(
        select(col(Report.id))
        .where(
            col(Report.received_at).between(lo, hi),
            col(Report.id) != report.id,
            latitude.is_not(None),
            longitude.is_not(None),
        )
        .order_by(nearness)
        .limit(NEAR_CANDIDATES)
    )
    return list(found)


async def _facts(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[_Facts]:
    if not ids:
        return []
    rows = await session.execute(
        select(
            col(Report.id),
            col(Report.received_at),
            col(Report.status),
            col(Report.merged_into),
            col(Report.country_code),
            col(Report.latitude),
            col(Report.longitude),
        ).where(col(Report.id).in_(ids))
    )
    return [_Facts(*row) for row in rows]


def _km(report: Report, other: _Facts) -> float | None:
    """The distance between two placed reports if within `NEAR_KM`."""
    lat, lon, other_lat, other_lon = (
        report.latitude,
        report.longitude,
        other.latitude,
        other.longitude,
    )
    if lat is None or lon is None or other_lat is None or other_lon is None:
        return None
    km = distance_km(lat, lon, other_lat, other_lon)
    return km if km <= NEAR_KM else None


def _reasons(found: _Found, report: Report, other: _Facts) -> tuple[float, list[SuggestionReason]]:
    """The rank and the reasons, strongest first."""
    rank = 0.0
    reasons: list[SuggestionReason] = []
    if found.photo is not None:
        rank += 1 - found.photo / 32
        same = "the same photo" if found.photo == 0 else f"{found.photo} bits of 64 differ"
        reasons.append(
            SuggestionReason(kind="same_photo", distance=found.photo, text=f"Same photo ({same})")
        )
    if found.text is not None:
        rank += found.text
        reasons.append(
            SuggestionReason(
                kind="similar_text",
                score=round(found.text, 3),
                text=f"Similar text ({found.text:.0%} alike)",
            )
        )
    if found.km is not None:
        rank += 0.5 * (1 - found.km / NEAR_KM)
        km = round(found.km, 1)
        reasons.append(
            SuggestionReason(kind="near", km=km, text=f"{km:g} km away" if km else "Same place")
        )
    days = abs((other.received_at - report.received_at).total_seconds()) / 86400
    if report.country_code and other.country == report.country_code and days <= COUNTRY_DAYS:
        rank += 0.1
        apart = "the same day" if days < 1 else f"{math.ceil(days)} days apart"
        reasons.append(
            SuggestionReason(
                kind="same_country",
                days=round(days, 2),
                text=f"Same country ({report.country_code}), {apart}",
            )
        )
    return rank, reasons


async def suggest(session: AsyncSession, report_id: uuid.UUID) -> DuplicateList:
    """Up to `LIMIT` reports that may repeat this one or concern a place near it, ranked."""
    report = await session.get(Report, report_id)
    if report is None or report.status == ReportStatus.RECEIVED:
        raise ReportNotFound()
    window = timedelta(days=WINDOW_DAYS)
    lo, hi = report.received_at - window, report.received_at + window
    texts = await similar_texts(session, compared_text(report.text, report.translated_text), lo, hi)
    photos = await _same_photos(session, report, lo, hi)
    nearest = await _nearest(session, report, lo, hi)
    ranked: list[tuple[float, float, str, uuid.UUID, list[SuggestionReason]]] = []
    for other in await _facts(session, list({*texts, *photos, *nearest})):
        found = _Found(texts.get(other.id), photos.get(other.id), _km(report, other))
        if _comparable(report, other, window) and found.telling:
            rank, reasons = _reasons(found, report, other)
            apart = abs((other.received_at - report.received_at).total_seconds())
            ranked.append((-rank, apart, str(other.id), other.id, reasons))
    ranked.sort(key=lambda entry: entry[:3])
    chosen = ranked[:LIMIT]
    reports: dict[uuid.UUID, Report] = {}
    if chosen:  # only the suggestions shown are read whole
        shown = select(Report).where(col(Report.id).in_([entry[3] for entry in chosen]))
        reports = {other.id: other for other in await session.scalars(shown)}
    excerpts = await redaction.excerpts(session, list(reports.values()), EXCERPT_CHARS)
    return DuplicateList(
        report_id=report.id,
        window_days=WINDOW_DAYS,
        items=[
            _suggestion(reports[other_id], -negative_rank, reasons, excerpts[other_id])
            for negative_rank, _, _, other_id, reasons in chosen
        ],
    )


def _suggestion(
    other: Report, rank: float, reasons: list[SuggestionReason], excerpt: str
) -> DuplicateSuggestion:
    return DuplicateSuggestion(
        id=other.id,
        status=other.status,
        received_at=other.received_at,
        language=other.language,
        country=other.country_code,
        excerpt=excerpt,
        rank=round(rank, 3),
        reasons=reasons,
    )
