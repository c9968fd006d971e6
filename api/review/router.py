from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.batches import service as batches
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import PRIVATE_NO_STORE
from api.models import Review, RubricCriterion
from api.pagination import Cursor, Limit, Page, build_page, keyset_after
from api.permissions import AdminPrincipal, ExpertPrincipal, Principal
from api.review import admin, aggregate, deliberation, export, results, service
from api.review.deliberation import Decision
from api.review.schemas import (
    AdminReview,
    BatchResults,
    CriterionRead,
    DecisionRead,
    ReasonRequest,
    ReviewDraft,
    ReviewerRef,
    ReviewRead,
)
from api.taxonomy.data import FIELD_LABELS

router = APIRouter(prefix="", tags=["review"])

EXPERT_READ_ERRORS = problem_responses(401, 403, 404, 422)
ACTION_ERRORS = problem_responses(401, 403, 404, 409, 422)
FieldQuery = Annotated[str | None, Query(max_length=60, description="A field code.")]
LangQuery = Annotated[export.Lang, Query(description="Language of headers and labels.")]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_review(
    response: Response, review: Review, criteria: Sequence[RubricCriterion]
) -> ReviewRead:
    response.headers["ETag"] = service.etag(review)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return ReviewRead(
        id=review.id,
        assignment_id=review.assignment_id,
        application_id=review.application_id,
        status=review.status,
        scores=service.scores_of(review),
        total=review.total,
        comment=review.comment,
        recommendation=review.recommendation,
        version=review.version,
        submitted_at=review.submitted_at,
        waived_reason=review.waived_reason,
        criteria=[CriterionRead.model_validate(c) for c in criteria],
        max_total=aggregate.max_total((c.max_score, c.weight) for c in criteria),
    )


def _admin_review(row: admin.AdminRow) -> AdminReview:
    assignment, application, expert, review = row
    return AdminReview(
        assignment_id=assignment.id,
        assignment_status=assignment.status,
        application_id=application.id,
        application_status=application.status,
        product_name_zh=application.product_name_zh,
        expert=ReviewerRef(id=expert.id, display_name=expert.display_name, email=expert.email),
        review_id=review.id if review else None,
        status=review.status if review else None,
        scores=service.scores_of(review) if review else {},
        total=review.total if review else None,
        comment=review.comment if review else None,
        recommendation=review.recommendation if review else None,
        version=review.version if review else None,
        submitted_at=review.submitted_at if review else None,
        waived_reason=review.waived_reason if review else None,
    )


async def _admin_read(session: AsyncSession, review: Review) -> AdminReview:
    await session.refresh(review)
    return _admin_review(await admin.admin_row(session, review.assignment_id))


# --- the expert's side --------------------------------------------------------------------------


@router.get(
    "/expert/assignments/{assignment_id}/review",
    response_model=ReviewRead,
    responses=EXPERT_READ_ERRORS,
    summary="Your review of an assignment and the rubric; an empty draft at first (expert)",
)
async def read_own_review(
    assignment_id: uuid.UUID, response: Response, session: SessionDep, principal: ExpertPrincipal
) -> ReviewRead:
    return _own_review(response, *await service.open_review(session, principal, assignment_id))


