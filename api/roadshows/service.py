"""Roadshows (路演): the event, its agenda of slots, and publication.

Every change of an event or its agenda runs on the roadshow row locked `FOR UPDATE`, checks the
caller's If-Match against the locked version and bumps it: two admins editing at once cannot
both pass, and two slots inserted at once cannot both miss each other in the overlap check.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api import concurrency
from api.audit import service as audit
from api.config import get_settings
from api.errors import Conflict, NotFound, field_error
from api.models import (
    Application,
    Award,
    Organization,
    Roadshow,
    RoadshowSlot,
    RoadshowStatus,
)
from api.permissions import Principal
from api.roadshows.schemas import (
    ClashingSlot,
    MoveDirection,
    RoadshowCreate,
    RoadshowRead,
    RoadshowUpdate,
    SlotCreate,
    SlotOrganization,
    SlotProduct,
    SlotRead,
    SlotUpdate,
)

OBJECT_TYPE = "roadshow"
_EVENT_FIELDS = (
    "title_zh",
    "title_en",
    "starts_at",
    "ends_at",
    "venue_zh",
    "venue_en",
    "description_zh",
    "description_en",
)
_SLOT_FIELDS = (
    "starts_at",
    "ends_at",
    "organization_id",
    "award_id",
    "talk_title_zh",
    "talk_title_en",
    "presenter",
)


def etag(roadshow: Roadshow) -> str:
    return concurrency.version_etag(roadshow.id, roadshow.version)


def public_url(roadshow_id: uuid.UUID) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/roadshows/{roadshow_id}"


def calendar_path(roadshow_id: uuid.UUID) -> str:
    return f"/api/v1/roadshows/{roadshow_id}/calendar.ics"


def snapshot(roadshow: Roadshow) -> dict[str, Any]:
    return {
        **{name: getattr(roadshow, name) for name in _EVENT_FIELDS},
        "status": roadshow.status,
    }


def slot_snapshot(slot: RoadshowSlot) -> dict[str, Any]:
    return {"slot_id": slot.id, **{name: getattr(slot, name) for name in _SLOT_FIELDS}}


# --- reads ------------------------------------------------------------------------------------


def _visible(principal: Principal | None) -> Any:
    """Drafts are the admins' alone; to everyone else they do not exist."""
    if principal is not None and principal.is_admin:
        return True
    return Roadshow.status == RoadshowStatus.published


async def get_visible(
    session: AsyncSession, principal: Principal | None, roadshow_id: uuid.UUID
) -> Roadshow:
    roadshow = await session.scalar(
        select(Roadshow)
        .where(Roadshow.id == roadshow_id, _visible(principal))
        .execution_options(populate_existing=True)
    )
    if roadshow is None:
        raise NotFound("No roadshow with this id.", code="roadshow_not_found")
    return roadshow


def slot_count() -> Any:
    return (
        select(func.count())
        .select_from(RoadshowSlot)
        .where(RoadshowSlot.roadshow_id == Roadshow.id)
        .scalar_subquery()
    )


