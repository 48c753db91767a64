"""Moderator accounts and login sessions.

A login gives an opaque bearer token; only its keyed hash is stored, with an expiry, so
logging out or disabling an account takes effect at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.hashing import KeyedHasher, new_token
from core.passwords import PasswordHashing
from models.moderator import Moderator, ModeratorRole, ModeratorSession
from moderation.errors import InvalidCredentials, UsernameTaken

TOKEN_PURPOSE = "moderator-token"  # noqa: S105 (a hash label, not a secret)


def generate_password() -> str:
    return secrets.token_urlsafe(18)


async def create_moderator(
    session: AsyncSession,
    passwords: PasswordHashing,
    username: str,
    role: ModeratorRole,
    password: str,
) -> Moderator:
    moderator = Moderator(
        username=username,
        password_hash=await passwords.hash(password),
        role=role,
        created_at=utcnow(),
    )
    try:
        async with session.begin_nested():
            session.add(moderator)
            await session.flush()
    except IntegrityError:
        raise UsernameTaken() from None
    return moderator


async def login(
    session: AsyncSession,
    hasher: KeyedHasher,
    passwords: PasswordHashing,
    username: str,
    password: str,
    hours: int,
) -> str:
    """A new bearer token for valid credentials of an active account."""
    result = await session.execute(select(Moderator).where(Moderator.username == username))
    moderator = result.scalar_one_or_none()
    ok = await passwords.verify(moderator.password_hash if moderator else None, password)
    if not ok or moderator is None or not moderator.is_active:
        raise InvalidCredentials()
    token = new_token("stopmod_")
    now = utcnow()
    await _purge_expired(session, moderator)
    session.add(
        ModeratorSession(
            token_hash=hasher.digest(TOKEN_PURPOSE, token),
            moderator_id=moderator.id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    await session.flush()
    return token


async def moderator_for_token(
    session: AsyncSession, hasher: KeyedHasher, token: str
) -> Moderator | None:
    result = await session.execute(
        select(Moderator)
        .join(ModeratorSession, ModeratorSession.moderator_id == Moderator.id)
        .where(
            ModeratorSession.token_hash == hasher.digest(TOKEN_PURPOSE, token),
            ModeratorSession.expires_at > utcnow(),
            Moderator.is_active.is_(True),
        )
    )
    return result.scalar_one_or_none()


async def logout(session: AsyncSession, hasher: KeyedHasher, token: str) -> None:
    """End one login session at once: its row is deleted, so the token stops working."""
    await session.execute(
        delete(ModeratorSession).where(
            ModeratorSession.token_hash == hasher.digest(TOKEN_PURPOSE, token)
        )
    )


async def _purge_expired(session: AsyncSession, moderator: Moderator) -> None:
    await session.execute(
        delete(ModeratorSession).where(
            ModeratorSession.moderator_id == moderator.id, ModeratorSession.expires_at <= utcnow()
        )
    )
