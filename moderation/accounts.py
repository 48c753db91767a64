"""Moderator accounts: who exists, with which role, and whether they may log in.

Usernames follow `moderation.usernames`, passwords `moderation.password_policy`. Every
change is audited, with the acting admin (`None` for the command line, `via` says which)
and the account's id.

Disabling an account, resetting its password and resetting its second factor end all of
its sessions at once; so the account's API tokens and console cookies stop working.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.errors import StopError
from core.hashing import KeyedHasher
from core.passwords import PasswordHashing
from core.settings import Settings
from models.audit import AuditEvent
from models.moderator import Moderator, ModeratorRole, ModeratorSession
from models.second_factor import ModeratorTotp
from moderation import audit, second_factor, throttle
from moderation.audit import AuditAction
from moderation.errors import (
    AccountNotFound,
    CannotChangeOwnAccount,
    UsernameTaken,
    WrongPassword,
)
from moderation.password_policy import check_password
from moderation.sessions import end_sessions, idle_limit
from moderation.usernames import checked_username, normalise_username

# A password or recovery codes changed: recorded as such, never with a hash or a code.
PASSWORD_CHANGE = {"password": [audit.SECRET, audit.SECRET]}
RECOVERY_CODES_CHANGE = {"recovery_codes": [audit.SECRET, audit.SECRET]}


def two_factor_change(before: bool, after: bool) -> dict[str, list[Any]]:
    """Two-factor login turned on or off (the secret itself is never recorded)."""
    return audit.diff({"two_factor": before}, {"two_factor": after})


def generate_password(username: str) -> str:
    """24 random URL-safe characters (144 bits) that pass the password policy: drawn
    again in the rare case they happen to contain the username (about 1 in 2,000 for a
    three-letter name)."""
    while True:
        password = secrets.token_urlsafe(18)
        try:
            check_password(password, username)
        except StopError:
            continue
        return password


async def create_moderator(
    session: AsyncSession,
    passwords: PasswordHashing,
    username: str,
    role: ModeratorRole,
    password: str,
    *,
    by: Moderator | None = None,
    via: str = "cli",
) -> Moderator:
    name = checked_username(username)
    check_password(password, name)
    role = ModeratorRole(role)
    moderator = Moderator(
        username=name,
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
    await audit.record(
        session,
        by,
        AuditAction.ACCOUNT_CREATED,
        changes=audit.diff({}, _account_state(moderator)),
        account_id=str(moderator.id),
        role=role.value,
        via=via,
    )
    return moderator


@dataclass(frozen=True)
class AccountSummary:
    """One line of the accounts list."""

    moderator: Moderator
    two_factor: bool
    live_sessions: int
    last_login: datetime | None


async def list_accounts(session: AsyncSession, settings: Settings) -> list[AccountSummary]:
    """Every account, by username, with what an admin needs to see."""
    now = utcnow()
    live = (
        select(
            col(ModeratorSession.moderator_id).label("moderator_id"),
            func.count().label("live"),
        )
        .where(
            col(ModeratorSession.expires_at) > now,
            col(ModeratorSession.last_seen_at) > now - idle_limit(settings),
        )
        .group_by(col(ModeratorSession.moderator_id))
        .subquery()
    )
    last_login = (
        select(
            col(AuditEvent.moderator_id).label("moderator_id"),
            func.max(col(AuditEvent.at)).label("at"),
        )
        .where(col(AuditEvent.action) == AuditAction.LOGIN)
        .group_by(col(AuditEvent.moderator_id))
        .subquery()
    )
    rows = await session.execute(
        select(Moderator, col(ModeratorTotp.enabled_at), live.c.live, last_login.c.at)
        .outerjoin(ModeratorTotp, col(ModeratorTotp.moderator_id) == col(Moderator.id))
        .outerjoin(live, live.c.moderator_id == col(Moderator.id))
        .outerjoin(last_login, last_login.c.moderator_id == col(Moderator.id))
        .order_by(col(Moderator.username))
    )
    return [
        AccountSummary(moderator, enabled is not None, int(count or 0), at)
        for moderator, enabled, count, at in rows.all()
    ]


async def find_account(session: AsyncSession, username: str) -> Moderator:
    moderator = await session.scalar(
        select(Moderator).where(col(Moderator.username) == normalise_username(username))
    )
    if moderator is None:
        raise AccountNotFound(f"No moderator is called {normalise_username(username)!r}.")
    return moderator


async def get_account(session: AsyncSession, moderator_id: uuid.UUID) -> Moderator:
    moderator = await session.get(Moderator, moderator_id)
    if moderator is None:
        raise AccountNotFound()
    return moderator


def _account_state(moderator: Moderator) -> audit.State:
    """What an admin changes on an account, as the audit trail records it (never the
    password hash: a reset is recorded as `password: ["(secret)", "(secret)"]`)."""
    return {
        "username": moderator.username,
        "role": ModeratorRole(moderator.role).value,
        "is_active": moderator.is_active,
    }


def _not_self(target: Moderator, by: Moderator | None) -> None:
    """Admins change other accounts; their own is changed on their account page."""
    if by is not None and by.id == target.id:
        raise CannotChangeOwnAccount()


async def _end_sessions_audited(
    session: AsyncSession,
    target: Moderator,
    action: AuditAction,
    changes: dict[str, list[Any]],
    *,
    by: Moderator | None,
    via: str,
) -> int:
    """End every session of the account and audit `action`, what it changed and how many
    sessions ended."""
    ended = await end_sessions(session, target.id)
    await audit.record(
        session,
        by,
        action,
        changes=changes,
        account_id=str(target.id),
        sessions_ended=ended,
        via=via,
    )
    return ended


async def disable(
    session: AsyncSession, target: Moderator, *, by: Moderator | None, via: str
) -> int:
    """Refuse every login of the account and end its sessions now; how many ended."""
    _not_self(target, by)
    before = _account_state(target)
    target.is_active = False
    await session.flush()
    changes = audit.diff(before, _account_state(target))
    return await _end_sessions_audited(
        session, target, AuditAction.ACCOUNT_DISABLED, changes, by=by, via=via
    )


async def enable(
    session: AsyncSession,
    hasher: KeyedHasher,
    target: Moderator,
    *,
    by: Moderator | None,
    via: str,
) -> None:
    """Let the account log in again, and lift any delay after failed logins."""
    _not_self(target, by)
    before = _account_state(target)
    target.is_active = True
    await session.flush()
    await throttle.clear_failures(session, hasher, target.username)
    await audit.record(
        session,
        by,
        AuditAction.ACCOUNT_ENABLED,
        changes=audit.diff(before, _account_state(target)),
        account_id=str(target.id),
        via=via,
    )


async def set_role(
    session: AsyncSession,
    target: Moderator,
    role: ModeratorRole,
    *,
    by: Moderator | None,
    via: str,
) -> None:
    """A new role, effective on the account's next request (sessions are kept)."""
    _not_self(target, by)
    before = _account_state(target)
    target.role = role
    await session.flush()
    await audit.record(
        session,
        by,
        AuditAction.ROLE_CHANGED,
        changes=audit.diff(before, _account_state(target)),
        account_id=str(target.id),
        before=before["role"],
        after=role.value,
        via=via,
    )


