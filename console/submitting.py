"""A POST from a report page, to the moderation service it stands for.

Every report action goes the same way, written once here for the routes of
`console.actions`, `console.confirmations` and `console.redactions`: a route takes a
`ReportPost` (the request, its transaction, who posts and about which report), calls the
service, and lands on the next page with a notice (post/redirect/get, `done`). An action
with a form first validates it with the model the JSON API takes (`submit`); when it is
invalid the report page comes back (422) with the errors beside the form's fields and what
was typed still in them.

What the service refuses as invalid input (a 422: no report to merge into has this id, an
unknown moderator to reassign to, a span outside the text) is shown the same way, beside
the form, not on an error page: the call runs in a savepoint, so nothing of it stays. In
the incident form (approve, correct) a summary that repeats text redacted from the report
is said beside the summary, the rest of the form as typed (`submit_incident`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from console.auth import ConsoleUser, ConsoleUserDep
from console.forms import FormResult, incident_values, text_fields, validate, validate_incident
from console.pages import invalid_form
from console.templating import redirect_with_notice
from core.deps import SessionDep, SettingsDep
from core.errors import InvalidInput
from core.settings import Settings
from hub.fields import IncidentFieldsIn
from models.moderator import Moderator
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


@dataclass(frozen=True)
class ReportPost:
    """A POST about one report: the request, its transaction, who posts, the settings."""

    request: Request
    session: AsyncSession
    user: ConsoleUser
    report_id: uuid.UUID
    settings: Settings

    @property
    def moderator(self) -> Moderator:
        return self.user.moderator

    def done(
        self, notice: str, page: str = "report", report_id: uuid.UUID | None = None
    ) -> Response:
        """The next page, told what was done: the report's page by default (or another
        report's, e.g. the primary a duplicate was merged into), or a page without
        parameters (`awaiting`; `queue`, after a decision, which offers to undo it)."""
        if page == "queue":
            undo = {"undo": str(self.report_id)}
            return redirect_with_notice(self.request, page, notice, query=undo)
        if page != "report":
            return redirect_with_notice(self.request, page, notice)
        target = report_id or self.report_id
        return redirect_with_notice(self.request, "report", notice, report_id=target)

    async def submit(
        self,
        form: ReportForm[Model],
        act: Callable[[Model], Awaitable[object]],
        notice: str,
        *,
        page: str = "report",
        landing: Callable[[Model], uuid.UUID] | None = None,
    ) -> Response:
        """Validate `form`, then `act` on the value and go on (`done`; `landing` names
        the report whose page that is, when not this one)."""
        result = validate(form.model, text_fields(await self.request.form(), form.fields))
        if result.value is None:
            return await self.invalid(form.name, result)
        try:
            async with self.session.begin_nested():
                await act(result.value)
        except InvalidInput as refused:  # e.g. no report to merge into has this id
            return await self.invalid(form.name, FormResult(None, {form.fields[0]: refused.detail}))
        return self.done(notice, page, landing(result.value) if landing else None)

    async def submit_incident(
        self, form_name: str, publish: Callable[[IncidentFieldsIn], Awaitable[Outcome]]
    ) -> Outcome | Response:
        """The incident form validated and handed to `publish` (an approval or a
        correction), whose outcome is returned; or the report page again with the form's
        errors."""
        form = await self.request.form()
        result = validate_incident(form)
        if result.value is None:
            return await self.invalid(form_name, result, incident_values(form))
        try:
            async with self.session.begin_nested():
                return await publish(result.value)
        except InvalidInput as refused:
            field = "summary" if isinstance(refused, SummaryContainsRedactedText) else ""
            errors: FormResult[IncidentFieldsIn] = FormResult(None, {field: refused.detail})
            return await self.invalid(form_name, errors, incident_values(form))

    async def invalid(
        self, form_name: str, result: FormResult[Any], values: dict[str, Any] | None = None
    ) -> Response:
        return await invalid_form(
            self.request, self.session, self.user, self.report_id, form_name, result, values
        )


async def report_post(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
) -> ReportPost:
    return ReportPost(request, session, user, report_id, settings)


ReportPostDep = Annotated[ReportPost, Depends(report_post)]
