"""Secrets that must be read back (a TOTP seed, a webhook secret) and unsanitised bytes
that must leave the process (partial resumable uploads kept in a shared bucket), stored
encrypted.

AES-256-GCM with a key derived from the server's secret key for one purpose, and a
context (the row's identity; for a piece of an upload, the upload and the piece's place in
it) as associated data, so a sealed value copied to another row, another place or another
purpose does not open. A stolen database or bucket without the key reveals nothing.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.hashing import KeyedHasher

_VERSION = "v1"
_NONCE_BYTES = 12
_TAG_BYTES = 16
#: How many bytes sealing adds to what it seals (the nonce in front, the tag behind).
SEAL_OVERHEAD = _NONCE_BYTES + _TAG_BYTES


class Unsealable(Exception):
    """A sealed value that does not open with this key and context (wrong key or row)."""


class Sealer:
    """Seal and open short strings, or bytes, under one purpose's key."""

    def __init__(self, hasher: KeyedHasher, purpose: str) -> None:
        self._aead = AESGCM(hasher.derive("sealing-key", purpose))

    def seal_bytes(self, plaintext: bytes, context: str) -> bytes:
        """`nonce ‖ ciphertext ‖ tag`: `SEAL_OVERHEAD` bytes longer than `plaintext`."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def open_bytes(self, sealed: bytes, context: str) -> bytes:
        try:
            return self._aead.decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context.encode()
            )
        except (InvalidTag, ValueError):
            raise Unsealable() from None

    def seal(self, plaintext: str, context: str) -> str:
        sealed = self.seal_bytes(plaintext.encode(), context)
        return f"{_VERSION}:{base64.urlsafe_b64encode(sealed).decode()}"

    def open(self, sealed: str, context: str) -> str:
        version, _, body = sealed.partition(":")
        if version != _VERSION:
            raise Unsealable()
        try:
            raw = base64.urlsafe_b64decode(body.encode())
        except ValueError:
            raise Unsealable() from None
        return self.open_bytes(raw, context).decode()
