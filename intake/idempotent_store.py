"""Accepting a report: exactly once per `client_id`, with nothing that identifies the phone.

A text-only report is one statement, `INSERT … ON CONFLICT DO NOTHING RETURNING id`: a
new client id stores the row, a used one stores nothing and its first answer is looked
up (PostgreSQL makes a racing twin wait for the first to commit). A report with media
is inserted with its media rows in a savepoint instead; two requests racing with the same
client id meet at the unique index, and the loser returns the winner's answer. Either
way, a different payload under a used client id is refused rather than silently
overwritten.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.anonymity import coarsen, to_the_minute
from core.clock import utcnow
from core.hashing import KeyedHasher
from core.places import cluster_cell
from core.settings import Settings
from intake.errors import ClientIdReused, SubmissionInProgress
from intake.media_intake import StoredMedia
from intake.receipts import client_id_hash, receipt_for, receipt_hash
from intake.report_rows import ReportRows, StoredRow, find_row
from intake.schemas import ReportAccepted, ReportIn
from intake.uploads.errors import UploadNotAttachable
from intake.uploads.service import take_ready_uploads
from lifecycle.erasure import ERASED_FINGERPRINT
from models.media import Media
from models.report import Report, ReportStatus, TranslationStatus


@dataclass(frozen=True)
class Submission:
    """The outcome of a submission: the body to answer, and whether it created the report."""

    answer: ReportAccepted
    created: bool


def _stored_values(report: ReportIn, settings: Settings) -> dict[str, Any]:
    """The columns this submission becomes, after coarsening; also what its fingerprint covers."""
    values: dict[str, Any] = {
        "text": report.text,
        "locale": report.locale,
        "urgent": report.urgent,
        "place": report.place,
        "country_code": report.country,
        "category_hints": [str(category) for category in report.categories],
        "occurred_from": report.window[0],
        "occurred_to": report.window[1],
        "latitude": None,
        "longitude": None,
        "location_accuracy_m": None,
    }
    if report.location:
        lat, lon, accuracy = coarsen(
            report.location.latitude,
            report.location.longitude,
            report.location.accuracy_m,
            settings.location_grid_degrees,
        )
        values |= {"latitude": lat, "longitude": lon, "location_accuracy_m": accuracy}
    return values


def _fingerprint(hasher: KeyedHasher, values: dict[str, Any], extra: list[str]) -> str:
    canonical = json.dumps([values, extra], sort_keys=True, default=str, ensure_ascii=False)
    return hasher.digest("payload", canonical)


@dataclass(frozen=True)
class Prepared:
    """A submission made ready to store: its columns, fingerprint and hashes."""

    values: dict[str, Any]
    payload_hash: str
    client_id_hash: str
    receipt: str


def prepare(
    hasher: KeyedHasher, settings: Settings, report: ReportIn, media_fingerprints: list[str]
) -> Prepared:
    values = _stored_values(report, settings)
    return Prepared(
        values=values,
        payload_hash=_fingerprint(hasher, values, media_fingerprints),
        client_id_hash=client_id_hash(hasher, report.client_id),
        receipt=receipt_for(hasher, report.client_id),
    )


#: What a withdrawn or purged report keeps instead of the keyed hash of its content
#: (`lifecycle.erasure`); a retry of its submission is still answered as the first.
WITHDRAWN_FINGERPRINT = ERASED_FINGERPRINT


async def earlier_answer(session: AsyncSession, prepared: Prepared) -> Submission | None:
    """The first answer if this client id was used before (a 422 if for other content)."""
    stored = await find_row(await session.connection(), prepared.client_id_hash)
    return None if stored is None else _retry_answer(stored, prepared)


def _retry_answer(stored: StoredRow, prepared: Prepared) -> Submission:
    """A used client id's first answer, if the retry repeats the first request."""
    if stored.payload_hash not in (prepared.payload_hash, WITHDRAWN_FINGERPRINT):
        raise ClientIdReused(
            "A report with this client_id exists with different content. Make a new "
            "client_id for a new report; retries must repeat the first request exactly."
        )
    return Submission(_accepted(stored.report_id, prepared.receipt), created=False)


async def insert_once(
    rows: ReportRows, hasher: KeyedHasher, prepared: Prepared, app_check: str | None
) -> Submission:
    """A text-only report stored in one statement, or the first answer for its client id.

    No session and no ORM object: this is intake's hot path (`intake.report_rows`)."""
    report_id = uuid.uuid4()
    values = _new_values(hasher, prepared, app_check) | {
        # what the ORM would default, for the Core statement
        "id": report_id,
        "translation_status": TranslationStatus.PENDING,
        "attempts": 0,
    }
    if await rows.insert(values):
        return Submission(_accepted(report_id, prepared.receipt), created=True)
    stored = await rows.find(prepared.client_id_hash)
    if stored is None:
        raise SubmissionInProgress()  # SQLite: the winner has not committed yet
    return _retry_answer(stored, prepared)


def _new_values(hasher: KeyedHasher, prepared: Prepared, app_check: str | None) -> dict[str, Any]:
    """The columns of a new report, whichever way it is inserted."""
    return {
        "client_id_hash": prepared.client_id_hash,
        "payload_hash": prepared.payload_hash,
        "receipt_hash": receipt_hash(hasher, prepared.receipt),
        "status": ReportStatus.RECEIVED,
        "received_at": to_the_minute(utcnow()),
        "app_check": app_check,
        **prepared.values,
        # Not part of the fingerprint: derived from the coarse position, for clusters.
        "place_cell": cluster_cell(prepared.values["latitude"], prepared.values["longitude"]),
    }


async def store_report(
    session: AsyncSession,
    hasher: KeyedHasher,
    prepared: Prepared,
    media: list[StoredMedia],
    app_check: str | None = None,
    upload_ids: list[uuid.UUID] | None = None,
) -> Submission:
    """Insert the report and its media rows, or return the answer of a racing twin.

    `app_check` (the attestation outcome) is stored but not fingerprinted: a retry may
    carry a fresher token than the first attempt. Completed resumable uploads listed in
    `upload_ids` are taken in the same savepoint, so a racing twin never takes them too."""
    row = Report(**_new_values(hasher, prepared, app_check))
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
            attached = media + await take_ready_uploads(session, upload_ids or [])
            session.add_all(
                Media(report_id=row.id, created_at=row.received_at, **asdict(item))
                for item in attached
            )
            await session.flush()
    except (IntegrityError, UploadNotAttachable) as error:
        twin = await earlier_answer(session, prepared)
        if twin is not None:
            return twin
        if isinstance(error, UploadNotAttachable):
            raise
        raise SubmissionInProgress() from None  # the winner has not committed yet
    return Submission(_accepted(row.id, prepared.receipt), created=True)


def _accepted(report_id: uuid.UUID, receipt: str) -> ReportAccepted:
    # The first answer always said "received"; a retry repeats it, whatever happened since.
    return ReportAccepted(report_id=report_id, receipt=receipt, status=ReportStatus.RECEIVED)
