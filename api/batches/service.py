"""Batches and their lifecycle: draft → open → closed → reviewing → deliberation → publicity →
announced → archived. One named function per transition."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.batches.schemas import BatchCreate, BatchUpdate
from api.errors import Conflict, NotFound, field_error
from api.events import service as events
from api.models import Batch, BatchStatus
from api.permissions import Principal

EDITABLE = frozenset({BatchStatus.draft, BatchStatus.open})
AUDITED = (
    "year",
    "sequence",
    "title_zh",
    "title_en",
    "fields",
    "opens_at",
    "closes_at",
    "publicity_working_days",
    "reviewers_per_application",
    "status",
)


class BatchAction(StrEnum):
    open = "open"
    close = "close"
    start_review = "start-review"
    start_deliberation = "start-deliberation"
    start_publicity = "start-publicity"
    announce = "announce"
    archive = "archive"


TRANSITIONS: dict[BatchAction, tuple[BatchStatus, BatchStatus]] = {
    BatchAction.open: (BatchStatus.draft, BatchStatus.open),
    BatchAction.close: (BatchStatus.open, BatchStatus.closed),
    BatchAction.start_review: (BatchStatus.closed, BatchStatus.reviewing),
    BatchAction.start_deliberation: (BatchStatus.reviewing, BatchStatus.deliberation),
    BatchAction.start_publicity: (BatchStatus.deliberation, BatchStatus.publicity),
    BatchAction.announce: (BatchStatus.publicity, BatchStatus.announced),
    BatchAction.archive: (BatchStatus.announced, BatchStatus.archived),
}


def snapshot(batch: Batch) -> dict[str, object]:
    return {f: getattr(batch, f) for f in AUDITED}


def accepting_applications(batch: Batch, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return batch.status == BatchStatus.open and batch.opens_at <= now <= batch.closes_at


def ensure_accepting(batch: Batch) -> None:
    if batch.status != BatchStatus.open:
        raise Conflict(
            f"The batch is {batch.status.value}, not open for applications.",
            code="batch_not_open",
            extra={"current_state": batch.status.value},
        )
    if not accepting_applications(batch):
        raise Conflict(
            f"Applications are accepted from {batch.opens_at.isoformat()} to "
            f"{batch.closes_at.isoformat()}.",
            code="outside_application_window",
        )


async def get_batch(session: AsyncSession, batch_id: uuid.UUID, *, lock: bool = False) -> Batch:
    stmt = select(Batch).where(Batch.id == batch_id)
    if lock:
        stmt = stmt.with_for_update()
    batch = await session.scalar(stmt)
    if batch is None:
        raise NotFound("No such batch.")
    return batch


async def get_public_batch(
    session: AsyncSession, batch_id: uuid.UUID, principal: Principal | None
) -> Batch:
    batch = await get_batch(session, batch_id)
    if batch.status == BatchStatus.draft and not (principal and principal.is_admin):
        raise NotFound("No such batch.")
    return batch


async def list_batches(
    session: AsyncSession, *, include_drafts: bool, after: tuple[int, int] | None, limit: int
) -> Sequence[Batch]:
    """Newest first."""
    stmt = select(Batch).order_by(Batch.year.desc(), Batch.sequence.desc()).limit(limit)
    if not include_drafts:
        stmt = stmt.where(Batch.status != BatchStatus.draft)
    if after:
        stmt = stmt.where(tuple_(Batch.year, Batch.sequence) < tuple_(*after))
    return (await session.scalars(stmt)).all()


async def create_batch(session: AsyncSession, actor: Principal, data: BatchCreate) -> Batch:
    batch = Batch(**data.model_dump(), status=BatchStatus.draft)
    session.add(batch)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise field_error(
            "sequence", f"Batch {data.year}-{data.sequence} already exists.", "batch_exists"
        ) from exc
    await audit.record(
        session,
        actor=actor,
        action="batch.create",
        object_type="batch",
        object_id=batch.id,
        after=snapshot(batch),
    )
    return batch


async def update_batch(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, data: BatchUpdate
) -> Batch:
    batch = await get_batch(session, batch_id, lock=True)
    if batch.status not in EDITABLE:
        raise Conflict(
            f"A {batch.status.value} batch can no longer be edited.",
            code="invalid_state",
            extra={"current_state": batch.status.value},
        )
    before = snapshot(batch)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name in (
            "title_zh",
            "fields",
            "opens_at",
            "closes_at",
            "publicity_working_days",
            "reviewers_per_application",
        ):
            raise field_error(name, "This value cannot be empty.", "required")
        setattr(batch, name, value)
    if batch.opens_at >= batch.closes_at:
        raise field_error("closes_at", "closes_at must be after opens_at.", "window_order")
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="batch.update",
        object_type="batch",
        object_id=batch.id,
        before=before,
        after=snapshot(batch),
    )
    return batch


TransitionHook = Callable[[AsyncSession, Principal, Batch], Awaitable[None]]


async def transition_batch(
    session: AsyncSession,
    actor: Principal,
    batch_id: uuid.UUID,
    action: BatchAction,
    before_change: TransitionHook | None = None,
) -> Batch:
    """`before_change` runs on the locked batch, still in its old state, once the move is known
    to be legal: it refuses with a problem or does the work the move implies (see lifecycle)."""
    batch = await get_batch(session, batch_id, lock=True)
    source, target = TRANSITIONS[action]
    if batch.status != source:
        raise Conflict(
            f"Cannot {action.value.replace('-', ' ')} a batch that is {batch.status.value} "
            f"(it must be {source.value}).",
            code="invalid_transition",
            extra={"current_state": batch.status.value},
        )
    if before_change is not None:
        await before_change(session, actor, batch)
    batch.status = target
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"batch.{action.value}",
        object_type="batch",
        object_id=batch.id,
        before={"status": source},
        after={"status": target},
    )
    await events.emit(
        session,
        "batch.status_changed",
        object_type="batch",
        object_id=batch.id,
        payload={"batch_id": batch.id, "from": source, "to": target},
    )
    return batch
