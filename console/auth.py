"""Who is using the console: the session cookie, and the CSRF check on every form.

The cookie holds the same opaque moderator token that `POST /v1/auth/login` hands out, so
the console and the JSON API share one session table, one expiry and one way to revoke a
login (`moderation.sessions`). The cookie is HttpOnly, SameSite=Strict and scoped
to the console's path; on top of that every POST must carry a CSRF token derived from the
session token with the server's key, so a page elsewhere can neither read nor forge it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from core.deps import HasherDep, SessionDep, SettingsDep
from core.errors import Forbidden
from core.hashing import KeyedHasher
from core.settings import Settings
from models.moderator import Moderator, ModeratorRole
from moderation.sessions import SignedIn, signed_in

SESSION_COOKIE = "stop_console"
LOGIN_COOKIE = "stop_console_login"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SESSION_CSRF = "console-csrf"
_LOGIN_CSRF = "console-login-csrf"


class LoginRequired(Exception):
    """No valid session: the console answers with its login page, never with data."""


class EnrolmentRequired(Exception):
    """A session of a role that must use a second factor, before one is set up: the console
    sends it to the enrolment page."""


class CsrfRefused(Forbidden):
    slug = "csrf-refused"
    title = "This form has expired or did not come from the console"


@dataclass(frozen=True)
class ConsoleUser:
    """The logged-in moderator, with the token of this login and its CSRF token."""

    moderator: Moderator
    token: str
    csrf_token: str
    session: SignedIn


def session_csrf_token(hasher: KeyedHasher, session_token: str) -> str:
    """Per-session CSRF token: stable for the login, useless without the server's key."""
    return hasher.digest(_SESSION_CSRF, session_token)


def login_csrf_token(hasher: KeyedHasher, nonce: str) -> str:
    """The login form's CSRF token, bound to a random pre-login cookie."""
    return hasher.digest(_LOGIN_CSRF, nonce)


def same_token(expected: str, submitted: object) -> bool:
    return isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


async def submitted_csrf(request: Request) -> object:
    """The CSRF field of a posted form (Starlette caches the parsed form for the route)."""
    form = await request.form()
    return form.get(CSRF_FIELD)


async def _session_of(
    request: Request,
    session: AsyncSession,
    hasher: KeyedHasher,
    settings: Settings,
    *,
    activity: bool,
) -> tuple[str, SignedIn]:
    """The session cookie's token and its live session (`LoginRequired` when there is
    none); `activity`: whether this request keeps the session from going idle."""
    token = request.cookies.get(SESSION_COOKIE)
    who = await signed_in(session, hasher, token, settings, activity=activity) if token else None
    if who is None or token is None:
        raise LoginRequired()
    return token, who


async def enrolling_user(
    request: Request, session: SessionDep, hasher: HasherDep, settings: SettingsDep
) -> ConsoleUser:
    """A live session, and on any state-changing request a matching CSRF token. In front
    of the pages a moderator may use before their second factor is set up: their account
    page, enrolment and logout."""
    token, who = await _session_of(request, session, hasher, settings, activity=True)
    user = ConsoleUser(who.moderator, token, session_csrf_token(hasher, token), who)
    if request.method not in SAFE_METHODS and not same_token(
        user.csrf_token, await submitted_csrf(request)
    ):
        raise CsrfRefused()
    return user


EnrollingUserDep = Annotated[ConsoleUser, Depends(enrolling_user)]


async def console_user(user: EnrollingUserDep) -> ConsoleUser:
    """The check in front of every other console route: a role that must use a second
    factor and has none is sent to set it up (`EnrolmentRequired`)."""
    if user.session.must_enrol:
        raise EnrolmentRequired()
    return user


ConsoleUserDep = Annotated[ConsoleUser, Depends(console_user)]


async def watching_user(
    request: Request, session: SessionDep, hasher: HasherDep, settings: SettingsDep
) -> None:
    """In front of what an open page asks by itself, in the background (GET only): a live
    session past any required second factor, which this request does not keep from going
    idle. A console left open on a shared computer still logs itself out."""
    _, who = await _session_of(request, session, hasher, settings, activity=False)
    if who.must_enrol:
        raise EnrolmentRequired()


async def admin_user(user: ConsoleUserDep) -> ConsoleUser:
    """Admins only (the accounts pages); anyone else gets the 403 page."""
    if user.moderator.role != ModeratorRole.ADMIN:
        raise Forbidden("Only admins manage accounts.")
    return user


AdminUserDep = Annotated[ConsoleUser, Depends(admin_user)]


async def lead_user(user: ConsoleUserDep) -> ConsoleUser:
    """Leads and admins only (reassigning, reopening, publishing decisions), checked
    before any report is looked up; anyone else gets the 403 page."""
    if user.moderator.role not in (ModeratorRole.LEAD, ModeratorRole.ADMIN):
        raise Forbidden("Only leads and admins may do this.")
    return user


LeadUserDep = Annotated[ConsoleUser, Depends(lead_user)]


def new_login_nonce() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """A console cookie: HttpOnly, SameSite=Strict, Secure over https, console path only."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=cookie_path(request),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name,
        path=cookie_path(request),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def cookie_path(request: Request) -> str:
    return request.scope.get("root_path") or "/"
