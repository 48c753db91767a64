"""Small secrets that must be read back (a TOTP seed), stored encrypted.

AES-256-GCM with a key derived from the server's secret key for one purpose, and the
row's identity as associated data, so a sealed value copied to another row or another
purpose does not open. A stolen database without the key reveals nothing.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.hashing import KeyedHasher

_VERSION = "v1"
_NONCE_BYTES = 12


class Unsealable(Exception):
    """A sealed value that does not open with this key and context (wrong key or row)."""


class Sealer:
    """Seal and open short strings under one purpose's key."""

    def __init__(self, hasher: KeyedHasher, purpose: str) -> None:
        self._aead = AESGCM(hasher.derive("sealing-key", purpose))

    def seal(self, plaintext: str, context: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, context: str) -> str:
        version, _, body = sealed.partition(":")
        if version != _VERSION:
            raise Unsealable()
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            plaintext = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError):
            raise Unsealable() from None
        return plaintext.decode()
