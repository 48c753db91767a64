"""Login sessions: the opaque bearer token behind `POST /v1/auth/login` and the console's
cookie, stored only as a keyed hash.

A session ends when it expires (`STOP_MODERATOR_TOKEN_HOURS` after it began), when it
has not been used for `STOP_MODERATOR_IDLE_MINUTES`, when it is logged out, when the
account is disabled or its password or second factor reset, or when the account opens
more than `STOP_MODERATOR_MAX_SESSIONS` sessions (the oldest end). Ending one deletes its
row, so its token stops working at once. Last use is noted at most once a minute.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.db import rows_matched
from core.hashing import KeyedHasher, new_token
from core.settings import Settings
from models.moderator import Moderator, ModeratorSession
from models.second_factor import ModeratorTotp
from moderation import audit
from moderation.audit import AuditAction

TOKEN_PURPOSE = "moderator-token"  # noqa: S105 (a hash label, not a secret)
TOKEN_PREFIX = "stopmod_"  # noqa: S105
LAST_SEEN_STEP = timedelta(minutes=1)


@dataclass(frozen=True)
class SignedIn:
    """Who a live session belongs to, and whether they may do more than enrol."""

    moderator: Moderator
    token_hash: str
    two_factor: bool  # a confirmed second factor
    must_enrol: bool  # the role requires a second factor and there is none yet


def must_enrol(moderator: Moderator, two_factor: bool, settings: Settings) -> bool:
    """A role listed in `STOP_REQUIRE_2FA_ROLES` without a second factor may only enrol."""
    return moderator.role.value in settings.require_2fa_roles and not two_factor


def token_hash(hasher: KeyedHasher, token: str) -> str:
    return hasher.digest(TOKEN_PURPOSE, token)


async def start_session(
    session: AsyncSession,
    hasher: KeyedHasher,
    moderator: Moderator,
    settings: Settings,
    now: datetime,
) -> str:
    """A new token for `moderator`; their oldest sessions beyond the cap end."""
    await end_lapsed_sessions(session, settings, now)
    token = new_token(TOKEN_PREFIX)
    session.add(
        ModeratorSession(
            token_hash=token_hash(hasher, token),
            moderator_id=moderator.id,
            created_at=now,
            expires_at=now + timedelta(hours=settings.moderator_token_hours),
            last_seen_at=now,
        )
    )
    await session.flush()
    surplus = (
        await session.execute(
            select(col(ModeratorSession.token_hash))
            .where(col(ModeratorSession.moderator_id) == moderator.id)
            .order_by(col(ModeratorSession.created_at).desc(), col(ModeratorSession.token_hash))
            .offset(settings.moderator_max_sessions)
        )
    ).scalars()
    ended = list(surplus)
    if ended:
        await session.execute(
            delete(ModeratorSession).where(col(ModeratorSession.token_hash).in_(ended))
        )
    return token


async def signed_in(
    session: AsyncSession,
    hasher: KeyedHasher,
    token: str,
    settings: Settings,
    *,
    activity: bool = True,
) -> SignedIn | None:
    """The live session of `token`, or None (unknown, expired, idle or disabled account).
    `activity=False` for a page's own background request (the console's urgent count):
    it does not keep an unattended session from going idle."""
    now = utcnow()
    digest = token_hash(hasher, token)
    row = (
        await session.execute(
            select(Moderator, col(ModeratorSession.last_seen_at), col(ModeratorTotp.enabled_at))
            .join(ModeratorSession, col(ModeratorSession.moderator_id) == col(Moderator.id))
            .outerjoin(ModeratorTotp, col(ModeratorTotp.moderator_id) == col(Moderator.id))
            .where(
                col(ModeratorSession.token_hash) == digest,
                col(ModeratorSession.expires_at) > now,
                col(ModeratorSession.last_seen_at) > now - idle_limit(settings),
                col(Moderator.is_active).is_(True),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    moderator, last_seen_at, enabled_at = row
    if activity and now - last_seen_at >= LAST_SEEN_STEP:
        await session.execute(
            update(ModeratorSession)
            .where(col(ModeratorSession.token_hash) == digest)
            .values(last_seen_at=now)
        )
    two_factor = enabled_at is not None
    return SignedIn(moderator, digest, two_factor, must_enrol(moderator, two_factor, settings))


async def logout(session: AsyncSession, who: SignedIn, *, via: str) -> None:
    """End one session at once: its row is deleted, so the token stops working."""
    await session.execute(
        delete(ModeratorSession).where(col(ModeratorSession.token_hash) == who.token_hash)
    )
    await audit.record(session, who.moderator, AuditAction.LOGOUT, via=via)


async def end_sessions(
    session: AsyncSession, moderator_id: uuid.UUID, *, keep_token_hash: str | None = None
) -> int:
    """End every session of an account (but the one kept); how many ended."""
    statement = delete(ModeratorSession).where(col(ModeratorSession.moderator_id) == moderator_id)
    if keep_token_hash is not None:
        statement = statement.where(col(ModeratorSession.token_hash) != keep_token_hash)
    return await rows_matched(session, statement)


async def end_lapsed_sessions(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Delete the rows of sessions that expired or went idle (they no longer work anyway)."""
    return await rows_matched(
        session,
        delete(ModeratorSession).where(
            or_(
                col(ModeratorSession.expires_at) <= now,
                col(ModeratorSession.last_seen_at) <= now - idle_limit(settings),
            )
        ),
    )


def idle_limit(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.moderator_idle_minutes)
