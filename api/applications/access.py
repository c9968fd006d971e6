"""Who may see and change an application — the one place these rules live."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.errors import Conflict, NotFound
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    ExpertAttestation,
    Organization,
    ReviewAssignment,
    Role,
)
from api.permissions import Principal

EDITABLE_STATUSES = frozenset({ApplicationStatus.draft, ApplicationStatus.returned})


def _assigned_and_attested(principal: Principal) -> ColumnElement[bool]:
    """Applications the expert holds an active assignment for, in a batch whose
    conflict-and-confidentiality statement the expert has signed."""
    return Application.id.in_(
        select(ReviewAssignment.application_id)
        .join(
            ExpertAttestation,
            (ExpertAttestation.batch_id == ReviewAssignment.batch_id)
            & (ExpertAttestation.expert_id == ReviewAssignment.expert_id),
        )
        .where(
            ReviewAssignment.expert_id == principal.user_id,
            ReviewAssignment.status == AssignmentStatus.active,
        )
    )


def visibility(principal: Principal, *, material: bool = False) -> ColumnElement[bool]:
    """A filter on Application (joined with its Organization) for what `principal` may read.

    `material` is the application's content and attachments — what an assigned expert reviews.
    Only readers that serve exactly that pass it: experts see nothing else of an application
    (not its timeline, its eligibility check or its place in any list)."""
    if principal.has_role(Role.admin, Role.agency_officer):
        # Staff see everything but other organisations' unsubmitted drafts.
        return Application.status != ApplicationStatus.draft
    clauses: list[ColumnElement[bool]] = []
    if material and principal.has_role(Role.expert):
        clauses.append(_assigned_and_attested(principal))
    own = principal.organization_ids(Role.applicant)
    if own:
        clauses.append(Application.organization_id.in_(own))
    districts = principal.districts()
    if districts:
        clauses.append(
            (Organization.district.in_(districts)) & (Application.status != ApplicationStatus.draft)
        )
    if not clauses:
        return false()
    return or_(*clauses)


def visible_applications(principal: Principal, *, material: bool = False) -> Select[Application]:
    return (
        select(Application)
        .join(Organization, Organization.id == Application.organization_id)
        .where(visibility(principal, material=material))
    )


async def get_readable_application(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    *,
    lock: bool = False,
    material: bool = False,
) -> Application:
    """The application if `principal` may read it; 404 alike for missing and hidden ones
    (an expert before signing the batch's statement, or without an active assignment, gets the
    same 404)."""
    stmt = visible_applications(principal, material=material).where(
        Application.id == application_id
    )
    if lock:
        stmt = stmt.with_for_update(of=Application)
    application = await session.scalar(stmt)
    if application is None:
        raise NotFound("No such application.")
    return application


def is_owner(principal: Principal, application: Application) -> bool:
    return application.organization_id in principal.organization_ids(Role.applicant)


async def get_editable_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Application:
    """The application, locked, if `principal` is its applicant and it is open for editing."""
    application = await get_readable_application(session, principal, application_id, lock=True)
    if not is_owner(principal, application):
        raise NotFound("No such application.")
    if application.status not in EDITABLE_STATUSES:
        raise Conflict(
            f"The application is {application.status.value}; only drafts and returned "
            "applications can be changed.",
            code="invalid_state",
            extra={"current_state": application.status.value},
        )
    return application
