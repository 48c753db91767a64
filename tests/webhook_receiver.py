"""A real webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread.

It verifies every request with the Standard Webhooks library's own verifier and dedupes by
`webhook-id` as a receiver should. It can fail at random (seeded: one draw per request, so
a seed gives the same outcomes request by request), accept a message and still answer 500
(so the sender retries something already received), and be down (its socket closed, so
connections are refused) until it is started again on the same port.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Arrival:
    webhook_id: str
    message: dict[str, Any]


@dataclass
class Receiver:
    seed: int = 0
    fail_before: float = 0.0  # answer 503 without taking the message
    fail_after: float = 0.0  # take the message, then answer 500 anyway
    secret: str | None = None
    arrivals: list[Arrival] = field(default_factory=list)  # every verified request
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)  # deduped, in order
    bad_signatures: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/stop"

    @property
    def duplicates(self) -> int:
        return len(self.arrivals) - len({arrival.webhook_id for arrival in self.arrivals})

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status = receiver.take(body, dict(self.headers.items()))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

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

    def take(self, body: bytes, headers: dict[str, str]) -> int:
        assert self.secret is not None
        try:
            message = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            self.bad_signatures += 1
            return 401
        draw = self._rng.random()
        if draw < self.fail_before:
            return 503
        webhook_id = {key.lower(): value for key, value in headers.items()}["webhook-id"]
        self.arrivals.append(Arrival(webhook_id, message))
        self.accepted.setdefault(webhook_id, message)
        return 500 if draw < self.fail_before + self.fail_after else 204

    def bodies(self) -> str:
        return json.dumps(list(self.accepted.values()))
