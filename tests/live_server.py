"""The application served over real sockets, as `serve` runs it (uvicorn with the project's
protocol, timeouts and limits), in a thread of the test process.

For tests where the transport matters: slow and vanishing clients, broken framing, huge
headers, fuzzing over HTTP. The server has its own event loop and engine; the test talks
to `server.config.port`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI

from api.server import server_config
from core.db import create_engine, create_sessionmaker, transaction
from core.hashing import keyed_hasher
from core.passwords import PasswordHashing
from core.settings import Settings
from hub.clients import create_hub_client
from models.hub_client import HubScope
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD

PATIENCE = 30  # seconds to wait for the server to start or stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI, settings: Settings) -> Iterator[uvicorn.Server]:
    """`app` served on a free loopback port until the block ends."""
    config = server_config(app, settings, "127.0.0.1", free_port(), own_logging=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(PATIENCE)


@dataclass(frozen=True)
class Accounts:
    """An admin's login (`name`, `TEST_PASSWORD`) with its bearer token, and a hub key of
    every scope: what a test needs to reach every route of a live server."""

    login: dict[str, str]
    moderator_token: str
    hub_key: str


async def make_accounts(settings: Settings, base: str, name: str) -> Accounts:
    engine = create_engine(settings)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            passwords = PasswordHashing.from_settings(settings)
            await create_moderator(session, passwords, name, ModeratorRole.ADMIN, TEST_PASSWORD)
            hasher = keyed_hasher(settings)
            hub_key = await create_hub_client(session, hasher, name, list(HubScope))
    finally:
        await engine.dispose()
    login = {"username": name, "password": TEST_PASSWORD}
    async with httpx.AsyncClient(base_url=base, timeout=PATIENCE) as http:
        answer = await http.post("/v1/auth/login", json=login)
        answer.raise_for_status()
    return Accounts(login, answer.json()["access_token"], hub_key)
