"""Rendering console pages: one Jinja2 environment (autoescaped, strict about undefined
names) and one `render` that gives every template the same helpers.

Links are built from route names and the mount point (`root_path`), never from the Host
header, so pages stay correct behind a proxy and wherever the console is mounted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from console import wording
from console.auth import CSRF_FIELD, ConsoleUser
from console.facts import field_label
from console.forms import html_id
from console.nav import counts_of

TEMPLATES_DIR = Path(__file__).parent / "templates"

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every value is escaped; no template marks anything safe
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(wording.FILTERS)
_environment.globals.update(html_id=html_id, field_label=field_label)
templates = Jinja2Templates(env=_environment)


def console_path(request: Request, name: str, **params: Any) -> str:
    """The absolute path (no host) of a named console route, e.g. `/console/queue`."""
    root: str = request.scope.get("root_path", "")
    return root + str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))


def page_link(request: Request, name: str, values: Mapping[str, Any], **changes: Any) -> str:
    """A list page's link with these filter values (blank ones dropped, lists repeated),
    e.g. its next page: `page_link(request, "queue", values, after=cursor)`."""
    merged = {**values, **changes}
    pairs = [
        (key, value)
        for key, given in merged.items()
        for value in (given if isinstance(given, list) else [given])
        if value not in (None, "")
    ]
    path = console_path(request, name)
    return f"{path}?{urlencode(pairs)}" if pairs else path


def redirect_with_notice(
    request: Request,
    name: str,
    done: str,
    *,
    query: Mapping[str, str] | None = None,
    **params: Any,
) -> Response:
    """Post/redirect/get after an action: the named page, told what was `done`, shows the
    matching notice (`notice`); `query` adds to its query string (`undo=<report>`)."""
    path = console_path(request, name, **params)
    return RedirectResponse(f"{path}?{urlencode({'done': done, **(query or {})})}", status_code=303)


def notice(request: Request, notices: Mapping[str, str]) -> str | None:
    """The page's notice for `?done=…`, from its fixed messages; anything else is ignored."""
    return notices.get(request.query_params.get("done", ""))


def render(
    request: Request,
    template: str,
    user: ConsoleUser | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """A page, with the helpers every template may use: `url`, `user`, `csrf_field` and
    `csrf_token` (empty when nobody is logged in), `nav` (the nav's counts, `console.nav`,
    kept current every `urgent_poll_seconds` by `console.js`) and `html_id` (a form
    field's element id)."""
    return templates.TemplateResponse(
        request,
        template,
        {
            "url": lambda name, **params: console_path(request, name, **params),
            "user": user,
            "csrf_field": CSRF_FIELD,
            "csrf_token": user.csrf_token if user else "",
            "nav": counts_of(request),
            "urgent_poll_seconds": request.app.state.settings.console_urgent_poll_seconds,
            **context,
        },
        status_code=status_code,
    )
