"""A real webhook receiver for tests: a loopback HTTP server (`tests/loopback.py`).

It verifies every request with the Standard Webhooks library's own verifier and dedupes by
`webhook-id` as a receiver should. It can fail at random (seeded: one draw per request, so
a seed gives the same outcomes request by request), accept a message and still answer 500
(so the sender retries something already received), and be down (its socket closed, so
connections are refused) until it is started again on the same port.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from tests.loopback import Answer, LoopbackServer


@dataclass
class Arrival:
    webhook_id: str
    message: dict[str, Any]


@dataclass
class Receiver(LoopbackServer):
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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/stop"

    @property
    def duplicates(self) -> int:
        return len(self.arrivals) - len({arrival.webhook_id for arrival in self.arrivals})

    def answer(self, path: str, headers: Message, body: bytes) -> Answer:
        return Answer(self.take(body, dict(headers.items())))

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
