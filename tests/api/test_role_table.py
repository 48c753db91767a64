"""Every route, called by every kind of caller, answers as docs/roles.md says.

The routes come from the app itself (the OpenAPI document's paths and the console's
router), so a new route cannot escape: it fails here until docs/roles.md lists who may
call it. Each caller brings fresh credentials to each call (a route such as logout ends
the session it is called with), and lead and admin have the second factor that
`STOP_REQUIRE_2FA_ROLES` demands of them, as in production.

A call counts as refused when the API answers 401 or 403 (but not a login's own 401
`invalid-credentials`, which is the route doing its work), or the console answers 403 or
sends the browser to its login page (without ending a session: that is logout's success)
or to the enrolment page `/console/account`. Anything else, 404 and 422 included, means
the caller was let in.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select, update
from starlette.routing import Mount

from console.auth import LOGIN_COOKIE, SESSION_COOKIE, login_csrf_token, session_csrf_token
from core.db import transaction
from models.hub_client import HubScope
from models.moderator import Moderator, ModeratorRole
from moderation import second_factor
from moderation.accounts import create_moderator
from tests.auth_helpers import ago, enrol, mint_token
from tests.conftest import TEST_PASSWORD
from tests.factories import new_report

ROLES_DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
_ROW = re.compile(r"^\| `([A-Z]+) (/[^`]*)` \| ([^|]+?) \|$")
_PARAMETER = re.compile(r"\{[^}]+\}")
_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch"}

# Callers that the table names, and callers it never names (refused unless "anyone").
NAMED = ("receipt", "hub", "moderator", "lead", "admin", "enrolling")
NEVER = ("no credentials", "expired token", "idle token", "disabled account")
CALLERS = NEVER + NAMED

Credentials = dict[str, str]  # authorization, cookie token, csrf token
Caller = Callable[[], Awaitable[Credentials]]


def documented_table() -> dict[tuple[str, str], set[str]]:
    """docs/roles.md's table: (method, path) -> the callers let in."""
    table: dict[tuple[str, str], set[str]] = {}
    for line in ROLES_DOC.read_text().splitlines():
        found = _ROW.match(line.strip())
        if not found:
            continue
        method, path, who = found.groups()
        names = {name.strip() for name in who.split(",")}
        assert names <= {*NAMED, "anyone"}, (line, names - {*NAMED, "anyone"})
        key = (method, path)
        assert key not in table, f"listed twice: {method} {path}"
        table[key] = set(CALLERS) if "anyone" in names else names
    return table


def app_routes(app: Any) -> set[tuple[str, str]]:
    """Every operation of the OpenAPI document, and every route of the console."""
    routes = {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in _HTTP_METHODS
    }
    console = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/console")
    for context in iter_route_contexts(console.app.routes):
        if isinstance(context.original_route, Mount):
            continue  # /console/static: the stylesheet and script, open to anyone
        for method in context.methods or ():
            routes.add((method, "/console" + context.path))
    return routes


def test_the_table_lists_exactly_the_routes_of_the_app(app):
    documented = set(documented_table())
    actual = app_routes(app)
    assert sorted(actual - documented) == [], "routes missing from docs/roles.md"
    assert sorted(documented - actual) == [], "docs/roles.md lists routes that do not exist"


@pytest.fixture
def settings_overrides(settings_overrides):
    return {
        **settings_overrides,
        "require_2fa_roles": ["lead", "admin"],  # the production default
        "moderator_max_sessions": 100_000,  # every call brings a fresh session
    }


