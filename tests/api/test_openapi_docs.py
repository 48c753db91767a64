"""The OpenAPI document is complete and truthful enough to generate the app's client from.

Every field is described, names are clean, every error is documented as the
problem+json the server really answers, and the examples are valid inputs and outputs.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import api.health
import api.responses
import hub.schemas
import intake.schemas
import moderation.schemas
from api.app import create_app
from tests.conftest import make_settings

PROBLEM_JSON = "application/problem+json"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# The readiness probe answers its own plain JSON for 503, for orchestrators, not clients.
NOT_PROBLEM_JSON = {("get", "/readyz", "503")}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document as served at /openapi.json (no lifespan needed to build it)."""
    app = create_app(make_settings(tmp_path_factory.mktemp("openapi"), None))

    async def fetch() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get("/openapi.json")).raise_for_status().json()

    return asyncio.run(fetch())


def _schemas(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"]


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for module in (intake.schemas, moderation.schemas, hub.schemas, api.responses, api.health):
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseModel) and value.__module__ == module.__name__:
                found[value.__name__] = value
    return found


def test_the_document_is_valid_openapi_3_1(spec):
    import openapi_spec_validator as validator  # installed with schemathesis

    assert spec["openapi"].startswith("3.1")
    validator.validate(spec)


def test_every_property_of_every_schema_is_described(spec):
    missing = {
        name: [
            field
            for field, definition in schema.get("properties", {}).items()
            if not definition.get("description")
        ]
        for name, schema in _schemas(spec).items()
    }
    assert {name: fields for name, fields in missing.items() if fields} == {}


def test_component_names_are_clean_for_generated_clients(spec):
    assert [name for name in _schemas(spec) if "__" in name] == []
    assert "ReporterMessage" in _schemas(spec)
    assert "MessageOut" in _schemas(spec)


def test_fastapis_validation_error_shapes_are_gone(spec):
    assert "HTTPValidationError" not in _schemas(spec)
    assert "ValidationError" not in _schemas(spec)
    assert not [
        ref for ref in _refs(spec) if ref.endswith(("/HTTPValidationError", "/ValidationError"))
    ]


def test_every_ref_resolves(spec):
    assert {
        ref
        for ref in _refs(spec)
        if ref.removeprefix("#/components/schemas/") not in _schemas(spec)
    } == set()


def test_report_in_has_examples(spec):
    report_in = _schemas(spec)["ReportIn"]
    assert report_in.get("examples")
    body = spec["paths"]["/v1/reports"]["post"]["requestBody"]["content"]["application/json"]
    assert body.get("examples")


@pytest.mark.parametrize(
    "name",
    [
        "ReportIn",
        "LocationIn",
        "ReportAccepted",
        "ReporterView",
        "ReporterMessage",
        "ReplyIn",
        "LoginIn",
        "TokenOut",
        "IncidentFieldsIn",
        "IncidentOut",
        "FeedPage",
        "QueueItem",
        "ReportDetail",
        "ValidationProblem",
    ],
)
def test_main_bodies_have_examples(spec, name):
    assert _schemas(spec)[name].get("examples"), name


def test_examples_are_valid_for_their_models(spec):
    """An example a client author copies must be accepted (inputs) or be what the server
    could answer (outputs): validated by the very models the server uses."""
    models = _models()
    checked = 0
    for name, schema in _schemas(spec).items():
        for example in schema.get("examples", []):
            assert name in models, f"no model named {name} for its example"
            models[name].model_validate(example)
            checked += 1
    for example in spec["paths"]["/v1/reports"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"].values():
        intake.schemas.ReportIn.model_validate(example["value"])
        checked += 1
    assert checked >= 15


def test_every_error_is_documented_as_problem_json(spec):
    wrong = []
    for method, path, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status[0] not in "45" or (method, path, status) in NOT_PROBLEM_JSON:
                continue
            content = response.get("content", {})
            if set(content) != {PROBLEM_JSON}:
                wrong.append((method, path, status, sorted(content)))
                continue
            expected = "ValidationProblem" if status == "422" else "Problem"
            if content[PROBLEM_JSON]["schema"] != {"$ref": f"#/components/schemas/{expected}"}:
                wrong.append((method, path, status, content[PROBLEM_JSON]["schema"]))
    assert wrong == []


def test_validation_problem_lists_the_fields(spec):
    schemas = _schemas(spec)
    problem = schemas["ValidationProblem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])
    assert problem["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert set(schemas["FieldError"]["required"]) == {"loc", "msg", "type"}


def test_every_operation_with_input_documents_its_422(spec):
    for method, path, operation in _operations(spec):
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in operation["responses"], (method, path)


def test_every_operation_and_parameter_is_described(spec):
    for method, path, operation in _operations(spec):
        assert operation.get("description") or operation.get("summary"), (method, path)
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (method, path, parameter["name"])


def test_the_served_document_is_the_one_the_app_builds(spec):
    app = create_app(make_settings(Path("var"), None))
    assert app.openapi() == spec
