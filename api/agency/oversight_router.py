"""Read-only oversight routes for agency clients: applications with anonymised reviews
(`applications:read`) and awards (`awards:read`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from api.agency import oversight
from api.agency.auth import AgencyRoute, ClientPrincipal, require_scope
from api.agency.schemas import OversightApplication
from api.applications.schemas import ApplicationSummary
from api.applications.views import read_of, summary_of
from api.awards.schemas import AwardRead, AwardSummary, CertificateStatus
from api.awards.views import award_page, award_read
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import PRIVATE_NO_STORE
from api.models import ApplicationStatus, District, Scope
from api.pagination import (
    Cursor,
    Limit,
    Page,
    build_page,
    created_key,
    keyset_after,
    parse_created_key,
)

router = APIRouter(prefix="/agency", tags=["agency"], route_class=AgencyRoute)

ApplicationsReader = Annotated[ClientPrincipal, Depends(require_scope(Scope.applications_read))]
AwardsReader = Annotated[ClientPrincipal, Depends(require_scope(Scope.awards_read))]
ERRORS = problem_responses(401, 403, 404, 422, 429)


@router.get(
    "/applications",
    response_model=Page[ApplicationSummary],
    responses=ERRORS,
    summary="Applications of every batch past its draft, newest first (agency, applications:read)",
)
async def list_applications(
    request: Request,
    response: Response,
    client: ApplicationsReader,
    session: SessionDep,
    batch_id: uuid.UUID | None = None,
    status: Annotated[list[ApplicationStatus], Query()] = [],  # noqa: B006 - FastAPI copies it
    district: District | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ApplicationSummary]:
    rows = await oversight.list_applications(
        session,
        batch_id=batch_id,
        statuses=status,
        district=district,
        after=keyset_after(cursor, parse_created_key),
        limit=limit + 1,
    )
    return build_page(request, response, rows, limit, lambda r: summary_of(*r), created_key)


@router.get(
    "/applications/{application_id}",
    response_model=OversightApplication,
    responses=ERRORS,
    summary="An application with its experts' reviews, the experts anonymised "
    "(agency, applications:read)",
)
async def read_application(
    application_id: uuid.UUID,
    response: Response,
    client: ApplicationsReader,
    session: SessionDep,
) -> OversightApplication:
    application, org, batch = await oversight.read_application(session, application_id)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return OversightApplication.model_validate(
        {
            **read_of(application, org, batch).model_dump(),
            "reviews": await oversight.reviews_of(session, application.id),
        }
    )


@router.get(
    "/awards",
    response_model=Page[AwardSummary],
    responses=ERRORS,
    summary="Awards by certificate number, by batch and status (agency, awards:read)",
)
async def list_awards(
    request: Request,
    response: Response,
    client: AwardsReader,
    session: SessionDep,
    batch_id: uuid.UUID | None = None,
    status: Annotated[list[CertificateStatus], Query()] = [],  # noqa: B006 - FastAPI copies it
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AwardSummary]:
    return await award_page(
        request, response, session, batch_id=batch_id, statuses=status, limit=limit, cursor=cursor
    )


@router.get(
    "/awards/{award_id}",
    response_model=AwardRead,
    responses=ERRORS,
    summary="An award with its certificate payload, signature and revocation (agency, awards:read)",
)
async def read_award(
    award_id: uuid.UUID, response: Response, client: AwardsReader, session: SessionDep
) -> AwardRead:
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return await award_read(session, award_id)