@pytest.fixture
async def callers(app, client, make_hub_client) -> dict[str, Caller]:
    accounts = {
        "moderator": ModeratorRole.MODERATOR,
        "lead": ModeratorRole.LEAD,
        "admin": ModeratorRole.ADMIN,
        "enrolling": ModeratorRole.LEAD,
        "gone": ModeratorRole.MODERATOR,
    }
    async with transaction(app.state.sessionmaker) as session:
        for name, role in accounts.items():
            await create_moderator(session, app.state.passwords, name, role, TEST_PASSWORD)
        await session.execute(
            update(Moderator).where(Moderator.username == "gone").values(is_active=False)
        )
    for name in ("lead", "admin"):
        await enrol(app, name)
    async with transaction(app.state.sessionmaker) as session:  # so the enrolment page shows
        for name in ("moderator", "lead", "admin", "enrolling"):
            moderator = await session.scalar(select(Moderator).where(Moderator.username == name))
            await second_factor.start_enrolment(session, app.state.hasher, moderator)

    submitted = await client.post("/v1/reports", json=new_report())
    receipt = submitted.json()["receipt"]
    hub_key = (await make_hub_client("hub", list(HubScope)))["Authorization"].removeprefix(
        "Bearer "
    )
    hasher = app.state.hasher

    def fixed(authorization: str = "", cookie: str = "") -> Caller:
        async def credentials() -> Credentials:
            return {"authorization": authorization, "cookie": cookie, "csrf": "none"}

        return credentials

    def session_of(username: str, **row: Any) -> Caller:
        async def credentials() -> Credentials:
            token = await mint_token(app, username, **row)
            return {
                "authorization": f"Bearer {token}",
                "cookie": token,
                "csrf": session_csrf_token(hasher, token),
            }

        return credentials

    return {
        "no credentials": fixed(),
        "expired token": session_of("moderator", expires_at=ago(seconds=1)),
        "idle token": session_of("admin", last_seen_at=ago(hours=1)),
        "disabled account": session_of("gone"),
        "receipt": fixed(f"Receipt {receipt}", receipt),
        "hub": fixed(f"Bearer {hub_key}", hub_key),
        **{name: session_of(name) for name in ("moderator", "lead", "admin", "enrolling")},
    }


def refused(path: str, answer: Any) -> bool:
    if not path.startswith("/console"):
        if answer.status_code not in (401, 403):
            return False
        return answer.json().get("type") != "urn:stop-intake:problem:invalid-credentials"
    if answer.status_code == 403:
        return True
    if answer.status_code != 303:
        return False
    location = answer.headers["location"]
    if location == "/console/account":
        return True
    if location.split("?")[0] == "/console/login":
        ends_session = any(
            cookie.startswith(f"{SESSION_COOKIE}=") and "max-age=0" in cookie.lower()
            for cookie in answer.headers.get_list("set-cookie")
        )
        return not ends_session  # logout's own redirect ends the session
    return False


async def call(client, app, method: str, path: str, credentials: Credentials) -> Any:
    url = _PARAMETER.sub(lambda _: str(uuid.uuid4()), path)
    headers = (
        {"Authorization": credentials["authorization"]} if credentials["authorization"] else {}
    )
    cookies = {SESSION_COOKIE: credentials["cookie"]} if credentials["cookie"] else {}
    data = None
    json = None
    if path.startswith("/console") and method == "POST":
        csrf = credentials["csrf"]
        if path == "/console/login":
            cookies[LOGIN_COOKIE] = "role-table-nonce"
            csrf = login_csrf_token(app.state.hasher, "role-table-nonce")
        data = {"csrf_token": csrf}
    elif method in ("POST", "PATCH"):
        json = {}
    client.cookies.clear()
    cookie_header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if cookie_header:
        headers["Cookie"] = cookie_header
    answer = await client.request(method, url, headers=headers, data=data, json=json)
    client.cookies.clear()
    return answer


async def test_every_route_lets_in_exactly_whom_docs_roles_md_names(app, client, callers):
    table = documented_table()
    wrong = []
    for (method, path), allowed in sorted(table.items()):
        for name in CALLERS:
            answer = await call(client, app, method, path, await callers[name]())
            assert answer.status_code < 500, (method, path, name, answer.status_code)
            expected = "let in" if name in allowed else "refused"
            got = "refused" if refused(path, answer) else "let in"
            if got != expected:
                wrong.append(f"{method} {path} as {name}: {got} ({answer.status_code})")
    assert wrong == [], "\n".join(wrong)
