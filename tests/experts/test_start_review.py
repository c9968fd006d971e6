"""The start-review move of a batch (closed → reviewing) and what it does to applications."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    ApplicationStatus,
    AuditEvent,
    BatchStatus,
    OutboxEvent,
    Role,
    RubricCriterion,
)
from tests.experts.conftest import LoginAs
from tests.factories.applications import make_application, make_batch
from tests.factories.identity import make_org, make_user


async def test_start_review_waits_for_every_check_then_moves_accepted_applications(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch = await make_batch(db, status=BatchStatus.closed)
    org = await make_org(db)
    accepted = [
        await make_application(db, org, batch, status=ApplicationStatus.accepted) for _ in range(2)
    ]
    waiting = await make_application(db, org, batch, status=ApplicationStatus.recommended)
    rejected = await make_application(db, org, batch, status=ApplicationStatus.rejected)
    admin = await login_as(await make_user(db, Role.admin))
    url = f"/api/v1/batches/{batch.id}/transitions/start-review"

    refused = await admin.post(url)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "applications_awaiting_check"
    assert refused.json()["current_state"] == "closed"
    assert refused.json()["awaiting"] == {"recommended": 1}
    await db.refresh(accepted[0])
    assert accepted[0].status == ApplicationStatus.accepted

    waiting.status = ApplicationStatus.accepted
    await db.flush()
    accepted.append(waiting)
    moved = await admin.post(url)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "reviewing"
    for application in accepted:
        await db.refresh(application)
        assert application.status == ApplicationStatus.in_review
    await db.refresh(rejected)
    assert rejected.status == ApplicationStatus.rejected

    ids = [str(a.id) for a in accepted]
    audits = await db.scalar(
        select(func.count()).where(
            AuditEvent.action == "application.start_review", AuditEvent.object_id.in_(ids)
        )
    )
    events = (
        await db.scalars(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "application.status_changed",
                OutboxEvent.object_id.in_(ids),
            )
        )
    ).all()
    assert audits == 3
    assert len(events) == 3
    assert {(e.payload["from"], e.payload["to"]) for e in events} == {("accepted", "in_review")}
    # the batch reached review with a rubric
    criteria = await db.scalar(select(func.count()).where(RubricCriterion.batch_id == batch.id))
    assert criteria == 5


async def test_a_submitted_application_also_holds_review_back(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch = await make_batch(db, status=BatchStatus.closed)
    await make_application(db, await make_org(db), batch, status=ApplicationStatus.submitted)
    admin = await login_as(await make_user(db, Role.admin))
    refused = await admin.post(f"/api/v1/batches/{batch.id}/transitions/start-review")
    assert refused.status_code == 409
    assert refused.json()["awaiting"] == {"submitted": 1}
    await db.refresh(batch)
    assert batch.status == BatchStatus.closed
