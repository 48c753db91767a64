"""The queue's bulk form: tick reports (or "everything matching this filter"), choose an
action, see how many reports it will change, confirm.

One POST route in two steps: without `confirm` it is `moderation.bulk.run` as a dry run,
and the page says how many reports would change and why the others would be left alone,
with every field carried in hidden inputs to a Confirm button; with `confirm=yes` it is
the same call for real, and the page says what was done. Role refusals are the action
table's (a moderator's bulk rejection is the console's 403 page), as over the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from console.auth import CSRF_FIELD, ConsoleUserDep
from console.forms import text_fields, validate
from console.templating import render
from core.deps import SessionDep, SettingsDep
from moderation import bulk
from moderation.bulk import BulkIn
from moderation.queue import QueueQuery

router = APIRouter()

#: The queue filter's fields, carried by the bulk form as `filter_<name>`.
FILTER_FIELDS = tuple(name for name in QueueQuery.model_fields if name not in ("after", "limit"))


def _filter(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: form[f"filter_{name}"] for name in FILTER_FIELDS if f"filter_{name}" in form
    }
    values["status"] = form.getlist("filter_status")
    return values


def bulk_data(form: FormData) -> dict[str, Any]:
    """The bulk form as `BulkIn` reads it: the ticked reports, or the queue's filter."""
    data: dict[str, Any] = text_fields(form, ("action", "reason", "moderator", "tag"))
    if form.get("scope") == "filter":
        data["filter"] = _filter(form)
    else:
        data["report_ids"] = form.getlist("report_ids")
    data["dry_run"] = form.get("confirm") != "yes"
    return data


@router.post("/bulk", name="bulk")
async def bulk_action(
    request: Request, session: SessionDep, user: ConsoleUserDep, settings: SettingsDep
) -> Response:
    form = await request.form()
    result = validate(BulkIn, bulk_data(form))
    carried = [
        (key, value)
        for key, value in form.multi_items()
        if key not in (CSRF_FIELD, "confirm") and isinstance(value, str)
    ]
    if result.value is None:
        return render(
            request, "bulk.html", user, status_code=422, errors=result.errors, carried=carried
        )
    outcome = await bulk.run(session, user.moderator, result.value, settings)
    return render(
        request,
        "bulk.html",
        user,
        errors={},
        request_body=result.value,
        outcome=outcome,
        carried=carried,
        done=not result.value.dry_run,
    )
