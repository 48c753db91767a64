"""Liveness and readiness for operators and orchestrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from migrations.runner import current_revision, head_revision
from translation import Translator, get_translator

router = APIRouter(tags=["ops"])


class Health(BaseModel):
    """The liveness answer."""

    status: str = Field(description="Always `ok`: the process is up.", examples=["ok"])


class TranslationCatalogue(BaseModel):
    """What can be translated now (documentation of the readiness body)."""

    into: str = Field(description="The team's language (ISO 639 code).", examples=["en"])
    from_: list[str] = Field(
        alias="from", description="Languages that can be translated into it now."
    )
    models: list[str] = Field(
        description="Installed translation models, `source->target`.", examples=[["es->en"]]
    )


class Readiness(BaseModel):
    """The readiness answer (documentation only; the route builds it by hand)."""

    status: str = Field(description="`ready` or `not ready`.")
    checks: dict[str, str] = Field(
        description="`database`, `migrations` and `secret_key` (this process holds the "
        "key the database was set up with): `ok`, or why not (never a secret)."
    )
    translation: TranslationCatalogue = Field(
        description="Informational; never a reason to be unready."
    )


@router.get("/healthz", operation_id="checkHealth")
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


def translation_catalogue(translator: Translator) -> dict[str, Any]:
    """What can be translated now; informational, never a reason to be unready."""
    return {
        "into": translator.target_language,
        "from": translator.sources_into(translator.target_language),
        "models": [f"{source}->{target}" for source, target in translator.available_languages()],
    }


@router.get(
    "/readyz",
    operation_id="checkReadiness",
    responses={
        200: {"model": Readiness, "description": "Ready"},
        503: {
            "model": Readiness,
            "description": "Not ready; `checks` says why (plain JSON, not problem+json)",
        },
    },
)
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers, its schema is at the latest migration, and this
    process's secret key is the one the database was set up with."""
    checks: dict[str, Any] = {}
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            current = await current_revision(connection)
        checks["database"] = "ok"
        head = head_revision()
        checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
    except Exception as error:  # readiness must answer, whatever the database does
        checks["database"] = f"unreachable ({type(error).__name__})"
    checks["secret_key"] = request.app.state.key_check.state.value
    ready = all(value == "ok" for value in checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "translation": translation_catalogue(get_translator(request.app.state.settings)),
    }
    return JSONResponse(body, status_code=200 if ready else 503)
