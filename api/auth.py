"""Moderator login: username and password (form or JSON) for a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.responses import problem_responses
from core.deps import HasherDep, PasswordsDep, SessionDep, SettingsDep
from moderation import accounts
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
    response_model=TokenOut,
    responses=problem_responses(401, 422, 429),
    summary="Log in as a moderator",
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
    session: SessionDep,
    hasher: HasherDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
) -> TokenOut:
    """Exchange a username and password (JSON, or the OAuth2 password form Swagger UI sends)
    for a bearer token (`stopmod_…`, valid 12 h by default). Wrong credentials and
    inactive accounts get the same 401."""
    credentials = await _credentials(request)
    token = await accounts.login(
        session,
        hasher,
        passwords,
        credentials.username,
        credentials.password,
        settings.moderator_token_hours,
    )
    return TokenOut(access_token=token, expires_in=settings.moderator_token_hours * 3600)
