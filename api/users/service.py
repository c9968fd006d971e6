"""Admin user management: accounts, roles, deactivation and session revocation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from api.audit import service as audit
from api.auth import service as auth_service
from api.errors import NotFound, field_error
from api.filters import contains_pattern
from api.models import Membership, Organization, OrganizationKind, Role, User, UserSession
from api.permissions import Principal
from api.users.schemas import RoleAssignment, UserCreate

# Which organisation kinds a role may belong to.
ROLE_ORGANIZATION_KINDS: dict[Role, frozenset[OrganizationKind]] = {
    Role.applicant: frozenset({OrganizationKind.enterprise}),
    Role.district_officer: frozenset({OrganizationKind.district_office}),
    Role.expert: frozenset(OrganizationKind),
    Role.agency_officer: frozenset({OrganizationKind.agency}),
    Role.admin: frozenset({OrganizationKind.agency}),
}


def _with_roles() -> tuple[ExecutableOption, ...]:
    return (selectinload(User.memberships).selectinload(Membership.organization),)


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.scalar(select(User).options(*_with_roles()).where(User.id == user_id))
    if user is None:
        raise NotFound("No such user.")
    return user


async def list_users(
    session: AsyncSession,
    *,
    q: str | None,
    role: Role | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> Sequence[User]:
    stmt = select(User).options(*_with_roles()).order_by(User.email, User.id).limit(limit)
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(or_(User.email.ilike(pattern), User.display_name.ilike(pattern)))
    if role:
        stmt = stmt.where(User.memberships.any(Membership.role == role))
    if after:
        stmt = stmt.where(tuple_(User.email, User.id) > tuple_(*after))
    return (await session.scalars(stmt)).all()


async def _validate_assignments(
    session: AsyncSession, assignments: Sequence[RoleAssignment]
) -> None:
    org_ids = {a.organization_id for a in assignments}
    kinds: dict[uuid.UUID, OrganizationKind] = dict(
        (
            await session.execute(
                select(Organization.id, Organization.kind).where(Organization.id.in_(org_ids))
            )
        ).all()
    )
    for index, assignment in enumerate(assignments):
        kind = kinds.get(assignment.organization_id)
        if kind is None:
            raise field_error(
                f"roles.{index}.organization_id", "No such organisation.", "not_found"
            )
        if kind not in ROLE_ORGANIZATION_KINDS[assignment.role]:
            raise field_error(
                f"roles.{index}.role",
                f"The role {assignment.role.value} cannot belong to an organisation of kind "
                f"{kind.value}.",
                "role_organization_mismatch",
            )


def _role_list(user: User) -> list[str]:
    return sorted(f"{m.role.value}@{m.organization_id}" for m in user.memberships)


async def create_user(session: AsyncSession, actor: Principal, data: UserCreate) -> User:
    await _validate_assignments(session, data.roles)
    user = await auth_service.add_user(
        session,
        email=data.email,
        display_name=data.display_name,
        locale=data.locale,
        password=data.password,
    )
    for a in {(a.role, a.organization_id) for a in data.roles}:
        session.add(Membership(user_id=user.id, role=a[0], organization_id=a[1]))
    await session.flush()
    user = await _reload(session, user.id)
    await audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        after={"email": user.email, "display_name": user.display_name, "roles": _role_list(user)},
    )
    return user


async def _reload(session: AsyncSession, user_id: uuid.UUID) -> User:
    session.expire_all()
    return await get_user(session, user_id)


async def set_roles(
    session: AsyncSession,
    actor: Principal,
    user_id: uuid.UUID,
    assignments: Sequence[RoleAssignment],
) -> User:
    user = await get_user(session, user_id)
    await _validate_assignments(session, assignments)
    before = _role_list(user)
    await session.execute(delete(Membership).where(Membership.user_id == user_id))
    for role, org_id in {(a.role, a.organization_id) for a in assignments}:
        session.add(Membership(user_id=user_id, role=role, organization_id=org_id))
    await session.flush()
    user = await _reload(session, user_id)
    await audit.record(
        session,
        actor=actor,
        action="user.set_roles",
        object_type="user",
        object_id=user_id,
        before={"roles": before},
        after={"roles": _role_list(user)},
    )
    return user


async def revoke_sessions(session: AsyncSession, actor: Principal, user_id: uuid.UUID) -> int:
    await get_user(session, user_id)
    result = await session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    revoked = int(result.rowcount)  # type: ignore[attr-defined]
    await audit.record(
        session,
        actor=actor,
        action="user.revoke_sessions",
        object_type="user",
        object_id=user_id,
        note=f"{revoked} session(s) revoked",
    )
    return revoked


async def deactivate_user(session: AsyncSession, actor: Principal, user_id: uuid.UUID) -> User:
    user = await get_user(session, user_id)
    if user.id == actor.user_id:
        raise field_error("user_id", "You cannot deactivate your own account.", "self_deactivation")
    if user.is_active:
        user.is_active = False
        await session.flush()
        await revoke_sessions(session, actor, user_id)
        await audit.record(
            session,
            actor=actor,
            action="user.deactivate",
            object_type="user",
            object_id=user_id,
            before={"is_active": True},
            after={"is_active": False},
        )
    return user
