"""Likely duplicates and reports about nearby places, suggested for one report.

A news story brings many reports of the same thing; a moderator should see them together
and merge the copies (`moderation.merging`). Four signals, each explainable in a line:

- **similar text**: the first `SIMILARITY_CHARS` characters of each report in the team's
  language (the translation, or the original where none was needed, so a report and its
  copy in another language meet in the translation) share many character trigrams. On
  PostgreSQL, pg_trgm's `similarity` answered by the GIN index `ix_reports_similarity`
  over (received_at, trigrams): the window is applied inside the index, so the search
  walks the window's posting lists only, however many years of reports are stored. On
  SQLite the same measure (trigrams of lower-cased words padded as pg_trgm pads them,
  and their Jaccard index) computed here over at most `SQLITE_CANDIDATES` reports of the
  window, the nearest in time first: bounded work for the embedded database, which
  holds far fewer reports.
- **same photo**: a photo of each has perceptual hashes (`media.fingerprint`) at most
  `PHOTO_BITS` bits apart, compared here over the fingerprints of the window (read from
  the index `ix_media_phash` alone).
- **near**: the stored positions (already coarse, ~110 m) are at most `NEAR_KM` apart
  (haversine), searched first by a box of latitude and longitude (`ix_reports_position`:
  a band of latitude, filtered on longitude and time in the index itself).
- **same country**, received within `COUNTRY_DAYS` of each other: a weak signal that only
  adds to the others, never suggests a report on its own.

Only reports received within `WINDOW_DAYS` before or after the report are compared, and
never one still in the pipeline, withdrawn (its text is gone) or already merged into
another (the primary it was merged into is suggested instead). The rank adds the signals:
the text similarity (0 to 1), a photo match (1 for the same hash, less for each bit that
differs), closeness (up to 0.5) and 0.1 for the same country; ties go to the nearest in
time.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.places import degrees_around, distance_km
from media.fingerprint import BITS, distance
from models.media import Media, MediaKind
from models.report import SIMILARITY_CHARS, SIMILARITY_DOCUMENT, Report, ReportStatus
from moderation import redaction
from moderation.errors import ReportNotFound
from moderation.schemas import DuplicateList, DuplicateSuggestion, SuggestionReason

WINDOW_DAYS = 30
LIMIT = 10
TEXT_SIMILARITY = 0.45  # trigram similarity from which two texts count as similar
PHOTO_BITS = 10  # of 64: re-encoded, resized or slightly cropped photos stay well within
NEAR_KM = 25.0
COUNTRY_DAYS = 3
SQLITE_CANDIDATES = 2000
NEAR_CANDIDATES = 200
EXCERPT_CHARS = 240
_NEVER = (ReportStatus.RECEIVED, ReportStatus.WITHDRAWN)


def comparable_text(report: Report) -> str:
    """What text similarity reads of a report: as `models.report.SIMILARITY_DOCUMENT`."""
    text = report.translated_text if report.translated_text is not None else report.text
    return text[:SIMILARITY_CHARS]


_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> set[str]:
    """A text's trigrams as pg_trgm makes them: each word lower-cased, padded with two
    spaces before and one after."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(first: set[str], second: set[str]) -> float:
    """pg_trgm's `similarity`: shared trigrams over all trigrams of the two."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


@dataclass
class _Found:
    """What the signals found about one candidate."""

    text: float | None = None
    photo: int | None = None
    km: float | None = None
    extra: list[SuggestionReason] = field(default_factory=list)


def _comparable(report: Report, lo: datetime, hi: datetime) -> list[ColumnElement[bool]]:
    """The reports a suggestion may name: in the window, not this one, not in the pipeline,
    not withdrawn, not merged into another."""
    return [
        col(Report.received_at).between(lo, hi),
        col(Report.id) != report.id,
        col(Report.status).not_in(_NEVER),
        col(Report.merged_into).is_(None),
    ]


async def _similar_texts(
    session: AsyncSession, report: Report, where: list[ColumnElement[bool]]
) -> dict[uuid.UUID, float]:
    wanted = comparable_text(report)
    if not wanted.strip():
        return {}
    if session.get_bind().dialect.name == "postgresql":
        # `%` uses the index with this threshold (set for this transaction only)
        await session.execute(
            select(func.set_config("pg_trgm.similarity_threshold", str(TEXT_SIMILARITY), True))
        )
        document: ColumnElement[str] = sa.literal_column(SIMILARITY_DOCUMENT)
        score = func.similarity(document, wanted)
        rows = await session.execute(
            select(col(Report.id), score)
            .where(document.op("%", is_comparison=True)(wanted), *where)
            .order_by(score.desc())
            .limit(LIMIT * 3)
        )
        return {report_id: float(value) for report_id, value in rows}
    # SQLite: the same measure here, over the window's reports nearest in time
    anchor = sa.literal(report.received_at, Report.__table__.c.received_at.type)  # type: ignore[attr-defined]
    nearest = func.abs(func.julianday(col(Report.received_at)) - func.julianday(anchor))
    rows = await session.execute(
        select(col(Report.id), col(Report.translated_text), col(Report.text))
        .where(*where)
        .order_by(nearest)
        .limit(SQLITE_CANDIDATES)
    )
    mine = trigrams(wanted)
    found: dict[uuid.UUID, float] = {}
    for report_id, translated, original in rows:
        text = translated if translated is not None else original
        score_value = similarity(mine, trigrams(text[:SIMILARITY_CHARS]))
        if score_value >= TEXT_SIMILARITY:
            found[report_id] = score_value
    return found


async def _same_photos(
    session: AsyncSession, report: Report, lo: datetime, hi: datetime
) -> dict[uuid.UUID, int]:
    hashed = col(Media.phash).is_not(None)
    mine = list(
        await session.scalars(
            select(col(Media.phash)).where(
                col(Media.report_id) == report.id, col(Media.kind) == MediaKind.IMAGE, hashed
            )
        )
    )
    if not mine:
        return {}
    rows = await session.execute(
        select(col(Media.report_id), col(Media.phash)).where(
            col(Media.created_at).between(lo, hi), hashed, col(Media.report_id) != report.id
        )
    )
    found: dict[uuid.UUID, int] = {}
    for report_id, phash in rows:
        if phash is None:
            continue
        bits = min(distance(phash, own) for own in mine if own is not None)
        if bits <= PHOTO_BITS and bits < found.get(report_id, BITS + 1):
            found[report_id] = bits
    return found


async def _near(
    session: AsyncSession, report: Report, where: list[ColumnElement[bool]]
) -> dict[uuid.UUID, float]:
    if report.latitude is None or report.longitude is None:
        return {}
    lat, lon = report.latitude, report.longitude
    dlat, dlon = degrees_around(lat, NEAR_KM)
    latitude, longitude = col(Report.latitude), col(Report.longitude)
    box = [latitude.between(lat - dlat, lat + dlat)]
    if lon - dlon >= -180 and lon + dlon <= 180:  # across the antimeridian: latitude only
        box.append(longitude.between(lon - dlon, lon + dlon))
    rows = await session.execute(
        select(col(Report.id), latitude, longitude)
        .where(*where, *box, longitude.is_not(None))
        .order_by(func.abs(latitude - lat) + func.abs(longitude - lon))
        .limit(NEAR_CANDIDATES)
    )
    found: dict[uuid.UUID, float] = {}
    for report_id, other_lat, other_lon in rows:
        if other_lat is None or other_lon is None:
            continue
        km = distance_km(lat, lon, other_lat, other_lon)
        if km <= NEAR_KM:
            found[report_id] = km
    return found


def _reasons(found: _Found, report: Report, other: Report) -> tuple[float, list[SuggestionReason]]:
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
    if report.country_code and other.country_code == report.country_code and days <= COUNTRY_DAYS:
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
    where = _comparable(report, lo, hi)
    found: dict[uuid.UUID, _Found] = defaultdict(_Found)
    for other_id, score in (await _similar_texts(session, report, where)).items():
        found[other_id].text = score
    for other_id, bits in (await _same_photos(session, report, lo, hi)).items():
        found[other_id].photo = bits
    for other_id, km in (await _near(session, report, where)).items():
        found[other_id].km = km
    suggestions: list[tuple[float, float, DuplicateSuggestion]] = []
    if found:
        # One read of the candidates, under the same conditions (photos were read without)
        others = list(
            await session.scalars(select(Report).where(col(Report.id).in_(found), *where))
        )
        excerpts = await redaction.excerpts(session, others, EXCERPT_CHARS)
        for other in others:
            rank, reasons = _reasons(found[other.id], report, other)
            apart = abs((other.received_at - report.received_at).total_seconds())
            suggestions.append(
                (-rank, apart, _suggestion(other, rank, reasons, excerpts[other.id]))
            )
    suggestions.sort(key=lambda entry: (entry[0], entry[1], str(entry[2].id)))
    return DuplicateList(
        report_id=report.id,
        window_days=WINDOW_DAYS,
        items=[suggestion for _, _, suggestion in suggestions[:LIMIT]],
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
