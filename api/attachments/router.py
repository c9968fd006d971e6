from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect

from api.attachments import service
from api.attachments.schemas import UPLOAD_REQUEST_BODY, AttachmentRead
from api.attachments.sniff import ACCEPTED
from api.config import Settings, get_settings
from api.db import SessionDep
from api.errors import AppError, NotFound, problem_responses
from api.http_cache import PRIVATE_NO_STORE
from api.permissions import ApplicantPrincipal, CurrentPrincipal
from api.storage import BlobNotFound, BlobStorage, get_storage

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/applications/{application_id}/attachments", tags=["attachments"])

StorageDep = Annotated[BlobStorage, Depends(get_storage)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_BINARY = {"schema": {"type": "string", "format": "binary"}}
DOWNLOAD_RESPONSE = {
    "description": "The file, as an attachment.",
    "content": {t.content_type: _BINARY for t in ACCEPTED},
}


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name per RFC 6266/5987."""
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\%' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise AppError(
            "The client went away during the upload.", code="client_disconnected"
        ) from None


def _content_length(request: Request) -> int | None:
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return None


@router.post(
    "",
    response_model=AttachmentRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
    summary="Upload an attachment (owning applicant, while the application is editable)",
    description="A multipart form with `kind` and `file`. PDF, PNG and JPEG only, judged by "
    "content; the size limit is enforced while the body streams in.",
    openapi_extra={"requestBody": UPLOAD_REQUEST_BODY},
)
async def upload_attachment(
    application_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: ApplicantPrincipal,
    storage: StorageDep,
    settings: SettingsDep,
) -> AttachmentRead:
    attachment = await service.upload_attachment(
        session,
        principal,
        storage,
        application_id,
        content_type=request.headers.get("content-type"),
        content_length=_content_length(request),
        body=_body(request),
        max_bytes=settings.attachment_max_bytes,
    )
    return AttachmentRead.model_validate(attachment)


@router.get(
    "",
    response_model=list[AttachmentRead],
    responses=problem_responses(401, 404, 422),
    summary="List an application's attachments, oldest first (readers of the application)",
)
async def list_attachments(
    application_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> list[AttachmentRead]:
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    attachments = await service.list_attachments(session, principal, application_id)
    return [AttachmentRead.model_validate(a) for a in attachments]


@router.get(
    "/{attachment_id}",
    response_class=StreamingResponse,
    responses={200: DOWNLOAD_RESPONSE, **problem_responses(401, 404, 422)},
    summary="Download an attachment (readers of the application)",
)
async def download_attachment(
    application_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    storage: StorageDep,
) -> StreamingResponse:
    attachment = await service.get_attachment(session, principal, application_id, attachment_id)
    try:
        chunks = await storage.open(attachment.sha256)
    except BlobNotFound:
        log.error("attachment_blob_missing", attachment_id=str(attachment.id))
        raise NotFound("The file of this attachment is missing.", code="file_missing") from None
    return StreamingResponse(
        chunks,
        media_type=attachment.content_type,
        headers={
            "Content-Length": str(attachment.size_bytes),
            "Content-Disposition": content_disposition(attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": PRIVATE_NO_STORE,
        },
    )


@router.delete(
    "/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Delete an attachment (owning applicant, while the application is editable)",
)
async def delete_attachment(
    application_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    principal: ApplicantPrincipal,
    storage: StorageDep,
) -> Response:
    await service.delete_attachment(session, principal, storage, application_id, attachment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
