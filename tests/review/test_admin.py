"""Admins over reviews: who reviewed what (with identities), reopen and waive — each audited
and each moving the application between in_review and reviewed as needed."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    AuditEvent,
    BatchStatus,
    Role,
)
from tests.factories.identity import make_user
from tests.review.conftest import LoginAs
from tests.review.helpers import (
    criteria_scores,
    make_panel,
    make_review_batch,
    review_url,
    save,
    score_and_submit,
)


async def _status(db: AsyncSession, application: Application) -> ApplicationStatus:
    value = await db.scalar(
        select(Application.status)
        .where(Application.id == application.id)
        .execution_options(populate_existing=True)
    )
    assert value is not None
    return value


async def _audit(db: AsyncSession, action: str, object_id: object) -> list[AuditEvent]:
    return list(
        (
            await db.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == action, AuditEvent.object_id == str(object_id)
                )
            )
        ).all()
    )


async def test_admin_sees_reviews_with_expert_identity(db: AsyncSession, login_as: LoginAs) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=2)
    other = await make_panel(db, batch, experts=1)
    expert_client = await login_as(panel.experts[0])
    await score_and_submit(
        expert_client, panel.assignments[0], criteria_scores(criteria, [9, 18]), comment="好"
    )
    admin = await login_as(await make_user(db, Role.admin))

    listed = await admin.get(f"/api/v1/batches/{batch.id}/reviews")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert len(items) == 3
    by_assignment = {i["assignment_id"]: i for i in items}
    done = by_assignment[str(panel.assignments[0].id)]
    assert done["expert"]["email"] == panel.experts[0].email
    assert done["status"] == "submitted"
    assert done["comment"] == "好"
    assert float(done["total"]) == 45
    untouched = by_assignment[str(panel.assignments[1].id)]
    assert untouched["status"] is None
    assert untouched["review_id"] is None

    only = await admin.get(
        f"/api/v1/batches/{batch.id}/reviews", params={"application_id": str(other.application.id)}
    )
    assert [i["assignment_id"] for i in only.json()["items"]] == [str(other.assignments[0].id)]

    first = await admin.get(f"/api/v1/batches/{batch.id}/reviews", params={"limit": 2})
    assert len(first.json()["items"]) == 2
    rest = await admin.get(
        f"/api/v1/batches/{batch.id}/reviews", params={"limit": 2, "cursor": first.json()["next"]}
    )
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next"] is None
    paged = {i["assignment_id"] for i in first.json()["items"] + rest.json()["items"]}
    assert paged == set(by_assignment)

    missing = await admin.get(f"/api/v1/batches/{uuid.uuid4()}/reviews")
    assert missing.status_code == 404


async def test_reopen_returns_the_review_to_its_expert_and_the_application_to_review(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1)
    expert = await login_as(panel.experts[0])
    submitted = await score_and_submit(
        expert, panel.assignments[0], criteria_scores(criteria, [9, 18])
    )
    review_id = submitted.json()["id"]
    assert await _status(db, panel.application) == ApplicationStatus.reviewed
    admin = await login_as(await make_user(db, Role.admin))

    no_reason = await admin.post(f"/api/v1/reviews/{review_id}/reopen", json={})
    assert no_reason.status_code == 422
    reopened = await admin.post(
        f"/api/v1/reviews/{review_id}/reopen", json={"reason": "第二项评分与意见不一致"}
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "draft"
    assert reopened.json()["application_status"] == "in_review"
    assert reopened.json()["total"] is None
    assert await _status(db, panel.application) == ApplicationStatus.in_review

    [entry] = await _audit(db, "review.reopen", review_id)
    assert entry.changes["note"] == "第二项评分与意见不一致"
    assert entry.changes["status"] == {"before": "submitted", "after": "draft"}
    [moved] = await _audit(db, "application.review_reopened", panel.application.id)
    assert moved.changes["status"] == {"before": "reviewed", "after": "in_review"}

    # the expert edits and submits again; scores were kept
    again = await expert.get(review_url(panel.assignments[0]))
    assert again.json()["status"] == "draft"
    assert again.json()["scores"] == {str(criteria[0].id): "9", str(criteria[1].id): "18"}
    changed = await save(
        expert,
        panel.assignments[0],
        {"scores": criteria_scores(criteria, [9, 10]), "recommendation": "neutral"},
    )
    assert changed.status_code == 200
    resubmitted = await expert.post(review_url(panel.assignments[0]) + "/submit")
    assert float(resubmitted.json()["total"]) == 29
    assert await _status(db, panel.application) == ApplicationStatus.reviewed

    draft_again = await admin.post(
        f"/api/v1/reviews/{uuid.uuid4()}/reopen", json={"reason": "没有这个评审"}
    )
    assert draft_again.status_code == 404


async def test_reopen_refuses_drafts_and_decided_applications(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=2)
    expert = await login_as(panel.experts[0])
    draft = await expert.get(review_url(panel.assignments[0]))
    admin = await login_as(await make_user(db, Role.admin))
    refused = await admin.post(
        f"/api/v1/reviews/{draft.json()['id']}/reopen", json={"reason": "草稿不能重开"}
    )
    assert refused.status_code == 409
    assert refused.json()["current_state"] == "draft"

    submitted = await score_and_submit(
        expert, panel.assignments[0], criteria_scores(criteria, [1, 1])
    )
    panel.application.status = ApplicationStatus.shortlisted
    batch.status = BatchStatus.deliberation
    await db.flush()
    decided = await admin.post(
        f"/api/v1/reviews/{submitted.json()['id']}/reopen", json={"reason": "已决定"}
    )
    assert decided.status_code == 409
    assert decided.json()["current_state"] == "shortlisted"


async def test_waive_completes_the_application_and_is_audited(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=2)
    expert = await login_as(panel.experts[0])
    await score_and_submit(expert, panel.assignments[0], criteria_scores(criteria, [5, 5]))
    admin = await login_as(await make_user(db, Role.admin))
    url = f"/api/v1/assignments/{panel.assignments[1].id}/waive"

    assert (await admin.post(url, json={"reason": ""})).status_code == 422
    waived = await admin.post(url, json={"reason": "专家因病无法完成评审"})
    assert waived.status_code == 200, waived.text
    body = waived.json()
    assert body["status"] == "waived"
    assert body["waived_reason"] == "专家因病无法完成评审"
    assert body["expert"]["id"] == str(panel.experts[1].id)
    assert body["application_status"] == "reviewed"
    assert await _status(db, panel.application) == ApplicationStatus.reviewed
    [entry] = await _audit(db, "review.waive", body["review_id"])
    assert entry.changes["note"] == "专家因病无法完成评审"
    assert entry.changes["status"] == {"before": "draft", "after": "waived"}

    twice = await admin.post(url, json={"reason": "再次豁免"})
    assert twice.status_code == 409
    assert twice.json()["current_state"] == "waived"

    # the waived expert can read but no longer change the review
    absent = await login_as(panel.experts[1])
    own = await absent.get(review_url(panel.assignments[1]))
    assert own.json()["status"] == "waived"
    locked = await absent.put(
        review_url(panel.assignments[1]), json={}, headers={"If-Match": own.headers["ETag"]}
    )
    assert locked.status_code == 409

    # a waived review may be reopened (a waiver by mistake)
    reopened = await admin.post(
        f"/api/v1/reviews/{body['review_id']}/reopen", json={"reason": "专家已康复"}
    )
    assert reopened.status_code == 200
    assert reopened.json()["waived_reason"] is None
    assert await _status(db, panel.application) == ApplicationStatus.in_review


async def test_waive_refuses_submitted_and_inactive(db: AsyncSession, login_as: LoginAs) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=2)
    expert = await login_as(panel.experts[0])
    await score_and_submit(expert, panel.assignments[0], criteria_scores(criteria, [5, 5]))
    panel.assignments[1].status = AssignmentStatus.removed
    await db.flush()
    admin = await login_as(await make_user(db, Role.admin))

    submitted = await admin.post(
        f"/api/v1/assignments/{panel.assignments[0].id}/waive", json={"reason": "已提交"}
    )
    assert submitted.status_code == 409
    assert submitted.json()["current_state"] == "submitted"
    removed = await admin.post(
        f"/api/v1/assignments/{panel.assignments[1].id}/waive", json={"reason": "已移除"}
    )
    assert removed.status_code == 409
    assert removed.json()["code"] == "assignment_inactive"
    missing = await admin.post(f"/api/v1/assignments/{uuid.uuid4()}/waive", json={"reason": "没有"})
    assert missing.status_code == 404
    assert await _audit(db, "review.waive", panel.assignments[1].id) == []
