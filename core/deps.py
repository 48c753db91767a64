"""Dependencies every web surface shares (the JSON API and the console): settings, the
request's database session, the keyed and password hashers, and media storage.

They live below the domain packages so that `api/` and `console/` can both use them
without either importing the other. The session commits when the route returns and
before the response is sent (scope "function"), so a client that got a 2xx can rely on
the write being durable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from core.hashing import KeyedHasher
from core.passwords import PasswordHashing
from core.settings import Settings
from core.storage import AsyncMediaStorage


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _hasher(request: Request) -> KeyedHasher:
    return request.app.state.hasher


def _passwords(request: Request) -> PasswordHashing:
    return request.app.state.passwords


def _storage(request: Request) -> AsyncMediaStorage:
    return request.app.state.storage


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SettingsDep = Annotated[Settings, Depends(_settings)]
HasherDep = Annotated[KeyedHasher, Depends(_hasher)]
PasswordsDep = Annotated[PasswordHashing, Depends(_passwords)]
StorageDep = Annotated[AsyncMediaStorage, Depends(_storage)]
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
