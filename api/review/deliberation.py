"""Deliberation by the joint meeting: shortlisted / not selected (docs/review.md)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import service as applications
from api.errors import Conflict, NotFound
from api.models import Application, ApplicationStatus, Batch, BatchStatus
from api.permissions import Principal
from api.review import service as review_service
from api.review.schemas import DecisionRead

A = ApplicationStatus
DECIDABLE = frozenset({A.reviewed, A.shortlisted, A.not_selected})
# How many undone applications a refused move names; the count is always complete.
NAMED_AT_MOST = 50


class Decision(StrEnum):
    shortlist = "shortlist"
    not_select = "not_select"


TARGET = {Decision.shortlist: A.shortlisted, Decision.not_select: A.not_selected}


async def start_deliberation(session: AsyncSession, actor: Principal, batch: Batch) -> None:
    """reviewing → deliberation once every application in review is fully reviewed. One that
    got there without a submit or waiver (an assignment was removed) is moved to reviewed."""
    # reviewed ones too: an assignment ended after the last review would leave one reviewed
    # without being fully reviewed, and a decision on it would rest on too few reviews.
    progress = await review_service.progress_of_batch(session, batch.id, [A.in_review, A.reviewed])
    pending = sorted(str(a) for a, p in progress.items() if not p.fully_reviewed)
    if pending:
        raise Conflict(
            f"{len(pending)} application(s) in review are not fully reviewed yet: every active "
            "assignment needs a submitted or waived review.",
            code="reviews_outstanding",
            extra={
                "current_state": batch.status.value,
                "not_fully_reviewed": len(pending),
                "application_ids": pending[:NAMED_AT_MOST],
            },
        )
    if progress:
        rows = await session.scalars(
            select(Application)
            .where(Application.id.in_(list(progress)), Application.status == A.in_review)
            .order_by(Application.id)
            .with_for_update()
        )
        for application in rows:
            await review_service.settle_application(
                session, actor, application, note="settled at the start of deliberation"
            )


async def _shortlisted_in_field(
    session: AsyncSession, batch_id: uuid.UUID, field: str | None, excluding: uuid.UUID
) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Application)
        .where(
            Application.batch_id == batch_id,
            Application.field == field if field is not None else Application.field.is_(None),
            Application.status == A.shortlisted,
            Application.id != excluding,
        )
    )
    return int(count or 0)


async def decide(
    session: AsyncSession,
    actor: Principal,
    application_id: uuid.UUID,
    decision: Decision,
    reason: str,
) -> DecisionRead:
    found = await session.get(Application, application_id)
    if found is None or found.status == A.draft:
        raise NotFound("No such application.")
    # The batch row, locked, serialises the decisions of a batch so that two admins cannot
    # together exceed a field's quota.
    batch = await session.scalar(select(Batch).where(Batch.id == found.batch_id).with_for_update())
    application = await session.scalar(
        select(Application)
        .where(Application.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert batch is not None
    assert application is not None
    if batch.status != BatchStatus.deliberation:
        raise Conflict(
            f"The batch is {batch.status.value}; decisions are taken in deliberation.",
            code="batch_not_in_deliberation",
            extra={"current_state": batch.status.value},
        )
    if application.status not in DECIDABLE:
        raise applications.invalid_state(
            application, "only fully reviewed applications are decided"
        )
    quota = (batch.shortlist_quota or {}).get(application.field or "")
    others = await _shortlisted_in_field(session, batch.id, application.field, application.id)
    if decision == Decision.shortlist and quota is not None and others >= quota:
        raise Conflict(
            f"The field's quota of {quota} shortlisted application(s) is reached.",
            code="quota_reached",
            extra={"field": application.field, "quota": quota, "shortlisted": others},
        )
    target = TARGET[decision]
    before = applications.snapshot(application)
    application.status = target
    application.decision_reason = reason
    await applications.record_change(
        session, actor, application, decision.value, before, note=reason
    )
    return DecisionRead(
        application_id=application.id,
        status=application.status,
        decision_reason=application.decision_reason,
        field=application.field,
        shortlisted_in_field=others + (1 if target == A.shortlisted else 0),
        quota=quota,
    )
