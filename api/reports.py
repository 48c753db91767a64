"""The reporter's surface: submit a report, follow it with the receipt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status

from api.deps import (
    AppCheckDep,
    HasherDep,
    SessionDep,
    SettingsDep,
    StorageDep,
    rate_limited,
)
from api.responses import problem_responses
from intake import followup, submission
from intake.errors import ReceiptNotRecognised
from intake.schemas import MessageOut, ReplyIn, ReportAccepted, ReporterView
from models.report import Report

router = APIRouter(prefix="/v1/reports", tags=["reports"])


_REPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ReportIn"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["report"],
                "properties": {
                    "report": {"$ref": "#/components/schemas/ReportIn"},
                    "media": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "Photos, videos, voice notes; each is sanitised "
                        "before anything is stored. Limits: see Settings media_max_*.",
                    },
                },
            },
            "encoding": {"report": {"contentType": "application/json"}},
        },
    },
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportAccepted,
    summary="Submit a report",
    openapi_extra={"requestBody": _REPORT_BODY},
    dependencies=[rate_limited("submit")],
    responses={
        200: {"model": ReportAccepted, "description": "A retry of a submission already accepted."},
        **problem_responses(400, 401, 409, 413, 415, 422, 429),
    },
)
async def submit(
    request: Request,
    response: Response,
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
    storage: StorageDep,
    attestation: AppCheckDep,
) -> ReportAccepted:
    """Accept a report once: `application/json`, or `multipart/form-data` with a `report`
    part (the same JSON) and `media` parts. Retrying with the same `client_id` returns the
    first answer (200); the same `client_id` with different content is refused (422).
    Unknown fields are refused (422), never stored."""
    outcome = await submission.accept(
        session,
        hasher,
        settings,
        storage,
        request.headers.get("content-type", ""),
        request.stream(),
        app_check=attestation.label,
    )
    response.status_code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
    return outcome.answer


def _receipt(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "receipt" or not value.strip():
        error = ReceiptNotRecognised("Send the receipt as `Authorization: Receipt <receipt>`.")
        error.headers["WWW-Authenticate"] = "Receipt"
        raise error
    return value


ReceiptHeader = Annotated[
    str | None,
    Header(alias="Authorization", description="`Receipt <the receipt words>`"),
]


async def _own_report(
    session: SessionDep,
    hasher: HasherDep,
    authorization: ReceiptHeader = None,
    _: None = rate_limited("receipt_lookup"),
) -> Report:
    return await followup.report_for_receipt(session, hasher, _receipt(authorization))


OwnReport = Annotated[Report, Depends(_own_report)]
_RECEIPT_ERRORS = problem_responses(401, 422, 429)


@router.get("/mine", response_model=ReporterView, responses=_RECEIPT_ERRORS)
async def mine(report: OwnReport, session: SessionDep) -> ReporterView:
    """Status of the report and the conversation with the moderators."""
    return await followup.reporter_view(session, report)


@router.post(
    "/mine/messages",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    responses=_RECEIPT_ERRORS,
)
async def answer(
    body: ReplyIn, report: OwnReport, session: SessionDep, settings: SettingsDep
) -> MessageOut:
    """Answer the moderators (in any language; it is translated for them)."""
    return await followup.reply(session, report, body.text, settings)


@router.post(
    "/mine/withdraw",
    response_model=ReporterView,
    responses=_RECEIPT_ERRORS | problem_responses(409),
)
async def withdraw(report: OwnReport, session: SessionDep) -> ReporterView:
    """Take the report back; possible until a moderator has decided on it."""
    await followup.withdraw(session, report)
    return await followup.reporter_view(session, report)
