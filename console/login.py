"""Logging in and out of the console.

Login goes through `moderation.logins.login` (the same checks, delay after failures,
audit, token and session row as `POST /v1/auth/login`); logout deletes that row, so a
copied cookie is dead at once. The login form has its own CSRF token, bound to a random
pre-login cookie, so another site cannot log a moderator's browser into an account of its
choosing. A role that must use a second factor and has none gets a session that may only
set one up: it lands on the account page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from console.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    CsrfRefused,
    EnrollingUserDep,
    delete_cookie,
    login_csrf_token,
    new_login_nonce,
    same_token,
    set_cookie,
    submitted_csrf,
)
from console.errors import safe_next
from console.templating import console_path, render
from core.deps import HasherDep, PasswordsDep, SessionDep, SessionMakerDep, SettingsDep
from core.errors import TooManyRequests
from core.hashing import KeyedHasher
from intake.protection.client_address import client_address
from moderation import logins, sessions
from moderation.errors import InvalidCredentials

public = APIRouter()  # reachable without a session: only the login form
router = APIRouter()

LOGIN_NONCE_SECONDS = 3600
WRONG_CREDENTIALS = "Wrong username, password or one-time code."


def _login_form(
    request: Request,
    hasher: KeyedHasher,
    next_path: str | None,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or new_login_nonce()
    response = render(
        request,
        "login.html",
        None,
        status_code=status_code,
        login_csrf=login_csrf_token(hasher, nonce),
        next=safe_next(next_path) or "",
        error=error,
    )
    set_cookie(request, response, LOGIN_COOKIE, nonce, LOGIN_NONCE_SECONDS)
    return response


@public.get("/login", name="login")
async def login_form(request: Request, hasher: HasherDep) -> Response:
    return _login_form(request, hasher, request.query_params.get("next"))


async def _count_client_attempt(request: Request) -> None:
    """The per-client limit on login attempts (`STOP_RATE_LIMIT_LOGIN`), shared with the API.

    The address goes straight to the limiter, which counts only a keyed hash of it."""
    state = request.app.state
    await state.rate_limiter.hit("login", client_address(request.scope, state.trusted_proxies))


@public.post("/login")
async def login(
    request: Request,
    sessionmaker: SessionMakerDep,
    hasher: HasherDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    otp: Annotated[str, Form(max_length=32)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=300)] = "",
) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce or not same_token(login_csrf_token(hasher, nonce), await submitted_csrf(request)):
        raise CsrfRefused()
    try:
        await _count_client_attempt(request)
        done = await logins.login(
            sessionmaker,
            hasher,
            passwords,
            settings,
            username,
            password,
            otp.strip() or None,
            via="console",
        )
    except InvalidCredentials:
        return _login_form(request, hasher, next_path, 401, WRONG_CREDENTIALS)
    except TooManyRequests as error:
        refused = _login_form(request, hasher, next_path, 429, error.detail)
        refused.headers.update(error.headers)
        return refused
    if done.who.must_enrol:
        target = console_path(request, "account")
    else:
        target = safe_next(next_path) or console_path(request, "queue")
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, done.token, settings.moderator_token_hours * 3600)
    delete_cookie(request, response, LOGIN_COOKIE)
    return response


@router.post("/logout", name="logout")
async def logout(request: Request, session: SessionDep, user: EnrollingUserDep) -> Response:
    await sessions.logout(session, user.session, via="console")
    response = RedirectResponse(console_path(request, "login"), status_code=303)
    delete_cookie(request, response, SESSION_COOKIE)
    return response
