from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import SessionDep
from api.errors import Forbidden, NotAuthenticated, problem_responses
from api.http_cache import PRIVATE_NO_STORE, PUBLIC_CACHE, public_response
from api.models import Roadshow, RoadshowStatus
from api.pagination import Cursor, Limit, Page, build_page, keyset_after, link_next
from api.permissions import AdminPrincipal, OptionalPrincipal, Principal
from api.roadshows import ics, service
from api.roadshows.schemas import (
    RoadshowCreate,
    RoadshowRead,
    RoadshowSummary,
    RoadshowUpdate,
    SlotCreate,
    SlotMove,
    SlotUpdate,
)

router = APIRouter(prefix="/roadshows", tags=["roadshows"])

IfMatch = Annotated[
    str | None,
    Header(max_length=200, description="The roadshow's ETag, as last read."),
]
EDIT_ERRORS = problem_responses(401, 403, 404, 409, 412, 422, 428)
ACTION_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)
CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8"


def _summary(roadshow: Roadshow, slot_count: int) -> RoadshowSummary:
    return RoadshowSummary(
        id=roadshow.id,
        title_zh=roadshow.title_zh,
        title_en=roadshow.title_en,
        starts_at=roadshow.starts_at,
        ends_at=roadshow.ends_at,
        venue_zh=roadshow.venue_zh,
        venue_en=roadshow.venue_en,
        status=roadshow.status,
        slot_count=slot_count,
    )


def _starts_key(row: Any) -> dict[str, Any]:
    return {"s": row[0].starts_at.isoformat(), "id": row[0].id}


def _parse_starts_key(key: dict[str, Any]) -> tuple[datetime, uuid.UUID]:
    return datetime.fromisoformat(str(key["s"])), uuid.UUID(str(key["id"]))


async def _admin_read(
    session: AsyncSession, response: Response, roadshow: Roadshow
) -> RoadshowRead:
    read = await service.read_roadshow(session, roadshow)
    response.headers["ETag"] = service.etag(roadshow)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return read


# --- reads ------------------------------------------------------------------------------------


