"""Reads of the pool and of assignments, each one query with what its page shows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.batches.schemas import BatchBrief
from api.experts.schemas import (
    ApplicationRef,
    AssignmentRead,
    BatchExpertRead,
    ConflictRead,
    ExpertDetail,
    ExpertRead,
    ExpertRef,
    OwnApplication,
    OwnAssignment,
)
from api.models import (
    Application,
    AssignmentStatus,
    Batch,
    ExpertAttestation,
    ExpertAvailability,
    ExpertConflict,
    ExpertProfile,
    Organization,
    Review,
    ReviewAssignment,
    ReviewStatus,
    User,
)
from api.organizations.schemas import OrganizationRef


def org_ref(org: Organization | None) -> OrganizationRef | None:
    if org is None:
        return None
    return OrganizationRef.of(org)


def _load_subquery(batch_id: uuid.UUID | None = None) -> Any:
    stmt = select(ReviewAssignment.expert_id, func.count().label("n")).where(
        ReviewAssignment.status == AssignmentStatus.active
    )
    if batch_id is not None:
        stmt = stmt.where(ReviewAssignment.batch_id == batch_id)
    return stmt.group_by(ReviewAssignment.expert_id).subquery()


def expert_read(
    profile: ExpertProfile, user: User, employer: Organization | None, load: int
) -> ExpertRead:
    return ExpertRead(
        user_id=profile.user_id,
        display_name=user.display_name,
        email=user.email,
        fields=list(profile.fields or ()),
        employer=org_ref(employer),
        title_zh=profile.title_zh,
        title_en=profile.title_en,
        speciality=profile.speciality,
        active=profile.active,
        active_load=load,
    )


ExpertRow = Row[ExpertProfile, User, Organization | None, int | None]


async def list_experts(
    session: AsyncSession,
    *,
    field: str | None,
    active: bool | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> Sequence[ExpertRow]:
    """By name, then id."""
    employer = aliased(Organization)
    load = _load_subquery()
    stmt = (
        select(ExpertProfile, User, employer, load.c.n)
        .join(User, User.id == ExpertProfile.user_id)
        .outerjoin(employer, employer.id == ExpertProfile.employer_organization_id)
        .outerjoin(load, load.c.expert_id == ExpertProfile.user_id)
        .order_by(User.display_name, User.id)
        .limit(limit)
    )
    if field:
        stmt = stmt.where(ExpertProfile.fields.contains([field]))
    if active is not None:
        stmt = stmt.where(ExpertProfile.active.is_(active))
    if after:
        stmt = stmt.where(tuple_(User.display_name, User.id) > tuple_(*after))
    return (await session.execute(stmt)).all()


async def expert_detail(session: AsyncSession, user_id: uuid.UUID) -> ExpertDetail | None:
    employer = aliased(Organization)
    load = _load_subquery()
    row = (
        await session.execute(
            select(ExpertProfile, User, employer, load.c.n)
            .join(User, User.id == ExpertProfile.user_id)
            .outerjoin(employer, employer.id == ExpertProfile.employer_organization_id)
            .outerjoin(load, load.c.expert_id == ExpertProfile.user_id)
            .where(ExpertProfile.user_id == user_id)
        )
    ).first()
    if row is None:
        return None
    profile, user, org, n = row
    return ExpertDetail(
        **expert_read(profile, user, org, n or 0).model_dump(),
        conflicts=await conflicts_of(session, user_id),
    )


async def conflicts_of(session: AsyncSession, expert_id: uuid.UUID) -> list[ConflictRead]:
    rows = await session.execute(
        select(ExpertConflict, Organization)
        .join(Organization, Organization.id == ExpertConflict.organization_id)
        .where(ExpertConflict.expert_id == expert_id)
        .order_by(ExpertConflict.created_at, ExpertConflict.id)
    )
    return [conflict_read(c, o) for c, o in rows.all()]


def conflict_read(conflict: ExpertConflict, org: Organization) -> ConflictRead:
    ref = org_ref(org)
    assert ref is not None
    return ConflictRead(
        id=conflict.id, organization=ref, reason=conflict.reason, created_at=conflict.created_at
    )


PoolRow = Row[
    ExpertProfile,
    User,
    Organization | None,
    ExpertAvailability | None,
    ExpertAttestation | None,
    int | None,
]


async def batch_pool(
    session: AsyncSession,
    batch_id: uuid.UUID,
    *,
    field: str | None,
    available: bool | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> Sequence[PoolRow]:
    employer = aliased(Organization)
    load = _load_subquery(batch_id)
    stmt = (
        select(ExpertProfile, User, employer, ExpertAvailability, ExpertAttestation, load.c.n)
        .join(User, User.id == ExpertProfile.user_id)
        .outerjoin(employer, employer.id == ExpertProfile.employer_organization_id)
        .outerjoin(
            ExpertAvailability,
            (ExpertAvailability.expert_id == ExpertProfile.user_id)
            & (ExpertAvailability.batch_id == batch_id),
        )
        .outerjoin(
            ExpertAttestation,
            (ExpertAttestation.expert_id == ExpertProfile.user_id)
            & (ExpertAttestation.batch_id == batch_id),
        )
        .outerjoin(load, load.c.expert_id == ExpertProfile.user_id)
        .order_by(User.display_name, User.id)
        .limit(limit)
    )
    if field:
        stmt = stmt.where(ExpertProfile.fields.contains([field]))
    if available is True:
        stmt = stmt.where(ExpertAvailability.available.is_not(False))
    elif available is False:
        stmt = stmt.where(ExpertAvailability.available.is_(False))
    if after:
        stmt = stmt.where(tuple_(User.display_name, User.id) > tuple_(*after))
    return (await session.execute(stmt)).all()


def batch_expert_read(row: PoolRow) -> BatchExpertRead:
    profile, user, employer, availability, attestation, n = row
    return BatchExpertRead(
        user_id=profile.user_id,
        display_name=user.display_name,
        fields=list(profile.fields or ()),
        employer=org_ref(employer),
        active=profile.active,
        available=availability is None or availability.available,
        availability_note=availability.note if availability else None,
        load=n or 0,
        attested=attestation is not None,
        signed_at=attestation.signed_at if attestation else None,
    )


# --- assignments ------------------------------------------------------------------------------

AssignmentRow = Row[ReviewAssignment, Application, Organization, User]


def _assignments_stmt() -> Any:
    return (
        select(ReviewAssignment, Application, Organization, User)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Organization, Organization.id == Application.organization_id)
        .join(User, User.id == ReviewAssignment.expert_id)
    )


def assignment_read(row: AssignmentRow) -> AssignmentRead:
    assignment, application, org, user = row
    ref = org_ref(org)
    assert ref is not None
    return AssignmentRead(
        id=assignment.id,
        batch_id=assignment.batch_id,
        application=ApplicationRef(
            id=application.id,
            product_name_zh=application.product_name_zh,
            product_name_en=application.product_name_en,
            field=application.field,
            status=application.status,
            organization=ref,
        ),
        expert=ExpertRef(user_id=user.id, display_name=user.display_name),
        status=assignment.status,
        source=assignment.source,
        draw_id=assignment.draw_id,
        reason=assignment.reason,
        ended_reason=assignment.ended_reason,
        ended_at=assignment.ended_at,
        created_at=assignment.created_at,
    )


async def read_assignment(session: AsyncSession, assignment_id: uuid.UUID) -> AssignmentRead:
    row = (
        await session.execute(
            _assignments_stmt()
            .where(ReviewAssignment.id == assignment_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    return assignment_read(row)


async def list_assignments(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID | None,
    application_id: uuid.UUID | None,
    expert_id: uuid.UUID | None,
    status: AssignmentStatus | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[AssignmentRow]:
    """Newest first, ended ones included."""
    stmt = _assignments_stmt().order_by(
        ReviewAssignment.created_at.desc(), ReviewAssignment.id.desc()
    )
    if batch_id:
        stmt = stmt.where(ReviewAssignment.batch_id == batch_id)
    if application_id:
        stmt = stmt.where(ReviewAssignment.application_id == application_id)
    if expert_id:
        stmt = stmt.where(ReviewAssignment.expert_id == expert_id)
    if status:
        stmt = stmt.where(ReviewAssignment.status == status)
    if after:
        stmt = stmt.where(tuple_(ReviewAssignment.created_at, ReviewAssignment.id) < tuple_(*after))
    return (await session.execute(stmt.limit(limit))).all()


OwnRow = Row[
    ReviewAssignment,
    Batch,
    ExpertAttestation | None,
    Application,
    Organization,
    ReviewStatus | None,
]


async def own_assignments(
    session: AsyncSession,
    expert_id: uuid.UUID,
    *,
    batch_id: uuid.UUID | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[OwnRow]:
    """The expert's active assignments, newest first."""
    stmt = (
        select(ReviewAssignment, Batch, ExpertAttestation, Application, Organization, Review.status)
        .join(Batch, Batch.id == ReviewAssignment.batch_id)
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Organization, Organization.id == Application.organization_id)
        .outerjoin(
            ExpertAttestation,
            (ExpertAttestation.batch_id == ReviewAssignment.batch_id)
            & (ExpertAttestation.expert_id == ReviewAssignment.expert_id),
        )
        .where(
            ReviewAssignment.expert_id == expert_id,
            ReviewAssignment.status == AssignmentStatus.active,
        )
        .order_by(ReviewAssignment.created_at.desc(), ReviewAssignment.id.desc())
        .limit(limit)
    )
    if batch_id:
        stmt = stmt.where(ReviewAssignment.batch_id == batch_id)
    if after:
        stmt = stmt.where(tuple_(ReviewAssignment.created_at, ReviewAssignment.id) < tuple_(*after))
    return (await session.execute(stmt)).all()


def own_assignment_read(row: OwnRow) -> OwnAssignment:
    """The application stays hidden until the batch's statement is signed."""
    assignment, batch, attestation, application, org, review_status = row
    return OwnAssignment(
        review_status=review_status,
        id=assignment.id,
        batch=BatchBrief(
            id=batch.id,
            year=batch.year,
            sequence=batch.sequence,
            title_zh=batch.title_zh,
            title_en=batch.title_en,
            status=batch.status,
        ),
        attested=attestation is not None,
        assigned_at=assignment.created_at,
        application=OwnApplication(
            id=application.id,
            product_name_zh=application.product_name_zh,
            product_name_en=application.product_name_en,
            field=application.field,
            status=application.status,
            organization_name_zh=org.name_zh,
            organization_name_en=org.name_en,
        )
        if attestation is not None
        else None,
    )
