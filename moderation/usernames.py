"""Usernames: one normal form wherever a name is typed (stored, looked up, throttled)."""

from __future__ import annotations

import re
import unicodedata

from moderation.errors import InvalidUsername

USERNAME_RULE = "1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def normalise_username(typed: str) -> str:
    """Unicode NFKC, trimmed, lower case: the form a username is stored and looked up in."""
    return unicodedata.normalize("NFKC", typed).strip().lower()


def could_be_username(name: str) -> bool:
    """Whether a normal-form name could belong to an account at all, new or made before
    names had a rule (`ana@ngo.org`). A typed name that could not (empty, a NUL, over 64
    characters) is never looked up: it is an unknown account."""
    return 0 < len(name) <= 64 and "\x00" not in name


def checked_username(typed: str) -> str:
    """The normal form of a new username, or `InvalidUsername`."""
    name = normalise_username(typed)
    if not _USERNAME.fullmatch(name):
        raise InvalidUsername(f"A username is {USERNAME_RULE}.")
    return name
