"""Property-based fuzzing of every documented operation against a live server.

Schemathesis generates requests from our own OpenAPI document, valid and invalid ones
(its examples, coverage and fuzzing phases), with real credentials (an admin's token, a
hub key with every scope, a reporter's receipt) so authenticated routes are exercised
beyond the 401. The server runs as `serve` runs it. Every answer must match the document:

- no 5xx (`not_a_server_error`);
- a status the operation documents, a documented content type, the documented headers
  and a body that validates against the documented schema (`status_code_conformance`,
  `content_type_conformance`, `response_headers_conformance`,
  `response_schema_conformance`), and an `Allow` naming the path's methods on a 405;
- a request the document says is invalid is refused (`negative_data_rejection`), a
  missing required header too (`missing_required_header`), a method the path has not
  is a 405 (`unsupported_method`), and credentials are checked (`ignored_auth`);
- every error is problem+json.

Budget: 25 examples per operation for the fuzzing phase, derandomized so CI runs the same
cases every time: about 3,800 requests over the 42 operations, 2 to 4 minutes on a loaded
2-core machine. Fuzzes a live server for minutes: slow, excluded by `make test-fast`.
Each operation is a test of its own under pytest-xdist too (`make test`): see the hook in
tests/api/conftest.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from api.app import create_app
from tests.conftest import fresh_pg_database, make_settings
from tests.factories import new_report
from tests.live_server import make_accounts, serving

pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    allow_header_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    ignored_auth,
]


@schemathesis.serializer("application/offset+octet-stream")
def _tus_chunk(ctx, value) -> bytes:
    """PATCH /v1/uploads/{id} bodies (tus) are raw bytes."""
    return value if isinstance(value, bytes) else str(value).encode()


schema = schemathesis.openapi.from_dict(create_app(make_settings(Path("var"), None)).openapi())


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    with fresh_pg_database() as url:
        settings = make_settings(
            tmp_path_factory.mktemp("fuzz"), url, rate_limit_hub="100000/minute"
        )
        with serving(create_app(settings), settings) as server:
            base = f"http://127.0.0.1:{server.config.port}"
            accounts = asyncio.run(make_accounts(settings, base, "fuzz"))
            receipt = httpx.post(f"{base}/v1/reports", json=new_report()).json()["receipt"]
            yield (
                base,
                {
                    "/v1/moderation": f"Bearer {accounts.moderator_token}",
                    "/v1/hub": f"Bearer {accounts.hub_key}",
                    "/v1/reports/mine": f"Receipt {receipt}",
                },
            )


def _credentials(case, credentials: dict[str, str]) -> dict[str, str]:
    """Our credentials for the case's path, unless the case is one without them on purpose
    (a negative case whose headers lack `Authorization`): adding them would make it valid."""
    sent = {name.lower() for name in case.headers or {}}
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if headers is not None and headers.mode.is_negative and "authorization" not in sent:
        return {}
    for prefix, value in credentials.items():
        if case.path == prefix or case.path.startswith(prefix + "/"):
            return {"Authorization": value}
    return {}


def _problem_json_on_errors(response) -> None:
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), (
            response.status_code,
            content_type,
        )


@schema.parametrize()
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_every_answer_matches_the_document(case, live):
    base, credentials = live
    response = case.call(base_url=base, headers=_credentials(case, credentials))
    case.validate_response(response, checks=CHECKS, additional_checks=[])
    _problem_json_on_errors(response)
