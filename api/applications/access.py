"""Who may see and change an application — the one place these rules live."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.errors import Conflict, NotFound
from api.models import Application, ApplicationStatus, Organization, Role
from api.permissions import Principal

EDITABLE_STATUSES = frozenset({ApplicationStatus.draft, ApplicationStatus.returned})


def visibility(principal: Principal) -> ColumnElement[bool]:
    """A filter on Application (joined with its Organization) for what `principal` may read."""
    if principal.has_role(Role.admin, Role.agency_officer):
        # Staff see everything but other organisations' unsubmitted drafts.
        return Application.status != ApplicationStatus.draft
    clauses: list[ColumnElement[bool]] = []
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


def visible_applications(principal: Principal) -> Select[Application]:
    return (
        select(Application)
        .join(Organization, Organization.id == Application.organization_id)
        .where(visibility(principal))
    )


async def get_readable_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, *, lock: bool = False
) -> Application:
    """The application if `principal` may read it; 404 alike for missing and hidden ones."""
    stmt = visible_applications(principal).where(Application.id == application_id)
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
