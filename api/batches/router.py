from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from api.batches import lifecycle, service
from api.batches.schemas import BatchCreate, BatchRead, BatchUpdate
from api.batches.service import BatchAction
from api.db import SessionDep
from api.errors import Forbidden, problem_responses
from api.http_cache import PRIVATE_NO_STORE, public_response
from api.models import Batch, BatchStatus
from api.pagination import Cursor, Limit, Page, build_page, keyset_after
from api.permissions import AdminPrincipal, OptionalPrincipal

router = APIRouter(prefix="/batches", tags=["batches"])


def batch_read(batch: Batch) -> BatchRead:
    return BatchRead.model_validate(
        {
            **{
                c: getattr(batch, c)
                for c in BatchRead.model_fields
                if c != "accepting_applications"
            },
            "accepting_applications": service.accepting_applications(batch),
        }
    )


@router.get(
    "",
    response_model=Page[BatchRead],
    responses=problem_responses(403, 422),
    summary="List batches, newest first (public; drafts for admins)",
)
async def list_batches(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: OptionalPrincipal,
    include_drafts: bool = False,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[BatchRead] | Response:
    if include_drafts and not (principal and principal.is_admin):
        raise Forbidden("Only admins see draft batches.")
    after = keyset_after(cursor, lambda k: (int(k["y"]), int(k["s"])))
    batches = await service.list_batches(
        session, include_drafts=include_drafts, after=after, limit=limit + 1
    )
    page = build_page(
        request, response, batches, limit, batch_read, lambda b: {"y": b.year, "s": b.sequence}
    )
    if include_drafts:
        return page
    return public_response(request, page, headers=dict(response.headers))


@router.post(
    "",
    response_model=BatchRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
    summary="Create a batch (admin)",
)
async def create_batch(
    data: BatchCreate, session: SessionDep, principal: AdminPrincipal
) -> BatchRead:
    return batch_read(await service.create_batch(session, principal, data))


@router.get(
    "/{batch_id}",
    response_model=BatchRead,
    responses=problem_responses(404, 422),
    summary="Read a batch (public; drafts for admins)",
)
async def read_batch(
    batch_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: OptionalPrincipal,
) -> BatchRead | Response:
    batch = await service.get_public_batch(session, batch_id, principal)
    if batch.status == BatchStatus.draft:
        response.headers["Cache-Control"] = PRIVATE_NO_STORE
        return batch_read(batch)
    return public_response(request, batch_read(batch))


@router.patch(
    "/{batch_id}",
    response_model=BatchRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Edit a draft or open batch (admin)",
)
async def update_batch(
    batch_id: uuid.UUID, data: BatchUpdate, session: SessionDep, principal: AdminPrincipal
) -> BatchRead:
    return batch_read(await service.update_batch(session, principal, batch_id, data))


@router.post(
    "/{batch_id}/transitions/{action}",
    response_model=BatchRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Move a batch to its next stage (admin)",
)
async def transition_batch(
    batch_id: uuid.UUID, action: BatchAction, session: SessionDep, principal: AdminPrincipal
) -> BatchRead:
    return batch_read(await lifecycle.transition(session, principal, batch_id, action))
