"""Dependencies every web surface shares (the JSON API and the console): settings, the
request's database session, the keyed and password hashers, and media storage.

They live below the domain packages so that `api/` and `console/` can both use them
without either importing the other. The session commits when the route returns and
before the response is sent (scope "function"), so a client that got a 2xx can rely on
the write being durable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import SessionMaker
from core.hashing import KeyedHasher
from core.passwords import PasswordHashing
from core.settings import Settings
from core.storage import AsyncMediaStorage

_T = TypeVar("_T")

# Every dependency here is `async def` though none awaits: FastAPI runs a plain `def`
# dependency in a worker thread, a thread hop per dependency per request.


def app_state(request: Request, name: str, kind: type[_T]) -> _T:
    """The service the app's lifespan put on `app.state` under `name`, checked to be a
    `kind` (Starlette's `State` holds untyped attributes)."""
    value = getattr(request.app.state, name)
    if not isinstance(value, kind):
        raise TypeError(f"app.state.{name} is a {type(value).__name__}, not a {kind.__name__}")
    return value


async def _settings(request: Request) -> Settings:
    return app_state(request, "settings", Settings)


async def _hasher(request: Request) -> KeyedHasher:
    return app_state(request, "hasher", KeyedHasher)


async def _passwords(request: Request) -> PasswordHashing:
    return app_state(request, "passwords", PasswordHashing)


async def _storage(request: Request) -> AsyncMediaStorage:
    return app_state(request, "storage", AsyncMediaStorage)


def _sessionmaker_of(request: Request) -> SessionMaker:
    return app_state(request, "sessionmaker", async_sessionmaker)


async def _sessionmaker(request: Request) -> SessionMaker:
    return _sessionmaker_of(request)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with _sessionmaker_of(request)() as session:
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
# For work that commits on its own, e.g. a failed login's count, kept though the request fails.
SessionMakerDep = Annotated[SessionMaker, Depends(_sessionmaker)]
