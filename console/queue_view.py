"""The queue page: the filter form, search box and pages over `moderation.queue`.

The form is a GET form, so a filtered view is a plain link a moderator can share and the
"next page" link carries the same filters. Whatever the view, the page says how many
urgent reports are waiting outside it, with a link to them: a filter never hides an
urgent report from a moderator without saying so.

Many open reports about one place in a few days are shown as one line with their count,
which opens to list them (`moderation.clusters`, worked out for the page's reports only).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams
from starlette.responses import Response

from console.auth import ConsoleUser
from console.forms import validate
from console.templating import page_link, render
from core.clock import utcnow
from core.deps import app_state
from core.settings import Settings
from models.moderator import ModeratorRole
from models.report import OPEN_STATUSES
from models.vocabulary import ExploitationType
from moderation import clusters, leads, queue
from moderation.queue import LISTABLE, QueueQuery

# One page of the console's queue unless the link says otherwise (`limit`, 1 to 200).
QUEUE_LIMIT = 200
FIELDS = tuple(QueueQuery.model_fields)


def _values(params: QueryParams) -> dict[str, Any]:
    """The query string as the form sent it: the last value of each field, every `status`."""
    values: dict[str, Any] = {name: params[name] for name in FIELDS if name in params}
    values["status"] = params.getlist("status")
    return values


#: Decisions the queue's notice offers to undo (`?done=…&undo=<report>`); whether the
#: moderator still may is the action table's answer when the button is pressed.
UNDOABLE = ("rejected", "approved", "held")


def _undoable(params: QueryParams) -> uuid.UUID | None:
    """The report just decided, when the page says so (anything else is ignored)."""
    if params.get("done") not in UNDOABLE:
        return None
    try:
        return uuid.UUID(params.get("undo", ""))
    except ValueError:
        return None


async def queue_page(
    request: Request, session: AsyncSession, user: ConsoleUser, notice: str | None
) -> Response:
    values = _values(request.query_params)
    result = validate(QueueQuery, {"limit": QUEUE_LIMIT, **values})
    grouped = clusters.PageClusters()
    if result.value is None:
        items, next_link, urgent_open = [], None, await queue.urgent_open(session)
        chosen: tuple[Any, ...] = tuple(values["status"])
    else:
        page = await queue.page(session, result.value, queue.Viewer.of(user.moderator))
        items, urgent_open = page.items, page.urgent_open
        next_link = page_link(request, "queue", values, after=page.next) if page.next else None
        chosen = result.value.statuses
        grouped = await clusters.for_page(session, items)
    shown_urgent = sum(1 for i in items if i.urgent and i.status in OPEN_STATUSES)
    return render(
        request,
        "queue.html",
        user,
        status_code=422 if result.errors else 200,
        items=items,
        clusters=grouped,
        cluster_days=clusters.CLUSTER_DAYS,
        now=utcnow(),
        notice=notice,
        undo_report=_undoable(request.query_params),
        undo_minutes=app_state(request, "settings", Settings).undo_window_seconds // 60,
        values=values,
        errors=result.errors,
        chosen=chosen,
        statuses=LISTABLE,
        categories=list(ExploitationType),
        narrowed=result.value.narrowed if result.value else True,
        paged="after" in values,
        next_link=next_link,
        first_link=page_link(request, "queue", values, after=None),
        urgent_hidden=max(0, urgent_open - shown_urgent),
        urgent_link=page_link(request, "queue", {}, urgent="true"),
        # Whom a lead may assign reports to in bulk (the bulk form, `console.bulk_view`).
        moderators=(
            await leads.active_usernames(session)
            if user.moderator.role in (ModeratorRole.LEAD, ModeratorRole.ADMIN)
            else []
        ),
    )