async def reset_password(
    session: AsyncSession,
    passwords: PasswordHashing,
    hasher: KeyedHasher,
    target: Moderator,
    password: str,
    *,
    by: Moderator | None,
    via: str,
) -> int:
    """Set a new password (policy checked), end every session and lift any delay after
    failed logins; how many sessions ended."""
    _not_self(target, by)
    check_password(password, target.username)
    target.password_hash = await passwords.hash(password)
    await session.flush()
    await throttle.clear_failures(session, hasher, target.username)
    return await _end_sessions_audited(
        session, target, AuditAction.PASSWORD_RESET, PASSWORD_CHANGE, by=by, via=via
    )


async def reset_second_factor(
    session: AsyncSession, target: Moderator, *, by: Moderator | None, via: str
) -> int:
    """Forget the account's authenticator and recovery codes (a lost phone) and end every
    session. A role that requires a second factor must enrol again at its next login."""
    _not_self(target, by)
    had = await second_factor.has_second_factor(session, target.id)
    await second_factor.remove(session, target.id)
    return await _end_sessions_audited(
        session, target, AuditAction.TWO_FACTOR_RESET, two_factor_change(had, False), by=by, via=via
    )


async def change_own_password(
    session: AsyncSession,
    hasher: KeyedHasher,
    passwords: PasswordHashing,
    settings: Settings,
    moderator: Moderator,
    current: str,
    new: str,
    *,
    keep_token_hash: str,
) -> int:
    """A moderator's own change: the current password first; other sessions end."""
    await check_own_password(session, hasher, passwords, settings, moderator, current)
    check_password(new, moderator.username)
    moderator.password_hash = await passwords.hash(new)
    await session.flush()
    ended = await end_sessions(session, moderator.id, keep_token_hash=keep_token_hash)
    await audit.record(
        session,
        moderator,
        AuditAction.PASSWORD_CHANGED,
        changes=PASSWORD_CHANGE,
        sessions_ended=ended,
        via="console",
    )
    return ended


async def check_own_password(
    session: AsyncSession,
    hasher: KeyedHasher,
    passwords: PasswordHashing,
    settings: Settings,
    moderator: Moderator,
    current: str,
) -> None:
    """The signed-in moderator's password, asked again before a sensitive change. Counted
    with the account's failed logins, so a stolen session cannot guess it at will."""
    key = await throttle.admit(session, hasher, moderator.username, settings)
    if not await passwords.verify(moderator.password_hash, current):
        raise WrongPassword()
    await throttle.clear(session, key)
