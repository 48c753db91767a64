"""Forgetting what a reporter told us, in place: the one routine behind a withdrawal
(`intake.followup.withdraw`) and the retention purge (`moderation.retention`).

The report row stays (the audit trail and the hub's incidents name it by id, and its
status still answers the receipt); what goes is everything the reporter wrote or sent:
the text and its translation (and the band keys made from them), place, coordinates,
times, category hints, the keyed hash of the content, the conversation and the media rows.
The caller deletes the returned storage keys before it commits, so no crash can leave
files behind a committed erasure (should the commit fail after that, a retry completes it).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lifecycle import similarity_keys
from lifecycle.conversation import forget_conversation
from models.media import Media
from models.report import Report

#: What an erased report keeps instead of the keyed hash of its content, so the content
#: cannot be confirmed from it; a retry of its submission is still answered as the first.
ERASED_FINGERPRINT = "withdrawn"


async def erase_content(
    session: AsyncSession, report: Report, keep_media: Collection[uuid.UUID] = ()
) -> list[str]:
    """Empty the report of the reporter's content; returns the storage keys of the media
    rows deleted. `keep_media` names media still published in a live incident (shared with
    the hub), which stay until that incident is retracted."""
    report.text = ""
    report.translated_text = None
    report.search_text = report.search_translation = None
    report.place = None
    report.latitude = report.longitude = report.location_accuracy_m = None
    report.place_cell = None
    report.country_code = None
    report.occurred_from = report.occurred_to = None
    report.category_hints = []
    report.payload_hash = ERASED_FINGERPRINT  # the keyed hash of the content goes too
    doomed = select(Media).where(
        col(Media.report_id) == report.id, col(Media.id).not_in(list(keep_media))
    )
    media = list((await session.execute(doomed)).scalars())
    if media:
        await session.execute(delete(Media).where(col(Media.id).in_([m.id for m in media])))
    await forget_conversation(session, report.id)
    await similarity_keys.erase(session, report.id)
    await session.flush()
    return [item.storage_key for item in media]
