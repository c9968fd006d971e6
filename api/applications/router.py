from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import access, checks, service, timeline
from api.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationSummary,
    ApplicationUpdate,
    DecisionRequest,
    Eligibility,
    RejectRequest,
    ReturnRequest,
    TimelineEntry,
)
from api.applications.views import read_of, summary_of
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import PRIVATE_NO_STORE
from api.models import Application, ApplicationStatus, Batch, CheckStep, District, Organization
from api.pagination import (
    Cursor,
    Limit,
    Page,
    build_page,
    created_key,
    keyset_after,
    parse_created_key,
)
from api.permissions import (
    AdminPrincipal,
    ApplicantPrincipal,
    CurrentPrincipal,
    DistrictOfficerPrincipal,
)

router = APIRouter(prefix="/applications", tags=["applications"])
READ_ERRORS = problem_responses(401, 404, 422)
ACTION_ERRORS = problem_responses(401, 403, 404, 409, 422)


async def _read(
    session: AsyncSession, response: Response, application: Application
) -> ApplicationRead:
    await session.refresh(application)
    org = await session.get(Organization, application.organization_id)
    batch = await session.get(Batch, application.batch_id)
    assert org is not None
    assert batch is not None
    response.headers["ETag"] = service.etag(application)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return read_of(application, org, batch)


@router.get(
    "",
    response_model=Page[ApplicationSummary],
    responses=READ_ERRORS,
    summary="List the applications the caller may see, newest first (logged-in users)",
)
async def list_applications(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
    batch_id: uuid.UUID | None = None,
    status: Annotated[list[ApplicationStatus], Query()] = [],  # noqa: B006 - FastAPI copies it
    district: District | None = None,
    overdue: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ApplicationSummary]:
    after = keyset_after(cursor, parse_created_key)
    rows = await service.list_applications(
        session,
        access.visibility(principal),
        batch_id=batch_id,
        statuses=status,
        district=district,
        overdue=overdue,
        after=after,
        limit=limit + 1,
    )
    return build_page(
        request,
        response,
        rows,
        limit,
        lambda r: summary_of(*r),
        created_key,
    )


@router.post(
    "",
    response_model=ApplicationRead,
    status_code=status.HTTP_201_CREATED,
    responses=ACTION_ERRORS,
    summary="Start a draft application (applicant)",
)
async def create_application(
    data: ApplicationCreate, response: Response, session: SessionDep, principal: ApplicantPrincipal
) -> ApplicationRead:
    application = await service.create_application(session, principal, data)
    return await _read(session, response, application)


@router.get(
    "/{application_id}",
    response_model=ApplicationRead,
    responses=READ_ERRORS,
    summary="Read an application (its applicant, its district, staff)",
)
async def read_application(
    application_id: uuid.UUID, response: Response, session: SessionDep, principal: CurrentPrincipal
) -> ApplicationRead:
    application, _, _ = await service.read_with_context(session, principal, application_id)
    return await _read(session, response, application)


@router.patch(
    "/{application_id}",
    response_model=ApplicationRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Edit a draft or returned application; needs If-Match (owning applicant)",
)
async def update_application(
    application_id: uuid.UUID,
    data: ApplicationUpdate,
    response: Response,
    session: SessionDep,
    principal: ApplicantPrincipal,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> ApplicationRead:
    application = await service.update_application(
        session, principal, application_id, data, if_match
    )
    return await _read(session, response, application)


@router.get(
    "/{application_id}/eligibility",
    response_model=Eligibility,
    responses=READ_ERRORS,
    summary="The eligibility self-check (readers)",
)
async def check_eligibility(
    application_id: uuid.UUID, response: Response, session: SessionDep, principal: CurrentPrincipal
) -> Eligibility:
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return await service.check_eligibility(session, principal, application_id)


@router.get(
    "/{application_id}/timeline",
    response_model=list[TimelineEntry],
    responses=READ_ERRORS,
    summary="Status history (readers)",
)
async def read_timeline(
    application_id: uuid.UUID, response: Response, session: SessionDep, principal: CurrentPrincipal
) -> list[TimelineEntry]:
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return await timeline.timeline(session, principal, application_id)


@router.post(
    "/{application_id}/submit",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Submit a draft (owning applicant)",
)
async def submit_application(
    application_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: ApplicantPrincipal,
) -> ApplicationRead:
    return await _read(
        session, response, await service.submit_application(session, principal, application_id)
    )


@router.post(
    "/{application_id}/resubmit",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Resubmit a corrected application (owning applicant)",
)
async def resubmit_application(
    application_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: ApplicantPrincipal,
) -> ApplicationRead:
    return await _read(
        session, response, await service.resubmit_application(session, principal, application_id)
    )


@router.post(
    "/{application_id}/withdraw",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Withdraw an application (owning applicant)",
)
async def withdraw_application(
    application_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: ApplicantPrincipal,
) -> ApplicationRead:
    return await _read(
        session, response, await service.withdraw_application(session, principal, application_id)
    )


@router.post(
    "/{application_id}/district/recommend",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Recommend after the preliminary check (district officer)",
)
async def district_recommend(
    application_id: uuid.UUID,
    data: DecisionRequest,
    response: Response,
    session: SessionDep,
    principal: DistrictOfficerPrincipal,
) -> ApplicationRead:
    return await _read(
        session,
        response,
        await checks.recommend_application(session, principal, application_id, data.reason),
    )


@router.post(
    "/{application_id}/district/return",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Return for correction with a deadline (district officer)",
)
async def district_return(
    application_id: uuid.UUID,
    data: ReturnRequest,
    response: Response,
    session: SessionDep,
    principal: DistrictOfficerPrincipal,
) -> ApplicationRead:
    return await _read(
        session,
        response,
        await checks.return_for_correction(
            session, principal, application_id, CheckStep.district, data
        ),
    )


@router.post(
    "/{application_id}/district/reject",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Reject at the preliminary check (district officer)",
)
async def district_reject(
    application_id: uuid.UUID,
    data: RejectRequest,
    response: Response,
    session: SessionDep,
    principal: DistrictOfficerPrincipal,
) -> ApplicationRead:
    return await _read(
        session,
        response,
        await checks.reject_application(
            session, principal, application_id, CheckStep.district, data.reason
        ),
    )


@router.post(
    "/{application_id}/formal/accept",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Accept at the formal review (admin)",
)
async def formal_accept(
    application_id: uuid.UUID,
    data: DecisionRequest,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> ApplicationRead:
    return await _read(
        session,
        response,
        await checks.accept_application(session, principal, application_id, data.reason),
    )


@router.post(
    "/{application_id}/formal/return",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Return for correction at the formal review (admin)",
)
async def formal_return(
    application_id: uuid.UUID,
    data: ReturnRequest,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> ApplicationRead:
    return await _read(
        session,
        response,
        await checks.return_for_correction(
            session, principal, application_id, CheckStep.formal, data
        ),
    )


@router.post(
    "/{application_id}/formal/reject",
    response_model=ApplicationRead,
    responses=ACTION_ERRORS,
    summary="Reject at the formal review (admin)",
)
async def formal_reject(
    application_id: uuid.UUID,
    data: RejectRequest,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
) -> ApplicationRead:
    return await _read(
        session,
        response,
        await checks.reject_application(
            session, principal, application_id, CheckStep.formal, data.reason
        ),
    )
