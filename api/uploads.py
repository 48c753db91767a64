"""Resumable uploads for large media over flaky networks: the tus 1.0 protocol (core,
`creation`, `expiration`, `termination`), which the tus mobile SDKs speak.

The app creates an upload with its length, PATCHes bytes from the offset the server
reports, asks with HEAD where to resume after a cut, and lists the finished upload's id
under `uploads` when it submits the report (or DELETEs an upload it gives up on). The
file is sanitised when its last byte arrives; only the clean copy is ever stored. No file
name or client metadata is kept: `Upload-Metadata` is checked for form and dropped. With
S3 media any API host can serve any request of an upload (`intake.uploads.shared`).
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import re
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect

from api.deps import rate_limited
from api.responses import problem_responses
from core.deps import SessionDep, SessionMakerDep, SettingsDep, StorageDep
from core.errors import StopError
from intake.uploads import service as uploads
from intake.uploads.errors import (
    InvalidUploadRequest,
    TusVersionUnsupported,
    UploadContentType,
    UploadNotFound,
)
from intake.uploads.partials import PartialStore

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_METADATA_KEY = re.compile(r"^[!-+\--~]+$")  # printable ASCII without space and comma
_MAX_METADATA = 8192


class TusRoute(APIRoute):
    """Every answer of these routes, errors included, carries `Tus-Resumable`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def tus_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except StopError as error:
                error.headers["Tus-Resumable"] = TUS_VERSION
                raise
            response.headers["Tus-Resumable"] = TUS_VERSION
            return response

        return tus_handler


router = APIRouter(prefix="/v1/uploads", tags=["uploads"], route_class=TusRoute)


async def _tus_resumable(
    tus_resumable: Annotated[
        str | None,
        Header(
            alias="Tus-Resumable",
            description="Must be `1.0.0` (412 otherwise).",
            examples=["1.0.0"],
        ),
    ] = None,
) -> None:
    if tus_resumable != TUS_VERSION:
        error = TusVersionUnsupported(f"This server speaks tus {TUS_VERSION} only.")
        error.headers["Tus-Version"] = TUS_VERSION
        raise error


async def _partials(request: Request) -> PartialStore:
    partials: PartialStore = request.app.state.upload_partials  # built by api.app.create_app
    return partials


PartialsDep = Annotated[PartialStore, Depends(_partials)]
_TUS = [Depends(_tus_resumable), rate_limited("upload")]


def _count(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not _DIGITS.match(value.strip()):
        raise InvalidUploadRequest(f"{name} must be a non-negative integer.")
    return int(value)


def _upload_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UploadNotFound() from None


def _check_metadata(value: str | None) -> None:
    """Upload-Metadata must be well formed; its values (often a file name) are never kept."""
    if value is None or not value.strip():
        return
    if len(value) > _MAX_METADATA:
        raise InvalidUploadRequest("Upload-Metadata is too long.")
    for pair in value.split(","):
        key, _, encoded = pair.strip().partition(" ")
        try:
            if not _METADATA_KEY.match(key):
                raise ValueError
            base64.b64decode(encoded.strip(), validate=True)
        except (ValueError, binascii.Error):
            raise InvalidUploadRequest(
                "Upload-Metadata must be comma-separated `key base64value` pairs."
            ) from None


def _http_date(state: uploads.UploadState) -> str:
    return email.utils.format_datetime(state.expires_at.astimezone(UTC), usegmt=True)


def _location(request: Request, upload_id: uuid.UUID) -> str:
    return f"{request.scope.get('root_path', '')}{router.prefix}/{upload_id}"


def _header(description: str, example: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}, "example": example}


_EXPIRES = _header(
    "RFC 9110 date after which an unfinished upload is deleted.", "Sat, 04 May 2024 21:02:00 GMT"
)
_OFFSET = _header("Bytes received so far.", "52428800")
_LOCATION = _header(
    "URL of the new upload: its only handle.", "/v1/uploads/7d3e9f1a-2b4c-4d6e-8f0a-1b2c3d4e5f6a"
)
_ERRORS = problem_responses(400, 404, 412, 413, 429)
UploadId = Annotated[
    str,
    Path(
        description="The upload's id: the last segment of the `Location` answered on creation, "
        "and what a report lists under `uploads`."
    ),
]


@router.options(
    "",
    operation_id="getUploadCapabilities",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="What this tus server supports",
    response_class=Response,
    responses={
        204: {
            "description": "What this server supports.",
            "headers": {
                "Tus-Version": _header("The only version spoken.", TUS_VERSION),
                "Tus-Extension": _header("Supported extensions.", TUS_EXTENSIONS),
                "Tus-Max-Size": _header(
                    "Largest upload in bytes (200 MB by default).", "200000000"
                ),
            },
        }
    },
)
async def capabilities(settings: SettingsDep) -> Response:
    """tus discovery: version, extensions and the largest upload accepted."""
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(settings.upload_max_bytes),
        },
    )


