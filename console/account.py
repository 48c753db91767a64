"""A moderator's own account: password, two-factor login and recovery codes.

These pages are open to a session that may only enrol (a role listed in
`STOP_REQUIRE_2FA_ROLES` without a second factor): the account page, setting up an
authenticator, and logout. Everything else here needs a full session. Secrets and codes
appear only in the answers that show them, never in logs or redirects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from console.auth import ConsoleUser, ConsoleUserDep, EnrollingUserDep
from console.templating import console_path, notice, redirect_with_notice, render
from core.clock import utcnow
from core.deps import HasherDep, PasswordsDep, SessionDep, SettingsDep
from core.errors import InvalidInput, StopError
from core.hashing import KeyedHasher
from core.passwords import PasswordHashing
from core.settings import Settings
from models.moderator import Moderator
from moderation import accounts, audit, second_factor
from moderation.audit import AuditAction
from moderation.errors import (
    NoEnrolmentInProgress,
    TwoFactorRequiredByRole,
    WrongCode,
)
from moderation.password_policy import MIN_LENGTH

router = APIRouter()

NOTICES = {
    "password": "Your password is changed. Your other sessions have ended.",
    "removed": "Two-factor login is off.",
}

Password = Annotated[str, Form(max_length=1024)]


@dataclass(frozen=True)
class OwnPassword:
    """The signed-in moderator's password, asked again before a sensitive change (counted
    with the account's failed logins: see `accounts.check_own_password`)."""

    session: AsyncSession
    hasher: KeyedHasher
    passwords: PasswordHashing
    settings: Settings
    moderator: Moderator

    async def check(self, current: str) -> None:
        await accounts.check_own_password(
            self.session, self.hasher, self.passwords, self.settings, self.moderator, current
        )


async def _own_password(
    session: SessionDep,
    hasher: HasherDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
    user: EnrollingUserDep,
) -> OwnPassword:
    return OwnPassword(session, hasher, passwords, settings, user.moderator)


OwnPasswordDep = Annotated[OwnPassword, Depends(_own_password)]


async def _account_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    moderator = user.moderator
    return render(
        request,
        "account.html",
        user,
        status_code=status_code,
        two_factor=user.session.two_factor,
        must_enrol=user.session.must_enrol,
        role_requires=moderator.role.value in settings.require_2fa_roles,
        codes_left=await second_factor.unused_recovery_codes(session, moderator.id),
        min_length=MIN_LENGTH,
        errors=errors or {},
        notice=notice(request, NOTICES),
    )


async def _refused(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    form: str,
    error: StopError,
) -> Response:
    """The account page again, with why `form` was refused beside that form."""
    return await _account_page(
        request, session, settings, user, status_code=error.status, errors={form: error.detail}
    )


@router.get("/account", name="account")
async def account(
    request: Request, session: SessionDep, settings: SettingsDep, user: EnrollingUserDep
) -> Response:
    return await _account_page(request, session, settings, user)


@router.post("/account/password", name="change_password")
async def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    passwords: PasswordsDep,
    user: ConsoleUserDep,
    current: Password = "",
    new: Password = "",
    repeat: Password = "",
) -> Response:
    try:
        if new != repeat:
            raise InvalidInput("The two new passwords differ.")
        await accounts.change_own_password(
            session, hasher, passwords, settings, user.moderator, current, new,
            keep_token_hash=user.session.token_hash,
        )  # fmt: skip
    except StopError as error:
        return await _refused(request, session, settings, user, "password", error)
    return redirect_with_notice(request, "account", "password")


@router.post("/account/two-factor/start", name="two_factor_start")
async def two_factor_start(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    own_password: OwnPasswordDep,
    user: EnrollingUserDep,
    current: Password = "",
) -> Response:
    """A new pending authenticator secret, for the password only: whoever holds a stolen
    session must not be able to tie the account to their own phone."""
    try:
        await own_password.check(current)
    except StopError as error:
        form = "replace" if user.session.two_factor else "start"
        return await _refused(request, session, settings, user, form, error)
    await second_factor.start_enrolment(session, hasher, user.moderator)
    return RedirectResponse(console_path(request, "two_factor"), status_code=303)


@router.get("/account/two-factor", name="two_factor")
async def two_factor(
    request: Request, session: SessionDep, hasher: HasherDep, user: EnrollingUserDep
) -> Response:
    enrolment = await second_factor.pending_enrolment(session, hasher, user.moderator)
    if enrolment is None:
        return RedirectResponse(console_path(request, "account"), status_code=303)
    return render(request, "two_factor.html", user, enrolment=enrolment, error=None)


@router.get("/account/two-factor/qr.svg", name="two_factor_qr")
async def two_factor_qr(session: SessionDep, hasher: HasherDep, user: EnrollingUserDep) -> Response:
    """The pending secret as a QR code, drawn here: no outside service sees it."""
    enrolment = await second_factor.pending_enrolment(session, hasher, user.moderator)
    if enrolment is None:
        raise NoEnrolmentInProgress()
    return Response(enrolment.qr_svg(), media_type="image/svg+xml")


@router.post("/account/two-factor/confirm", name="two_factor_confirm")
async def two_factor_confirm(
    request: Request,
    session: SessionDep,
    hasher: HasherDep,
    user: EnrollingUserDep,
    code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """The first code from the app makes the secret the account's second factor; the
    recovery codes are shown in this answer only."""
    try:
        codes = await second_factor.confirm_enrolment(
            session, hasher, user.moderator, code, utcnow()
        )
    except WrongCode as error:
        enrolment = await second_factor.pending_enrolment(session, hasher, user.moderator)
        if enrolment is None:
            raise NoEnrolmentInProgress() from None
        return render(
            request, "two_factor.html", user, status_code=422, enrolment=enrolment,
            error=error.detail,
        )  # fmt: skip
    await audit.record(
        session,
        user.moderator,
        AuditAction.TWO_FACTOR_ENABLED,
        changes=accounts.two_factor_change(False, True),
        via="console",
    )
    return render(request, "recovery_codes.html", user, codes=codes, first=True)


@router.post("/account/recovery-codes", name="recovery_codes")
async def recovery_codes(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    own_password: OwnPasswordDep,
    user: ConsoleUserDep,
    current: Password = "",
) -> Response:
    """A new set of recovery codes (the old ones stop working), shown once."""
    try:
        await own_password.check(current)
        if not user.session.two_factor:
            raise NoEnrolmentInProgress()
    except StopError as error:
        return await _refused(request, session, settings, user, "codes", error)
    codes = await second_factor.new_recovery_codes(session, hasher, user.moderator.id, utcnow())
    await audit.record(
        session,
        user.moderator,
        AuditAction.RECOVERY_CODES_RENEWED,
        changes=accounts.RECOVERY_CODES_CHANGE,
        via="console",
    )
    return render(request, "recovery_codes.html", user, codes=codes, first=False)


@router.post("/account/two-factor/remove", name="two_factor_remove")
async def two_factor_remove(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    own_password: OwnPasswordDep,
    user: ConsoleUserDep,
    current: Password = "",
) -> Response:
    """Turn two-factor login off: only for roles that do not require it."""
    try:
        if user.moderator.role.value in settings.require_2fa_roles:
            raise TwoFactorRequiredByRole()
        await own_password.check(current)
    except StopError as error:
        return await _refused(request, session, settings, user, "remove", error)
    await second_factor.remove(session, user.moderator.id)
    await audit.record(
        session,
        user.moderator,
        AuditAction.TWO_FACTOR_REMOVED,
        changes=accounts.two_factor_change(True, False),
        via="console",
    )
    return redirect_with_notice(request, "account", "removed")
