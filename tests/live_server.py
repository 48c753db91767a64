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

import uvicorn
from fastapi import FastAPI

from api.server import server_config
from core.settings import Settings

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
