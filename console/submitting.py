"""A form posted from a report page, to the moderation service it stands for.

Every report action with a form goes the same way: the form is validated by the model the
JSON API takes; when it is invalid the report page comes back (422) with the errors beside
the form's fields and what was typed still in them; otherwise the service is called and
the moderator lands on the next page with a notice (post/redirect/get). This module is
that way, written once for every such route (`console.actions`, `console.confirmations`,
`console.redactions`).

The incident form (approve, correct) has one more refusal to show as a form error: a
summary that repeats text redacted from the report. The service refuses it; the call runs
in a savepoint, so nothing of it stays, and the summary field says why, the rest of the
form as typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from console.auth import ConsoleUser
from console.forms import FormResult, incident_values, text_fields, validate, validate_incident
from console.pages import invalid_form
from console.templating import redirect_with_notice
from hub.fields import IncidentFieldsIn
from moderation.redaction import SummaryContainsRedactedText

Model = TypeVar("Model", bound=BaseModel)
Outcome = TypeVar("Outcome")


@dataclass(frozen=True)
class ReportForm(Generic[Model]):
    """One form of the report page: its name (the key of its errors in the template), the
    model that validates it and the single-value fields it sends."""

    name: str
    model: type[Model]
    fields: Sequence[str]


async def submit(
    request: Request,
    session: AsyncSession,
    user: ConsoleUser,
    report_id: uuid.UUID,
    form: ReportForm[Model],
    act: Callable[[Model], Awaitable[object]],
    done: str,
    *,
    page: str = "report",
    landing: Callable[[Model], uuid.UUID] | None = None,
) -> Response:
    """Validate `form`, then `act` on the value and redirect to `page` told what was
    `done`: the report's page by default (or that of the report `landing` names, e.g. the
    primary a duplicate was merged into), or a page without parameters (`queue`)."""
    result = validate(form.model, text_fields(await request.form(), form.fields))
    if result.value is None:
        return await invalid_form(request, session, user, report_id, form.name, result)
    await act(result.value)
    if page != "report":
        return redirect_with_notice(request, page, done)
    target = landing(result.value) if landing else report_id
    return redirect_with_notice(request, "report", done, report_id=target)


async def submit_incident(
    request: Request,
    session: AsyncSession,
    user: ConsoleUser,
    report_id: uuid.UUID,
    form_name: str,
    publish: Callable[[IncidentFieldsIn], Awaitable[Outcome]],
) -> Outcome | Response:
    """The incident form validated and handed to `publish` (an approval or a correction),
    whose outcome is returned; or the report page again with the form's errors."""
    form = await request.form()
    result = validate_incident(form)
    if result.value is None:
        return await invalid_form(
            request, session, user, report_id, form_name, result, incident_values(form)
        )
    try:
        async with session.begin_nested():
            return await publish(result.value)
    except SummaryContainsRedactedText as refused:
        errors: FormResult[IncidentFieldsIn] = FormResult(None, {"summary": refused.detail})
        return await invalid_form(
            request, session, user, report_id, form_name, errors, incident_values(form)
        )
