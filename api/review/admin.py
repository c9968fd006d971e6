"""The admin's side of review: every assignment with its review and expert (admins may know
who scored what), reopening a review and waiving a missing one — each with a reason, audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import service as applications
from api.audit import service as audit
from api.errors import Conflict, NotFound
from api.models import (
    Application,
    AssignmentStatus,
    Batch,
    Review,
    ReviewAssignment,
    ReviewStatus,
    User,
)
from api.permissions import Principal
from api.review.service import (
    DONE,
    SCORING_BATCH_STATES,
    A,
    ensure_review,
    ensure_scoring_open,
    lock_context,
    lock_review,
    settle_application,
    snapshot,
)

AdminRow = tuple[ReviewAssignment, Application, User, Review | None]


def _admin_statement() -> Select[ReviewAssignment, Application, User, Review]:
    return (
        select(ReviewAssignment, Application, User, Review)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(User, User.id == ReviewAssignment.expert_id)
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
    )


async def list_reviews(
    session: AsyncSession,
    batch_id: uuid.UUID,
    *,
    application_id: uuid.UUID | None,
    after: tuple[uuid.UUID, uuid.UUID] | None,
    limit: int,
) -> Sequence[AdminRow]:
    """Every assignment of the batch with its review, by application then assignment."""
    if await session.get(Batch, batch_id) is None:
        raise NotFound("No such batch.")
    stmt = (
        _admin_statement()
        .where(ReviewAssignment.batch_id == batch_id)
        .order_by(ReviewAssignment.application_id, ReviewAssignment.id)
        .limit(limit)
    )
    if application_id is not None:
        stmt = stmt.where(ReviewAssignment.application_id == application_id)
    if after is not None:
        stmt = stmt.where(
            tuple_(ReviewAssignment.application_id, ReviewAssignment.id) > tuple_(*after)
        )
    return [(r[0], r[1], r[2], r[3]) for r in await session.execute(stmt)]


async def admin_row(session: AsyncSession, assignment_id: uuid.UUID) -> AdminRow:
    row = (
        await session.execute(_admin_statement().where(ReviewAssignment.id == assignment_id))
    ).one()
    return row[0], row[1], row[2], row[3]


async def reopen_review(
    session: AsyncSession, actor: Principal, review_id: uuid.UUID, reason: str
) -> Review:
    """submitted (or waived) → draft, so the expert can change it; a reviewed application goes
    back to in_review. Decided applications stay decided: undo the decision first."""
    found = await session.get(Review, review_id)
    if found is None:
        raise NotFound("No such review.")
    assignment = await session.get(ReviewAssignment, found.assignment_id)
    assert assignment is not None
    batch, application = await lock_context(session, found.application_id, assignment.batch_id)
    review = await lock_review(session, assignment.id)
    assert review is not None
    if review.status not in DONE:
        raise Conflict(
            "Only a submitted or waived review can be reopened.",
            code="invalid_state",
            extra={"current_state": review.status.value},
        )
    if assignment.status != AssignmentStatus.active:
        raise Conflict(
            f"The assignment is {assignment.status.value}; its review no longer counts.",
            code="assignment_inactive",
            extra={"current_state": assignment.status.value},
        )
    if batch.status not in SCORING_BATCH_STATES:
        raise Conflict(
            f"The batch is {batch.status.value}; reviews are final.",
            code="batch_not_reviewing",
            extra={"current_state": batch.status.value},
        )
    if application.status not in (A.in_review, A.reviewed):
        raise applications.invalid_state(application, "only undecided applications reopen")
    before = snapshot(review)
    review.status = ReviewStatus.draft
    review.submitted_at = None
    review.total = None
    review.waived_reason = None
    review.version += 1
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="review.reopen",
        object_type="review",
        object_id=review.id,
        before=before,
        after=snapshot(review),
        note=reason,
    )
    await settle_application(session, actor, application, note=f"review reopened: {reason}")
    return review


async def waive_review(
    session: AsyncSession, actor: Principal, assignment_id: uuid.UUID, reason: str
) -> Review:
    """Excuse a missing review so that the application can complete without it."""
    assignment = await session.get(ReviewAssignment, assignment_id)
    if assignment is None:
        raise NotFound("No such assignment.")
    batch, application = await lock_context(session, assignment.application_id, assignment.batch_id)
    if assignment.status != AssignmentStatus.active:
        raise Conflict(
            f"The assignment is {assignment.status.value}; only active ones are waived.",
            code="assignment_inactive",
            extra={"current_state": assignment.status.value},
        )
    await ensure_review(session, assignment)
    review = await lock_review(session, assignment.id)
    assert review is not None
    if review.status != ReviewStatus.draft:
        raise Conflict(
            f"The review is already {review.status.value}.",
            code="invalid_state",
            extra={"current_state": review.status.value},
        )
    ensure_scoring_open(batch, application)
    before = snapshot(review)
    review.status = ReviewStatus.waived
    review.waived_reason = reason
    review.version += 1
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="review.waive",
        object_type="review",
        object_id=review.id,
        before=before,
        after=snapshot(review),
        note=reason,
    )
    await settle_application(session, actor, application, note=f"review waived: {reason}")
    return review
