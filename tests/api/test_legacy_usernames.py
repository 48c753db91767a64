"""Accounts named before usernames had a rule (an e-mail address, say) can still log in;
new accounts must follow the rule."""

from __future__ import annotations

from sqlalchemy import update

from core.db import transaction
from models.moderator import Moderator
from tests.conftest import TEST_PASSWORD


async def test_an_account_named_before_the_rule_can_still_log_in(client, app, make_moderator):
    await make_moderator("ana")
    async with transaction(app.state.sessionmaker) as session:  # as an older version stored it
        await session.execute(update(Moderator).values(username="ana@ngo.org"))

    answer = await client.post(
        "/v1/auth/login", json={"username": "Ana@NGO.org", "password": TEST_PASSWORD}
    )

    assert answer.status_code == 200, answer.text
