"""The App Check use counter in the database, shared by every API process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col

from core.anonymity import minute_after
from core.db import SessionMaker, insert_on_conflict, rows_matched, transaction
from models.app_check import AppCheckTokenUse


class DatabaseTokenUseStore:
    """One atomic upsert per use (PostgreSQL and SQLite both speak ON CONFLICT)."""

    def __init__(self, sessionmaker: SessionMaker) -> None:
        self.sessionmaker = sessionmaker

    async def add_use(self, token_hash: str, expires_at: datetime) -> int:
        async with transaction(self.sessionmaker) as session:
            insert = insert_on_conflict(session, AppCheckTokenUse)
            uses = col(AppCheckTokenUse.uses)
            statement = (
                insert.values(token_hash=token_hash, uses=1, expires_at=minute_after(expires_at))
                .on_conflict_do_update(
                    index_elements=[col(AppCheckTokenUse.token_hash)], set_={"uses": uses + 1}
                )
                .returning(uses)
            )
            return (await session.execute(statement)).scalar_one()


async def forget_expired_token_uses(sessionmaker: SessionMaker, now: datetime) -> int:
    async with transaction(sessionmaker) as session:
        return await rows_matched(
            session, delete(AppCheckTokenUse).where(col(AppCheckTokenUse.expires_at) < now)
        )
