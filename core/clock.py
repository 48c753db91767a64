"""Time in one place: timezone-aware UTC (coarsening lives in `core.anonymity`)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC now; every stored timestamp comes from here."""
    return datetime.now(UTC)
