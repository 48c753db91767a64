"""Moderator login and logout: username and password (+ one-time code) for a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import SignedInDep, rate_limited
from api.responses import problem_responses
from core.deps import HasherDep, PasswordsDep, SessionDep, SessionMakerDep, SettingsDep
from moderation import logins, sessions
from moderation.schemas import LoginIn, TokenOut

router = APIRouter(prefix="/v1/auth", tags=["auth"])
_LOGIN_IN = {"$ref": "#/components/schemas/LoginIn"}  # added to the components by api/app.py


async def _credentials(request: Request) -> LoginIn:
    """Accept an OAuth2 password form (what Swagger UI sends) or a JSON body."""
    try:
        if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            fields = {key: form[key] for key in ("username", "password", "otp") if key in form}
            return LoginIn.model_validate(fields)
        return LoginIn.model_validate_json(await request.body())
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None


@router.post(
    "/login",
    operation_id="login",
    response_model=TokenOut,
    responses=problem_responses(401, 403, 422, 429),
    summary="Log in as a moderator",
    dependencies=[rate_limited("login")],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _LOGIN_IN},
                "application/x-www-form-urlencoded": {"schema": _LOGIN_IN},
            },
        }
    },
)
async def login(
    request: Request,
    sessionmaker: SessionMakerDep,
    hasher: HasherDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
) -> TokenOut:
    """Exchange a username and password (JSON, or the OAuth2 password form Swagger UI sends),
    plus `otp` when the account has two-factor login, for a bearer token (`stopmod_…`).

    The token lasts `expires_in` seconds (12 h by default) and ends sooner after 30 minutes
    unused, at logout, or when the account is disabled or reset. Wrong credentials, a wrong
    or missing code and disabled accounts all get the same 401. After 5 failures in a row
    for a username (whether or not it exists) each further attempt must wait, 1 s and then
    doubling up to 15 minutes: 429 `login-throttled` with `Retry-After`. Attempts per client
    address are limited too (429 `too-many-requests`). A role that must use a second factor
    (lead and admin by default) but has none gets 403 `two-factor-enrolment-required`: set it
    up in the console first."""
    credentials = await _credentials(request)
    done = await logins.login(
        sessionmaker,
        hasher,
        passwords,
        settings,
        credentials.username,
        credentials.password,
        credentials.otp,
        via="api",
    )
    return TokenOut(access_token=done.token, expires_in=settings.moderator_token_hours * 3600)


@router.post(
    "/logout",
    operation_id="logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401),
    summary="End this token's session",
)
async def logout(session: SessionDep, who: SignedInDep) -> None:
    """End the session of the bearer token sent: it stops working at once (204)."""
    await sessions.logout(session, who, via="api")
