"""Console fixtures: the real app served by uvicorn on 127.0.0.1, Debian's chromium driven
by Playwright (one browser per test session, a fresh context per test), and builders for
what a moderator looks at: a translated report, an attached photo, a logged-in page.

Data is made through the test's own app (`app`, `queued_report`, `process_pending` from
tests/conftest.py) in the same PostgreSQL database the served app reads.
"""

from __future__ import annotations

import hashlib
import io
import re
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image
from playwright.async_api import Browser, Page, async_playwright, expect

from api.app import create_app
from core.clock import utcnow
from core.db import transaction
from core.settings import Settings
from models.media import Media, MediaKind
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD
from tests.translation.tiny_model import build_package
from translation import ModelStore

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SPANISH = "Nos quitaron los pasaportes y trabajamos todos los días sin paga en la finca."


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"translation_dir": tmp_path / "translation"}


@pytest.fixture(scope="session")
def spanish_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny but real es→en argos package (random weights: the output is gibberish)."""
    return build_package(tmp_path_factory.mktemp("argos"), "es", "en")


@pytest.fixture
def install_spanish(settings: Settings, spanish_model: Path) -> None:
    ModelStore(settings.effective_translation_dir).install(spanish_model)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app: Any, settings: Settings) -> Iterator[str]:
    """The real application under uvicorn in a thread (its own event loop and engine),
    against the same database and media folder as the test's `app`."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser, live_server: str) -> AsyncIterator[Page]:
    """A fresh browser profile (no cookies) pointed at the live server."""
    context = await browser.new_context(base_url=live_server)
    # Bounds for a hang, not speed goals: CI's 2 cores may be shared with other work.
    context.set_default_timeout(30_000)
    expect.set_options(timeout=15_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()
        expect.set_options(timeout=5_000)


@pytest.fixture
def add_moderator(app: Any) -> Callable[..., Any]:
    """Create a moderator account only (no API login)."""

    async def add(username: str = "ana") -> None:
        async with transaction(app.state.sessionmaker) as session:
            await create_moderator(
                session, app.state.passwords, username, ModeratorRole.MODERATOR, TEST_PASSWORD
            )

    return add


async def log_in(page: Page, username: str, password: str = TEST_PASSWORD) -> None:
    await page.goto("/console/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


@pytest.fixture
def logged_in(page: Page, add_moderator: Callable[..., Any]) -> Callable[..., Any]:
    """Create a moderator and log the page in as them through the login form."""

    async def login(username: str = "ana") -> Page:
        await add_moderator(username)
        await log_in(page, username)
        await page.wait_for_url("**/console/queue")
        return page

    return login


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    """A small clean PNG: a red square on white, no metadata."""
    image = Image.new("RGB", size, "white")
    image.paste((200, 30, 30), (8, 8, size[0] - 8, size[1] - 8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def attach_image(app: Any, tmp_path: Path) -> Callable[..., Any]:
    """Store a clean PNG through the real media storage and attach it to a report, as
    intake does after sanitising."""

    async def attach(report_id: str) -> uuid.UUID:
        data = png_bytes()
        source = tmp_path / f"{uuid.uuid4().hex}.png"
        source.write_bytes(data)
        key = await app.state.storage.put(source, extension="png", mime="image/png")
        media = Media(
            report_id=uuid.UUID(report_id),
            kind=MediaKind.IMAGE,
            mime="image/png",
            extension="png",
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
            notes="metadata removed",
            created_at=utcnow(),
        )
        async with transaction(app.state.sessionmaker) as session:
            session.add(media)
        return media.id

    return attach


_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str:
    """The CSRF token a console page put in its forms."""
    found = _CSRF_INPUT.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def form_login(client: httpx.AsyncClient, username: str) -> str:
    """Log `client` into the console with the login form, as a browser would; returns the
    session's CSRF token."""
    form = await client.get("/console/login")
    answer = await client.post(
        "/console/login",
        data={"username": username, "password": TEST_PASSWORD, "csrf_token": csrf_in(form.text)},
    )
    assert answer.status_code == 303, answer.text
    return csrf_in((await client.get("/console/queue")).text)


@pytest.fixture
def console_login(client: httpx.AsyncClient, add_moderator: Callable[..., Any]) -> Any:
    """Create a moderator and log `client` into the console with the form, as a browser
    would; returns the session's CSRF token."""

    async def login(username: str = "ana") -> str:
        await add_moderator(username)
        return await form_login(client, username)

    return login


@pytest.fixture
def console_as(app: Any, client: httpx.AsyncClient) -> Any:
    """Log `client` into the console as `username` (created with `role` if new), replacing
    any earlier session; returns the session's CSRF token."""

    created: set[str] = set()

    async def login(username: str, role: ModeratorRole = ModeratorRole.MODERATOR) -> str:
        if username not in created:
            async with transaction(app.state.sessionmaker) as session:
                await create_moderator(session, app.state.passwords, username, role, TEST_PASSWORD)
            created.add(username)
        client.cookies.clear()
        return await form_login(client, username)

    return login


@pytest.fixture
def hub_items(client: httpx.AsyncClient, make_hub_client: Callable[..., Any]) -> Any:
    """Read the whole hub feed as a hub client would (the client is made once)."""
    headers: dict[str, str] = {}

    async def read() -> list[dict[str, Any]]:
        if not headers:
            headers.update(await make_hub_client())
        answer = await client.get("/v1/hub/incidents", headers=headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    return read
