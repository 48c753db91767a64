"""The reporter's surface: submit a report, follow it with the receipt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from api.deps import HasherDep, SessionDep, SettingsDep
from api.responses import problem_responses
from intake import followup
from intake.errors import ReceiptNotRecognised
from intake.schemas import MessageOut, ReplyIn, ReportAccepted, ReporterView, ReportIn
from intake.service import submit_report
from models.report import Report

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportAccepted,
    summary="Submit a report",
    responses={
        200: {"model": ReportAccepted, "description": "A retry of a submission already accepted."},
        **problem_responses(409, 413, 415, 422, 429),
    },
)
async def submit(
    report: ReportIn,
    response: Response,
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
) -> ReportAccepted:
    """Accept a report once. Retrying with the same `client_id` returns the first answer
    (200); the same `client_id` with different content is refused (422)."""
    outcome = await submit_report(session, hasher, settings, report)
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
    session: SessionDep, hasher: HasherDep, authorization: ReceiptHeader = None
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