@router.put(
    "/expert/assignments/{assignment_id}/review",
    response_model=ReviewRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Save your draft scores, comment and recommendation; needs If-Match (expert)",
)
async def save_own_review(
    assignment_id: uuid.UUID,
    data: ReviewDraft,
    response: Response,
    session: SessionDep,
    principal: ExpertPrincipal,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> ReviewRead:
    review, criteria = await service.save_draft(session, principal, assignment_id, data, if_match)
    return _own_review(response, review, criteria)


@router.post(
    "/expert/assignments/{assignment_id}/review/submit",
    response_model=ReviewRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Submit and lock your review; If-Match optional (expert)",
)
async def submit_own_review(
    assignment_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: ExpertPrincipal,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> ReviewRead:
    review, criteria = await service.submit_review(session, principal, assignment_id, if_match)
    return _own_review(response, review, criteria)


# --- the admin's side ---------------------------------------------------------------------------


@router.get(
    "/batches/{batch_id}/reviews",
    response_model=Page[AdminReview],
    responses=problem_responses(401, 403, 404, 422),
    summary="Every assignment of a batch with its review and expert (admin)",
)
async def list_reviews(
    batch_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    application_id: uuid.UUID | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[AdminReview]:
    after = keyset_after(cursor, lambda k: (uuid.UUID(k["a"]), uuid.UUID(k["id"])))
    rows = await admin.list_reviews(
        session, batch_id, application_id=application_id, after=after, limit=limit + 1
    )
    return build_page(
        request,
        response,
        rows,
        limit,
        _admin_review,
        lambda r: {"a": r[0].application_id, "id": r[0].id},
    )


@router.post(
    "/reviews/{review_id}/reopen",
    response_model=AdminReview,
    responses=ACTION_ERRORS,
    summary="Reopen a submitted or waived review for its expert, with a reason (admin)",
)
async def reopen_review(
    review_id: uuid.UUID, data: ReasonRequest, session: SessionDep, principal: AdminPrincipal
) -> AdminReview:
    review = await admin.reopen_review(session, principal, review_id, data.reason)
    return await _admin_read(session, review)


@router.post(
    "/assignments/{assignment_id}/waive",
    response_model=AdminReview,
    responses=ACTION_ERRORS,
    summary="Waive a missing review so the application can be decided, with a reason (admin)",
)
async def waive_review(
    assignment_id: uuid.UUID, data: ReasonRequest, session: SessionDep, principal: AdminPrincipal
) -> AdminReview:
    review = await admin.waive_review(session, principal, assignment_id, data.reason)
    return await _admin_read(session, review)


# --- results ------------------------------------------------------------------------------------


@router.get(
    "/batches/{batch_id}/results",
    response_model=BatchResults,
    responses=problem_responses(401, 403, 404, 422),
    summary="Aggregates and ranks within fields, experts anonymous (admin)",
)
async def read_results(
    batch_id: uuid.UUID,
    session: SessionDep,
    principal: AdminPrincipal,
    field: FieldQuery = None,
) -> Response:
    # PostgreSQL writes the document (api.review.results): no 10,000 models to validate twice.
    document = await results.results_document(session, principal, batch_id, field_code=field)
    return Response(
        document, media_type="application/json", headers={"Cache-Control": PRIVATE_NO_STORE}
    )


async def _download(
    session: AsyncSession,
    principal: Principal,
    batch_id: uuid.UUID,
    field: str | None,
    lang: export.Lang,
    extension: str,
) -> Response:
    batch = await batches.get_batch(session, batch_id)
    data = await results.batch_results(session, principal, batch.id, field_code=field)
    body, media_type = (
        (export.to_csv(data, lang), CSV_MEDIA_TYPE)
        if extension == "csv"
        else (export.to_xlsx(data, lang), XLSX_MEDIA_TYPE)
    )
    # Field codes are ASCII; an unknown one matches nothing and must not reach a header.
    suffix = f"-{field}" if field in FIELD_LABELS else ""
    filename = f"firstset-results-{results.batch_label(batch)}{suffix}.{extension}"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": PRIVATE_NO_STORE,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/batches/{batch_id}/results.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8 with BOM"},
        **problem_responses(401, 403, 404, 422),
    },
    summary="Results as CSV, experts anonymous (admin)",
)
async def export_results_csv(
    batch_id: uuid.UUID,
    session: SessionDep,
    principal: AdminPrincipal,
    field: FieldQuery = None,
    lang: LangQuery = "zh",
) -> Response:
    return await _download(session, principal, batch_id, field, lang, "csv")


@router.get(
    "/batches/{batch_id}/results.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "An Excel workbook"},
        **problem_responses(401, 403, 404, 422),
    },
    summary="Results as XLSX, experts anonymous (admin)",
)
async def export_results_xlsx(
    batch_id: uuid.UUID,
    session: SessionDep,
    principal: AdminPrincipal,
    field: FieldQuery = None,
    lang: LangQuery = "zh",
) -> Response:
    return await _download(session, principal, batch_id, field, lang, "xlsx")


# --- deliberation -------------------------------------------------------------------------------


@router.post(
    "/applications/{application_id}/deliberation/shortlist",
    response_model=DecisionRead,
    responses=ACTION_ERRORS,
    summary="Shortlist a reviewed application, with a reason; field quota applies (admin)",
)
async def shortlist(
    application_id: uuid.UUID, data: ReasonRequest, session: SessionDep, principal: AdminPrincipal
) -> DecisionRead:
    return await deliberation.decide(
        session, principal, application_id, Decision.shortlist, data.reason
    )


@router.post(
    "/applications/{application_id}/deliberation/not-select",
    response_model=DecisionRead,
    responses=ACTION_ERRORS,
    summary="Mark a reviewed application not selected, with a reason (admin)",
)
async def not_select(
    application_id: uuid.UUID, data: ReasonRequest, session: SessionDep, principal: AdminPrincipal
) -> DecisionRead:
    return await deliberation.decide(
        session, principal, application_id, Decision.not_select, data.reason
    )
