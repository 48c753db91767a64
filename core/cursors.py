"""Opaque paging cursors: a short text of the position, base64url without padding.

The hub feed, the moderation queue and the approvals waiting for a lead each put their
own position in one (with a head naming the kind and version) and check it on the way
back: a cursor is opaque to clients, never signed, and anything that does not decode to a
position is refused as a 422.

Lists ordered by a time and then an id (the queue, the waiting approvals) share one form
of position, `Keyset`: `<head>:<time in UTC>:<id>`, read back whole or not at all.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str | None:
    """The position text inside `cursor`, or None if it is not a cursor at all."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None


@dataclass(frozen=True)
class Keyset:
    """A row's place in an order by (time, id): `head` names the kind of list and its
    version, and holds whatever else the place needs (the queue's section)."""

    head: str
    moment: datetime
    id: uuid.UUID


_KEYSET = re.compile(r"([a-z0-9:]{1,20}):([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,15}):([0-9a-f]{32})")


def encode_keyset(place: Keyset) -> str:
    moment = place.moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    return encode_cursor(f"{place.head}:{moment}:{place.id.hex}")


def decode_keyset(cursor: str) -> Keyset | None:
    """The place inside `cursor`, or None if it holds none (its head is the caller's to
    check)."""
    match = _KEYSET.fullmatch(decode_cursor(cursor) or "")
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(match[2]).replace(tzinfo=UTC)
    except ValueError:
        return None
    return Keyset(match[1], moment, uuid.UUID(hex=match[3]))


def after(
    place: Keyset, moment: sa.Column[datetime], row_id: sa.Column[uuid.UUID]
) -> sa.ColumnElement[bool]:
    """The rows after `place` in the order by (`moment`, `row_id`), as one row comparison:
    an ascending range scan of an index on both columns, from the place on."""
    return sa.tuple_(moment, row_id) > sa.tuple_(
        sa.literal(place.moment, moment.type), sa.literal(place.id, row_id.type)
    )
