"""Time in one place: timezone-aware UTC, and the coarse timestamps that protect reporters."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC now; every stored timestamp comes from here."""
    return datetime.now(UTC)


def to_the_minute(moment: datetime) -> datetime:
    """Drop seconds so a stored submission time cannot be matched to a network log entry."""
    return moment.replace(second=0, microsecond=0)
