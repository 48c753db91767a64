"""Secrets at rest are stored only as hashes: keyed hashes for tokens (here), argon2 for
passwords (`core.passwords`).

Tokens (receipts, bearer tokens, API keys, idempotency keys) are high-entropy, so a keyed
HMAC is enough and lets us look them up by equality; a stolen database without the key
reveals nothing and cannot be brute-forced offline.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from core.files import make_private_dir
from core.settings import Settings


class KeyedHasher:
    """HMAC-SHA256 with a purpose label, so a hash made for one use never matches another."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, purpose: str, value: str) -> str:
        return self.derive(purpose, value).hex()

    def derive(self, purpose: str, value: str) -> bytes:
        """Raw keyed bytes, for values that must be re-creatable (e.g. a receipt on retry)."""
        # hmac.digest: the one-shot C implementation, a few times quicker than hmac.new.
        return hmac.digest(self._key, f"{purpose}\x00{value}".encode(), hashlib.sha256)


def new_token(prefix: str = "") -> str:
    """A random bearer token or API key (256 bits)."""
    return prefix + secrets.token_urlsafe(32)


def load_secret_key(settings: Settings) -> bytes:
    """The configured key, or one generated once into the data folder (mode 0600)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / "secret.key"
    return _read_or_create_key(path.resolve())


@lru_cache
def _read_or_create_key(path: Path) -> bytes:
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by a process starting at the same moment
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def keyed_hasher(settings: Settings) -> KeyedHasher:
    return KeyedHasher(load_secret_key(settings))
