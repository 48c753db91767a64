"""Moderators' passwords, stored only as argon2id hashes.

The cost comes from settings (production defaults are argon2-cffi's recommended ones;
tests use a low cost so a login takes milliseconds). Hashing and verifying run in a worker
thread: a burst of logins, failed or not, must never stall the event loop that serves
intake and the in-process worker.
"""

from __future__ import annotations

import asyncio
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.settings import Settings


class PasswordHashing:
    """argon2id hashing and verification with one configured cost."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHashing:
        return cls(
            settings.password_hash_time_cost,
            settings.password_hash_memory_kib,
            settings.password_hash_parallelism,
        )

    @cached_property
    def _dummy_hash(self) -> str:
        """Verified against when an account does not exist, so that answer takes as long.

        Made on first use, not on import: building it costs a full hash."""
        return self._hasher.hash("not-a-real-password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; takes the same work whether or not the account exists."""
        return await asyncio.to_thread(self._matches, password_hash, password)

    def _matches(self, password_hash: str | None, password: str) -> bool:
        try:
            # The dummy hash, made on first use, is made here too: off the event loop.
            return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False
