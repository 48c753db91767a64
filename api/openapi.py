"""The OpenAPI document, plus the schemas of bodies that routes read by hand.

`POST /v1/reports` reads its body itself (JSON or streamed multipart), so FastAPI cannot
see its model; it is added to the components here so generated clients get it. So are the
problem+json shapes of errors (api/responses.py).

FastAPI documents a 422 of its own (`HTTPValidationError`, as `application/json`) on every
route with parameters, but this API answers 422 as problem+json (api/errors.py). The
document is corrected here: every 422 refers to `ValidationProblem`, and FastAPI's shapes
are removed from the components.

The queue's filters take a blank value as "no filter" (the console's filter form is a GET
form that sends every field, blank or not): the document says so, so that clients and
schemathesis know a blank `received_to=` is accepted rather than refused.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from api.responses import PROBLEM_MODELS, problem_response

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
#: Operations whose query parameters take a blank value as "no filter".
_BLANK_MEANS_ANY = ("listQueue",)
_BLANK = {"type": "string", "pattern": r"^\s*$", "description": "Blank: no filter."}


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for path_item in schema.get("paths", {}).values()
        for method, operation in path_item.items()
        if method in _METHODS
    ]


def _add_models(components: dict[str, Any], models: list[type[BaseModel]]) -> None:
    for model in models:
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in model_schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components[model.__name__] = model_schema


def _problem_json_validation_errors(schema: dict[str, Any]) -> None:
    """Make every 422 say what the server answers: a problem+json `ValidationProblem`."""
    for operation in _operations(schema):
        responses = operation.get("responses", {})
        if "422" in responses:
            responses["422"] = problem_response(422)
    components = schema.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        definition = components.pop(name, None)
        if definition is not None and f"#/components/schemas/{name}" in json.dumps(schema):
            components[name] = definition  # still used somewhere: keep the document valid


def _or_blank(parameter_schema: dict[str, Any]) -> dict[str, Any]:
    alternatives = parameter_schema.pop("anyOf", None) or [dict(parameter_schema)]
    kept = {k: v for k, v in parameter_schema.items() if k in ("title", "description")}
    return {"anyOf": [*alternatives, _BLANK], **kept}


def _blank_means_any(schema: dict[str, Any]) -> None:
    """Say, in the query parameters of `_BLANK_MEANS_ANY`, that a blank value is accepted."""
    for operation in _operations(schema):
        if operation.get("operationId") not in _BLANK_MEANS_ANY:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            if parameter["schema"].get("type") == "array":
                items = parameter["schema"]["items"]
                parameter["schema"]["items"] = {"anyOf": [items, _BLANK]}
            else:
                parameter["schema"] = _or_blank(parameter["schema"])


def install_openapi(app: FastAPI, extra_models: list[type[BaseModel]]) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        _add_models(components, [*extra_models, *PROBLEM_MODELS])
        _problem_json_validation_errors(schema)
        _blank_means_any(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
