"""Helpers for tests of logins: second factors and sessions made directly in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
from sqlalchemy import select, update

from core.clock import utcnow
from core.db import transaction
from models.moderator import Moderator, ModeratorSession
from moderation import second_factor
from moderation.sessions import start_session, token_hash


def totp_code(secret: str, steps_from_now: int = 0) -> str:
    """The code of the step `steps_from_now` steps after the current one."""
    step = second_factor.current_step(utcnow()) + steps_from_now
    return pyotp.TOTP(secret).generate_otp(step)


async def enrol(app: Any, username: str) -> tuple[str, list[str]]:
    """Give an account a confirmed TOTP second factor; its secret and recovery codes.

    Confirming uses the current step's code, so the next login needs a later step's code
    (`totp_code(secret, 1)`) or a recovery code."""
    async with transaction(app.state.sessionmaker) as session:
        moderator = await _account(session, username)
        enrolment = await second_factor.start_enrolment(session, app.state.hasher, moderator)
        codes = await second_factor.confirm_enrolment(
            session, app.state.hasher, moderator, totp_code(enrolment.secret), utcnow()
        )
    return enrolment.secret, codes


async def mint_token(app: Any, username: str, **session_row: Any) -> str:
    """A session token for an account, made without logging in; `session_row` changes the
    row afterwards (e.g. `expires_at=` in the past)."""
    async with transaction(app.state.sessionmaker) as session:
        moderator = await _account(session, username)
        token = await start_session(
            session, app.state.hasher, moderator, app.state.settings, utcnow()
        )
        if session_row:
            await session.execute(
                update(ModeratorSession)
                .where(ModeratorSession.token_hash == token_hash(app.state.hasher, token))
                .values(**session_row)
            )
    return token


def ago(**delta: float) -> Any:
    return utcnow() - timedelta(**delta)


async def _account(session: Any, username: str) -> Moderator:
    moderator = await session.scalar(select(Moderator).where(Moderator.username == username))
    assert moderator is not None, username
    return moderator
