"""The reporter's surface: submit a report, follow it with the receipt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status

from api.deps import APP_CHECK_PARAMETER, attest, hit_rate_limit, rate_limited
from api.responses import problem_responses
from core.deps import HasherDep, SessionDep, SettingsDep, StorageDep, app_state
from intake import followup, submission
from intake.errors import ReceiptNotRecognised
from intake.schemas import ReplyIn, ReportAccepted, ReporterMessage, ReporterView, ReportIn
from models.report import Report

router = APIRouter(prefix="/v1/reports", tags=["reports"])


_REPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/ReportIn"},
            "examples": {
                "minimal": {
                    "summary": "Only what is required",
                    "value": {
                        "client_id": "2c9a7e41-5b3d-4f6a-8e1c-0d2b4a6c8e0f",
                        "text": "A man takes the passports of the workers at the farm.",
                    },
                },
                "full": {
                    "summary": "With place, time window, category and urgency",
                    "value": ReportIn.model_json_schema()["examples"][0],
                },
            },
        },
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
                        "before anything is stored, its type decided by its content (not its "
                        "name or content type). Default limits (configurable): 10 files per "
                        "report (uploads included), 50 MB per file (larger: /v1/uploads), "
                        "120 MB per request, 256 KiB for the `report` part. Over a limit: "
                        "413; a file the sanitiser cannot clean: 415.",
                    },
                },
            },
            "encoding": {"report": {"contentType": "application/json"}},
        },
    },
}


@router.post(
    "",
    operation_id="submitReport",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportAccepted,
    summary="Submit a report",
    openapi_extra={"requestBody": _REPORT_BODY, "parameters": [APP_CHECK_PARAMETER]},
    responses={
        201: {"description": "Accepted; keep the `receipt`, it is shown only now."},
        200: {"model": ReportAccepted, "description": "A retry of a submission already accepted."},
        **problem_responses(400, 401, 409, 413, 415, 422, 429, 503),
    },
)
async def submit(request: Request) -> Response:
    """Accept a report once: `application/json`, or `multipart/form-data` with a `report`
    part (the same JSON) and `media` parts. Retrying with the same `client_id` returns the
    first answer (200); the same `client_id` with different content is refused (422).
    Unknown fields are refused (422), never stored. A retry racing the first request may get
    a 409 while that one is still being processed: retry again. With App Check enforced, a
    missing or invalid `X-Firebase-AppCheck` token is a 401. Too many submissions from one
    network are a 429 with Retry-After."""
    # Intake's hot path: no dependency for FastAPI to resolve (each costs more than the
    # work it does here). The same checks, in the same order: the rate limit, App Check,
    # then the body; the services come from app.state.
    await hit_rate_limit(request, "submit")
    attestation = await attest(request)
    outcome = await submission.accept(
        app_state(request, "intake", submission.Intake),
        request.headers.get("content-type", ""),
        request.stream(),
        app_check=attestation.label,
    )
    return Response(
        outcome.answer.model_dump_json(),
        status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        media_type="application/json",
    )


def _receipt(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "receipt" or not value.strip():
        error = ReceiptNotRecognised("Send the receipt as `Authorization: Receipt <receipt>`.")
        error.headers["WWW-Authenticate"] = "Receipt"
        raise error
    return value


ReceiptHeader = Annotated[
    str | None,
    Header(
        alias="Authorization",
        description="`Receipt <the receipt words>`, e.g. `Receipt lance-motocross-reapprove-"
        "frosting-preview-yippee`; case and spaces or hyphens between the words do not matter. "
        "An unknown or malformed receipt is a 401; lookups are rate limited (429).",
        examples=["Receipt lance-motocross-reapprove-frosting-preview-yippee"],
    ),
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


@router.get(
    "/mine", operation_id="getMyReport", response_model=ReporterView, responses=_RECEIPT_ERRORS
)
async def mine(report: OwnReport, session: SessionDep) -> ReporterView:
    """Status of the report and the conversation with the moderators."""
    return await followup.reporter_view(session, report)


@router.post(
    "/mine/messages",
    operation_id="replyToModerators",
    response_model=ReporterMessage,
    status_code=status.HTTP_201_CREATED,
    responses=_RECEIPT_ERRORS,
)
async def answer(
    body: ReplyIn, report: OwnReport, session: SessionDep, settings: SettingsDep
) -> ReporterMessage:
    """Answer the moderators (in any language; it is translated for them). Answers the
    message as the reporter will see it in the conversation."""
    return await followup.reply(session, report, body.text, settings)


@router.post(
    "/mine/withdraw",
    operation_id="withdrawMyReport",
    response_model=ReporterView,
    responses=_RECEIPT_ERRORS | problem_responses(409),
)
async def withdraw(report: OwnReport, session: SessionDep, storage: StorageDep) -> ReporterView:
    """Take the report back; possible until a moderator has decided on it (409 after).
    It leaves the moderators' queue at once, and its text, place, times, conversation and
    media are deleted; only its status remains for the receipt to read."""
    for key in await followup.withdraw(session, report):
        # Before the commit, so no crash can leave the files behind. Should the commit fail
        # after this, the reporter's retry of the withdrawal completes it.
        await storage.delete(key)
    return await followup.reporter_view(session, report)
