"""Ops endpoints and the problem+json shape of errors that are not domain errors."""

from __future__ import annotations

import httpx

from api.app import create_app
from tests.conftest import make_settings


async def test_unknown_path_and_wrong_method_are_problem_json(client):
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["type"] == "urn:stop-intake:problem:not-found"
    wrong = await client.delete("/v1/reports")
    assert wrong.status_code == 405
    assert wrong.json()["type"] == "urn:stop-intake:problem:method-not-allowed"


async def test_a_wrong_method_is_told_every_method_of_the_path(client):
    """The tus upload's path has three routes (HEAD, PATCH, DELETE): `Allow` names them all."""
    wrong = await client.request("OPTIONS", "/v1/uploads/0", headers={"Tus-Resumable": "1.0.0"})
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "DELETE, HEAD, PATCH"


async def test_health_and_readiness_on_a_migrated_database(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "secret_key": "ok"}


async def test_readiness_fails_when_migrations_have_not_run(tmp_path):
    app = create_app(make_settings(tmp_path, None))  # a new SQLite file, never migrated
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["migrations"] != "ok"


async def test_readiness_fails_when_the_database_is_unreachable(tmp_path):
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/none"  # nothing listens on port 1
    app = create_app(make_settings(tmp_path, url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unreachable")
    assert ready.json()["checks"]["secret_key"].startswith("not checked yet")


async def test_openapi_documents_the_contract(client):
    spec = (await client.get("/openapi.json")).json()
    for path in ("/v1/reports", "/v1/auth/login", "/v1/moderation/queue", "/v1/hub/incidents"):
        assert path in spec["paths"]
    submit = spec["paths"]["/v1/reports"]["post"]
    assert {"200", "201", "422"} <= set(submit["responses"])
