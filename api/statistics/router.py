from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from api.agency.auth import AGENCY_SCOPE_RESPONSES, AgencyRoute, agency_scope
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import public_response
from api.models import Scope
from api.statistics import service
from api.statistics.schemas import Statistics

router = APIRouter(
    tags=["statistics"],
    dependencies=[Depends(agency_scope(Scope.statistics_read))],
    route_class=AgencyRoute,
    responses=AGENCY_SCOPE_RESPONSES,
)


@router.get(
    "/statistics",
    response_model=Statistics,
    responses=problem_responses(404, 422, 503),
    summary="Application → award funnel and shares per field, level, product type and "
    "district, per published batch and overall (public)",
)
async def read_statistics(
    request: Request,
    session: SessionDep,
    batch_id: Annotated[
        uuid.UUID | None, Query(description="One published batch instead of all.")
    ] = None,
) -> Response:
    return public_response(request, await service.statistics(session, batch_id))
