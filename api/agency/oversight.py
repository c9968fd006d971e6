"""Read-only oversight for agency clients: the applications of published-for-intake batches
(never a draft batch, never an unsubmitted draft) with their experts' reviews, the experts
anonymised, and the awards with their certificates' status."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.schemas import AnonymousReview
from api.applications import service as applications
from api.errors import NotFound
from api.models import (
    Application,
    ApplicationStatus,
    Batch,
    BatchStatus,
    District,
    Organization,
    Review,
    ReviewAssignment,
    ReviewStatus,
)


def visible() -> ColumnElement[bool]:
    """What an agency client may read of applications."""
    return and_(Application.status != ApplicationStatus.draft, Batch.status != BatchStatus.draft)


async def list_applications(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID | None,
    statuses: Sequence[ApplicationStatus],
    district: District | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[applications.ListRow]:
    return await applications.list_applications(
        session,
        visible(),
        batch_id=batch_id,
        statuses=statuses,
        district=district,
        overdue=None,
        after=after,
        limit=limit,
    )


async def read_application(
    session: AsyncSession, application_id: uuid.UUID
) -> tuple[Application, Organization, Batch]:
    row = (
        await session.execute(
            select(Application, Organization, Batch)
            .join(Organization, Organization.id == Application.organization_id)
            .join(Batch, Batch.id == Application.batch_id)
            .where(Application.id == application_id, visible())
        )
    ).first()
    if row is None:
        raise NotFound("No application with this id.", code="application_not_found")
    return row[0], row[1], row[2]


def expert_label(position: int) -> str:
    """A, B, … Z, AA, AB, … — the n-th expert of an application, in assignment order."""
    label = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        label = chr(65 + rest) + label
    return label


async def reviews_of(session: AsyncSession, application_id: uuid.UUID) -> list[AnonymousReview]:
    """The submitted and waived reviews, each expert a letter: which expert scored what stays
    with the joint office."""
    rows = (
        await session.execute(
            select(Review)
            .join(ReviewAssignment, ReviewAssignment.id == Review.assignment_id)
            .where(
                Review.application_id == application_id,
                Review.status.in_([ReviewStatus.submitted, ReviewStatus.waived]),
            )
            .order_by(ReviewAssignment.created_at, ReviewAssignment.id)
        )
    ).scalars()
    return [
        AnonymousReview(
            expert=expert_label(position),
            status=review.status,
            scores=review.scores,
            total=review.total,
            recommendation=review.recommendation,
            comment=review.comment,
            submitted_at=review.submitted_at,
        )
        for position, review in enumerate(rows)
    ]
