"""The console as its own ASGI sub-application, mounted by `api.app.create_app`.

It has its own routes, templates, static files, HTML error pages and security headers,
and one moderator check (session cookie + CSRF on POST) applied to every route but the
login form: the full check on the moderation pages and the audit trail (where a moderator
reads only their own events: `moderation.audit_log`), admins only on the accounts pages,
leads and admins only on publishing decisions (approvals waiting, corrections,
retractions), and a session that may still have to set up its second factor on logout
and the account pages.
It shares the parent's `state` object, so the engine, sessionmaker, hasher, storage and
settings that the parent's lifespan creates are the ones the console's
dependencies (the same `api.deps` the JSON API uses) find on `request.app.state`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from console import (
    account,
    accounts,
    actions,
    audit,
    bulk_view,
    confirmations,
    dashboard,
    login,
    pages,
    redactions,
    urgent,
)
from console.auth import admin_user, console_user, enrolling_user, lead_user, watching_user
from console.errors import install_error_pages
from console.maps import tile_origin
from console.nav import nav_counts
from console.security import SecurityHeadersMiddleware

STATIC_DIR = Path(__file__).parent / "static"


def create_console(parent: FastAPI) -> FastAPI:
    """The console app for `parent`; mount it with `parent.mount("/console", ...)`."""
    console = FastAPI(
        title="STOP moderators' console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # HTML pages, not part of the API contract
    )
    # The parent's lifespan fills this state at startup; sharing the object (rather than
    # copying values now) means the console always sees what the parent has.
    console.state = parent.state
    install_error_pages(console)
    settings = parent.state.settings
    console.add_middleware(
        SecurityHeadersMiddleware, img_sources=tile_origin(settings.map_tiles_url)
    )
    console.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    console.include_router(login.public)
    # Before a required second factor is set up, only logout and the account pages.
    counts = Depends(nav_counts)  # the nav's counts: urgent reports, approvals waiting
    for module in (login, account):
        console.include_router(module.router, dependencies=[Depends(enrolling_user), counts])
    for module in (pages, actions, dashboard, bulk_view, redactions, audit):
        console.include_router(module.router, dependencies=[Depends(console_user), counts])
    console.include_router(urgent.router, dependencies=[Depends(watching_user)])
    console.include_router(accounts.router, dependencies=[Depends(admin_user), counts])
    console.include_router(confirmations.router, dependencies=[Depends(lead_user), counts])
    return console
