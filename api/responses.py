"""OpenAPI descriptions of problem+json answers, so generated clients know every error."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "Not allowed for this role",
    404: "No such resource",
    409: "Conflicts with the current state",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input; `errors` lists the fields",
    429: "Too many requests; see Retry-After",
    503: "Not ready",
}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["urn:stop-intake:problem:validation-error"])
    title: str
    status: int
    detail: str | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {
            "description": _DESCRIPTIONS.get(code, "Error"),
            "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
        }
        for code in statuses
    }
