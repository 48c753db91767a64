"""Moderator login: username and password (form or JSON) for a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import HasherDep, SessionDep, SettingsDep
from api.responses import problem_responses
from moderation import accounts
from moderation.schemas import LoginIn, TokenOut

router = APIRouter(prefix="/v1/auth", tags=["auth"])


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
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": LoginIn.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": LoginIn.model_json_schema()},
            },
        }
    },
)
async def login(
    request: Request, session: SessionDep, hasher: HasherDep, settings: SettingsDep
) -> TokenOut:
    credentials = await _credentials(request)
    token = await accounts.login(
        session, hasher, credentials.username, credentials.password, settings.moderator_token_hours
    )
    return TokenOut(access_token=token, expires_in=settings.moderator_token_hours * 3600)
