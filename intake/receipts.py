"""Receipts: the passphrase a reporter writes down to follow their report anonymously.

Six words from the EFF long word list (about 77 bits), kinder to remember than digits.
The receipt is derived from the app's `client_id` with the server's key, so a retry of
the same submission gets the same receipt back while the database stores only a keyed
hash of it (and of the client id): a stolen database can't be used to read any report.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from pathlib import Path

from xkcdpass import xkcd_password

from core.hashing import KeyedHasher

RECEIPT_WORDS = 6
_SEPARATORS = re.compile(r"[\s\-_.,;:]+")


@lru_cache
def wordlist() -> tuple[str, ...]:
    """The EFF long list, sorted (stable order), without the few words holding a hyphen."""
    path = Path(xkcd_password.locate_wordfile("eff-long"))
    words = {line.split()[-1] for line in path.read_text().splitlines() if line.strip()}
    return tuple(sorted(word for word in words if word.isalpha() and word.isascii()))


def receipt_for(hasher: KeyedHasher, client_id: uuid.UUID) -> str:
    """The receipt of one submission: always the same for the same client id and key."""
    words = wordlist()
    limit = len(words) * (65536 // len(words))  # reject the tail so every word is equally likely
    chosen: list[str] = []
    counter = 0
    while len(chosen) < RECEIPT_WORDS:
        block = hasher.derive("receipt", f"{client_id}:{counter}")
        for offset in range(0, len(block), 2):
            value = int.from_bytes(block[offset : offset + 2], "big")
            if value < limit and len(chosen) < RECEIPT_WORDS:
                chosen.append(words[value % len(words)])
        counter += 1
    return "-".join(chosen)


def normalize_receipt(text: str) -> str:
    """Accept what a person types: any case, spaces or hyphens between the words."""
    return "-".join(part for part in _SEPARATORS.split(text.strip().lower()) if part)


def receipt_hash(hasher: KeyedHasher, receipt: str) -> str:
    return hasher.digest("receipt-lookup", normalize_receipt(receipt))


def client_id_hash(hasher: KeyedHasher, client_id: uuid.UUID) -> str:
    return hasher.digest("client-id", str(client_id))
