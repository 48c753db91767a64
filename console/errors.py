"""Console errors are HTML pages, never problem+json, and never contain report text.

Domain errors (a claim taken by someone else, a report that moved on) show their fixed
title and detail, which name states but never content; anything unexpected is a generic
page. A missing or expired session sends the browser to the login page.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from console.auth import SAFE_METHODS, EnrolmentRequired, LoginRequired
from console.templating import console_path, render
from core.errors import StopError, raised_while_reading

log = logging.getLogger("stop.console")

_HTTP_TITLES = {
    404: "Page not found",
    405: "That action is not available here",
}
# Only console paths made of plain segments may be a `next` target (no open redirects).
_SAFE_NEXT = re.compile(r"^/console(/[A-Za-z0-9_-]+)*/?$")


def safe_next(value: str | None) -> str | None:
    """`value` if it is a console path to return to after login, else None."""
    return value if value and _SAFE_NEXT.match(value) else None


def _page(request: Request, status: int, title: str, detail: str | None = None) -> Response:
    return render(request, "error.html", None, status_code=status, title=title, detail=detail)


async def _login_required(request: Request, _: Exception) -> Response:
    target = console_path(request, "login")
    here = safe_next(request.url.path) if request.method in SAFE_METHODS else None
    if here and here != console_path(request, "home"):
        target += f"?next={here}"
    return RedirectResponse(target, status_code=303)


async def _enrolment_required(request: Request, _: Exception) -> Response:
    return RedirectResponse(console_path(request, "account"), status_code=303)


async def _stop_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StopError)
    page = _page(request, error.status, error.title, error.detail)
    page.headers.update(error.headers)  # e.g. Retry-After of a 429
    return page


async def _invalid_request(request: Request, _: Exception) -> Response:
    return _page(request, 404, "Page not found", "The address is not one the console knows.")


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if ours := raised_while_reading(error):  # a form too large, or that stopped arriving
        return await _stop_error(request, ours)
    return _page(request, error.status_code, _HTTP_TITLES.get(error.status_code, "Error"))


async def _unexpected(request: Request, error: Exception) -> Response:
    log.error("unhandled %s", type(error).__name__, exc_info=error)
    return _page(request, 500, "Something went wrong", "Nothing was changed; try again.")


def install_error_pages(console: FastAPI) -> None:
    console.add_exception_handler(LoginRequired, _login_required)
    console.add_exception_handler(EnrolmentRequired, _enrolment_required)
    console.add_exception_handler(StopError, _stop_error)
    console.add_exception_handler(RequestValidationError, _invalid_request)
    console.add_exception_handler(HTTPException, _http_error)
    console.add_exception_handler(Exception, _unexpected)
