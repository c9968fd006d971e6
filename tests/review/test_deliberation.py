"""Deliberation: the start-deliberation guard through the batch transition route, and the
shortlist / not-selected decisions with the per-field quota."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    AuditEvent,
    Batch,
    BatchStatus,
    OutboxEvent,
    Role,
)
from tests.factories.applications import make_application
from tests.factories.experts import make_assignment
from tests.factories.identity import make_org, make_user
from tests.review.conftest import LoginAs
from tests.review.helpers import (
    criteria_scores,
    make_panel,
    make_review_batch,
    save,
    score_and_submit,
)

S = ApplicationStatus


async def _status(db: AsyncSession, application: Application) -> ApplicationStatus | None:
    return await db.scalar(
        select(Application.status)
        .where(Application.id == application.id)
        .execution_options(populate_existing=True)
    )


async def test_start_deliberation_waits_for_every_review(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    done = await make_panel(db, batch, experts=1)
    partial = await make_panel(db, batch, experts=2)
    unassigned = await make_panel(db, batch, experts=0)
    # fully reviewed, but left in_review by an assignment removed after the last submit
    settled = await make_panel(db, batch, experts=2)
    await make_application(db, await make_org(db), batch, status=S.rejected)  # not in review
    admin = await login_as(await make_user(db, Role.admin))

    expert = await login_as(done.experts[0])
    assert (
        await score_and_submit(expert, done.assignments[0], criteria_scores(criteria, [1, 2]))
    ).status_code == 200
    first = await login_as(partial.experts[0])
    await score_and_submit(first, partial.assignments[0], criteria_scores(criteria, [3, 4]))
    second = await login_as(partial.experts[1])
    await save(second, partial.assignments[1], {"comment": "还在看"})
    settler = await login_as(settled.experts[0])
    await score_and_submit(settler, settled.assignments[0], criteria_scores(criteria, [5, 6]))
    settled.assignments[1].status = AssignmentStatus.removed
    await db.flush()

    url = f"/api/v1/batches/{batch.id}/transitions/start-deliberation"
    refused = await admin.post(url)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "reviews_outstanding"
    assert problem["not_fully_reviewed"] == 2
    assert set(problem["application_ids"]) == {
        str(partial.application.id),
        str(unassigned.application.id),
    }
    assert "2 application" in problem["detail"]
    batch_status = await db.scalar(
        select(Batch.status).where(Batch.id == batch.id).execution_options(populate_existing=True)
    )
    assert batch_status == BatchStatus.reviewing

    # waive the straggler; give the unassigned application an expert who scores it
    waived = await admin.post(
        f"/api/v1/assignments/{partial.assignments[1].id}/waive", json={"reason": "专家出差"}
    )
    assert waived.status_code == 200
    still = await admin.post(url)
    assert still.json()["not_fully_reviewed"] == 1
    late = await make_assignment(db, unassigned.application, done.experts[0])
    await score_and_submit(expert, late, criteria_scores(criteria, [7, 8]))

    moved = await admin.post(url)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "deliberation"
    for panel in (done, partial, unassigned, settled):
        assert await _status(db, panel.application) == S.reviewed, panel
    settle = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "application.review_complete",
            AuditEvent.object_id == str(settled.application.id),
        )
    )
    assert settle is not None
    assert settle.changes["note"] == "settled at the start of deliberation"


async def _deliberating(db: AsyncSession, quota: dict[str, int]) -> tuple[Batch, list[Application]]:
    batch, _ = await make_review_batch(db, status=BatchStatus.deliberation, shortlist_quota=quota)
    org = await make_org(db)
    apps = [
        await make_application(db, org, batch, status=S.reviewed, field="integrated_circuits")
        for _ in range(3)
    ]
    apps.append(await make_application(db, org, batch, status=S.reviewed, field="aerospace"))
    return batch, apps


def _url(application: Application, verb: str) -> str:
    return f"/api/v1/applications/{application.id}/deliberation/{verb}"


async def test_shortlist_respects_the_field_quota_and_minds_may_change(
    db: AsyncSession, login_as: LoginAs
) -> None:
    _, (a, b, c, other_field) = await _deliberating(db, {"integrated_circuits": 2})
    admin = await login_as(await make_user(db, Role.admin))

    assert (await admin.post(_url(a, "shortlist"), json={})).status_code == 422
    first = await admin.post(_url(a, "shortlist"), json={"reason": "综合得分第一"})
    assert first.status_code == 200, first.text
    assert first.json() == {
        "application_id": str(a.id),
        "status": "shortlisted",
        "decision_reason": "综合得分第一",
        "field": "integrated_circuits",
        "shortlisted_in_field": 1,
        "quota": 2,
    }
    assert (await admin.post(_url(b, "shortlist"), json={"reason": "第二"})).status_code == 200
    full = await admin.post(_url(c, "shortlist"), json={"reason": "第三"})
    assert full.status_code == 409
    assert full.json()["code"] == "quota_reached"
    assert full.json()["quota"] == 2
    assert full.json()["shortlisted"] == 2
    # another field has no quota
    assert (
        await admin.post(_url(other_field, "shortlist"), json={"reason": "航空领域推荐"})
    ).status_code == 200

    # change of mind: b out, c in
    dropped = await admin.post(_url(b, "not-select"), json={"reason": "与c比较后调整"})
    assert dropped.status_code == 200
    assert dropped.json()["status"] == "not_selected"
    assert dropped.json()["shortlisted_in_field"] == 1
    assert (await admin.post(_url(c, "shortlist"), json={"reason": "调整入选"})).status_code == 200
    # re-shortlisting a shortlisted one does not count it twice against the quota
    again = await admin.post(_url(a, "shortlist"), json={"reason": "理由更新"})
    assert again.status_code == 200
    assert again.json()["shortlisted_in_field"] == 2

    statuses = {app.id: await _status(db, app) for app in (a, b, c, other_field)}
    assert statuses == {
        a.id: S.shortlisted,
        b.id: S.not_selected,
        c.id: S.shortlisted,
        other_field.id: S.shortlisted,
    }
    audit = (
        await db.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(b.id)).order_by(AuditEvent.id)
        )
    ).all()
    assert [e.action for e in audit] == ["application.shortlist", "application.not_select"]
    assert audit[1].changes["decision_reason"] == {"before": "第二", "after": "与c比较后调整"}
    events = (
        await db.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.object_id == str(b.id),
                OutboxEvent.event_type == "application.status_changed",
            )
            .order_by(OutboxEvent.id)
        )
    ).all()
    assert [e.payload["to"] for e in events] == ["shortlisted", "not_selected"]


async def test_decisions_need_deliberation_and_a_reviewed_application(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, (a, *_) = await _deliberating(db, {})
    admin = await login_as(await make_user(db, Role.admin))
    in_review = await make_application(db, await make_org(db), batch, status=S.in_review)

    refused = await admin.post(_url(in_review, "not-select"), json={"reason": "尚未评完"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_state"
    assert refused.json()["current_state"] == "in_review"

    batch.status = BatchStatus.reviewing
    await db.flush()
    early = await admin.post(_url(a, "shortlist"), json={"reason": "太早"})
    assert early.status_code == 409
    assert early.json()["code"] == "batch_not_in_deliberation"
    assert early.json()["current_state"] == "reviewing"

    missing = await admin.post(
        f"/api/v1/applications/{uuid.uuid4()}/deliberation/shortlist", json={"reason": "无此申报"}
    )
    assert missing.status_code == 404
    draft = await make_application(db, await make_org(db), batch, status=S.draft)
    hidden = await admin.post(_url(draft, "shortlist"), json={"reason": "草稿"})
    assert hidden.status_code == 404
    assert await _status(db, a) == S.reviewed


async def test_a_reviewed_application_that_lost_its_reviews_blocks_deliberation(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, _ = await make_review_batch(db)
    orphan = await make_panel(db, batch, experts=1, status=S.reviewed)
    orphan.assignments[0].status = AssignmentStatus.removed
    await db.flush()
    admin = await login_as(await make_user(db, Role.admin))
    refused = await admin.post(f"/api/v1/batches/{batch.id}/transitions/start-deliberation")
    assert refused.status_code == 409
    assert refused.json()["application_ids"] == [str(orphan.application.id)]


async def test_an_empty_batch_moves_to_deliberation(db: AsyncSession, login_as: LoginAs) -> None:
    batch, _ = await make_review_batch(db)
    admin = await login_as(await make_user(db, Role.admin))
    moved = await admin.post(f"/api/v1/batches/{batch.id}/transitions/start-deliberation")
    assert moved.status_code == 200
    assert moved.json()["status"] == "deliberation"
