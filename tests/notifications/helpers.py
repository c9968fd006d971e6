"""A small world of users around one application, and what the consumer made for them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.events import service as events
from api.models import (
    Application,
    ApplicationStatus,
    Batch,
    District,
    Locale,
    MailMessage,
    Notification,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from api.notifications import service
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import make_expert
from tests.factories.identity import make_org, make_user


@dataclass
class World:
    batch: Batch
    enterprise: Organization
    application: Application
    applicants: list[User]  # the enterprise's active applicant members
    inactive_applicant: User
    other_applicant: User  # another enterprise of the same district
    officer: User  # the enterprise's district
    other_officer: User  # another district
    experts: list[User]
    admin: User
    agency: User

    @property
    def everybody(self) -> list[User]:
        return [
            *self.applicants,
            self.inactive_applicant,
            self.other_applicant,
            self.officer,
            self.other_officer,
            *self.experts,
            self.admin,
            self.agency,
        ]


async def make_world(db: AsyncSession) -> World:
    batch = await make_batch(db)
    enterprise = await make_org(db, district=District.haidian)
    application = await make_application(db, enterprise, batch, status=ApplicationStatus.submitted)
    applicants = [
        await make_user(db, Role.applicant, org=enterprise),
        await make_user(db, Role.applicant, org=enterprise),
    ]
    applicants[1].locale = Locale.en
    office = await make_org(db, kind=OrganizationKind.district_office, district=District.haidian)
    other_office = await make_org(
        db, kind=OrganizationKind.district_office, district=District.miyun
    )
    world = World(
        batch=batch,
        enterprise=enterprise,
        application=application,
        applicants=applicants,
        inactive_applicant=await make_user(db, Role.applicant, org=enterprise, is_active=False),
        other_applicant=await make_user(db, Role.applicant, district=District.haidian),
        officer=await make_user(db, Role.district_officer, org=office),
        other_officer=await make_user(db, Role.district_officer, org=other_office),
        experts=[await make_expert(db), await make_expert(db)],
        admin=await make_user(db, Role.admin),
        agency=await make_user(db, Role.agency_officer),
    )
    await db.flush()
    return world


async def status_changed(
    db: AsyncSession, application: Application, before: str, after: ApplicationStatus
) -> None:
    application.status = after
    await db.flush()
    await events.emit(
        db,
        "application.status_changed",
        object_type="application",
        object_id=application.id,
        payload={
            "application_id": application.id,
            "batch_id": application.batch_id,
            "from": before,
            "to": after,
        },
    )


async def emit(db: AsyncSession, event_type: str, payload: dict[str, Any]) -> None:
    await events.emit(db, event_type, object_type="test", object_id=uuid.uuid4(), payload=payload)


async def consume(db: AsyncSession) -> tuple[int, int]:
    return await service.fan_out(db)


async def inbox(db: AsyncSession) -> dict[str, set[uuid.UUID]]:
    """kind → users with an inbox entry of it."""
    found: dict[str, set[uuid.UUID]] = {}
    for kind, user_id in await db.execute(select(Notification.kind, Notification.user_id)):
        found.setdefault(kind, set()).add(user_id)
    return found


async def mails(db: AsyncSession) -> dict[str, set[str]]:
    """kind → addresses with an e-mail of it."""
    found: dict[str, set[str]] = {}
    for kind, address in await db.execute(select(MailMessage.kind, MailMessage.to_address)):
        found.setdefault(kind, set()).add(address)
    return found
