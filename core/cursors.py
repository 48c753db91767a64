"""Opaque paging cursors: a short text of the position, base64url without padding.

The hub feed and the moderation queue each put their own position in one (with a prefix
naming the kind and version) and check it on the way back: a cursor is opaque to clients,
never signed, and anything that does not decode to a position is refused as a 422.
"""

from __future__ import annotations

import base64
import binascii


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str | None:
    """The position text inside `cursor`, or None if it is not a cursor at all."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
