"""OpenAPI descriptions of problem+json answers, so generated clients know every error.

`Problem`, `ValidationProblem` and `FieldError` are documentation only: the bodies are
built in api/errors.py. They live in the spec's components (see api/openapi.py), and
every documented error answer refers to them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.errors import PROBLEM_JSON

_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "Not allowed for this role",
    404: "No such resource",
    409: "Conflicts with the current state",
    412: "Precondition failed (tus: `Tus-Resumable` is not 1.0.0)",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input; `errors` lists the fields",
    423: "Locked: another request is writing to this upload",
    429: "Too many requests; see Retry-After",
    503: "Unavailable for now (the database or media storage is down, or not ready); "
    "retry the same request after Retry-After",
}

_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with (`Bearer` or `Receipt`), where "
            "one applies.",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}
_HEADERS[503] = _HEADERS[429]


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every error answer (`application/problem+json`).

    Switch on `type`, never on `title` or `detail`. Some problems add members of their own."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:stop-intake:problem:receipt-not-recognised",
                    "title": "Receipt not recognised",
                    "status": 401,
                    "detail": "Receipt not recognised",
                }
            ]
        }
    )

    type: str = Field(
        description="Stable URN naming the problem, `urn:stop-intake:problem:<slug>`; never "
        "changes once published.",
        examples=["urn:stop-intake:problem:validation-error"],
    )
    title: str = Field(description="Short English summary of the problem type.")
    status: int = Field(description="The HTTP status code, repeated.", examples=[422])
    detail: str | None = Field(
        default=None,
        description="English explanation of this occurrence; never echoes submitted content.",
    )


class FieldError(BaseModel):
    """One field that failed validation. The submitted value is never echoed."""

    loc: list[str] = Field(
        description="Where the field is: the part of the request (`body`, `query`, `path`, "
        "`header`) where known, then the field path; list indices as strings.",
        examples=[["body", "location", "latitude"]],
    )
    msg: str = Field(
        description="English message for a developer.",
        examples=["Input should be less than or equal to 90"],
    )
    type: str = Field(
        description="Machine-readable error type (pydantic's), e.g. `missing`, "
        "`extra_forbidden`, `string_too_long`.",
        examples=["less_than_equal"],
    )


class ValidationProblem(Problem):
    """The 422 problem: the request is well formed but not valid; `errors` lists why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:stop-intake:problem:validation-error",
                    "title": "The request is not valid",
                    "status": 422,
                    "detail": "See `errors` for each field that needs fixing.",
                    "errors": [
                        {
                            "loc": ["body", "location", "latitude"],
                            "msg": "Input should be less than or equal to 90",
                            "type": "less_than_equal",
                        }
                    ],
                }
            ]
        }
    )

    errors: list[FieldError] = Field(
        default_factory=list,
        description="Each failing field. Absent in a 422 that is not about a field, e.g. a "
        "`client_id` reused with different content.",
    )


PROBLEM_MODELS: tuple[type[BaseModel], ...] = (Problem, FieldError, ValidationProblem)


def problem_response(code: int) -> dict[str, Any]:
    """The OpenAPI response object of one error status."""
    model = ValidationProblem if code == 422 else Problem
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS.get(code, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
    }
    if code in _HEADERS:
        response["headers"] = _HEADERS[code]
    return response


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {code: problem_response(code) for code in statuses}
