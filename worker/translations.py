"""Translation work that comes after the first pass: messages, and late models.

- Messages between moderators and reporters are translated as soon as the worker sees
  them (a moderator's question into the reporter's language, an answer into the team's).
- When a model is installed after reports arrived, the worker notices the new catalogue
  and translates every open report (and message) left `unavailable` for that language.
  Nothing waits for this: those reports were in the queue all along, untranslated.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlmodel import col

from core.anonymity import minute_after
from core.clock import utcnow
from core.db import SessionMaker, transaction
from core.settings import Settings
from lifecycle import similarity_keys
from lifecycle.states import UNDECIDED
from models.message import MessageSender, ReportMessage
from models.report import Report, TranslationStatus
from translation import TranslationResult, Translator
from worker.pipeline import detect, translate, translation_columns

MESSAGE_COLUMNS = ("translation_status", "translated_text", "translation_path", "translation_score")


def _message_columns(result: TranslationResult) -> dict[str, object]:
    columns = translation_columns(result)
    return {name: columns[name] for name in MESSAGE_COLUMNS}


def _translate_message(
    translator: Translator, message: ReportMessage, report_locale: str | None
) -> tuple[str | None, TranslationResult]:
    """Returns the message's language and its translation (blocking; run in a thread)."""
    if message.sender == MessageSender.REPORTER:
        source = detect(message.text, report_locale).tag
        return source, translate(translator, message.text, source, translator.target_language)
    target = message.target_language or "und"
    return message.source_language, translate(
        translator, message.text, translator.target_language, target
    )


async def translate_messages(
    sessionmaker: SessionMaker,
    translator: Translator,
    statuses: tuple[TranslationStatus, ...],
    limit: int,
) -> int:
    """Translate messages in the given states; rows are locked while they are translated."""
    async with transaction(sessionmaker) as session:
        rows = (
            await session.execute(
                select(ReportMessage, col(Report.locale))
                .join(Report, col(Report.id) == col(ReportMessage.report_id))
                .where(col(ReportMessage.translation_status).in_(statuses))
                .order_by(col(ReportMessage.created_at))
                .limit(limit)
                .with_for_update(of=ReportMessage, skip_locked=True)
            )
        ).all()
        for message, locale in rows:
            source, result = await asyncio.to_thread(
                _translate_message, translator, message, locale
            )
            message.source_language = source
            for name, value in _message_columns(result).items():
                setattr(message, name, value)
    return len(rows)


async def translate_late_reports(
    sessionmaker: SessionMaker, translator: Translator, settings: Settings, owner: str
) -> int:
    """Translate undecided reports (queued, in review, or waiting for the reporter's
    answer) that were left untranslated for lack of a model."""
    sources = translator.sources_into(settings.target_language)
    if not sources:
        return 0
    handled = 0
    while True:
        async with transaction(sessionmaker) as session:
            now = utcnow()
            claimed = (
                await session.execute(
                    update(Report)
                    .where(
                        col(Report.id).in_(
                            select(col(Report.id))
                            .where(
                                col(Report.status).in_(UNDECIDED),
                                col(Report.translation_status) == TranslationStatus.UNAVAILABLE,
                                col(Report.language).in_(sources),
                                or_(
                                    col(Report.lease_expires_at).is_(None),
                                    col(Report.lease_expires_at) < now,
                                ),
                            )
                            .limit(settings.worker_batch_size)
                            .with_for_update(skip_locked=True)
                            .scalar_subquery()
                        )
                    )
                    .values(
                        lease_owner=owner,
                        lease_expires_at=minute_after(
                            now + timedelta(seconds=settings.worker_lease_seconds)
                        ),
                    )
                    .returning(col(Report.id), col(Report.text), col(Report.language))
                )
            ).all()
        if not claimed:
            return handled
        for report_id, text, language in claimed:
            assert language is not None  # claimed only if in `sources`
            result = await asyncio.to_thread(
                translate, translator, text, language, settings.target_language
            )
            await _store_report_translation(sessionmaker, report_id, owner, result)
        handled += len(claimed)


async def _store_report_translation(
    sessionmaker: SessionMaker, report_id: uuid.UUID, owner: str, result: TranslationResult
) -> None:
    """Store a late translation; the band keys of the duplicate suggestions follow it."""
    async with transaction(sessionmaker) as session:
        stored = (
            await session.execute(
                update(Report)
                .where(col(Report.id) == report_id, col(Report.lease_owner) == owner)
                .values(lease_owner=None, lease_expires_at=None, **translation_columns(result))
                .returning(*similarity_keys.SOURCE)
            )
        ).one_or_none()
        if stored is not None:
            await similarity_keys.store(session, report_id, *stored)
