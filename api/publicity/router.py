from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Depends, Form, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import SessionDep
from api.errors import NotFound, problem_responses
from api.http_cache import PRIVATE_NO_STORE, public_response
from api.models import Application, Batch, Objection, ObjectionStatus, Organization, User
from api.pagination import (
    Cursor,
    Limit,
    Page,
    build_page,
    created_key,
    keyset_after,
    parse_created_key,
)
from api.permissions import AdminPrincipal
from api.publicity import objections, service
from api.publicity.objections import TriageAction
from api.publicity.schemas import (
    Evidence,
    ObjectedApplication,
    ObjectionBatch,
    ObjectionCreate,
    ObjectionFiled,
    ObjectionRead,
    ObjectionSummary,
    PublicityBatch,
    PublicityList,
    ResolutionRequest,
)
from api.publicity.upload_route import MAX_TEXT_PART_BYTES, ObjectionFormRoute
from api.storage import BlobNotFound, BlobStorage, get_storage

log = structlog.get_logger(__name__)

router = APIRouter(prefix="", tags=["publicity"])
# The public form gets a route class of its own: quota and size are checked before the body.
filing = APIRouter(prefix="", tags=["publicity"], route_class=ObjectionFormRoute)

StorageDep = Annotated[BlobStorage, Depends(get_storage)]
TRIAGE_ERRORS = problem_responses(401, 403, 404, 409, 422)


# --- public ----------------------------------------------------------------------------------


@router.get(
    "/publicity",
    response_model=PublicityList,
    summary="Batches in publicity with their shortlisted products and window (public)",
)
async def list_publicity(request: Request, session: SessionDep) -> Response:
    return public_response(request, await service.list_publicity(session))


@router.get(
    "/publicity/{batch_id}",
    response_model=PublicityBatch,
    responses=problem_responses(404, 422),
    summary="One batch's publicity list and window (public)",
)
async def get_publicity(batch_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    return public_response(request, await service.get_publicity(session, batch_id))


@filing.post(
    "/publicity/{batch_id}/objections",
    response_model=ObjectionFiled,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 409, 413, 415, 422, 429),
    summary="File a real-name objection to a shortlisted product during publicity (public)",
    description="A multipart form. Real name and a phone number or an e-mail address are "
    "required; `evidence` is an optional PDF (judged by content) within the attachment size "
    "limit. Accepted only while the batch's window is open (Asia/Shanghai dates, inclusive); "
    "a few per client address per hour.",
    form_limits={"max_files": 1, "max_fields": 10, "max_part_size": MAX_TEXT_PART_BYTES},
)
async def file_objection(
    batch_id: uuid.UUID,
    data: Annotated[ObjectionCreate, Form(media_type="multipart/form-data")],
    response: Response,
    session: SessionDep,
    storage: StorageDep,
) -> ObjectionFiled:
    objection = await objections.file_objection(session, storage, batch_id, data)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return ObjectionFiled.model_validate(objection, from_attributes=True)


router.include_router(filing)


# --- triage (admins) -------------------------------------------------------------------------


def _summary(objection: Objection, application: Application, org: Organization) -> ObjectionSummary:
    return ObjectionSummary(
        id=objection.id,
        reference=objection.reference,
        status=objection.status,
        batch_id=objection.batch_id,
        application_id=objection.application_id,
        product_name_zh=application.product_name_zh,
        product_name_en=application.product_name_en,
        organization_name_zh=org.name_zh,
        organization_name_en=org.name_en,
        objector_name=objection.objector_name,
        has_evidence=objection.evidence_sha256 is not None,
        created_at=objection.created_at,
        resolved_at=objection.resolved_at,
    )


async def _read(
    session: AsyncSession, response: Response, objection_id: uuid.UUID
) -> ObjectionRead:
    objection, application, org, batch = await objections.read_with_context(session, objection_id)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    read = _full(objection, application, org, batch)
    if objection.resolved_by is not None:
        resolver = await session.get(User, objection.resolved_by)
        read.resolved_by_name = resolver.display_name if resolver else None
    return read


