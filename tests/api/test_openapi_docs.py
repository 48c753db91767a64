"""The OpenAPI document is complete and truthful enough to generate the app's client from.

Every field is described, names are clean, every error is documented as the
problem+json the server really answers, and the examples are valid inputs and outputs.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import api
import api.health
import api.responses
import hub.fields
import hub.schemas
import intake.schemas
import moderation.redaction_schemas
import moderation.schemas
from api.app import create_app
from tests.conftest import make_settings

PROBLEM_JSON = "application/problem+json"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# The readiness probe answers its own plain JSON for 503, for orchestrators, not clients.
NOT_PROBLEM_JSON = {("get", "/readyz", "503")}
# Generated clients name their functions after these (submitReport → submit_report):
# renaming one breaks the STOP APP's client, so they are part of the contract.
OPERATION_IDS = {
    ("post", "/v1/reports"): "submitReport",
    ("get", "/v1/reports/mine"): "getMyReport",
    ("post", "/v1/reports/mine/messages"): "replyToModerators",
    ("post", "/v1/reports/mine/withdraw"): "withdrawMyReport",
    ("options", "/v1/uploads"): "getUploadCapabilities",
    ("post", "/v1/uploads"): "createUpload",
    ("head", "/v1/uploads/{upload_id}"): "getUploadOffset",
    ("patch", "/v1/uploads/{upload_id}"): "appendToUpload",
    ("delete", "/v1/uploads/{upload_id}"): "cancelUpload",
    ("post", "/v1/auth/login"): "login",
    ("post", "/v1/auth/logout"): "logout",
    ("get", "/v1/moderation/queue"): "listQueue",
    ("get", "/v1/moderation/reports/{report_id}"): "getReport",
    ("get", "/v1/moderation/media/{media_id}"): "getMedia",
    ("post", "/v1/moderation/reports/{report_id}/claim"): "claimReport",
    ("post", "/v1/moderation/reports/{report_id}/release"): "releaseReport",
    ("post", "/v1/moderation/reports/{report_id}/approve"): "approveReport",
    ("post", "/v1/moderation/reports/{report_id}/reject"): "rejectReport",
    ("post", "/v1/moderation/reports/{report_id}/messages"): "askReporter",
    ("post", "/v1/moderation/reports/{report_id}/undo"): "undoDecision",
    ("get", "/v1/moderation/reports/{report_id}/duplicates"): "listDuplicateSuggestions",
    ("post", "/v1/moderation/reports/{report_id}/merge"): "mergeReport",
    ("post", "/v1/moderation/bulk"): "bulkModerate",
    ("get", "/v1/moderation/reports/{report_id}/redaction-suggestions"): "listRedactionSuggestions",
    ("post", "/v1/moderation/reports/{report_id}/redactions"): "createRedaction",
    ("delete", "/v1/moderation/reports/{report_id}/redactions/{redaction_id}"): "removeRedaction",
    ("post", "/v1/moderation/reports/{report_id}/reassign"): "reassignReport",
    ("post", "/v1/moderation/reports/{report_id}/reopen"): "reopenReport",
    ("post", "/v1/moderation/reports/{report_id}/correct"): "correctIncident",
    ("post", "/v1/moderation/reports/{report_id}/retract"): "retractIncident",
    ("post", "/v1/moderation/reports/{report_id}/confirm"): "confirmApproval",
    ("post", "/v1/moderation/reports/{report_id}/send-back"): "sendBackApproval",
    ("get", "/v1/moderation/audit"): "listAuditEvents",
    ("get", "/v1/moderation/audit/export"): "exportAuditEvents",
    ("get", "/v1/hub/incidents"): "listIncidents",
    ("get", "/v1/hub/schema"): "getIncidentSchema",
    ("get", "/v1/hub/aggregates"): "getAggregates",
    ("get", "/v1/hub/export"): "exportIncidents",
    ("get", "/v1/hub/media/{media_id}/url"): "getSharedMediaLink",
    ("get", "/v1/hub/media/{media_id}"): "downloadSharedMedia",
    ("get", "/healthz"): "checkHealth",
    ("get", "/readyz"): "checkReadiness",
}
_CAMEL_CASE = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]+)*")
GENERATOR_CONFIG = Path(api.__file__).parent / "openapi-python-client.yaml"


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
    modules = (
        intake.schemas,
        moderation.schemas,
        moderation.redaction_schemas,
        hub.fields,
        hub.schemas,
    )
    for module in (*modules, api.responses, api.health):
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


def _looks_generated(operation_id: str) -> bool:
    """FastAPI's own ids are `{function}{path}_{method}`, e.g. `submit_v1_reports_post`."""
    return (
        "_v1_" in operation_id
        or operation_id.endswith(tuple(f"_{method}" for method in METHODS))
        or not _CAMEL_CASE.fullmatch(operation_id)
    )


@pytest.mark.parametrize(
    "operation_id", ["submit_v1_reports_post", "healthz_healthz_get", "submit_report", "Submit"]
)
def test_auto_generated_operation_ids_are_recognised(operation_id):
    assert _looks_generated(operation_id)


def test_every_operation_id_is_readable_camel_case_and_unique(spec):
    """Give every route an explicit `operation_id=`: FastAPI's default leaks into clients."""
    ids = [operation.get("operationId", "") for _, _, operation in _operations(spec)]
    assert [operation_id for operation_id in ids if _looks_generated(operation_id)] == []
    assert sorted({operation_id for operation_id in ids if ids.count(operation_id) > 1}) == []


def test_operation_ids_are_stable(spec):
    assert {(method, path): op["operationId"] for method, path, op in _operations(spec)} == (
        OPERATION_IDS
    )


def _snake_case(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


@pytest.mark.slow  # starts the generator as a process (a second or two)
def test_openapi_python_client_generates_every_operation_without_warnings(spec, tmp_path):
    """What README promises the STOP APP team: the client generates cleanly, every
    operation included, with the options in api/openapi-python-client.yaml."""
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    bin_dir = Path(sys.executable).parent  # the venv's ruff formats the generated code
    command = ["generate", "--path", "openapi.json", "--output-path", "client"]
    command += ["--config", str(GENERATOR_CONFIG), "--fail-on-warning"]
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", *command],
        cwd=tmp_path,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert (result.returncode, output) == (0, ["Generating client"])
    package = tmp_path / "client" / "stop_intake_client"
    generated = {path.stem for path in (package / "api").rglob("*.py")} - {"__init__"}
    assert generated == {_snake_case(operation_id) for operation_id in OPERATION_IDS.values()}
