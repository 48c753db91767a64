"""A loopback HTTP server for tests: 127.0.0.1 in a thread, answering POSTs.

The stand-ins for services outside the app (FCM's endpoint in `tests/fcm_server.py`, a
webhook receiver in `tests/webhook_receiver.py`) are this server and what each answers:
a subclass says it in `answer`. The server can be down (`stop`: its socket closed, so
connections are refused) and started again on the same port, to test outages.
"""

from __future__ import annotations

import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, NamedTuple


class Answer(NamedTuple):
    status: int
    body: bytes = b""
    content_type: str | None = None


class LoopbackServer:
    """Subclasses set `port` (0: any free port, then the one taken) and answer POSTs."""

    port: int = 0
    _server: HTTPServer | None = None
    _thread: threading.Thread | None = None

    def answer(self, path: str, headers: Message, body: bytes) -> Answer:
        """What to answer a POST to `path` (its headers: case-insensitive)."""
        raise NotImplementedError

    def start(self) -> None:
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status, payload, content_type = loopback.answer(self.path, self.headers, body)
                self.send_response(status)
                if content_type is not None:
                    self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the socket: connections are refused until `start` again."""
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None
