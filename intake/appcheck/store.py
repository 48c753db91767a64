"""The App Check use counter in the database, shared by every API process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from core.db import SessionMaker, transaction
from models.app_check import AppCheckTokenUse


class DatabaseTokenUseStore:
    """One atomic upsert per use (PostgreSQL and SQLite both speak ON CONFLICT)."""

    def __init__(self, sessionmaker: SessionMaker) -> None:
        self.sessionmaker = sessionmaker

    async def add_use(self, token_hash: str, expires_at: datetime) -> int:
        async with transaction(self.sessionmaker) as session:
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            table = AppCheckTokenUse.__table__
            statement = dialect.insert(table).values(
                token_hash=token_hash, uses=1, expires_at=expires_at
            )
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.token_hash], set_={"uses": table.c.uses + 1}
            ).returning(table.c.uses)
            return int((await session.execute(statement)).scalar_one())


async def forget_expired_token_uses(sessionmaker: SessionMaker, now: datetime) -> int:
    async with transaction(sessionmaker) as session:
        result = await session.execute(
            delete(AppCheckTokenUse).where(AppCheckTokenUse.expires_at < now)
        )
        return result.rowcount or 0
