"""How many reports one App Check token has carried: the replay cap's store.

App Check tokens are bearer tokens valid for up to an hour or more; the Python SDK has no
replay protection for ordinary tokens, so a token lifted from one phone could carry any number
of reports. We count uses per token and refuse past `app_check_max_reports_per_token`.

The count must be shared by every API process, so the store is an interface: one atomic
"add a use, tell me the new count" operation. The in-memory store here serves one process (the
embedded set-up and tests); a database-backed one is one upsert, for example on PostgreSQL and
SQLite 3.35+::

    INSERT INTO app_check_token_uses (token_hash, uses, expires_at)
    VALUES (:token_hash, 1, :expires_at)
    ON CONFLICT (token_hash) DO UPDATE SET uses = app_check_token_uses.uses + 1
    RETURNING uses

plus an occasional `DELETE … WHERE expires_at < now()`. Only a keyed hash of the token is
ever given to a store, never the token, so a stored row cannot be replayed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol


class TokenUseStore(Protocol):
    """Counts uses of a token, atomically across every process that shares the store."""

    async def add_use(self, token_hash: str, expires_at: datetime) -> int:
        """Record one more use of `token_hash` and return how many it has had, this included.

        `expires_at` is the token's own expiry: after it the token is refused anyway, so the
        count may be forgotten then.
        """
        ...


class InMemoryTokenUseStore:
    """A `TokenUseStore` for one process, forgetting each token at its expiry.

    Expired tokens are swept at most once a minute. Bounded: beyond `max_tokens` live entries
    the least recently used are dropped (a dropped token could be used again up to the cap,
    which beats growing without limit).
    """

    SWEEP_SECONDS = 60.0

    def __init__(
        self, *, max_tokens: int = 100_000, clock: Callable[[], float] = time.time
    ) -> None:
        self._max_tokens = max_tokens
        self._clock = clock
        self._uses: dict[str, tuple[int, float]] = {}  # hash -> (uses, expiry as epoch seconds)
        self._next_sweep = clock() + self.SWEEP_SECONDS

    def __len__(self) -> int:
        return len(self._uses)

    async def add_use(self, token_hash: str, expires_at: datetime) -> int:
        now = self._clock()
        uses, expiry = self._uses.pop(token_hash, (0, expires_at.timestamp()))
        if expiry <= now:
            uses = 0
        self._uses[token_hash] = (uses + 1, expiry)
        if now >= self._next_sweep or len(self._uses) > self._max_tokens:
            self._forget(now)
        return uses + 1

    def _forget(self, now: float) -> None:
        """Drop expired tokens; if still too many, the least recently used ones."""
        self._next_sweep = now + self.SWEEP_SECONDS
        for key in [key for key, (_, expiry) in self._uses.items() if expiry <= now]:
            del self._uses[key]
        while len(self._uses) > self._max_tokens:
            del self._uses[next(iter(self._uses))]
