"""Per-client abuse limits, shared by every API process, that never store who a client is.

A client's address is turned into an HMAC-SHA256 at once, and only that hash reaches the
database (`intake.protection.buckets`), so every process on every host counts a client
the same: a client limited on one is limited on all. (The embedded SQLite default runs one
process; its buckets live in that process's memory.) The hashing key changes every UTC
day. It is derived from the service's secret key (`STOP_SECRET_KEY`, the same on every
process) and a random salt of the day, which the first process to need it writes to
`rate_limit_keys`. The housekeeping sweep deletes each salt with that day's buckets once
the day is over. So:

- no address is stored, logged or kept in memory beyond the request;
- the database alone cannot tie a hash to an address, not even by hashing every IPv4
  address (that needs the secret key, which is kept apart from the database and its
  backups);
- a day after, nobody can: the salt is gone, and with it the key.

On PostgreSQL both tables are UNLOGGED (never in the WAL, replicas or base backups).
`pg_dump` still copies them unless told `--no-unlogged-table-data`.

Limits are named ("submit", "login"…) and each has up to three rates such as
`10/minute, 60/hour`; a request must fit all of them. Each rate is a token bucket (kept as one
number per client, GCRA style): a client may burst up to N requests, then gets one more every
period/N. A refused request costs nothing, and its `Retry-After` is the time until it would
succeed, so a client that obeys it is served. Buckets start afresh each UTC day (a rate
over more than a day is cut there).

IPv6 clients are limited per /64, the block one subscriber usually gets; otherwise every
address of that block would be a new client.

The hub limit ("hub") counts per hub client rather than per address: its callers pass
`hub-client:<id>` where the others pass an address, hashed the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from core.driver_sql import DriverPool
from core.errors import TooManyRequests
from core.hashing import KeyedHasher
from core.settings import Settings
from intake.protection.buckets import DAY_SECONDS, DatabaseBuckets, day_and_seconds
from intake.protection.rates import Rate

__all__ = ["IPV6_CLIENT_PREFIX", "Rate", "RateLimiter", "client_subject", "limits_from_settings"]

IPV6_CLIENT_PREFIX = 64
_DIGEST_BYTES = 16  # 128 bits: no collisions among the clients of one day
_KEY_PURPOSE = "rate-limit-day"


class RateLimiter:
    """Named limits over keyed hashes of client addresses, counted in the database."""

    def __init__(
        self,
        buckets: DatabaseBuckets,
        hasher: KeyedHasher,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._buckets = buckets
        self._hasher = hasher
        self._clock = clock
        self._day = -1
        self._key = b""

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        engine: AsyncEngine,
        hasher: KeyedHasher,
        pool: DriverPool | None = None,
    ) -> RateLimiter:
        """The configured limits, counted in `engine`'s PostgreSQL database on `pool` (the
        process's hot-path pool, `core.driver_sql`), or, on the embedded SQLite default, in
        the process (see `intake.protection.buckets`)."""
        limits = limits_from_settings(settings)
        return cls(DatabaseBuckets.for_settings(settings, engine, limits, pool), hasher)

    async def hit(self, limit: str, client_address: str) -> None:
        """Count one request from `client_address` against `limit`.

        Raises `TooManyRequests` (429, with `Retry-After`) when any of the limit's rates is
        spent; the refused request is not counted. The address is hashed before anything is
        kept and appears in no message; an unknown limit name is a programming error
        (`KeyError`).
        """
        day, seconds = day_and_seconds(self._clock())
        subject = client_subject(client_address).encode()
        digest = hmac.new(await self._day_key(day), subject, hashlib.sha256).digest()
        wait = await self._buckets.take(limit, digest[:_DIGEST_BYTES], day, seconds)
        if wait > 0:
            wait = min(wait, DAY_SECONDS - seconds)  # every bucket starts afresh at midnight
            raise TooManyRequests(math.ceil(wait), detail=_refusal(wait))

    async def forget_spent(self, now: datetime) -> int:
        """The housekeeping sweep: past days' buckets and salts, and buckets full again."""
        return await self._buckets.forget_spent(now)

    async def close(self) -> None:
        await self._buckets.close()

    async def _day_key(self, day: int) -> bytes:
        """The day's key, from the secret key and the day's shared salt; the previous day's
        key is dropped from memory as soon as a request of the new day comes."""
        if day != self._day:
            salt = await self._buckets.day_salt(day)
            self._key, self._day = self._hasher.derive(_KEY_PURPOSE, salt.hex()), day
        return self._key


def limits_from_settings(settings: Settings) -> dict[str, Sequence[Rate]]:
    """Every named limit and its rates, as configured (`STOP_RATE_LIMIT_…`)."""
    specs: Mapping[str, str] = {
        "submit": settings.rate_limit_submit,
        "receipt_lookup": settings.rate_limit_receipt_lookup,
        "upload": settings.rate_limit_upload,
        "upload_create": settings.rate_limit_upload_create,
        "login": settings.rate_limit_login,
        "hub": settings.rate_limit_hub,
    }
    return {name: Rate.parse_many(spec) for name, spec in specs.items()}


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
