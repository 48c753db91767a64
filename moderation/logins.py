"""Logging in: the password, the second factor, and the growing delay after failures.

Every attempt is first counted against a keyed hash of the normalised username as typed
(table `login_failures`), in its own committed transaction, *before* the password is
checked; a success deletes the count. After `STOP_LOGIN_FAILURES_BEFORE_DELAY` failures
in a row, each further attempt must wait 1 s, then 2, 4, … up to
`STOP_LOGIN_MAX_DELAY_SECONDS`; an attempt inside the wait is refused (429,
`Retry-After`) without checking anything. So a password cannot be guessed faster than that,
even by many clients at once, and the delay never becomes a permanent lock-out: it is
bounded, it is forgotten a day after the last attempt, and a password reset or
`moderators enable` clears it.

Known and unknown usernames take the same path: the same count, the same argon2
verification (against a dummy hash), the same answer (401 `invalid-credentials`). A
wrong one-time code gets that same answer, so it does not reveal that the password was
right. Each checked attempt is audited (`login` or `login_failed`, with the account's id
when the account exists, never the typed name or password).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlmodel import col

from core.clock import utcnow
from core.db import SessionMaker, transaction
from core.hashing import KeyedHasher
from core.passwords import PasswordHashing
from core.settings import Settings
from models.moderator import Moderator
from moderation import audit, second_factor, throttle
from moderation.audit import AuditAction
from moderation.errors import InvalidCredentials, TwoFactorEnrolmentRequired
from moderation.sessions import SignedIn, must_enrol, start_session, token_hash
from moderation.usernames import could_be_username, normalise_username

Surface = Literal["api", "console"]


@dataclass(frozen=True)
class LoggedIn:
    token: str
    who: SignedIn


async def login(
    sessionmaker: SessionMaker,
    hasher: KeyedHasher,
    passwords: PasswordHashing,
    settings: Settings,
    username: str,
    password: str,
    otp: str | None,
    *,
    via: Surface,
) -> LoggedIn:
    """A new session for valid credentials of an active account.

    On the API a role that must use a second factor and has none gets no token
    (`TwoFactorEnrolmentRequired`); on the console it gets a session that may only enrol.
    """
    async with transaction(sessionmaker) as session:  # counted even if the login fails
        key = await throttle.admit(session, hasher, username, settings)

    refusal: Exception | None = None
    result: LoggedIn | None = None
    async with transaction(sessionmaker) as session:
        now = utcnow()
        name = normalise_username(username)
        moderator = (
            await session.scalar(select(Moderator).where(col(Moderator.username) == name))
            if could_be_username(name)
            else None
        )
        password_ok = await passwords.verify(
            moderator.password_hash if moderator else None, password
        )
        reason = None
        factor = "none"
        if moderator is None:
            reason = "unknown-account"
        elif not password_ok:
            reason = "wrong-password"
        elif not moderator.is_active:
            reason = "account-disabled"
        elif await second_factor.has_second_factor(session, moderator.id):
            factor = await second_factor.verify(session, hasher, moderator.id, otp, now) or ""
            if not factor:
                reason = "wrong-code" if otp else "missing-code"
        await throttle.forget_stale(session, now)
        if reason is not None or moderator is None:
            await audit.record(session, moderator, AuditAction.LOGIN_FAILED, via=via, reason=reason)
            refusal = InvalidCredentials()
        else:
            await throttle.clear(session, key)
            two_factor = factor != "none"
            enrol_only = must_enrol(moderator, two_factor, settings)
            if enrol_only and via == "api":
                await audit.record(
                    session, moderator, AuditAction.LOGIN_REFUSED, via=via, reason="must-enrol"
                )
                refusal = TwoFactorEnrolmentRequired()
            else:
                token = await start_session(session, hasher, moderator, settings, now)
                await audit.record(
                    session,
                    moderator,
                    AuditAction.LOGIN,
                    via=via,
                    second_factor=factor,
                    enrolment_only=enrol_only,
                )
                who = SignedIn(moderator, token_hash(hasher, token), two_factor, enrol_only)
                result = LoggedIn(token, who)
    if refusal is not None:
        raise refusal  # after the commit: the count and the audit row are kept
    assert result is not None
    return result
