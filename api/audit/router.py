from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.audit import service
from api.audit.schemas import AuditRead
from api.db import SessionDep
from api.errors import problem_responses
from api.inputs import IsoDateTime
from api.pagination import Cursor, Limit, Page, build_page, keyset_after
from api.permissions import AdminPrincipal

router = APIRouter(prefix="/audit", tags=["audit"])

Filter = Annotated[str | None, Query(max_length=80)]


@router.get(
    "",
    response_model=Page[AuditRead],
    responses=problem_responses(401, 403, 422),
    summary="Read the audit log, newest first (admin)",
)
async def list_audit_events(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    actor_id: uuid.UUID | None = None,
    action: Filter = None,
    object_type: Filter = None,
    object_id: Filter = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AuditRead]:
    before_id = keyset_after(cursor, lambda k: int(k["id"]))
    rows = (
        await session.scalars(
            service.list_statement(
                actor_id=actor_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                since=since,
                until=until,
                before_id=before_id,
                limit=limit + 1,
            )
        )
    ).all()
    return build_page(
        request, response, rows, limit, AuditRead.model_validate, lambda e: {"id": e.id}
    )
