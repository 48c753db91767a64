"""The incident's JSON Schema (draft 2020-12), made from the models that build the feed,
so the published schema and the items can never drift apart. The same text is kept in
`docs/hub/incident.schema.json` (a test checks they are equal)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from hub.schemas import SCHEMA_VERSION, IncidentOut

SCHEMA_ID = f"urn:stop-intake:hub:incident:{SCHEMA_VERSION}"


@cache
def incident_schema() -> dict[str, Any]:
    schema = IncidentOut.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"STOP intake incident, schema {SCHEMA_VERSION}",
        **schema,
    }


@cache
def incident_schema_json() -> bytes:
    return (json.dumps(incident_schema(), indent=2, ensure_ascii=False) + "\n").encode()


if __name__ == "__main__":  # python -m hub.json_schema > docs/hub/incident.schema.json
    import sys

    sys.stdout.buffer.write(incident_schema_json())
