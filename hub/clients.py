"""Hub clients: machines that pull the feed with an API key stored only as a keyed hash.

A client has scopes (what it may read), one current key and, for a while after a rotation,
the previous key too, so the hub can switch over without a gap. Revoking refuses every key of
the client at once. When a client was last seen is kept to the hour, written at most once an
hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.errors import Conflict, NotFound
from core.hashing import KeyedHasher, new_token
from hub import outbox
from models.hub_client import DEFAULT_HUB_SCOPES, HubClient, HubScope

KEY_PURPOSE = "hub-key"


class HubClientExists(Conflict):
    slug = "hub-client-exists"
    title = "A hub client with that name exists"


class HubClientNotFound(NotFound):
    slug = "hub-client-not-found"
    title = "No hub client has that name"


class HubClientRevoked(Conflict):
    slug = "hub-client-revoked"
    title = "The hub client is revoked"


def _new_key(hasher: KeyedHasher) -> tuple[str, str]:
    key = new_token("stophub_")
    return key, hasher.digest(KEY_PURPOSE, key)


async def create_hub_client(
    session: AsyncSession,
    hasher: KeyedHasher,
    name: str,
    scopes: Iterable[HubScope] = DEFAULT_HUB_SCOPES,
) -> str:
    """Create a client and return its API key; the key is never retrievable again."""
    key, digest = _new_key(hasher)
    chosen = sorted({HubScope(scope).value for scope in scopes})
    try:
        async with session.begin_nested():
            session.add(HubClient(name=name, key_hash=digest, created_at=utcnow(), scopes=chosen))
            await session.flush()
    except IntegrityError:
        raise HubClientExists() from None
    return key


async def client_for_key(
    session: AsyncSession, hasher: KeyedHasher, key: str, now: datetime | None = None
) -> HubClient | None:
    """The active client whose current key, or previous key still in its overlap, is `key`."""
    digest = hasher.digest(KEY_PURPOSE, key)
    now = now or utcnow()
    result = await session.execute(
        select(HubClient).where(
            col(HubClient.is_active).is_(True),
            or_(
                col(HubClient.key_hash) == digest,
                (col(HubClient.previous_key_hash) == digest)
                & (col(HubClient.previous_key_expires_at) > now),
            ),
        )
    )
    return result.scalar_one_or_none()


async def find_hub_client(session: AsyncSession, name: str) -> HubClient:
    client = await session.scalar(select(HubClient).where(col(HubClient.name) == name))
    if client is None:
        raise HubClientNotFound(f"No hub client is called {name!r}.")
    return client


async def list_hub_clients(session: AsyncSession) -> list[HubClient]:
    return list((await session.scalars(select(HubClient).order_by(col(HubClient.name)))).all())


async def rotate_key(
    session: AsyncSession, hasher: KeyedHasher, name: str, overlap: timedelta
) -> tuple[str, datetime]:
    """A new key for the client; the current one stays valid for `overlap` (an earlier
    previous key still in its overlap ends now). Returns the new key and when the old ends."""
    client = await find_hub_client(session, name)
    if not client.is_active:
        raise HubClientRevoked(f"The hub client {name!r} is revoked; add a new one instead.")
    key, digest = _new_key(hasher)
    ends = utcnow() + overlap
    client.previous_key_hash = client.key_hash
    client.previous_key_expires_at = ends
    client.key_hash = digest
    session.add(client)
    await session.flush()
    return key, ends


async def revoke(session: AsyncSession, name: str) -> HubClient:
    """Refuse every key of the client from now on (its next request is a 401)."""
    client = await find_hub_client(session, name)
    if client.is_active:
        client.is_active = False
        client.revoked_at = utcnow()
        client.previous_key_expires_at = None
        client.previous_key_hash = None
        session.add(client)
        await outbox.drop_pending(session, client.id)  # nothing more is pushed to it
        await session.flush()
    return client


async def set_scopes(session: AsyncSession, name: str, scopes: Iterable[HubScope]) -> HubClient:
    """Replace what the client may read; its next request is judged by the new scopes."""
    client = await find_hub_client(session, name)
    if not client.is_active:
        raise HubClientRevoked(f"The hub client {name!r} is revoked; add a new one instead.")
    client.scopes = sorted({HubScope(scope).value for scope in scopes})
    session.add(client)
    await session.flush()
    return client


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def note_seen(session: AsyncSession, client: HubClient, now: datetime | None = None) -> None:
    """Record the hour the client was seen, unless this hour is already recorded."""
    hour = hour_of(now or utcnow())
    if client.last_seen_at is not None and client.last_seen_at >= hour:
        return
    await session.execute(
        update(HubClient)
        .where(
            col(HubClient.id) == client.id,
            or_(col(HubClient.last_seen_at).is_(None), col(HubClient.last_seen_at) < hour),
        )
        .values(last_seen_at=hour)
        .execution_options(synchronize_session=False)
    )
