"""The interactive API docs render from this server's own files: a browser opening /docs
asks nothing of any other host and breaks no content-security rule."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.slow


async def test_api_docs_load_nothing_from_elsewhere(page, live_server):
    requested: list[str] = []
    refusals: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    await page.goto("/docs")
    operations = page.locator(".opblock")
    await expect(operations.first).to_be_visible(timeout=20_000)
    assert await operations.count() > 10
    elsewhere = [url for url in requested if not url.startswith(live_server)]
    assert elsewhere == []
    assert refusals == []


async def test_api_docs_can_be_turned_off(tmp_path):
    import httpx

    from api.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(tmp_path, None, api_docs=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/openapi.json")).status_code == 200
