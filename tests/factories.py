"""Builders for request bodies the tests send."""

from __future__ import annotations

import uuid
from typing import Any

DEFAULT_REPORT_TEXT = "Five women are locked in the workshop on 8th street and cannot leave."


def new_report(**fields: Any) -> dict[str, Any]:
    """A valid text report with a fresh client id; override any field."""
    body: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "text": DEFAULT_REPORT_TEXT,
        "locale": "en-US",
    }
    body.update(fields)
    return body


def incident_fields(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "Five women reportedly locked inside a workshop.",
        "exploitation_types": {"ForcedLabour": "yes", "SexualExploitation": "no"},
        "events": [{"type": "Exploitation", "place": "cell", "country": "MX"}],
    }
    body.update(fields)
    return body
