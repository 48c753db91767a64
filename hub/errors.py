"""Errors the hub client can meet."""

from core.errors import InvalidInput, Unauthorized


class InvalidHubKey(Unauthorized):
    slug = "invalid-hub-key"
    title = "Missing or unknown hub API key"


class InvalidCursor(InvalidInput):
    slug = "invalid-cursor"
    title = "The cursor is not one this feed gave out"