def list_statement(
    *,
    include_drafts: bool,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Select[Roadshow, int]:
    """Newest `starts_at` first, keyset on (starts_at, id)."""
    stmt = (
        select(Roadshow, slot_count())
        .order_by(Roadshow.starts_at.desc(), Roadshow.id.desc())
        .limit(limit)
    )
    if not include_drafts:
        stmt = stmt.where(Roadshow.status == RoadshowStatus.published)
    if after is not None:
        stmt = stmt.where(tuple_(Roadshow.starts_at, Roadshow.id) < tuple_(*after))
    return stmt


async def list_roadshows(
    session: AsyncSession,
    *,
    include_drafts: bool,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row[Roadshow, int]]:
    return list(
        (
            await session.execute(
                list_statement(include_drafts=include_drafts, after=after, limit=limit)
            )
        ).all()
    )


async def agenda(session: AsyncSession, roadshow_id: uuid.UUID) -> list[SlotRead]:
    """The slots in time order with their organisation and product, in one query."""
    rows = await session.execute(
        select(RoadshowSlot, Organization, Award.number, Application)
        .join(Organization, Organization.id == RoadshowSlot.organization_id)
        .outerjoin(Award, Award.id == RoadshowSlot.award_id)
        .outerjoin(Application, Application.id == Award.application_id)
        .where(RoadshowSlot.roadshow_id == roadshow_id)
        .order_by(RoadshowSlot.starts_at, RoadshowSlot.id)
        .execution_options(populate_existing=True)
    )
    slots = []
    for slot, org, number, application in rows:
        product = None
        if slot.award_id is not None and application is not None:
            product = SlotProduct(
                award_id=slot.award_id,
                product_name_zh=application.product_name_zh,
                product_name_en=application.product_name_en,
                certificate_number=number,
            )
        slots.append(
            SlotRead(
                id=slot.id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                organization=SlotOrganization(id=org.id, name_zh=org.name_zh, name_en=org.name_en),
                product=product,
                talk_title_zh=slot.talk_title_zh,
                talk_title_en=slot.talk_title_en,
                presenter=slot.presenter,
            )
        )
    return slots


async def read_roadshow(session: AsyncSession, roadshow: Roadshow) -> RoadshowRead:
    """The event as stored now (its server-set timestamps reloaded) with its agenda."""
    await session.refresh(roadshow)
    slots = await agenda(session, roadshow.id)
    return RoadshowRead(
        id=roadshow.id,
        title_zh=roadshow.title_zh,
        title_en=roadshow.title_en,
        starts_at=roadshow.starts_at,
        ends_at=roadshow.ends_at,
        venue_zh=roadshow.venue_zh,
        venue_en=roadshow.venue_en,
        status=roadshow.status,
        slot_count=len(slots),
        description_zh=roadshow.description_zh,
        description_en=roadshow.description_en,
        published_at=roadshow.published_at,
        version=roadshow.version,
        calendar_url=calendar_path(roadshow.id),
        slots=slots,
        updated_at=roadshow.updated_at,
    )


# --- the event --------------------------------------------------------------------------------


async def _locked(session: AsyncSession, roadshow_id: uuid.UUID) -> Roadshow:
    roadshow = await session.scalar(
        select(Roadshow)
        .where(Roadshow.id == roadshow_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if roadshow is None:
        raise NotFound("No roadshow with this id.", code="roadshow_not_found")
    return roadshow


async def _editable(
    session: AsyncSession, roadshow_id: uuid.UUID, if_match: str | None, *, required: bool
) -> Roadshow:
    roadshow = await _locked(session, roadshow_id)
    concurrency.check_if_match(etag(roadshow), if_match, what="roadshow", required=required)
    return roadshow


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise field_error("ends_at", "The end must be after the start.", "ends_before_start")


async def _slot_span(
    session: AsyncSession, roadshow_id: uuid.UUID
) -> tuple[datetime | None, datetime | None]:
    row = (
        await session.execute(
            select(func.min(RoadshowSlot.starts_at), func.max(RoadshowSlot.ends_at)).where(
                RoadshowSlot.roadshow_id == roadshow_id
            )
        )
    ).one()
    return row[0], row[1]


async def _bump(
    session: AsyncSession,
    actor: Principal,
    roadshow: Roadshow,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    roadshow.version += 1
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"roadshow.{action}",
        object_type=OBJECT_TYPE,
        object_id=roadshow.id,
        before=before,
        after=after,
    )


async def create_roadshow(
    session: AsyncSession, actor: Principal, data: RoadshowCreate
) -> Roadshow:
    _check_window(data.starts_at, data.ends_at)
    roadshow = Roadshow(**data.model_dump(), status=RoadshowStatus.draft, version=1)
    session.add(roadshow)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="roadshow.create",
        object_type=OBJECT_TYPE,
        object_id=roadshow.id,
        after=snapshot(roadshow),
    )
    return roadshow


async def update_roadshow(
    session: AsyncSession,
    actor: Principal,
    roadshow_id: uuid.UUID,
    data: RoadshowUpdate,
    if_match: str | None,
) -> Roadshow:
    roadshow = await _editable(session, roadshow_id, if_match, required=True)
    values = data.model_dump(exclude_unset=True)
    for required in ("title_zh", "venue_zh", "starts_at", "ends_at"):
        if required in values and values[required] is None:
            raise field_error(required, "This field cannot be empty.", "required")
    starts_at = values.get("starts_at", roadshow.starts_at)
    ends_at = values.get("ends_at", roadshow.ends_at)
    _check_window(starts_at, ends_at)
    first, last = await _slot_span(session, roadshow.id)
    if first is not None and first < starts_at:
        raise field_error(
            "starts_at",
            "A slot of the agenda starts before this; move or delete it first.",
            "slot_outside_window",
        )
    if last is not None and last > ends_at:
        raise field_error(
            "ends_at",
            "A slot of the agenda ends after this; move or delete it first.",
            "slot_outside_window",
        )
    before = snapshot(roadshow)
    for name, value in values.items():
        setattr(roadshow, name, value)
    await _bump(session, actor, roadshow, "update", before, snapshot(roadshow))
    return roadshow


async def publish_roadshow(
    session: AsyncSession, actor: Principal, roadshow_id: uuid.UUID, if_match: str | None
) -> Roadshow:
    roadshow = await _editable(session, roadshow_id, if_match, required=False)
    if roadshow.status == RoadshowStatus.published:
        raise Conflict(
            "The roadshow is published already.",
            code="already_published",
            extra={"current_state": roadshow.status.value},
        )
    before = snapshot(roadshow)
    roadshow.status = RoadshowStatus.published
    roadshow.published_at = datetime.now(UTC)
    await _bump(session, actor, roadshow, "publish", before, snapshot(roadshow))
    return roadshow


async def unpublish_roadshow(
    session: AsyncSession, actor: Principal, roadshow_id: uuid.UUID, if_match: str | None
) -> Roadshow:
    roadshow = await _editable(session, roadshow_id, if_match, required=False)
    if roadshow.status != RoadshowStatus.published:
        raise Conflict(
            "The roadshow is not published.",
            code="not_published",
            extra={"current_state": roadshow.status.value},
        )
    before = snapshot(roadshow)
    roadshow.status = RoadshowStatus.draft
    roadshow.published_at = None
    await _bump(session, actor, roadshow, "unpublish", before, snapshot(roadshow))
    return roadshow


async def delete_roadshow(
    session: AsyncSession, actor: Principal, roadshow_id: uuid.UUID, if_match: str | None
) -> None:
    roadshow = await _editable(session, roadshow_id, if_match, required=False)
    if roadshow.status != RoadshowStatus.draft:
        raise Conflict(
            "Only a draft can be deleted; unpublish the roadshow first.",
            code="roadshow_published",
            extra={"current_state": roadshow.status.value},
        )
    before = snapshot(roadshow)
    await session.delete(roadshow)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="roadshow.delete",
        object_type=OBJECT_TYPE,
        object_id=roadshow_id,
        before=before,
    )


# --- the agenda -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _SlotValues:
    starts_at: datetime
    ends_at: datetime
    organization_id: uuid.UUID
    award_id: uuid.UUID | None


async def _check_slot(
    session: AsyncSession,
    roadshow: Roadshow,
    values: _SlotValues,
    *,
    exclude: tuple[uuid.UUID, ...] = (),
) -> None:
    """The rules of a slot, in the order an admin fixes them."""
    _check_window(values.starts_at, values.ends_at)
    if values.starts_at < roadshow.starts_at or values.ends_at > roadshow.ends_at:
        field = "starts_at" if values.starts_at < roadshow.starts_at else "ends_at"
        raise field_error(
            field,
            "The slot must lie inside the roadshow's time window.",
            "slot_outside_window",
        )
    organization = await session.get(Organization, values.organization_id)
    if organization is None:
        raise field_error("organization_id", "No organisation with this id.", "not_found")
    if values.award_id is not None:
        award = await session.get(Award, values.award_id)
        if award is None or award.organization_id != values.organization_id:
            raise field_error(
                "award_id", "This is not an award of the organisation.", "award_not_of_organization"
            )
        if award.revoked_at is not None:
            raise field_error("award_id", "This award has been revoked.", "award_revoked")
    # Half-open intervals: a slot ending at 9:30 and one starting at 9:30 do not clash.
    clashing = (
        select(RoadshowSlot)
        .where(
            RoadshowSlot.roadshow_id == roadshow.id,
            RoadshowSlot.starts_at < values.ends_at,
            RoadshowSlot.ends_at > values.starts_at,
        )
        .order_by(RoadshowSlot.starts_at)
        .limit(1)
    )
    if exclude:
        clashing = clashing.where(RoadshowSlot.id.not_in(exclude))
    clash = await session.scalar(clashing)
    if clash is not None:
        raise Conflict(
            "The slot overlaps another slot of the agenda.",
            code="slot_overlap",
            extra={
                "clashing_slot": ClashingSlot(
                    id=clash.id,
                    starts_at=clash.starts_at,
                    ends_at=clash.ends_at,
                    talk_title_zh=clash.talk_title_zh,
                ).model_dump(mode="json")
            },
        )


async def _slot_of(session: AsyncSession, roadshow: Roadshow, slot_id: uuid.UUID) -> RoadshowSlot:
    slot = await session.scalar(
        select(RoadshowSlot)
        .where(RoadshowSlot.id == slot_id, RoadshowSlot.roadshow_id == roadshow.id)
        .execution_options(populate_existing=True)
    )
    if slot is None:
        raise NotFound("No slot with this id on this roadshow.", code="slot_not_found")
    return slot


async def add_slot(
    session: AsyncSession,
    actor: Principal,
    roadshow_id: uuid.UUID,
    data: SlotCreate,
    if_match: str | None,
) -> Roadshow:
    roadshow = await _editable(session, roadshow_id, if_match, required=True)
    await _check_slot(
        session,
        roadshow,
        _SlotValues(data.starts_at, data.ends_at, data.organization_id, data.award_id),
    )
    slot = RoadshowSlot(roadshow_id=roadshow.id, **data.model_dump())
    session.add(slot)
    await session.flush()
    await _bump(session, actor, roadshow, "slot_add", None, slot_snapshot(slot))
    return roadshow


async def update_slot(
    session: AsyncSession,
    actor: Principal,
    roadshow_id: uuid.UUID,
    slot_id: uuid.UUID,
    data: SlotUpdate,
    if_match: str | None,
) -> Roadshow:
    roadshow = await _editable(session, roadshow_id, if_match, required=True)
    slot = await _slot_of(session, roadshow, slot_id)
    values = data.model_dump(exclude_unset=True)
    for required in ("starts_at", "ends_at", "organization_id", "talk_title_zh", "presenter"):
        if required in values and values[required] is None:
            raise field_error(required, "This field cannot be empty.", "required")
    merged = {**slot_snapshot(slot), **values}
    await _check_slot(
        session,
        roadshow,
        _SlotValues(
            merged["starts_at"], merged["ends_at"], merged["organization_id"], merged["award_id"]
        ),
        exclude=(slot.id,),
    )
    before = slot_snapshot(slot)
    for name, value in values.items():
        setattr(slot, name, value)
    await session.flush()
    await _bump(session, actor, roadshow, "slot_update", before, slot_snapshot(slot))
    return roadshow


async def delete_slot(
    session: AsyncSession,
    actor: Principal,
    roadshow_id: uuid.UUID,
    slot_id: uuid.UUID,
    if_match: str | None,
) -> Roadshow:
    roadshow = await _editable(session, roadshow_id, if_match, required=True)
    slot = await _slot_of(session, roadshow, slot_id)
    before = slot_snapshot(slot)
    await session.delete(slot)
    await session.flush()
    await _bump(session, actor, roadshow, "slot_delete", before, None)
    return roadshow


def swapped(
    first: tuple[datetime, datetime], second: tuple[datetime, datetime]
) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """The times of two neighbouring slots once swapped: the second now opens the pair, each
    keeps its duration, and the gap between them stays, so the pair spans the same window.
    Returns (new times of the first, new times of the second)."""
    (a_start, a_end), (b_start, b_end) = first, second
    gap = b_start - a_end
    new_b = (a_start, a_start + (b_end - b_start))
    new_a_start = new_b[1] + gap
    return (new_a_start, new_a_start + (a_end - a_start)), new_b


async def move_slot(
    session: AsyncSession,
    actor: Principal,
    roadshow_id: uuid.UUID,
    slot_id: uuid.UUID,
    direction: MoveDirection,
    if_match: str | None,
) -> Roadshow:
    roadshow = await _editable(session, roadshow_id, if_match, required=True)
    slot = await _slot_of(session, roadshow, slot_id)
    if direction == MoveDirection.up:
        neighbour_filter = or_(
            RoadshowSlot.starts_at < slot.starts_at,
            (RoadshowSlot.starts_at == slot.starts_at) & (RoadshowSlot.id < slot.id),
        )
        order: tuple[Any, ...] = (RoadshowSlot.starts_at.desc(), RoadshowSlot.id.desc())
    else:
        neighbour_filter = or_(
            RoadshowSlot.starts_at > slot.starts_at,
            (RoadshowSlot.starts_at == slot.starts_at) & (RoadshowSlot.id > slot.id),
        )
        order = (RoadshowSlot.starts_at, RoadshowSlot.id)
    neighbour = await session.scalar(
        select(RoadshowSlot)
        .where(RoadshowSlot.roadshow_id == roadshow.id, RoadshowSlot.id != slot.id)
        .where(neighbour_filter)
        .order_by(*order)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if neighbour is None:
        where = "first" if direction == MoveDirection.up else "last"
        raise Conflict(
            f"The slot is the {where} of the agenda already.",
            code=f"slot_already_{where}",
        )
    first, second = (neighbour, slot) if direction == MoveDirection.up else (slot, neighbour)
    before = {"first": slot_snapshot(first), "second": slot_snapshot(second)}
    (first.starts_at, first.ends_at), (second.starts_at, second.ends_at) = swapped(
        (first.starts_at, first.ends_at), (second.starts_at, second.ends_at)
    )
    await session.flush()
    await _bump(
        session,
        actor,
        roadshow,
        "slot_move",
        before,
        {"first": slot_snapshot(first), "second": slot_snapshot(second)},
    )
    return roadshow