@router.get(
    "",
    response_model=Page[RoadshowSummary],
    responses=problem_responses(401, 403, 422),
    summary="Published roadshows, newest start first; admins may include drafts (public)",
)
async def list_roadshows(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: OptionalPrincipal,
    include_drafts: Annotated[bool, Query(description="Also list drafts (admins only).")] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response | Page[RoadshowSummary]:
    if include_drafts:
        _require_admin(principal)
    after = keyset_after(cursor, _parse_starts_key)
    rows = await service.list_roadshows(
        session, include_drafts=include_drafts, after=after, limit=limit + 1
    )
    page = build_page(request, response, rows, limit, lambda r: _summary(r[0], r[1]), _starts_key)
    if include_drafts:
        return page
    public = public_response(request, page)
    link_next(request, public, page.next)
    return public


def _require_admin(principal: Principal | None) -> None:
    if principal is None:
        raise NotAuthenticated("Please log in.")
    if not principal.is_admin:
        raise Forbidden("Listing drafts needs the role admin.")


@router.get(
    "/{roadshow_id}",
    response_model=RoadshowRead,
    responses=problem_responses(404, 422),
    summary="A roadshow with its agenda; drafts only to admins (public)",
    description="Admins get the version ETag to send as If-Match; everyone else a cacheable "
    "public answer.",
)
async def get_roadshow(
    roadshow_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: OptionalPrincipal,
) -> Response | RoadshowRead:
    roadshow = await service.get_visible(session, principal, roadshow_id)
    if principal is not None and principal.is_admin:
        return await _admin_read(session, response, roadshow)
    return public_response(request, await service.read_roadshow(session, roadshow))


@router.get(
    "/{roadshow_id}/calendar.ics",
    response_class=Response,
    responses={
        200: {
            "description": "The roadshow as an iCalendar (RFC 5545) file, as an attachment.",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        **problem_responses(404, 422),
    },
    summary="The roadshow as a calendar file (.ics) with the agenda (public)",
)
async def get_roadshow_calendar(
    roadshow_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipal,
    lang: Annotated[Literal["zh", "en"], Query(description="Language of the texts.")] = "zh",
) -> Response:
    roadshow = await service.get_visible(session, principal, roadshow_id)
    read = await service.read_roadshow(session, roadshow)
    body = ics.render(read, url=service.public_url(roadshow.id), english=lang == "en")
    return Response(
        body,
        media_type=CALENDAR_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{ics.filename(read)}"',
            "Cache-Control": PUBLIC_CACHE
            if read.status == RoadshowStatus.published
            else PRIVATE_NO_STORE,
        },
    )


# --- the event (admins) -----------------------------------------------------------------------


@router.post(
    "",
    response_model=RoadshowRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
    summary="Create a roadshow as a draft (admin)",
)
async def create_roadshow(
    data: RoadshowCreate, response: Response, session: SessionDep, principal: AdminPrincipal
) -> RoadshowRead:
    roadshow = await service.create_roadshow(session, principal, data)
    return await _admin_read(session, response, roadshow)


@router.patch(
    "/{roadshow_id}",
    response_model=RoadshowRead,
    responses=EDIT_ERRORS,
    summary="Edit a roadshow; needs If-Match; the window must keep every slot inside (admin)",
)
async def update_roadshow(
    roadshow_id: uuid.UUID,
    data: RoadshowUpdate,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> RoadshowRead:
    roadshow = await service.update_roadshow(session, principal, roadshow_id, data, if_match)
    return await _admin_read(session, response, roadshow)


@router.post(
    "/{roadshow_id}/publish",
    response_model=RoadshowRead,
    responses=ACTION_ERRORS,
    summary="Publish a draft roadshow; If-Match optional (admin)",
)
async def publish_roadshow(
    roadshow_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> RoadshowRead:
    roadshow = await service.publish_roadshow(session, principal, roadshow_id, if_match)
    return await _admin_read(session, response, roadshow)


@router.post(
    "/{roadshow_id}/unpublish",
    response_model=RoadshowRead,
    responses=ACTION_ERRORS,
    summary="Take a published roadshow back to draft; If-Match optional (admin)",
)
async def unpublish_roadshow(
    roadshow_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> RoadshowRead:
    roadshow = await service.unpublish_roadshow(session, principal, roadshow_id, if_match)
    return await _admin_read(session, response, roadshow)


@router.delete(
    "/{roadshow_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=ACTION_ERRORS,
    summary="Delete a draft roadshow with its agenda; If-Match optional (admin)",
)
async def delete_roadshow(
    roadshow_id: uuid.UUID,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> Response:
    await service.delete_roadshow(session, principal, roadshow_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- the agenda (admins) ----------------------------------------------------------------------


@router.post(
    "/{roadshow_id}/slots",
    response_model=RoadshowRead,
    status_code=status.HTTP_201_CREATED,
    responses=EDIT_ERRORS,
    summary="Add a slot to the agenda; needs the roadshow's If-Match (admin)",
    description="409 `slot_overlap` names the clashing slot in `clashing_slot` (id and times). "
    "Slots that only touch (one ends when the next starts) do not clash.",
)
async def add_slot(
    roadshow_id: uuid.UUID,
    data: SlotCreate,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> RoadshowRead:
    roadshow = await service.add_slot(session, principal, roadshow_id, data, if_match)
    return await _admin_read(session, response, roadshow)


@router.patch(
    "/{roadshow_id}/slots/{slot_id}",
    response_model=RoadshowRead,
    responses=EDIT_ERRORS,
    summary="Edit a slot; needs the roadshow's If-Match (admin)",
)
async def update_slot(
    roadshow_id: uuid.UUID,
    slot_id: uuid.UUID,
    data: SlotUpdate,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> RoadshowRead:
    roadshow = await service.update_slot(session, principal, roadshow_id, slot_id, data, if_match)
    return await _admin_read(session, response, roadshow)


@router.delete(
    "/{roadshow_id}/slots/{slot_id}",
    response_model=RoadshowRead,
    responses=EDIT_ERRORS,
    summary="Remove a slot from the agenda; needs the roadshow's If-Match (admin)",
)
async def delete_slot(
    roadshow_id: uuid.UUID,
    slot_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> RoadshowRead:
    roadshow = await service.delete_slot(session, principal, roadshow_id, slot_id, if_match)
    return await _admin_read(session, response, roadshow)


@router.post(
    "/{roadshow_id}/slots/{slot_id}/move",
    response_model=RoadshowRead,
    responses=EDIT_ERRORS,
    summary="Swap a slot with the one before or after it; needs the roadshow's If-Match (admin)",
    description="Both keep their durations and the gap between them stays, so the pair spans "
    "the same time. 409 when the slot is already first (`up`) or last (`down`).",
)
async def move_slot(
    roadshow_id: uuid.UUID,
    slot_id: uuid.UUID,
    data: SlotMove,
    response: Response,
    session: SessionDep,
    principal: AdminPrincipal,
    if_match: IfMatch = None,
) -> RoadshowRead:
    roadshow = await service.move_slot(
        session, principal, roadshow_id, slot_id, data.direction, if_match
    )
    return await _admin_read(session, response, roadshow)
