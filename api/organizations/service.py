"""Organisations: enterprises, district offices, agencies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import Actor
from api.errors import Conflict, FieldError, NotFound, field_error
from api.filters import contains_pattern
from api.models import Organization, OrganizationKind
from api.organizations.schemas import OrganizationCreate
from api.permissions import Principal

AUDITED_FIELDS = ("name_zh", "name_en", "uscc", "district", "kind")


def snapshot(org: Organization) -> dict[str, object]:
    return {f: getattr(org, f) for f in AUDITED_FIELDS}


async def create_organization(
    session: AsyncSession, actor: Actor | None, data: OrganizationCreate, *, field_prefix: str = ""
) -> Organization:
    if data.kind == OrganizationKind.enterprise and not data.uscc:
        raise field_error(
            f"{field_prefix}uscc", "Enterprises need a unified social credit code.", "required"
        )
    if data.kind == OrganizationKind.district_office and not data.district:
        raise field_error(
            f"{field_prefix}district", "A district office needs its district.", "required"
        )
    if data.uscc and await session.scalar(
        select(Organization.id).where(Organization.uscc == data.uscc)
    ):
        raise Conflict(
            "An organisation with this unified social credit code is already registered.",
            code="uscc_taken",
            errors=[
                FieldError(
                    field=f"{field_prefix}uscc", message="Already registered.", code="uscc_taken"
                )
            ],
        )
    org = Organization(**data.model_dump())
    session.add(org)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="organization.create",
        object_type="organization",
        object_id=org.id,
        after=snapshot(org),
    )
    return org


async def get_organization(session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    org = await session.get(Organization, organization_id)
    if org is None:
        raise NotFound("No such organisation.")
    return org


async def get_visible_organization(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID
) -> Organization:
    """Admins see every organisation, others only their own; others' answer 404, not 403."""
    if not principal.is_admin and organization_id not in {
        g.organization_id for g in principal.grants
    }:
        raise NotFound("No such organisation.")
    return await get_organization(session, organization_id)


async def list_organizations(
    session: AsyncSession,
    *,
    kind: OrganizationKind | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
    q: str | None = None,
) -> Sequence[Organization]:
    stmt = select(Organization).order_by(Organization.name_zh, Organization.id).limit(limit)
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(
            or_(
                Organization.name_zh.ilike(pattern),
                Organization.name_en.ilike(pattern),
                Organization.uscc.ilike(pattern),
            )
        )
    if after:
        stmt = stmt.where(tuple_(Organization.name_zh, Organization.id) > tuple_(*after))
    return (await session.scalars(stmt)).all()
