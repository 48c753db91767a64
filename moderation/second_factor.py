"""Two-factor login: a TOTP authenticator (RFC 6238) and one-time recovery codes.

Enrolment: `start_enrolment` makes a secret and keeps it sealed as *pending*; the console
shows it as a QR code (SVG made here, no outside service) and as text. Entering a code from
it (`confirm_enrolment`) makes it the account's second factor (replacing any earlier one)
and gives 10 new recovery codes, shown once and stored only as keyed hashes.

At login `verify` accepts the code of the current 30-second step or the one before or
after (clock drift), but never a step at or before the last one accepted, so a code seen
over someone's shoulder or replayed from a log is refused. A recovery code works once.
Secrets and codes are never logged.
"""

from __future__ import annotations

import hmac
import io
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import insert_on_conflict, rows_matched
from core.hashing import KeyedHasher
from core.sealing import Sealer, Unsealable
from models.moderator import Moderator
from models.recovery_code import RecoveryCode
from models.second_factor import ModeratorTotp
from moderation.errors import NoEnrolmentInProgress, WrongCode

log = logging.getLogger("stop.accounts")

ISSUER = "STOP moderation"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after the current one is accepted
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to confuse
_RECOVERY_LENGTH = 16  # 80 bits, shown as four groups of four
_SEALING_PURPOSE = "totp-secret"
_RECOVERY_PURPOSE = "recovery-code"
_TOTP_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class Enrolment:
    """A secret being set up, as the person enrolling needs to see it."""

    username: str
    secret: str  # base32, for typing into an app by hand

    @property
    def uri(self) -> str:
        return pyotp.TOTP(self.secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
            name=self.username, issuer_name=ISSUER
        )

    @property
    def grouped_secret(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    def qr_svg(self) -> bytes:
        """The otpauth URI as a QR code, an SVG document made here (nothing leaves the host)."""
        out = io.BytesIO()
        segno.make(self.uri, error="m").save(
            out,
            kind="svg",
            scale=5,
            border=4,
            dark="#000",
            light="#fff",
            xmldecl=False,
            title="Two-factor QR code",
        )
        return out.getvalue()


def _sealer(hasher: KeyedHasher) -> Sealer:
    return Sealer(hasher, _SEALING_PURPOSE)


def _context(moderator_id: uuid.UUID) -> str:
    return f"moderator:{moderator_id}"


def current_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _opened(hasher: KeyedHasher, sealed: str, moderator_id: uuid.UUID) -> str | None:
    """The secret, or None if it does not open (the secret key was changed, or the row was
    damaged): such a second factor cannot be used, and an admin resets it (`reset-2fa`)."""
    try:
        return _sealer(hasher).open(sealed, _context(moderator_id))
    except Unsealable:
        log.warning("a second factor does not open with the secret key; reset it (reset-2fa)")
        return None


async def _row(session: AsyncSession, moderator_id: uuid.UUID) -> ModeratorTotp | None:
    return await session.scalar(
        select(ModeratorTotp).where(col(ModeratorTotp.moderator_id) == moderator_id)
    )


async def has_second_factor(session: AsyncSession, moderator_id: uuid.UUID) -> bool:
    row = await _row(session, moderator_id)
    return row is not None and row.secret is not None


async def start_enrolment(
    session: AsyncSession, hasher: KeyedHasher, moderator: Moderator
) -> Enrolment:
    """A new pending secret (any earlier pending one is dropped; the active one stays)."""
    secret = pyotp.random_base32()
    sealed = _sealer(hasher).seal(secret, _context(moderator.id))
    # One upsert: two clicks racing (a double-click, two tabs) both succeed, the last wins.
    await session.execute(
        insert_on_conflict(session, ModeratorTotp)
        .values(moderator_id=moderator.id, pending_secret=sealed)
        .on_conflict_do_update(
            index_elements=[col(ModeratorTotp.moderator_id)], set_={"pending_secret": sealed}
        )
    )
    return Enrolment(moderator.username, secret)


async def pending_enrolment(
    session: AsyncSession, hasher: KeyedHasher, moderator: Moderator
) -> Enrolment | None:
    row = await _row(session, moderator.id)
    if row is None or row.pending_secret is None:
        return None
    secret = _opened(hasher, row.pending_secret, moderator.id)
    return Enrolment(moderator.username, secret) if secret is not None else None


async def confirm_enrolment(
    session: AsyncSession, hasher: KeyedHasher, moderator: Moderator, code: str, now: datetime
) -> list[str]:
    """Make the pending secret the second factor if `code` is one of its codes; returns
    the new recovery codes (shown once)."""
    row = await _row(session, moderator.id)
    if row is None or row.pending_secret is None:
        raise NoEnrolmentInProgress()
    secret = _opened(hasher, row.pending_secret, moderator.id)
    if secret is None:
        raise NoEnrolmentInProgress()
    step = _matching_step(secret, code, now, after=None)
    if step is None:
        raise WrongCode(
            "That code does not match. Check the phone's clock and enter the newest code."
        )
    row.secret, row.pending_secret = row.pending_secret, None
    row.enabled_at = now
    row.last_step = step  # the code just entered cannot also be used to log in
    await session.flush()
    return await new_recovery_codes(session, hasher, moderator.id, now)


async def verify(
    session: AsyncSession,
    hasher: KeyedHasher,
    moderator_id: uuid.UUID,
    otp: str | None,
    now: datetime,
) -> str | None:
    """How `otp` proves the second factor ("totp" or "recovery-code"), or None if it does
    not. A TOTP code is used up with its step; a recovery code is used up at once."""
    if not otp:
        return None
    typed = "".join(otp.split())
    if _TOTP_CODE.fullmatch(typed):
        row = await _row(session, moderator_id)
        if row is None or row.secret is None:
            return None
        secret = _opened(hasher, row.secret, moderator_id)
        if secret is None:
            return None
        step = _matching_step(secret, typed, now, after=row.last_step)
        if step is None:
            return None
        # Atomic: of two requests racing with one code, only one moves the step on.
        used = await rows_matched(
            session,
            update(ModeratorTotp)
            .where(
                col(ModeratorTotp.moderator_id) == moderator_id,
                or_(col(ModeratorTotp.last_step).is_(None), col(ModeratorTotp.last_step) < step),
            )
            .values(last_step=step),
        )
        return "totp" if used == 1 else None
    used = await rows_matched(
        session,
        update(RecoveryCode)
        .where(
            col(RecoveryCode.code_hash) == _recovery_hash(hasher, typed),
            col(RecoveryCode.moderator_id) == moderator_id,
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=now),
    )
    return "recovery-code" if used == 1 else None


def _matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    typed = "".join(code.split())
    if not _TOTP_CODE.fullmatch(typed):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    found = None
    middle = current_step(now)
    for step in range(middle - DRIFT_STEPS, middle + DRIFT_STEPS + 1):
        # every candidate is compared, in constant time, whatever matched before
        if hmac.compare_digest(totp.generate_otp(step), typed) and (after is None or step > after):
            found = step
    return found


def _recovery_hash(hasher: KeyedHasher, typed: str) -> str:
    normalised = re.sub(r"[^A-Z0-9]", "", typed.upper())
    return hasher.digest(_RECOVERY_PURPOSE, normalised)


async def new_recovery_codes(
    session: AsyncSession, hasher: KeyedHasher, moderator_id: uuid.UUID, now: datetime
) -> list[str]:
    """Replace the account's recovery codes with new ones; the only time they are seen."""
    await session.execute(
        delete(RecoveryCode).where(col(RecoveryCode.moderator_id) == moderator_id)
    )
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
        session.add(
            RecoveryCode(
                code_hash=_recovery_hash(hasher, raw), moderator_id=moderator_id, created_at=now
            )
        )
    await session.flush()
    return codes


async def unused_recovery_codes(session: AsyncSession, moderator_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(col(RecoveryCode.moderator_id) == moderator_id, col(RecoveryCode.used_at).is_(None))
    )
    return int(count or 0)


async def remove(session: AsyncSession, moderator_id: uuid.UUID) -> None:
    """Forget the account's second factor, pending enrolment and recovery codes."""
    await session.execute(
        delete(ModeratorTotp).where(col(ModeratorTotp.moderator_id) == moderator_id)
    )
    await session.execute(
        delete(RecoveryCode).where(col(RecoveryCode.moderator_id) == moderator_id)
    )
