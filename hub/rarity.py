"""The rarity check: an incident whose place, time window and demographics match fewer
than k incidents in the feed could single out the people in it, so it leaves at a coarser
level; if it is still rare at the coarsest, it waits for a lead.

It runs while the publishing transaction holds the feed lock (`hub.publishing`), so two
moderators approving at once are counted one after the other, never both against the
feed as it was before either.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.coarse import Level
from models.incident import IncidentRarity

Keys = dict[Level, str]

_KEY_COLUMNS = {
    Level.FINE: IncidentRarity.key_0,
    Level.WIDER: IncidentRarity.key_1,
    Level.WITHOUT_PEOPLE: IncidentRarity.key_2,
    Level.WIDEST: IncidentRarity.key_3,
}


async def matching(session: AsyncSession, incident_id: uuid.UUID, keys: Keys, level: Level) -> int:
    """How many other incidents in the feed share this incident's place, time window and
    demographics at this level, whatever level they were published at.

    This is k-concealment, not strict k-anonymity of the published rows: an incident
    published coarser still counts as one of the k real incidents this one could be.
    Counting only the rows published at this level would ratchet: once early incidents
    went out coarse, no later one could ever be published fine."""
    count = await session.scalar(
        select(func.count())
        .select_from(IncidentRarity)
        .where(
            col(_KEY_COLUMNS[level]) == keys[level],
            col(IncidentRarity.incident_id) != incident_id,
        )
    )
    return int(count or 0)


async def release_level(
    session: AsyncSession, incident_id: uuid.UUID, keys: Keys, k: int
) -> Level | None:
    """The finest level at which the incident is one of at least k alike (itself
    included); None if it is rare even at the coarsest."""
    for level in Level:
        if k <= 1 or await matching(session, incident_id, keys, level) + 1 >= k:
            return level
    return None


async def remember(session: AsyncSession, incident_id: uuid.UUID, level: Level, keys: Keys) -> None:
    """Record the incident's keys as it now stands in the feed (replacing an earlier
    version's)."""
    await forget(session, incident_id)
    session.add(
        IncidentRarity(
            incident_id=incident_id,
            published_level=int(level),
            key_0=keys[Level.FINE],
            key_1=keys[Level.WIDER],
            key_2=keys[Level.WITHOUT_PEOPLE],
            key_3=keys[Level.WIDEST],
        )
    )
    await session.flush()


async def forget(session: AsyncSession, incident_id: uuid.UUID) -> None:
    """A retracted incident no longer makes others less rare."""
    await session.execute(
        delete(IncidentRarity).where(col(IncidentRarity.incident_id) == incident_id)
    )
