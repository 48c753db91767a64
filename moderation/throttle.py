"""The growing delay after failed logins, per keyed hash of a normalised username.

See `moderation.logins` for how attempts are counted; this module holds the count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.db import insert_on_conflict
from core.hashing import KeyedHasher
from core.settings import Settings
from models.login_failure import LoginFailure
from moderation.errors import LoginThrottled
from moderation.usernames import normalise_username

THROTTLE_PURPOSE = "login-throttle"
FAILURE_MEMORY = timedelta(hours=24)


def failure_delay(failures: int, settings: Settings) -> int:
    """Seconds the next attempt must wait after `failures` failures in a row."""
    over = failures - settings.login_failures_before_delay
    if over < 0:
        return 0
    first = settings.login_first_delay_seconds
    return min(settings.login_max_delay_seconds, first << min(over, 30))


def throttle_key(hasher: KeyedHasher, username: str) -> str:
    return hasher.digest(THROTTLE_PURPOSE, normalise_username(username))


async def count_attempt(session: AsyncSession, key: str, now: datetime, settings: Settings) -> int:
    """Count one attempt for `key` unless it must wait; the seconds to wait, or 0.

    One atomic upsert: of many attempts racing for one name, each is counted or refused,
    so none slips past the delay."""
    insert = insert_on_conflict(session, LoginFailure)
    failures = col(LoginFailure.failures)
    blocked_until = col(LoginFailure.blocked_until)
    statement = (
        insert.values(name_hash=key, failures=1, last_attempt_at=now, blocked_until=None)
        .on_conflict_do_update(
            index_elements=[col(LoginFailure.name_hash)],
            set_={
                "failures": case(
                    (col(LoginFailure.last_attempt_at) < now - FAILURE_MEMORY, 1),
                    else_=failures + 1,
                ),
                "last_attempt_at": now,
            },
            where=or_(blocked_until.is_(None), blocked_until <= now),
        )
        .returning(failures)
    )
    counted = (await session.execute(statement)).scalar_one_or_none()
    if counted is None:
        until = await session.scalar(
            select(blocked_until).where(col(LoginFailure.name_hash) == key)
        )
        return max(1, math.ceil((until - now).total_seconds())) if until else 1
    delay = failure_delay(counted, settings)
    if delay:
        await session.execute(
            update(LoginFailure)
            .where(col(LoginFailure.name_hash) == key)
            .values(blocked_until=now + timedelta(seconds=delay))
        )
    return 0


async def admit(
    session: AsyncSession, hasher: KeyedHasher, username: str, settings: Settings
) -> str:
    """Count one password attempt for `username`, or refuse it while the name must wait
    (`LoginThrottled`); the key to `clear` once the password proves right."""
    key = throttle_key(hasher, username)
    wait = await count_attempt(session, key, utcnow(), settings)
    if wait:
        raise LoginThrottled(wait)
    return key


async def clear(session: AsyncSession, key: str) -> None:
    """Forget the count of a throttle key (a successful login)."""
    await session.execute(delete(LoginFailure).where(col(LoginFailure.name_hash) == key))


async def clear_failures(session: AsyncSession, hasher: KeyedHasher, username: str) -> None:
    """Lift the delay of a username (after a password reset or re-enabling)."""
    await clear(session, throttle_key(hasher, username))


async def forget_stale(session: AsyncSession, now: datetime) -> None:
    """Counts a day old whose wait is over are forgotten (they would restart at 1 anyway)."""
    await session.execute(
        delete(LoginFailure).where(
            and_(
                col(LoginFailure.last_attempt_at) < now - FAILURE_MEMORY,
                or_(
                    col(LoginFailure.blocked_until).is_(None),
                    col(LoginFailure.blocked_until) <= now,
                ),
            )
        )
    )
