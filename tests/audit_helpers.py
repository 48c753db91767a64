"""Audit events on days of our choosing, for the tests of reading the trail by days.

The trail is written as things happen (`moderation.audit.record`, with the clock's now);
these rows are written as if they had happened around the span 2024-03-10 .. 2024-03-12
(UTC), each just inside or just outside one of its boundaries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.db import transaction
from models.audit import AuditEvent
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD

SINCE, UNTIL = "2024-03-10", "2024-03-12"
DAY_EDGES = {
    "before": datetime(2024, 3, 9, 23, 59, 59, 999999, tzinfo=UTC),
    "first": datetime(2024, 3, 10, 0, 0, tzinfo=UTC),
    "last": datetime(2024, 3, 12, 23, 59, 59, 999999, tzinfo=UTC),
    "after": datetime(2024, 3, 13, 0, 0, tzinfo=UTC),
}


async def dated_events(
    app: Any, username: str, role: ModeratorRole = ModeratorRole.MODERATOR
) -> dict[int, str]:
    """A new account and an event of it (a `logout`) at each of `DAY_EDGES`: event id ->
    the edge's name."""
    async with transaction(app.state.sessionmaker) as session:
        account = await create_moderator(
            session, app.state.passwords, username, role, TEST_PASSWORD
        )
        events = {
            name: AuditEvent(at=at, moderator_id=account.id, action="logout", detail={"via": name})
            for name, at in DAY_EDGES.items()
        }
        session.add_all(events.values())
        await session.flush()
        return {event.id: name for name, event in events.items() if event.id is not None}
