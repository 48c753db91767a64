"""Property-based fuzzing of every documented operation against a live server.

Schemathesis generates requests from our own OpenAPI document, valid and invalid ones,
with real credentials so authenticated routes are exercised beyond the 401. Whatever it
sends, the server must never answer 5xx, and every error must be problem+json.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from core.db import create_engine, create_sessionmaker, transaction
from core.hashing import keyed_hasher
from core.passwords import PasswordHashing
from hub.clients import create_hub_client
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD, fresh_pg_database, make_settings
from tests.e2e.test_serve import free_port

# Fuzzes a live server for minutes' worth of cases: slow, excluded by `make test-fast`.
pytestmark = pytest.mark.slow


@schemathesis.serializer("application/offset+octet-stream")
def _tus_chunk(ctx, value) -> bytes:
    """PATCH /v1/uploads/{id} bodies (tus) are raw bytes."""
    return value if isinstance(value, bytes) else str(value).encode()


schema = schemathesis.openapi.from_dict(create_app(make_settings(Path("var"), None)).openapi())


async def _accounts(settings) -> str:
    engine = create_engine(settings)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            await create_moderator(
                session,
                PasswordHashing.from_settings(settings),
                "fuzz",
                ModeratorRole.ADMIN,
                TEST_PASSWORD,
            )
            return await create_hub_client(session, keyed_hasher(settings), "fuzz-hub")
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    with fresh_pg_database() as url:
        settings = make_settings(tmp_path_factory.mktemp("fuzz"), url)
        hub_key = asyncio.run(_accounts(settings))
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        login = httpx.post(
            f"{base}/v1/auth/login", json={"username": "fuzz", "password": TEST_PASSWORD}
        )
        tokens = {"moderator": login.json()["access_token"], "hub": hub_key}
        yield base, tokens
        server.should_exit = True
        thread.join(timeout=10)


def _problem_json_on_errors(ctx, response, case) -> None:
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), (
            response.status_code,
            content_type,
        )


@schema.parametrize()
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_no_request_makes_the_server_fail(case, live):
    base, tokens = live
    token = tokens["hub"] if case.path.startswith("/v1/hub") else tokens["moderator"]
    headers = (
        {"Authorization": f"Bearer {token}"}
        if case.path.startswith(("/v1/hub", "/v1/moderation"))
        else {}
    )
    response = case.call(base_url=base, headers=headers)
    case.validate_response(response, checks=[not_a_server_error], additional_checks=[])
    _problem_json_on_errors(None, response, case)
