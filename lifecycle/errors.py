"""Errors of the report's life cycle, shared by the reporter's side and moderation."""

from __future__ import annotations

from core.errors import Conflict


class InvalidTransition(Conflict):
    slug = "invalid-transition"
    title = "The report is not in a state that allows this"
