"""Every process that opens the database holds the secret key it was set up with.

Receipts, moderators' sessions, hub clients' API keys, App Check token counts and rate
limits are stored as keyed hashes under STOP_SECRET_KEY (`core.hashing`), and pieces of
unfinished uploads are sealed under it. A host started with another key (STOP_SECRET_KEY
forgotten on one machine, so it generated its own into its data folder) would still run,
and fail quietly: the reporters it serves could not read their report's status, a hub
client's key would be refused on one host in two, rate limits would count apart.

So the first process to open the database after migration 0031 records a fingerprint of
its key (`models.secret_key_check`: HMAC of a fixed label, which tells keys apart and
reveals nothing of them); every later one (`serve` and each of its API processes, the
worker, the database commands) compares its own and stops at once, naming the setting,
when they differ. Changing the key on purpose is `stop-intake secret-key adopt`.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col, select

from core.clock import utcnow
from core.db import insert_for_dialect
from core.hashing import keyed_hasher
from core.settings import Settings
from models.secret_key_check import THE_ROW, SecretKeyCheck

_LABEL = ("secret-key-check", "stop-intake")
_TABLE = SecretKeyCheck.__tablename__


class OtherSecretKey(RuntimeError):
    """This process's secret key is not the one the database was set up with."""

    def __init__(self, recorded_at: datetime, generated: bool) -> None:
        why = (
            " (STOP_SECRET_KEY is unset here, so this host generated a key of its own into "
            "its data folder)"
            if generated
            else ""
        )
        super().__init__(
            f"STOP_SECRET_KEY is not the key this database was set up with "
            f"(on {recorded_at:%Y-%m-%d %H:%M} UTC){why}. Every host and worker must share "
            "one key: receipts, sessions and API keys hashed under one are unknown under "
            "another. Give this host the same STOP_SECRET_KEY as the others, or, to change "
            "the key on purpose, run `stop-intake secret-key adopt` (every receipt, session "
            "and hub client key made under the old key then stops working)."
        )


def fingerprint(settings: Settings) -> str:
    return keyed_hasher(settings).digest(*_LABEL)


async def check_secret_key(engine: AsyncEngine, settings: Settings) -> bool:
    """Record this key's fingerprint if none is, else raise `OtherSecretKey` unless it is
    this key's. False when the database is not yet migrated this far (nothing checked);
    an unreachable database raises the driver's error."""
    mine = fingerprint(settings)
    async with engine.begin() as connection:
        if not await _has_table(connection):
            return False
        insert = insert_for_dialect(engine.dialect.name, SecretKeyCheck)
        await connection.execute(
            insert.values(
                id=THE_ROW, fingerprint=mine, recorded_at=utcnow()
            ).on_conflict_do_nothing()  # a process starting at the same moment recorded first
        )
        recorded = (await connection.execute(select(SecretKeyCheck))).one()
    if not hmac.compare_digest(recorded.fingerprint, mine):
        raise OtherSecretKey(recorded.recorded_at, generated=settings.secret_key is None)
    return True


async def adopt_secret_key(engine: AsyncEngine, settings: Settings) -> bool:
    """Record this key's fingerprint in place of any other; whether it changed anything."""
    mine = fingerprint(settings)
    async with engine.begin() as connection:
        before = await connection.scalar(select(col(SecretKeyCheck.fingerprint)))
        if before is not None and hmac.compare_digest(before, mine):
            return False
        await connection.execute(sa.delete(SecretKeyCheck))
        await connection.execute(
            sa.insert(SecretKeyCheck).values(id=THE_ROW, fingerprint=mine, recorded_at=utcnow())
        )
    return True


async def _has_table(connection: AsyncConnection) -> bool:
    return await connection.run_sync(lambda sync: sa.inspect(sync).has_table(_TABLE))
