"""A double-clicked (or replayed) submit: many submit requests for one draft at once must make one
submission — one state change, one audit record, one outbox event, one notification."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from api.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    District,
    Notification,
    OrganizationKind,
    OutboxEvent,
    Role,
)
from api.notifications import service as notifications
from tests.applications.helpers import attach_required, create_draft, make_open_batch
from tests.factories.identity import make_org, make_user
from tests.races.conftest import ClientFor, Committing, is_problem

CLICKS = 12


async def test_concurrent_submits_make_one_submission(
    committing_app: Committing, client_for: ClientFor
) -> None:
    _, sessions = committing_app
    async with sessions() as db, db.begin():
        enterprise = await make_org(db, district=District.haidian)
        applicant = await make_user(db, Role.applicant, org=enterprise)
        office = await make_org(
            db, kind=OrganizationKind.district_office, district=District.haidian
        )
        officer = await make_user(db, Role.district_officer, org=office)
        batch = await make_open_batch(db)
    client = await client_for(applicant.email)
    draft = await create_draft(client, batch)
    assert draft.status_code == 201, draft.text
    application_id = draft.json()["id"]
    async with sessions() as db, db.begin():
        await attach_required(db, application_id)

    responses = await asyncio.gather(
        *(client.post(f"/api/v1/applications/{application_id}/submit") for _ in range(CLICKS))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (CLICKS - 1), [r.text for r in responses]
    refused = [r for r in responses if r.status_code == 409]
    assert all(is_problem(r, 409, "invalid_state") for r in refused)
    assert {r.json()["current_state"] for r in refused} == {"submitted"}

    async with sessions() as db:
        stored = await db.get(Application, uuid.UUID(application_id))
        assert stored is not None
        assert stored.status == ApplicationStatus.submitted
        assert stored.version == 2  # created, then changed once
        submits = await db.scalar(
            select(func.count()).where(
                AuditEvent.action == "application.submit",
                AuditEvent.object_id == application_id,
            )
        )
        assert submits == 1
        events = await db.scalar(
            select(func.count()).where(
                OutboxEvent.event_type == "application.status_changed",
                OutboxEvent.object_id == application_id,
            )
        )
        assert events == 1

    # The notification worker turns that one event into one inbox entry for the district.
    async with sessions() as db, db.begin():
        await notifications.fan_out(db)
    async with sessions() as db, db.begin():
        await notifications.fan_out(db)  # a second pass finds nothing new
    async with sessions() as db:
        inbox = await db.scalar(
            select(func.count()).where(
                Notification.user_id == officer.id, Notification.kind == "application_submitted"
            )
        )
        assert inbox == 1
