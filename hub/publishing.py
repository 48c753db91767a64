"""Publishing incident versions in commit order, coarsened, checked for rarity, and
retracted so that nothing retracted can be read again. Every version written here gets its
webhook event (`hub.outbox`) in the same transaction.

The feed counter row is locked first and for the rest of the publishing transaction:
sequences are handed out in the order their transactions commit (a hub that has read up
to N never later finds a version below N appearing), and the rarity check of one
approval sees every incident published before it.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, overload

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.anonymity import to_the_hour
from core.clock import utcnow
from core.settings import Settings
from core.stage_timings import Stage, timed
from hub import outbox, rarity
from hub.coarse import Level
from hub.content import Source, build, quasi_identifiers
from hub.errors import IncidentRetracted, NoIncident, UnknownSharedMedia
from hub.fields import IncidentFieldsIn
from models.incident import FeedCounter, Incident, IncidentChange, RetractionReason
from models.media import Media
from models.moderator import Moderator
from models.report import Report


async def _lock_feed(session: AsyncSession) -> FeedCounter:
    return (
        await session.execute(select(FeedCounter).where(col(FeedCounter.id) == 1).with_for_update())
    ).scalar_one()


async def latest(session: AsyncSession, report_id: uuid.UUID) -> Incident | None:
    """The report's incident as last published (any change), or None."""
    result = await session.execute(
        select(Incident)
        .where(col(Incident.report_id) == report_id)
        .order_by(col(Incident.sequence).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def _append(
    session: AsyncSession,
    report: Report,
    incident_id: uuid.UUID,
    previous: Incident | None,
    change: IncidentChange,
    payload: dict[str, Any],
    moderator: Moderator | None,
    retraction_reason: RetractionReason | None = None,
) -> Incident:
    counter = await _lock_feed(session)
    counter.last_sequence += 1
    incident = Incident(
        incident_id=incident_id,
        report_id=report.id,
        version=previous.version + 1 if previous else 1,
        sequence=counter.last_sequence,
        change=change,
        payload=payload,
        published_at=to_the_hour(utcnow()),
        published_by=moderator.id if moderator else None,
        retraction_reason=retraction_reason,
    )
    session.add(incident)
    await session.flush()
    await outbox.record(session, incident)  # the webhook event, in this same transaction
    return incident


async def check_shared_media(
    session: AsyncSession, report: Report, fields: IncidentFieldsIn
) -> tuple[Media, ...]:
    """The media the moderator shares, which must be this report's own (422 otherwise)."""
    media: tuple[Media, ...] = ()
    if fields.shared_media:
        found = {
            row.id: row
            for row in (
                await session.execute(
                    select(Media).where(
                        col(Media.report_id) == report.id, col(Media.id).in_(fields.shared_media)
                    )
                )
            ).scalars()
        }
        missing = [str(media_id) for media_id in fields.shared_media if media_id not in found]
        if missing:
            raise UnknownSharedMedia(f"Not media of this report: {', '.join(missing)}.")
        media = tuple(found[media_id] for media_id in fields.shared_media)
    return media


async def _source(session: AsyncSession, report: Report, fields: IncidentFieldsIn) -> Source:
    """The report's side of the content."""
    media = await check_shared_media(session, report, fields)
    point = None
    if report.latitude is not None and report.longitude is not None:
        point = (report.latitude, report.longitude)
    return Source(urgent=report.urgent, language=report.language, point=point, media=media)


@overload
async def publish(
    session: AsyncSession,
    report: Report,
    fields: IncidentFieldsIn,
    moderator: Moderator,
    settings: Settings,
    *,
    release_rare: Literal[True],
    correction: bool = False,
) -> Incident: ...


@overload
async def publish(
    session: AsyncSession,
    report: Report,
    fields: IncidentFieldsIn,
    moderator: Moderator,
    settings: Settings,
    *,
    release_rare: bool = False,
    correction: bool = False,
) -> Incident | None: ...


async def publish(
    session: AsyncSession,
    report: Report,
    fields: IncidentFieldsIn,
    moderator: Moderator,
    settings: Settings,
    *,
    release_rare: bool = False,
    correction: bool = False,
) -> Incident | None:
    """Publish the report's incident (version 1 on approval, a `correction` after that) at
    the finest level the rarity check allows. None: rare even at the coarsest level, so
    nothing was published; with `release_rare` (a lead's decision) it is published at
    the coarsest level instead. A retracted incident is never corrected (409); approving
    the report again (after an undone approval) publishes a new incident. Timed as the
    `publish` stage (`core.stage_timings`)."""
    with timed(Stage.PUBLISH):
        return await _publish(
            session, report, fields, moderator, settings, release_rare, correction
        )


async def _publish(
    session: AsyncSession,
    report: Report,
    fields: IncidentFieldsIn,
    moderator: Moderator,
    settings: Settings,
    release_rare: bool,
    correction: bool,
) -> Incident | None:
    previous = await latest(session, report.id)
    if previous is not None and previous.change == IncidentChange.RETRACTED:
        if correction:
            raise IncidentRetracted()
        previous = None
    source = await _source(session, report, fields)
    await _lock_feed(session)
    incident_id = previous.incident_id if previous else uuid.uuid4()
    keys = {level: quasi_identifiers(build(fields, source, settings, level)) for level in Level}
    found = await rarity.release_level(session, incident_id, keys, settings.hub_rarity_k)
    if found is None and not release_rare:
        return None
    level = Level.WIDEST if found is None else found
    content = build(fields, source, settings, level, released_by_lead=found is None)
    change = IncidentChange.CORRECTED if previous else IncidentChange.PUBLISHED
    await rarity.remember(session, incident_id, level, keys)
    return await _append(session, report, incident_id, previous, change, content, moderator)


async def retract(
    session: AsyncSession,
    report: Report,
    moderator: Moderator | None,
    reason: RetractionReason,
) -> Incident:
    """Publish a tombstone and scrub the content of every earlier version, so a hub client
    reading from the start never sees what was retracted; the versions stay (empty), so
    the feed's sequence has no gaps."""
    previous = await latest(session, report.id)
    if previous is None:
        raise NoIncident()
    if previous.change == IncidentChange.RETRACTED:
        raise IncidentRetracted()
    await _lock_feed(session)
    await session.execute(
        update(Incident)
        .where(col(Incident.incident_id) == previous.incident_id)
        .values(payload={}, scrubbed=True)
        .execution_options(synchronize_session="fetch")
    )
    await rarity.forget(session, previous.incident_id)
    return await _append(
        session,
        report,
        previous.incident_id,
        previous,
        IncidentChange.RETRACTED,
        {},
        moderator,
        reason,
    )


async def has_live_incident(session: AsyncSession, report: Report) -> bool:
    """Is there a published, not retracted incident for this report?"""
    previous = await latest(session, report.id)
    return previous is not None and previous.change != IncidentChange.RETRACTED
