"""The OpenAPI document, plus the schemas of bodies that routes read by hand.

`POST /v1/reports` reads its body itself (JSON or streamed multipart), so FastAPI cannot
see its model; it is added to the components here so generated clients get it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel


def install_openapi(app: FastAPI, extra_models: list[type[BaseModel]]) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in extra_models:
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in model_schema.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components[model.__name__] = model_schema
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
