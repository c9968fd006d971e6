from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import PRIVATE_NO_STORE
from api.models import OrganizationKind
from api.organizations import service
from api.organizations.schemas import OrganizationCreate, OrganizationRead
from api.pagination import Cursor, Limit, Page, build_page, keyset_after
from api.permissions import AdminPrincipal, CurrentPrincipal

router = APIRouter(prefix="/organizations", tags=["organizations"])


@router.get(
    "",
    response_model=Page[OrganizationRead],
    responses=problem_responses(401, 403, 422),
    summary="List organisations (admin)",
)
async def list_organizations(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    kind: OrganizationKind | None = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Text found in the Chinese or English name or the USCC, ignoring case.",
        ),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OrganizationRead]:
    after = keyset_after(cursor, lambda k: (str(k["n"]), uuid.UUID(k["id"])))
    orgs = await service.list_organizations(session, kind=kind, q=q, after=after, limit=limit + 1)
    return build_page(
        request,
        response,
        orgs,
        limit,
        OrganizationRead.model_validate,
        lambda o: {"n": o.name_zh, "id": o.id},
    )


@router.post(
    "",
    response_model=OrganizationRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
    summary="Create an organisation (admin)",
)
async def create_organization(
    data: OrganizationCreate, session: SessionDep, principal: AdminPrincipal
) -> OrganizationRead:
    return OrganizationRead.model_validate(
        await service.create_organization(session, principal, data)
    )


@router.get(
    "/{organization_id}",
    response_model=OrganizationRead,
    responses=problem_responses(401, 404),
    summary="Read an organisation (admin or member)",
)
async def read_organization(
    organization_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> OrganizationRead:
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return OrganizationRead.model_validate(
        await service.get_visible_organization(session, principal, organization_id)
    )
