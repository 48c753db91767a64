"""One submission from the app, JSON or multipart, from bytes on the wire to stored rows.

Order matters for the reporter's safety and for exactly-once: a retry is answered before
any file is touched; files are sanitised and stored before the report row is written; if
the row is not written (a refusal, a racing twin, an error), the stored clean copies are
deleted again; the temporary folder with the unsanitised uploads is always removed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from core.db import SessionMaker, transaction
from core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from core.hashing import KeyedHasher
from core.settings import Settings
from core.storage import AsyncMediaStorage
from intake.idempotent_store import (
    Submission,
    earlier_answer,
    insert_once,
    prepare,
    store_report,
)
from intake.media_intake import discard, sanitize_and_store
from intake.multipart import MultipartLimits, ReceivedFile, read_multipart
from intake.report_rows import ReportRows
from intake.schemas import ReportIn


@dataclass(frozen=True)
class Intake:
    """What a submission needs, made once when the app starts (nothing per request)."""

    settings: Settings
    hasher: KeyedHasher
    storage: AsyncMediaStorage
    sessionmaker: SessionMaker  # reports with media: the ORM, in a transaction
    rows: ReportRows  # text-only reports: one statement


class ReportValidationFailed(InvalidInput):
    slug = "validation-error"
    title = "The request is not valid"


def parse_report(raw: bytes) -> ReportIn:
    """The report JSON, validated; errors name fields but never echo values."""
    try:
        return ReportIn.model_validate_json(raw)
    except ValidationError as error:
        raise ReportValidationFailed(
            "See `errors` for each field that needs fixing.",
            errors=[
                {"loc": ["body", *map(str, item["loc"])], "msg": item["msg"], "type": item["type"]}
                for item in error.errors()
            ],
        ) from None


def limits(settings: Settings) -> MultipartLimits:
    return MultipartLimits(
        max_files=settings.media_max_files,
        max_file_bytes=settings.media_max_file_bytes,
        max_request_bytes=settings.request_max_bytes,
        max_report_bytes=settings.report_max_bytes,
    )


async def read_json_body(stream: AsyncIterator[bytes], max_bytes: int) -> bytes:
    body = bytearray()
    async for chunk in stream:
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"The report is over {max_bytes} bytes.")
    return bytes(body)


async def accept(
    intake: Intake,
    content_type: str,
    body: AsyncIterator[bytes],
    app_check: str | None = None,
) -> Submission:
    """Store a submission once; its answer, and whether this request created the report.
    Committed when it returns (a 2xx means durable)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        report = parse_report(await read_json_body(body, intake.settings.report_max_bytes))
        return await _store(intake, report, [], None, app_check)
    if kind == "multipart/form-data":
        workdir = Path(tempfile.mkdtemp(prefix="stop-intake-"))  # 0700, only this request
        try:
            form = await read_multipart(body, content_type, workdir, limits(intake.settings))
            report = parse_report(form.report_json)
            return await _store(intake, report, form.files, workdir, app_check)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    raise UnsupportedMediaType(
        "Send the report as application/json, or as multipart/form-data with a `report` part."
    )


async def _store(
    intake: Intake,
    report: ReportIn,
    files: list[ReceivedFile],
    workdir: Path | None,
    app_check: str | None,
) -> Submission:
    settings, hasher, storage = intake.settings, intake.hasher, intake.storage
    if len(files) + len(report.uploads) > settings.media_max_files:
        raise PayloadTooLarge(f"At most {settings.media_max_files} media files per report.")
    fingerprints = [json.dumps([f.sha256, f.size]) for f in files]
    fingerprints += [f"upload:{upload_id}" for upload_id in sorted(report.uploads)]
    prepared = prepare(hasher, settings, report, fingerprints)
    if not files and not report.uploads:
        return await insert_once(intake.rows, hasher, prepared, app_check)
    async with transaction(intake.sessionmaker) as session:
        earlier = await earlier_answer(session, prepared)
    if earlier is not None:
        return earlier
    stored = await sanitize_and_store(files, workdir, settings, storage) if workdir else []
    try:
        async with transaction(intake.sessionmaker) as session:
            outcome = await store_report(
                session, hasher, prepared, stored, app_check, report.uploads
            )
    except BaseException:  # the commit too: no clean copy is left without its row
        await discard(stored, storage)
        raise
    if not outcome.created:
        await discard(stored, storage)
    return outcome
