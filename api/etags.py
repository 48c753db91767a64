"""Entity tags for pages a client polls: a hash of the exact bytes, so a page whose
content changed (a retraction scrubs earlier versions) never matches an old tag."""

from __future__ import annotations

import hashlib


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 If-None-Match: `*`, or a list of tags compared weakly (W/ ignored)."""
    if not if_none_match:
        return False
    candidates = [part.strip().removeprefix("W/") for part in if_none_match.split(",")]
    return "*" in candidates or tag in candidates
