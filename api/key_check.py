"""The secret key check (`migrations.secret_key`) of an API process.

At start-up, before anything is hashed: a process holding another key than the
database's does not start. A process must still start while the database is down or not
yet migrated (it answers /healthz, and /readyz says why it is not ready, so an
orchestrator can wait for it): the check is then made again every few seconds until it
can be, and /readyz reports the process not ready until it passed. Should the key then
prove to be another's, the process stays not ready for good and logs why, so a load
balancer never sends it a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import Settings
from migrations.secret_key import OtherSecretKey, check_secret_key

log = logging.getLogger("stop.api")
RETRY_SECONDS = 2.0


class KeyCheckState(StrEnum):
    """What /readyz says of the key (`checks.secret_key`)."""

    PASSED = "ok"
    PENDING = "not checked yet: the database was not reachable or not migrated"
    REFUSED = "not the key this database was set up with (see the log)"


class KeyCheck:
    """The check's outcome in this process, made at start-up or, failing that, later."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self.state = KeyCheckState.PENDING

    async def at_start(self) -> bool:
        """Check now: raises `OtherSecretKey` for another key; False when the database
        cannot tell yet (run `until_checked` then)."""
        if unanswered := await self._attempt():
            log.warning("secret key not checked at start (%s); retrying", unanswered)
        return self.state == KeyCheckState.PASSED

    async def until_checked(self, stop: asyncio.Event) -> None:
        """Check again every few seconds until the database answers (or `stop`)."""
        while self.state == KeyCheckState.PENDING:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
            if stop.is_set():
                return
            try:
                await self._attempt()
            except OtherSecretKey as error:
                log.critical("%s This process stays not ready.", error)
                self.state = KeyCheckState.REFUSED

    async def _attempt(self) -> str | None:
        """One check; raises `OtherSecretKey` for another key. Why the database could not
        answer (an error's type), or None when it did (not migrated yet: still pending)."""
        try:
            if await check_secret_key(self._engine, self._settings):
                self.state = KeyCheckState.PASSED
        except OtherSecretKey:
            raise
        except Exception as error:  # unreachable: a restart, a failover, not yet up
            return type(error).__name__
        return None
