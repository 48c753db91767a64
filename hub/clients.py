"""Hub clients: machines that pull the feed with an API key stored only as a keyed hash."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.errors import Conflict
from core.hashing import KeyedHasher, new_token
from models.hub_client import HubClient

KEY_PURPOSE = "hub-key"


class HubClientExists(Conflict):
    slug = "hub-client-exists"
    title = "A hub client with that name exists"


async def create_hub_client(session: AsyncSession, hasher: KeyedHasher, name: str) -> str:
    """Create a client and return its API key; the key is never retrievable again."""
    key = new_token("stophub_")
    try:
        async with session.begin_nested():
            session.add(
                HubClient(name=name, key_hash=hasher.digest(KEY_PURPOSE, key), created_at=utcnow())
            )
            await session.flush()
    except IntegrityError:
        raise HubClientExists() from None
    return key


async def client_for_key(session: AsyncSession, hasher: KeyedHasher, key: str) -> HubClient | None:
    result = await session.execute(
        select(HubClient).where(
            col(HubClient.key_hash) == hasher.digest(KEY_PURPOSE, key),
            col(HubClient.is_active).is_(True),
        )
    )
    return result.scalar_one_or_none()
