"""Per-client abuse limits that never store who a client is.

A client's address is turned into an HMAC-SHA256 at once, with a key that is random per
process, lives only in this object and is replaced every 24 hours; the buckets made under the
old key are dropped with it. So the limiter's memory holds no address, and a hash it holds
cannot be linked to an address from a log, a memory dump a day later, or another process.

Limits are named ("submit", "login"…) and each has one or more rates such as
`10/minute, 60/hour`; a request must fit all of them. Each rate is a token bucket (kept as one
number per client, GCRA style): a client may burst up to N requests, then gets one more every
period/N. A refused request costs nothing, and its `Retry-After` is the time until it would
succeed, so a client that obeys it is served.

IPv6 clients are limited per /64, the block one subscriber usually gets; otherwise every
address of that block would be a new client. Limits are per API process: with P processes a
client may get up to P times a limit, which is acceptable for abuse limits and needs no
shared store of (hashed) addresses.

The hub limit ("hub") counts per hub client rather than per address: its callers pass
`hub-client:<id>` where the others pass an address, hashed the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.errors import TooManyRequests
from core.settings import Settings

ROTATE_SECONDS = 24 * 3600
IPV6_CLIENT_PREFIX = 64
_DIGEST_BYTES = 16  # 128 bits: no collisions among the few clients one process sees a day
_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    """At most `count` requests per `period` seconds (after a burst of `count`)."""

    count: int
    period: float

    @property
    def interval(self) -> float:
        """Seconds until a spent request is earned back."""
        return self.period / self.count

    @classmethod
    def parse_many(cls, spec: str) -> tuple[Rate, ...]:
        """`"10/minute, 60/hour"` (also `5/10minutes`); a typo is a start-up error."""
        rates = []
        for part in spec.split(","):
            match = _RATE.match(part)
            if not match or int(match[1]) < 1:
                raise ValueError(f"not a rate like '10/minute': {part.strip()!r} in {spec!r}")
            multiple = int(match[2]) if match[2] else 1
            rates.append(cls(int(match[1]), float(multiple * _PERIODS[match[3]])))
        return tuple(rates)


class RateLimiter:
    """Named limits over keyed hashes of client addresses, with bounded memory.

    Thread-safe, so a sync FastAPI dependency (run in a thread pool) may call it too.
    """

    def __init__(
        self,
        limits: Mapping[str, Sequence[Rate]],
        *,
        max_clients: int = 100_000,
        rotate_seconds: float = ROTATE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_clients < 1:
            raise ValueError("max_clients must be at least 1")
        if not limits or not all(limits.values()):
            raise ValueError("every limit needs at least one rate")
        self._limits = {name: tuple(rates) for name, rates in limits.items()}
        self._max_clients = max_clients
        self._rotate_seconds = rotate_seconds
        self._clock = clock
        self._lock = threading.Lock()
        # (limit name, keyed hash) -> per rate, the "theoretical arrival time" of the next
        # request: the moment its bucket would be full again. In least-recently-used order.
        self._buckets: OrderedDict[tuple[str, bytes], list[float]] = OrderedDict()
        self._key = b""
        self._key_born = -math.inf
        self._rotate_if_due(clock())

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(
            {
                "submit": Rate.parse_many(settings.rate_limit_submit),
                "receipt_lookup": Rate.parse_many(settings.rate_limit_receipt_lookup),
                "upload": Rate.parse_many(settings.rate_limit_upload),
                "upload_create": Rate.parse_many(settings.rate_limit_upload_create),
                "login": Rate.parse_many(settings.rate_limit_login),
                "hub": Rate.parse_many(settings.rate_limit_hub),
            },
            max_clients=settings.rate_limit_max_clients,
        )

    @property
    def tracked_clients(self) -> int:
        """How many (limit, client) buckets are held (for tests and a memory gauge)."""
        return len(self._buckets)

    def hit(self, limit: str, client_address: str) -> None:
        """Count one request from `client_address` against `limit`.

        Raises `TooManyRequests` (429, with `Retry-After`) when any of the limit's rates is
        spent; the refused request is not counted. The address is hashed before anything is
        kept and appears in no message; an unknown limit name is a programming error
        (`KeyError`).
        """
        rates = self._limits[limit]
        with self._lock:
            now = self._clock()
            self._rotate_if_due(now)
            key = (limit, self._digest(client_address))
            arrivals = self._buckets.get(key) or [now] * len(rates)
            wait = 0.0
            updated = []
            for rate, arrival in zip(rates, arrivals, strict=True):
                next_arrival = max(arrival, now) + rate.interval
                wait = max(wait, next_arrival - rate.period - now)
                updated.append(next_arrival)
            if wait > 0:
                raise TooManyRequests(math.ceil(wait), detail=_refusal(wait))
            self._buckets[key] = updated
            self._buckets.move_to_end(key)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)

    def _rotate_if_due(self, now: float) -> None:
        """A new key every day; buckets under the old key could never be found again."""
        if now - self._key_born >= self._rotate_seconds:
            self._key = secrets.token_bytes(32)
            self._key_born = now
            self._buckets.clear()

    def _digest(self, client_address: str) -> bytes:
        subject = client_subject(client_address).encode()
        return hmac.new(self._key, subject, hashlib.sha256).digest()[:_DIGEST_BYTES]


def client_subject(client_address: str) -> str:
    """What is limited as one client: the address, or an IPv6 address's /64."""
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        return client_address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


def _refusal(wait: float) -> str:
    return f"Too many requests; try again in {math.ceil(wait)} seconds."
