"""Admins manage moderator accounts: list, create, disable, enable, change role, reset the
password or the second factor. The same `moderation.accounts` functions as the
`stop-intake moderators` commands, audited with the acting admin.

Admins only (403 page for anyone else), every form CSRF-checked like the rest of the
console. An admin cannot change their own account here (their account page does that),
so the console can never lose its last admin. Generated passwords appear once, in the
answer to the reset, never in a redirect or a log.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from console.auth import AdminUserDep, ConsoleUser
from console.templating import notice, redirect_with_notice, render
from core.deps import HasherDep, PasswordsDep, SessionDep, SettingsDep
from core.errors import InvalidInput, StopError
from models.moderator import Moderator, ModeratorRole
from moderation import accounts

router = APIRouter()

NOTICES = {
    "disabled": "The account is disabled; its sessions and tokens have ended.",
    "enabled": "The account can log in again.",
    "role": "The role is changed.",
    "two-factor": "The account's second factor and recovery codes are removed; its sessions "
    "have ended.",
}
ROLES = [role.value for role in ModeratorRole]


def _role(value: str) -> ModeratorRole:
    try:
        return ModeratorRole(value)
    except ValueError:
        raise InvalidInput(f"The role is one of {', '.join(ROLES)}.") from None


async def _accounts_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "accounts.html",
        user,
        status_code=status_code,
        accounts=await accounts.list_accounts(session, settings),
        roles=ROLES,
        require_2fa_roles=settings.require_2fa_roles,
        error=error,
        values=values or {},
        notice=notice(request, NOTICES),
    )


def _back(request: Request, done: str) -> Response:
    return redirect_with_notice(request, "accounts", done)


async def _target(moderator_id: uuid.UUID, session: SessionDep, _: AdminUserDep) -> Moderator:
    """The account named in the path; looked up only once the admin check has passed."""
    return await accounts.get_account(session, moderator_id)


Target = Annotated[Moderator, Depends(_target)]


def _password_page(request: Request, user: ConsoleUser, username: str, password: str) -> Response:
    return render(request, "account_password.html", user, username=username, password=password)


@router.get("/accounts", name="accounts")
async def accounts_list(
    request: Request, session: SessionDep, settings: SettingsDep, user: AdminUserDep
) -> Response:
    return await _accounts_page(request, session, settings, user)


@router.post("/accounts", name="account_create")
async def account_create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    user: AdminUserDep,
    username: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    password = accounts.generate_password(username)
    try:
        moderator = await accounts.create_moderator(
            session, passwords, username, _role(role), password, by=user.moderator, via="console"
        )
    except StopError as error:
        return await _accounts_page(
            request, session, settings, user, status_code=error.status, error=error.detail,
            values={"username": username, "role": role},
        )  # fmt: skip
    return _password_page(request, user, moderator.username, password)


@router.post("/accounts/{moderator_id}/disable", name="account_disable")
async def account_disable(
    request: Request, target: Target, session: SessionDep, user: AdminUserDep
) -> Response:
    await accounts.disable(session, target, by=user.moderator, via="console")
    return _back(request, "disabled")


@router.post("/accounts/{moderator_id}/enable", name="account_enable")
async def account_enable(
    request: Request,
    target: Target,
    session: SessionDep,
    hasher: HasherDep,
    user: AdminUserDep,
) -> Response:
    await accounts.enable(session, hasher, target, by=user.moderator, via="console")
    return _back(request, "enabled")


@router.post("/accounts/{moderator_id}/role", name="account_role")
async def account_role(
    request: Request,
    target: Target,
    session: SessionDep,
    user: AdminUserDep,
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    await accounts.set_role(session, target, _role(role), by=user.moderator, via="console")
    return _back(request, "role")


@router.post("/accounts/{moderator_id}/password", name="account_password")
async def account_password(
    request: Request,
    target: Target,
    session: SessionDep,
    passwords: PasswordsDep,
    hasher: HasherDep,
    user: AdminUserDep,
) -> Response:
    """A generated password, shown once; the account's sessions end."""
    password = accounts.generate_password(target.username)
    await accounts.reset_password(
        session, passwords, hasher, target, password, by=user.moderator, via="console"
    )
    return _password_page(request, user, target.username, password)


@router.post("/accounts/{moderator_id}/two-factor/reset", name="account_two_factor_reset")
async def account_two_factor_reset(
    request: Request, target: Target, session: SessionDep, user: AdminUserDep
) -> Response:
    await accounts.reset_second_factor(session, target, by=user.moderator, via="console")
    return _back(request, "two-factor")
