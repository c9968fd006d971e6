"""The batch rubric: the default one, replacing it, the lock, who may read it; and the batch's
review settings."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import BEIJING
from api.models import (
    ApplicationStatus,
    AuditEvent,
    BatchStatus,
    Review,
    ReviewStatus,
    Role,
    RubricCriterion,
)
from tests.experts.conftest import LoginAs
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import attest, make_assignment, make_expert
from tests.factories.identity import make_org, make_user

CRITERIA = [
    {"name_zh": "创新", "name_en": "Innovation", "max_score": "60", "weight": "1.5"},
    {"name_zh": "市场", "max_score": "40", "guidance_zh": "看订单", "guidance_en": "Orders"},
]


async def test_the_default_rubric_is_written_on_first_read(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch = await make_batch(db, status=BatchStatus.reviewing)
    admin = await login_as(await make_user(db, Role.admin))
    response = await admin.get(f"/api/v1/batches/{batch.id}/rubric")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    body = response.json()
    assert [(c["name_zh"], Decimal(c["max_score"])) for c in body["criteria"]] == [
        ("技术创新性", 30),
        ("技术先进性", 25),
        ("自主知识产权", 15),
        ("市场前景与示范价值", 20),
        ("企业能力", 10),
    ]
    assert all(c["name_en"] and c["guidance_zh"] and c["guidance_en"] for c in body["criteria"])
    assert {Decimal(c["weight"]) for c in body["criteria"]} == {1}
    assert Decimal(body["max_total"]) == 100
    assert body["aggregation_rule"] == "trimmed_mean"
    assert body["locked"] is False
    again = (await admin.get(f"/api/v1/batches/{batch.id}/rubric")).json()
    assert [c["id"] for c in again["criteria"]] == [c["id"] for c in body["criteria"]]
    assert await db.scalar(select(func.count()).where(RubricCriterion.batch_id == batch.id)) == 5


async def test_replace_the_rubric_until_a_review_is_submitted(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch = await make_batch(db, status=BatchStatus.reviewing)
    admin = await login_as(await make_user(db, Role.admin))
    url = f"/api/v1/batches/{batch.id}/rubric"
    replaced = await admin.put(url, json={"criteria": CRITERIA})
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert [c["name_zh"] for c in body["criteria"]] == ["创新", "市场"]
    assert [c["position"] for c in body["criteria"]] == [1, 2]
    assert Decimal(body["max_total"]) == Decimal("130")  # 1.5 × 60 + 1 × 40
    assert (await admin.get(url)).json()["criteria"] == body["criteria"]
    audit = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "rubric.replace", AuditEvent.object_id == str(batch.id)
        )
    )
    assert audit is not None

    for bad, field in (
        ({"criteria": []}, "criteria"),
        ({"criteria": [{"name_zh": "x", "max_score": "0"}]}, "criteria.0.max_score"),
        ({"criteria": [{"name_zh": "x", "max_score": "10", "weight": "-1"}]}, "criteria.0.weight"),
        (
            {
                "criteria": [
                    {"name_zh": "同", "max_score": "5"},
                    {"name_zh": "同 ", "max_score": "5"},
                ]
            },
            "criteria",
        ),
        ({"criteria": [{"name_zh": f"c{i}", "max_score": "5"} for i in range(21)]}, "criteria"),
        ({"criteria": [{"name_zh": "x", "max_score": "5", "extra": 1}]}, "criteria.0.extra"),
    ):
        response = await admin.put(url, json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["errors"][0]["field"] == field

    # one submitted review locks it
    org = await make_org(db)
    application = await make_application(db, org, batch, status=ApplicationStatus.in_review)
    expert = await make_expert(db)
    assignment = await make_assignment(db, application, expert)
    review = Review(
        assignment_id=assignment.id,
        application_id=application.id,
        expert_id=expert.id,
        status=ReviewStatus.draft,
    )
    db.add(review)
    await db.flush()
    assert (await admin.put(url, json={"criteria": CRITERIA})).status_code == 200
    review.status = ReviewStatus.submitted
    await db.flush()
    locked = await admin.put(url, json={"criteria": CRITERIA[:1]})
    assert locked.status_code == 409
    assert locked.json()["code"] == "rubric_locked"
    assert (await admin.get(url)).json()["locked"] is True
    assert len((await admin.get(url)).json()["criteria"]) == 2


async def test_the_rubric_is_frozen_after_review(db: AsyncSession, login_as: LoginAs) -> None:
    batch = await make_batch(db, status=BatchStatus.publicity)
    admin = await login_as(await make_user(db, Role.admin))
    response = await admin.put(f"/api/v1/batches/{batch.id}/rubric", json={"criteria": CRITERIA})
    assert response.status_code == 409
    assert response.json()["current_state"] == "publicity"


async def test_experts_read_the_rubric_after_signing(db: AsyncSession, login_as: LoginAs) -> None:
    batch = await make_batch(db, status=BatchStatus.reviewing)
    expert = await make_expert(db)
    client = await login_as(expert)
    url = f"/api/v1/batches/{batch.id}/rubric"
    before = await client.get(url)
    assert before.status_code == 403
    assert before.json()["code"] == "attestation_required"
    await attest(db, batch, expert)
    after = await client.get(url)
    assert after.status_code == 200
    assert len(after.json()["criteria"]) == 5
    assert (await client.put(url, json={"criteria": CRITERIA})).status_code == 403

    applicant = await login_as(await make_user(db, Role.applicant))
    assert (await applicant.get(url)).status_code == 403
    assert (await applicant.get(f"/api/v1/batches/{uuid.uuid4()}/rubric")).status_code == 404
    draft = await make_batch(db, status=BatchStatus.draft)
    assert (await client.get(f"/api/v1/batches/{draft.id}/rubric")).status_code == 404


async def test_review_settings(db: AsyncSession, login_as: LoginAs) -> None:
    batch = await make_batch(db, status=BatchStatus.reviewing, fields=["aerospace", "transport"])
    admin = await login_as(await make_user(db, Role.admin))
    url = f"/api/v1/batches/{batch.id}/review-settings"
    current = (await admin.get(url)).json()
    assert current["aggregation_rule"] == "trimmed_mean"
    assert current["reviewers_per_application"] == 5
    assert current["max_assignments_per_expert"] == 15
    assert current["editable"] is True

    changed = await admin.put(
        url,
        json={
            "aggregation_rule": "median",
            "max_assignments_per_expert": 8,
            "shortlist_quota": {"aerospace": 2, "transport": 0},
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["aggregation_rule"] == "median"
    assert body["max_assignments_per_expert"] == 8
    assert body["reviewers_per_application"] == 5  # left out, kept
    assert body["shortlist_quota"] == {"aerospace": 2, "transport": 0}

    not_offered = await admin.put(url, json={"shortlist_quota": {"pharma_health": 1}})
    assert not_offered.status_code == 422
    assert not_offered.json()["errors"][0]["field"] == "shortlist_quota.pharma_health"
    assert not_offered.json()["errors"][0]["code"] == "field_not_offered"
    for bad in (
        {"shortlist_quota": {"aerospace": -1}},
        {"reviewers_per_application": 0},
        {"max_assignments_per_expert": 201},
        {"aggregation_rule": "max"},
        {"aggregation_rule": None},
        {"unknown": 1},
    ):
        assert (await admin.put(url, json=bad)).status_code == 422, bad

    # The scoring deadline: set, refused before the batch closes, cleared.
    assert body["review_due_on"] is None
    closing_day = batch.closes_at.astimezone(BEIJING).date()
    due = await admin.put(url, json={"review_due_on": str(closing_day + timedelta(days=20))})
    assert due.status_code == 200, due.text
    assert due.json()["review_due_on"] == str(closing_day + timedelta(days=20))
    early = await admin.put(url, json={"review_due_on": str(closing_day - timedelta(days=1))})
    assert early.status_code == 422
    assert early.json()["errors"][0]["code"] == "review_due_before_close"
    assert (await admin.get(url)).json()["review_due_on"] == str(closing_day + timedelta(days=20))
    cleared = await admin.put(url, json={"review_due_on": None})
    assert cleared.json()["review_due_on"] is None
    assert (await admin.put(url, json={"review_due_on": "next week"})).status_code == 422

    batch.status = BatchStatus.publicity
    await db.flush()
    frozen = await admin.put(url, json={"aggregation_rule": "mean"})
    assert frozen.status_code == 409
    assert frozen.json()["current_state"] == "publicity"
    await db.refresh(batch)
    assert batch.aggregation_rule == "median"
