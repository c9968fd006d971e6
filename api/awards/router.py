from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.awards import pdf, service, signing
from api.awards.schemas import (
    NUMBER_PATTERN,
    AwardRead,
    AwardRevoke,
    AwardSummary,
    CertificateDetails,
    CertificatePublic,
    CertificateStatus,
    IssueResult,
    PublicKey,
    PublicKeys,
)
from api.awards.views import award_page, award_read, read_of, status_term
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import PRIVATE_NO_STORE, PUBLIC_CACHE, not_modified, public_response
from api.pagination import Cursor, Limit, Page
from api.permissions import AdminPrincipal
from api.storage import BlobStorage, get_storage
from api.taxonomy.data import FIELD_LABELS, LEVEL_LABELS
from api.taxonomy.schemas import Term

router = APIRouter(tags=["awards"])

StorageDep = Annotated[BlobStorage, Depends(get_storage)]
Number = Annotated[
    str,
    Path(
        pattern=NUMBER_PATTERN,
        max_length=32,
        description="Certificate number, BJSTT-<year>-<batch>-<sequence>.",
        examples=["BJSTT-2021-01-0001"],
    ),
]


def _term(labels: Mapping[Any, tuple[str, str]], code: str | None) -> Term | None:
    if not code:
        return None
    zh, en = labels.get(code, (code, code))
    return Term(code=code, name_zh=zh, name_en=en)


def _etag(sha256: str) -> str:
    return f'"{sha256[:32]}"'


# --- public -----------------------------------------------------------------------------------


@router.get(
    "/certificates/keys",
    response_model=PublicKeys,
    summary="Public keys that sign certificates, by key id; retired keys stay listed (public)",
)
async def list_keys(request: Request, session: SessionDep) -> Response:
    keys = await signing.published_keys(session)
    return public_response(
        request,
        PublicKeys(
            keys=[
                PublicKey(
                    key_id=k.key_id,
                    algorithm=k.algorithm,
                    public_key=k.public_key,
                    created_at=k.created_at,
                    retired_at=k.retired_at,
                )
                for k in keys
            ]
        ),
    )


@router.get(
    "/certificates/{number}",
    response_model=CertificatePublic,
    responses=problem_responses(404, 422),
    summary="Verify a certificate: its status, signed payload, signature and key id (public)",
)
async def get_certificate(number: Number, request: Request, session: SessionDep) -> Response:
    award, application, organization, batch = await service.certificate_with_context(
        session, number
    )
    status = service.status_of(award)
    body = CertificatePublic(
        number=award.number,
        status=status,
        status_label=status_term(status),
        issued_at=award.issued_at,
        valid_until=award.valid_until,
        revoked_at=award.revoked_at,
        revoked_reason=award.revoked_reason,
        payload=award.payload,
        signature=award.signature,
        key_id=award.key_id,
        algorithm=signing.ALGORITHM,
        verify_url=service.verify_url(award.number),
        pdf_url=service.pdf_url(award.number),
        details=CertificateDetails(
            organization_name_zh=organization.name_zh,
            organization_name_en=organization.name_en,
            product_name_zh=application.product_name_zh,
            product_name_en=application.product_name_en,
            model_spec=application.model_spec,
            field=_term(FIELD_LABELS, application.field),
            level=_term(LEVEL_LABELS, award.payload.get("level")),
            batch_year=batch.year,
            batch_sequence=batch.sequence,
        ),
    )
    return public_response(request, body)


@router.get(
    "/certificates/{number}/pdf",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The certificate as a PDF (A4 landscape), shown inline.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        304: {"description": "Not modified (If-None-Match)."},
        **problem_responses(404, 422),
    },
    summary="The printable certificate PDF, marked REVOKED once revoked (public)",
)
async def get_certificate_pdf(
    number: Number, request: Request, session: SessionDep, storage: StorageDep
) -> Response:
    sha256 = await pdf.ensure_certificate_pdf(session, storage, number)
    if (unchanged := not_modified(request, _etag(sha256))) is not None:
        return unchanged
    sha256, chunks = await pdf.open_certificate_pdf(session, storage, sha256, number)
    return StreamingResponse(
        chunks,
        media_type="application/pdf",
        headers={
            "ETag": _etag(sha256),
            "Cache-Control": PUBLIC_CACHE,
            "Content-Disposition": f"inline; filename={number}.pdf",
        },
    )


# --- admin ------------------------------------------------------------------------------------


@router.get(
    "/awards",
    response_model=Page[AwardSummary],
    responses=problem_responses(401, 403, 422),
    summary="List awards by certificate number, by batch and status (admin)",
)
async def list_awards(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    batch_id: uuid.UUID | None = None,
    status: Annotated[list[CertificateStatus], Query()] = [],  # noqa: B006 - FastAPI copies it
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AwardSummary]:
    return await award_page(
        request, response, session, batch_id=batch_id, statuses=status, limit=limit, cursor=cursor
    )


@router.post(
    "/awards/issue",
    response_model=IssueResult,
    responses=problem_responses(401, 403, 503),
    summary="Issue the certificates of awards announced but not yet issued, now (admin)",
    description="The worker does this every few seconds and an announcement does it at once; "
    "this runs the same idempotent step on demand.",
)
async def issue_awards(
    response: Response, session: SessionDep, principal: AdminPrincipal
) -> IssueResult:
    issued = await service.process_award_events(session, principal)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return IssueResult(issued=issued)


@router.get(
    "/awards/{award_id:uuid}",
    response_model=AwardRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="An award with its certificate payload, signature and revocation (admin)",
)
async def get_award(
    award_id: uuid.UUID, response: Response, session: SessionDep, principal: AdminPrincipal
) -> AwardRead:
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return await award_read(session, award_id)


@router.post(
    "/awards/{award_id:uuid}/revoke",
    response_model=AwardRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Revoke a certificate with a reason; it shows as revoked everywhere (admin)",
)
async def revoke_award(
    award_id: uuid.UUID,
    data: AwardRevoke,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> AwardRead:
    award = await service.revoke_award(session, principal, award_id, data.reason)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return read_of(award, await service.english_names(session, award.id))
