"""Publicity (公示) of a batch's shortlist, and the award at its close.

`start_publicity` and `announce` are the batch lifecycle's hooks (api/batches/lifecycle.py): they
run on the locked batch, still in its old state, after the move itself was found legal.
Objections filed during the window are in `objections`.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import service as applications
from api.audit import service as audit
from api.awards import service as awards
from api.calendar import service as calendar
from api.errors import Conflict, NotFound
from api.events import service as events
from api.models import (
    Application,
    ApplicationStatus,
    Batch,
    BatchStatus,
    Objection,
    ObjectionStatus,
    Organization,
)
from api.permissions import Principal
from api.publicity.schemas import (
    OrganizationPublic,
    PublicityBatch,
    PublicityList,
    PublicityProduct,
)
from api.taxonomy.data import DISTRICT_LABELS, FIELD_LABELS, LEVEL_LABELS
from api.taxonomy.schemas import Term

S = ApplicationStatus
# A reopened review during deliberation puts an application back in `in_review`: it is as
# undecided as a `reviewed` one and must not slip past the shortlist freeze.
UNDECIDED = (S.reviewed, S.in_review)
OPEN_OBJECTIONS = (ObjectionStatus.filed, ObjectionStatus.under_review)


def today() -> date:
    return applications.today()


def window_is_open(batch: Batch, on: date) -> bool:
    return (
        batch.status == BatchStatus.publicity
        and batch.publicity_starts_on is not None
        and batch.publicity_ends_on is not None
        and batch.publicity_starts_on <= on <= batch.publicity_ends_on
    )


async def _count(session: AsyncSession, batch: Batch, statuses: tuple[S, ...]) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.batch_id == batch.id, Application.status.in_(statuses))
        )
        or 0
    )


async def open_objection_count(session: AsyncSession, batch_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Objection)
            .where(Objection.batch_id == batch_id, Objection.status.in_(OPEN_OBJECTIONS))
        )
        or 0
    )


# --- the batch lifecycle's hooks -------------------------------------------------------------


async def start_publicity(session: AsyncSession, actor: Principal, batch: Batch) -> None:
    """deliberation → publicity: freeze the shortlist and fix the window in working days."""
    undecided = await _count(session, batch, UNDECIDED)
    if undecided:
        raise Conflict(
            f"{undecided} application(s) of the batch are not decided yet; shortlist or "
            "not-select every reviewed application first.",
            code="undecided_applications",
            extra={"current_state": batch.status.value, "undecided": undecided},
        )
    shortlisted = await _count(session, batch, (S.shortlisted,))
    if not shortlisted:
        raise Conflict(
            "No application of the batch is shortlisted; there is nothing to publicise.",
            code="nothing_shortlisted",
            extra={"current_state": batch.status.value},
        )
    # The window opens today if today is a working day, else on the next one, and lasts the
    # batch's number of working days counting its first day.
    starts_on = await calendar.add_working_days(session, today(), 1)
    ends_on = await calendar.add_working_days(session, starts_on, batch.publicity_working_days)
    before = _window(batch)
    batch.publicity_starts_on, batch.publicity_ends_on = starts_on, ends_on
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="batch.publicity_window",
        object_type="batch",
        object_id=batch.id,
        before=before,
        after=_window(batch),
    )
    await events.emit(
        session,
        "publicity.started",
        object_type="batch",
        object_id=batch.id,
        payload={
            "batch_id": batch.id,
            "year": batch.year,
            "sequence": batch.sequence,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "working_days": batch.publicity_working_days,
            "shortlisted": shortlisted,
        },
    )


def _window(batch: Batch) -> dict[str, Any]:
    return {
        "publicity_starts_on": batch.publicity_starts_on,
        "publicity_ends_on": batch.publicity_ends_on,
    }


async def announce(session: AsyncSession, actor: Principal, batch: Batch) -> None:
    """publicity → announced: every application still shortlisted is awarded.

    Objections are filed under the batch's row lock too (see `objections.file_objection`), so
    none can slip in between the check below and the awards."""
    ends_on = batch.publicity_ends_on
    if ends_on is None or today() <= ends_on:
        raise Conflict(
            "The publicity window is not over yet"
            + (f"; it ends on {ends_on.isoformat()}." if ends_on else "."),
            code="publicity_not_over",
            extra={
                "current_state": batch.status.value,
                "publicity_ends_on": ends_on.isoformat() if ends_on else None,
            },
        )
    open_count = await open_objection_count(session, batch.id)
    if open_count:
        raise Conflict(
            f"{open_count} objection(s) are still open; uphold or dismiss them first.",
            code="objections_open",
            extra={"current_state": batch.status.value, "open_objections": open_count},
        )
    awarded_on = today()
    shortlisted = (
        await session.scalars(
            select(Application)
            .where(Application.batch_id == batch.id, Application.status == S.shortlisted)
            .order_by(Application.id)
            .with_for_update()
        )
    ).all()
    for application in shortlisted:
        before = applications.snapshot(application)
        application.status = S.awarded
        await applications.record_change(session, actor, application, "award", before)
        # The awards (certificates, catalogue) consume this; it carries what they need so they
        # do not read an application that may change later.
        await events.emit(
            session,
            "award.granted",
            object_type="application",
            object_id=application.id,
            payload={
                "application_id": application.id,
                "batch_id": batch.id,
                "organization_id": application.organization_id,
                "product_name_zh": application.product_name_zh,
                "product_name_en": application.product_name_en,
                "model_spec": application.model_spec,
                "field": application.field,
                "product_type": application.product_type,
                "claimed_level": application.claimed_level,
                "batch_year": batch.year,
                "batch_sequence": batch.sequence,
                "awarded_on": awarded_on,
            },
        )
    # Certificates are issued in the same transaction, so they exist as soon as it commits.
    await awards.process_award_events(session, actor)


# --- the public notice -----------------------------------------------------------------------


def _term(labels: dict[Any, tuple[str, str]], code: str | None) -> Term | None:
    if code is None:
        return None
    zh, en = labels.get(code, (code, code))
    return Term(code=str(code), name_zh=zh, name_en=en)


async def _working_days_left(session: AsyncSession, batch: Batch, on: date) -> int:
    starts_on, ends_on = batch.publicity_starts_on, batch.publicity_ends_on
    if starts_on is None or ends_on is None or on > ends_on:
        return 0
    return await calendar.count_working_days(session, max(on, starts_on), ends_on)


async def list_publicity(
    session: AsyncSession, *, batch_id: uuid.UUID | None = None
) -> PublicityList:
    """Batches in publicity with their shortlisted products, in one query for the products."""
    batch_stmt = (
        select(Batch)
        .where(
            Batch.status == BatchStatus.publicity,
            Batch.publicity_starts_on.is_not(None),
            Batch.publicity_ends_on.is_not(None),
        )
        .order_by(Batch.year.desc(), Batch.sequence.desc())
    )
    if batch_id is not None:
        batch_stmt = batch_stmt.where(Batch.id == batch_id)
    batches = (await session.scalars(batch_stmt)).all()
    rows = (
        await session.execute(
            select(
                Application.batch_id,
                Application.id,
                Application.product_name_zh,
                Application.product_name_en,
                Application.model_spec,
                Application.field,
                Application.claimed_level,
                Organization.name_zh,
                Organization.name_en,
                Organization.district,
            )
            .join(Organization, Organization.id == Application.organization_id)
            .where(
                Application.batch_id.in_([b.id for b in batches]),
                Application.status == S.shortlisted,
            )
            .order_by(Application.field, Application.product_name_zh, Application.id)
        )
    ).all()
    products: dict[uuid.UUID, list[PublicityProduct]] = {b.id: [] for b in batches}
    for row in rows:
        products[row[0]].append(
            PublicityProduct(
                application_id=row[1],
                product_name_zh=row[2],
                product_name_en=row[3],
                model_spec=row[4],
                field=_term(FIELD_LABELS, row[5]),
                claimed_level=_term(LEVEL_LABELS, row[6]),
                organization=OrganizationPublic(
                    name_zh=row[7], name_en=row[8], district=_term(DISTRICT_LABELS, row[9])
                ),
            )
        )
    on = today()
    items = []
    for batch in batches:
        # The query selects only batches with a window.
        assert batch.publicity_starts_on is not None
        assert batch.publicity_ends_on is not None
        items.append(
            PublicityBatch(
                batch_id=batch.id,
                year=batch.year,
                sequence=batch.sequence,
                title_zh=batch.title_zh,
                title_en=batch.title_en,
                publicity_working_days=batch.publicity_working_days,
                starts_on=batch.publicity_starts_on,
                ends_on=batch.publicity_ends_on,
                accepting_objections=window_is_open(batch, on),
                working_days_left=await _working_days_left(session, batch, on),
                products=products[batch.id],
            )
        )
    return PublicityList(today=on, items=items)


async def get_publicity(session: AsyncSession, batch_id: uuid.UUID) -> PublicityBatch:
    found = await list_publicity(session, batch_id=batch_id)
    if not found.items:
        raise NotFound("No batch with this id is in publicity.", code="not_in_publicity")
    return found.items[0]
