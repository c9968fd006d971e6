"""Factories for the expert pool, written straight to the database.

expert = await make_expert(db, fields=["integrated_circuits"], employer=org)
await login(client, expert.email)           # then call expert routes (ExpertPrincipal)
await attest(db, batch, expert)             # open the batch's material to the expert
await make_assignment(db, application, expert)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Application,
    AssignmentSource,
    AssignmentStatus,
    Batch,
    ExpertAttestation,
    ExpertConflict,
    ExpertProfile,
    Organization,
    OrganizationKind,
    ReviewAssignment,
    Role,
    User,
)
from tests.factories.identity import make_org, make_user

DEFAULT_EXPERT_FIELDS = ("integrated_circuits",)


async def make_expert(
    db: AsyncSession,
    *,
    fields: Iterable[str] = DEFAULT_EXPERT_FIELDS,
    employer: Organization | None = None,
    conflicts: Iterable[Organization] = (),
    active: bool = True,
    email: str | None = None,
) -> User:
    """A user with the expert role (membership in `employer`, or a fresh `other` organisation)
    and an expert profile. Returns the User; its profile's key is `user.id`."""
    employer = employer or await make_org(db, kind=OrganizationKind.other)
    user = await make_user(db, Role.expert, org=employer, email=email)
    db.add(
        ExpertProfile(
            user_id=user.id,
            fields=list(fields),
            employer_organization_id=employer.id,
            active=active,
        )
    )
    await db.flush()
    for org in conflicts:
        db.add(ExpertConflict(expert_id=user.id, organization_id=org.id, reason="测试回避"))
    await db.flush()
    return user


async def attest(db: AsyncSession, batch: Batch, expert: User) -> ExpertAttestation:
    """The expert has signed the batch's conflict-and-confidentiality statement."""
    row = ExpertAttestation(
        batch_id=batch.id,
        expert_id=expert.id,
        statement_version="test",
        signed_at=datetime.now(UTC),
    )
    db.add(row)
    await db.flush()
    return row


async def make_assignment(
    db: AsyncSession,
    application: Application,
    expert: User,
    *,
    status: AssignmentStatus = AssignmentStatus.active,
) -> ReviewAssignment:
    """A manual assignment of `expert` to `application` (no conflict checks: tests set up
    whatever they need)."""
    row = ReviewAssignment(
        batch_id=application.batch_id,
        application_id=application.id,
        expert_id=expert.id,
        status=status,
        source=AssignmentSource.manual,
        reason="test",
    )
    db.add(row)
    await db.flush()
    return row
