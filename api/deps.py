"""Dependencies of the JSON API: who is calling (moderator, hub client, App Check) and
the per-client rate limits. The ones the console shares live in `core.deps`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.deps import HasherDep, SessionDep, SettingsDep
from core.errors import Forbidden, Unauthorized
from hub.clients import client_for_key, note_seen
from hub.errors import HubScopeMissing, InvalidHubKey
from intake.appcheck.guard import AppCheckGuard, AppCheckVerdict
from intake.protection.client_address import client_address
from models.hub_client import HubClient, HubScope
from models.moderator import Moderator, ModeratorRole
from moderation.errors import TwoFactorEnrolmentRequired
from moderation.sessions import SignedIn, signed_in

_bearer = HTTPBearer(auto_error=False, description="Moderator token from POST /v1/auth/login.")
_hub_bearer = HTTPBearer(auto_error=False, scheme_name="HubKey", description="Hub client API key.")


class SessionExpired(Unauthorized):
    slug = "invalid-token"
    title = "Missing, expired or revoked token; log in again"


async def _signed_in(
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> SignedIn:
    """The live session of the bearer token, even one that may only enrol a second factor
    (it may still log out); 401 for a missing, expired, idle or revoked token."""
    who = None
    if credentials and credentials.scheme.lower() == "bearer":
        who = await signed_in(session, hasher, credentials.credentials, settings)
    if who is None:
        error = SessionExpired()
        error.headers["WWW-Authenticate"] = "Bearer"
        raise error
    return who


async def _current_moderator(who: Annotated[SignedIn, Depends(_signed_in)]) -> Moderator:
    """A moderator who may use the API: a role that requires a second factor and has none
    (a console session made to enrol) gets 403 `two-factor-enrolment-required`."""
    if who.must_enrol:
        raise TwoFactorEnrolmentRequired()
    return who.moderator


async def _current_hub_client(
    session: SessionDep,
    hasher: HasherDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_hub_bearer)],
) -> HubClient:
    client = None
    if credentials and credentials.scheme.lower() == "bearer":
        client = await client_for_key(session, hasher, credentials.credentials)
    if client is None:
        error = InvalidHubKey()
        error.headers["WWW-Authenticate"] = "Bearer"
        raise error
    await note_seen(session, client)
    return client


def hub_client(scope: HubScope) -> Callable[..., Coroutine[Any, Any, HubClient]]:
    """A dependency for a hub route: a known key (401), within the client's own rate limit
    (429, counted per client id, not per address) and holding `scope` (403)."""

    async def check(
        request: Request, client: Annotated[HubClient, Depends(_current_hub_client)]
    ) -> HubClient:
        await request.app.state.rate_limiter.hit("hub", f"hub-client:{client.id}")
        if scope.value not in client.scopes:
            raise HubScopeMissing(f"This needs the scope {scope.value}; ask the operator for it.")
        return client

    return check


async def hit_rate_limit(request: Request, limit: str) -> None:
    """Count this request against the named per-client limit (429 with Retry-After).

    The client's address is read here and handed straight to the limiter, which counts
    only a keyed hash of it (in the database, shared by every process); the address is
    never logged or stored."""
    state = request.app.state
    await state.rate_limiter.hit(limit, client_address(request.scope, state.trusted_proxies))


def rate_limited(limit: str) -> Any:
    """A route dependency applying the named per-client limit (`hit_rate_limit`)."""

    async def check(request: Request) -> None:
        await hit_rate_limit(request, limit)

    return Depends(check)


APP_CHECK_HEADER = "X-Firebase-AppCheck"
_APP_CHECK_DESCRIPTION = "Firebase App Check token of the STOP APP (required when enforced)."
#: The App Check header as the OpenAPI document states it, for `openapi_extra` of a route
#: that calls `attest` itself (the same entry FastAPI makes for an optional `Header`).
APP_CHECK_PARAMETER: dict[str, Any] = {
    "name": APP_CHECK_HEADER,
    "in": "header",
    "required": False,
    "description": _APP_CHECK_DESCRIPTION,
    "schema": {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": _APP_CHECK_DESCRIPTION,
        "title": "X-Firebase-Appcheck",
    },
}


async def attest(request: Request) -> AppCheckVerdict:
    """The App Check verdict on this request's token (401 `AppCheckFailed` when enforced).

    Called by the submission route itself rather than declared as a dependency with a
    `Header` parameter: FastAPI's resolution of those costs more than the check."""
    guard: AppCheckGuard = request.app.state.app_check
    return await guard.check(request.headers.get(APP_CHECK_HEADER))


SignedInDep = Annotated[SignedIn, Depends(_signed_in)]
ModeratorDep = Annotated[Moderator, Depends(_current_moderator)]


def require_role(*roles: ModeratorRole) -> Callable[[Moderator], Coroutine[Any, Any, Moderator]]:
    """A dependency that lets only the given roles through (403 otherwise)."""

    async def check(moderator: ModeratorDep) -> Moderator:
        if moderator.role not in roles:
            raise Forbidden(f"This needs the role {' or '.join(roles)}.")
        return moderator

    return check