@router.post(
    "",
    operation_id="createUpload",
    status_code=status.HTTP_201_CREATED,
    summary="Create a resumable upload",
    dependencies=[*_TUS, rate_limited("upload_create")],
    response_class=Response,
    responses={
        201: {
            "description": "Created; PATCH the bytes to `Location`.",
            "headers": {"Location": _LOCATION, "Upload-Expires": _EXPIRES},
        },
        **_ERRORS,
        **problem_responses(503),
    },
)
async def create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    partials: PartialsDep,
    upload_length: Annotated[
        str | None,
        Header(
            alias="Upload-Length",
            description="Size of the whole file in bytes, 1 to Tus-Max-Size (200 MB by "
            "default); required.",
            examples=["104857600"],
        ),
    ] = None,
    upload_metadata: Annotated[
        str | None,
        Header(
            alias="Upload-Metadata",
            description="tus metadata (comma-separated `key base64value` pairs, at most 8,192 "
            "characters): checked for form, then dropped unread. No file name is kept.",
        ),
    ] = None,
    upload_defer_length: Annotated[
        str | None,
        Header(alias="Upload-Defer-Length", description="Not supported: sending it is a 400."),
    ] = None,
) -> Response:
    """Start an upload of `Upload-Length` bytes (at most Tus-Max-Size). The `Location`
    answered is the upload's only handle: keep it to resume. Deferred lengths and bodies
    on creation are not supported."""
    if upload_defer_length is not None:
        raise InvalidUploadRequest("Upload-Defer-Length is not supported; send Upload-Length.")
    if _count(request.headers.get("content-length"), "Content-Length"):
        raise InvalidUploadRequest("Send no body on creation; PATCH the bytes afterwards.")
    length = _count(upload_length, "Upload-Length")
    if not length:
        raise InvalidUploadRequest("Upload-Length (a positive number of bytes) is required.")
    _check_metadata(upload_metadata)
    state = await uploads.create_upload(session, partials, settings, length)
    return Response(
        status_code=status.HTTP_201_CREATED,
        headers={"Location": _location(request, state.id), "Upload-Expires": _http_date(state)},
    )


@router.head(
    "/{upload_id}",
    operation_id="getUploadOffset",
    summary="Where to resume an upload",
    dependencies=_TUS,
    response_class=Response,
    responses={
        200: {
            "description": "The upload's progress (no body).",
            "headers": {
                "Upload-Offset": _OFFSET,
                "Upload-Length": _header("Size of the whole file in bytes.", "104857600"),
                "Upload-Expires": _EXPIRES,
            },
        },
        **_ERRORS,
    },
)
async def progress(upload_id: UploadId, session: SessionDep, partials: PartialsDep) -> Response:
    """The offset to resume from (the whole length once complete)."""
    state = await uploads.upload_state(session, partials, _upload_id(upload_id))
    return Response(
        status_code=status.HTTP_200_OK,
        headers={
            "Upload-Offset": str(state.offset),
            "Upload-Length": str(state.length),
            "Upload-Expires": _http_date(state),
            "Cache-Control": "no-store",
        },
    )


async def _until_cut(request: Request) -> AsyncIterator[bytes]:
    """The body as it arrives; a dropped connection simply ends it (its bytes are kept)."""
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        return


@router.patch(
    "/{upload_id}",
    operation_id="appendToUpload",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Append bytes to an upload",
    dependencies=_TUS,
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {OFFSET_OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses={
        204: {
            "description": "Appended; once complete, also sanitised and ready to attach.",
            "headers": {"Upload-Offset": _OFFSET, "Upload-Expires": _EXPIRES},
        },
        **_ERRORS,
        **problem_responses(409, 415, 423),
    },
)
async def append(
    upload_id: UploadId,
    request: Request,
    settings: SettingsDep,
    storage: StorageDep,
    partials: PartialsDep,
    sessionmaker: SessionMakerDep,
    upload_offset: Annotated[
        str | None,
        Header(
            alias="Upload-Offset",
            description="Bytes already received, as HEAD answered; must equal the current "
            "offset (409 otherwise).",
            examples=["0"],
        ),
    ] = None,
) -> Response:
    """Append the body at `Upload-Offset` (409 if it is not where the upload stands; ask
    with HEAD). When the last byte arrives the file is sanitised: 204 means it is clean and
    ready to be listed in a report, 415 that it was refused and nothing of it was kept."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != OFFSET_OCTET_STREAM:
        raise UploadContentType()
    offset = _count(upload_offset, "Upload-Offset")
    if offset is None:
        raise InvalidUploadRequest("Upload-Offset is required.")
    state = await uploads.append(
        sessionmaker,
        partials,
        settings,
        storage,
        _upload_id(upload_id),
        offset,
        _until_cut(request),
        _count(request.headers.get("content-length"), "Content-Length"),
    )
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers={"Upload-Offset": str(state.offset), "Upload-Expires": _http_date(state)},
    )


@router.delete(
    "/{upload_id}",
    operation_id="cancelUpload",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Cancel an upload",
    dependencies=_TUS,
    response_class=Response,
    responses={
        204: {"description": "Deleted: every byte received of it, or its unused clean copy."},
        **_ERRORS,
        **problem_responses(423),
    },
)
async def cancel(
    upload_id: UploadId,
    storage: StorageDep,
    partials: PartialsDep,
    sessionmaker: SessionMakerDep,
) -> Response:
    """tus termination: delete the upload at once (423 while a PATCH is appending to it or
    it is being sanitised). The bytes of an unfinished upload and the clean copy of a
    finished one no report has taken are deleted; the media of an upload a report took
    stay with the report. Afterwards the upload is unknown (404)."""
    await uploads.cancel_upload(sessionmaker, partials, storage, _upload_id(upload_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