def _full(
    objection: Objection, application: Application, org: Organization, batch: Batch
) -> ObjectionRead:
    evidence = None
    if objection.evidence_sha256 is not None:
        evidence = Evidence(
            filename=objection.evidence_filename or "evidence.pdf",
            size_bytes=objection.evidence_size_bytes or 0,
            sha256=objection.evidence_sha256,
        )
    return ObjectionRead(
        id=objection.id,
        reference=objection.reference,
        status=objection.status,
        batch=ObjectionBatch(
            id=batch.id,
            year=batch.year,
            sequence=batch.sequence,
            title_zh=batch.title_zh,
            title_en=batch.title_en,
        ),
        application=ObjectedApplication(
            id=application.id,
            status=application.status,
            product_name_zh=application.product_name_zh,
            product_name_en=application.product_name_en,
            model_spec=application.model_spec,
            organization_id=org.id,
            organization_name_zh=org.name_zh,
            organization_name_en=org.name_en,
        ),
        objector_name=objection.objector_name,
        objector_phone=objection.objector_phone,
        objector_email=objection.objector_email,
        objector_organization=objection.objector_organization,
        statement=objection.statement,
        evidence=evidence,
        resolution=objection.resolution,
        resolved_by=objection.resolved_by,
        resolved_at=objection.resolved_at,
        ip=str(objection.ip) if objection.ip is not None else None,
        created_at=objection.created_at,
        updated_at=objection.updated_at,
    )


@router.get(
    "/objections",
    response_model=Page[ObjectionSummary],
    responses=problem_responses(401, 403, 422),
    summary="List objections, oldest first, by batch and status (admin)",
)
async def list_objections(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    batch_id: uuid.UUID | None = None,
    status: Annotated[list[ObjectionStatus], Query()] = [],  # noqa: B006 - FastAPI copies it
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ObjectionSummary]:
    after = keyset_after(cursor, parse_created_key)
    rows = await objections.list_objections(
        session, batch_id=batch_id, statuses=status, after=after, limit=limit + 1
    )
    return build_page(
        request,
        response,
        rows,
        limit,
        lambda r: _summary(*r),
        created_key,
    )


@router.get(
    "/objections/{objection_id}",
    response_model=ObjectionRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="An objection with the objector's contact details (admin)",
)
async def get_objection(
    objection_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> ObjectionRead:
    return await _read(session, response, objection_id)


def _content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name per RFC 6266/5987."""
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\%' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/objections/{objection_id}/evidence",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The evidence PDF, as an attachment.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(401, 403, 404, 422),
    },
    summary="Download an objection's evidence (admin)",
)
async def download_objection_evidence(
    objection_id: uuid.UUID, session: SessionDep, principal: AdminPrincipal, storage: StorageDep
) -> StreamingResponse:
    objection = await objections.get_objection(session, objection_id)
    if objection.evidence_sha256 is None:
        raise NotFound("This objection came without evidence.", code="no_evidence")
    try:
        chunks = await storage.open(objection.evidence_sha256)
    except BlobNotFound:
        log.error("objection_evidence_missing", objection_id=str(objection.id))
        raise NotFound("The evidence file is missing.", code="file_missing") from None
    return StreamingResponse(
        chunks,
        media_type="application/pdf",
        headers={
            "Content-Length": str(objection.evidence_size_bytes),
            "Content-Disposition": _content_disposition(
                objection.evidence_filename or "evidence.pdf"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": PRIVATE_NO_STORE,
        },
    )


@router.post(
    "/objections/{objection_id}/start-review",
    response_model=ObjectionRead,
    responses=TRIAGE_ERRORS,
    summary="Put a filed objection under review (admin)",
)
async def start_objection_review(
    objection_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> ObjectionRead:
    await objections.triage(session, principal, objection_id, TriageAction.start_review)
    return await _read(session, response, objection_id)


@router.post(
    "/objections/{objection_id}/uphold",
    response_model=ObjectionRead,
    responses=TRIAGE_ERRORS,
    summary="Uphold an objection with a written resolution; its application leaves the "
    "shortlist (admin)",
)
async def uphold_objection(
    objection_id: uuid.UUID,
    body: ResolutionRequest,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> ObjectionRead:
    await objections.triage(session, principal, objection_id, TriageAction.uphold, body.resolution)
    return await _read(session, response, objection_id)


@router.post(
    "/objections/{objection_id}/dismiss",
    response_model=ObjectionRead,
    responses=TRIAGE_ERRORS,
    summary="Dismiss an objection with a written resolution (admin)",
)
async def dismiss_objection(
    objection_id: uuid.UUID,
    body: ResolutionRequest,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> ObjectionRead:
    await objections.triage(session, principal, objection_id, TriageAction.dismiss, body.resolution)
    return await _read(session, response, objection_id)
