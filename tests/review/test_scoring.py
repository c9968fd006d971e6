"""An expert's review through the HTTP API: the draft, its ETag, bounds, submit and lock, and
the application's move to reviewed once every review is in."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    AuditEvent,
    BatchStatus,
    OutboxEvent,
    Review,
    ReviewStatus,
)
from tests.factories.applications import make_batch
from tests.factories.experts import make_assignment, make_expert
from tests.factories.identity import make_org
from tests.review.conftest import LoginAs
from tests.review.helpers import (
    criteria_scores,
    make_panel,
    make_review_batch,
    review_url,
    save,
    score_and_submit,
)


async def test_first_read_creates_an_empty_draft_with_the_rubric(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1)
    client = await login_as(panel.experts[0])

    def listed_status(page: dict) -> object:
        (own,) = [a for a in page["items"] if a["id"] == str(panel.assignments[0].id)]
        return own["review_status"]

    assert listed_status((await client.get("/api/v1/expert/assignments")).json()) is None
    response = await client.get(review_url(panel.assignments[0]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "draft"
    assert listed_status((await client.get("/api/v1/expert/assignments")).json()) == "draft"
    assert body["scores"] == {}
    assert body["total"] is None
    assert body["version"] == 1
    assert [c["id"] for c in body["criteria"]] == [str(c.id) for c in criteria]
    assert body["criteria"][0]["guidance_zh"] == "评分指引1"
    assert Decimal(body["max_total"]) == 50
    assert response.headers["ETag"] == f'"{body["id"]}-v1"'
    assert response.headers["Cache-Control"] == "private, no-store"

    again = await client.get(review_url(panel.assignments[0]))
    assert again.json()["id"] == body["id"]
    count = await db.scalar(
        select(Review.id).where(Review.assignment_id == panel.assignments[0].id)
    )
    assert count is not None


async def test_draft_save_needs_if_match_and_refuses_a_stale_one(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1)
    client = await login_as(panel.experts[0])
    url = review_url(panel.assignments[0])
    first = await client.get(url)
    etag = first.headers["ETag"]
    body = {"scores": criteria_scores(criteria[:1], [8.5]), "comment": "技术指标先进"}

    missing = await client.put(url, json=body)
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"

    saved = await client.put(url, json=body, headers={"If-Match": etag})
    assert saved.status_code == 200, saved.text
    assert saved.json()["scores"] == {str(criteria[0].id): "8.5"}
    assert saved.json()["comment"] == "技术指标先进"
    assert saved.json()["recommendation"] is None
    assert saved.headers["ETag"] != etag

    stale = await client.put(url, json={"comment": "覆盖"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == saved.headers["ETag"]
    # the refused write changed nothing
    assert (await client.get(url)).json()["comment"] == "技术指标先进"

    # PUT replaces the draft: what is left out is cleared
    replaced = await client.put(
        url,
        json={"recommendation": "neutral"},
        headers={"If-Match": saved.headers["ETag"]},
    )
    assert replaced.status_code == 200
    assert replaced.json()["scores"] == {}
    assert replaced.json()["comment"] is None
    assert replaced.json()["recommendation"] == "neutral"
    audit = (
        await db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == first.json()["id"])
        )
    ).all()
    assert audit.count("review.save") == 2


async def test_scores_out_of_bounds_or_unknown_are_field_errors(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1)
    client = await login_as(panel.experts[0])
    first, second = (str(c.id) for c in criteria)
    stranger = str(uuid.uuid4())

    cases = [
        ({first: 10.5}, f"scores.{first}", "out_of_range"),  # max 10
        ({second: -1}, f"scores.{second}", "greater_than_equal"),
        ({first: 7.25}, f"scores.{first}", "decimal_max_places"),
        ({stranger: 5}, f"scores.{stranger}", "unknown"),
        ({first: "nan"}, f"scores.{first}", "finite_number"),
        ({first: "abc"}, f"scores.{first}", "decimal_parsing"),
    ]
    for scores, field, code in cases:
        response = await save(client, panel.assignments[0], {"scores": scores})
        assert response.status_code == 422, (scores, response.text)
        errors = response.json()["errors"]
        assert {"field": field, "code": code} in [
            {"field": e["field"], "code": e["code"]} for e in errors
        ], (scores, errors)

    unknown_key = await save(client, panel.assignments[0], {"scores": {}, "total": 99})
    assert unknown_key.status_code == 422
    edge = await save(client, panel.assignments[0], {"scores": {first: 10, second: 0}})
    assert edge.status_code == 200, edge.text
    review = await client.get(review_url(panel.assignments[0]))
    assert review.json()["scores"] == {first: "10", second: "0"}
    assert review.json()["version"] == 2  # only the valid save counted


async def test_submit_needs_every_score_and_a_recommendation(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1)
    client = await login_as(panel.experts[0])
    url = review_url(panel.assignments[0])
    await save(client, panel.assignments[0], {"scores": criteria_scores(criteria[:1], [6])})

    refused = await client.post(url + "/submit")
    assert refused.status_code == 422
    assert refused.json()["code"] == "review_incomplete"
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {f"scores.{criteria[1].id}", "recommendation"}
    assert (await client.get(url)).json()["status"] == "draft"


async def test_submit_locks_and_computes_the_weighted_total(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=2)
    client = await login_as(panel.experts[0])
    url = review_url(panel.assignments[0])

    submitted = await score_and_submit(
        client, panel.assignments[0], criteria_scores(criteria, [7.5, 15.5]), comment="可推荐"
    )
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "submitted"
    assert Decimal(body["total"]) == Decimal("38.5")  # 7.5×1 + 15.5×2
    assert body["submitted_at"] is not None

    etag = (await client.get(url)).headers["ETag"]
    locked = await client.put(url, json={"comment": "改主意"}, headers={"If-Match": etag})
    assert locked.status_code == 409
    assert locked.json()["code"] == "review_locked"
    assert locked.json()["current_state"] == "submitted"
    again = await client.post(url + "/submit")
    assert again.status_code == 409
    assert (await client.get(url)).json()["comment"] == "可推荐"

    # one of two reviews is in: the application is still in review
    await db.refresh(panel.application)
    assert panel.application.status == ApplicationStatus.in_review
    audit = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "review.submit", AuditEvent.object_id == body["id"]
        )
    )
    assert audit is not None
    assert audit.changes["status"] == {"before": "draft", "after": "submitted"}


async def test_last_submission_moves_the_application_to_reviewed(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=2)
    # a removed assignment does not hold the application back
    removed = await make_expert(db)
    await make_assignment(db, panel.application, removed, status=AssignmentStatus.removed)
    for expert, assignment in zip(panel.experts, panel.assignments, strict=True):
        client = await login_as(expert)
        response = await score_and_submit(client, assignment, criteria_scores(criteria, [5, 10]))
        assert response.status_code == 200, response.text

    application = await db.scalar(
        select(Application)
        .where(Application.id == panel.application.id)
        .execution_options(populate_existing=True)
    )
    assert application is not None
    assert application.status == ApplicationStatus.reviewed
    changes = (
        await db.scalars(
            select(AuditEvent).where(
                AuditEvent.object_id == str(application.id),
                AuditEvent.action == "application.review_complete",
            )
        )
    ).all()
    assert len(changes) == 1
    assert changes[0].changes["status"] == {"before": "in_review", "after": "reviewed"}
    event = await db.scalar(
        select(OutboxEvent).where(
            OutboxEvent.object_id == str(application.id),
            OutboxEvent.event_type == "application.status_changed",
        )
    )
    assert event is not None
    assert event.payload["to"] == "reviewed"


async def test_without_the_attestation_scoring_is_forbidden(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, _ = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1, attested=False)
    client = await login_as(panel.experts[0])
    url = review_url(panel.assignments[0])
    for response in (
        await client.get(url),
        await client.put(url, json={}, headers={"If-Match": "*"}),
        await client.post(url + "/submit"),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "attestation_required"
    assert (
        await db.scalar(select(Review.id).where(Review.assignment_id == panel.assignments[0].id))
        is None
    )


async def test_other_or_inactive_assignments_answer_like_missing_ones(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, _ = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=2)
    mine, theirs = panel.assignments
    client = await login_as(panel.experts[0])
    other_app = await make_panel(db, batch, experts=[panel.experts[0]])
    other_app.assignments[0].status = AssignmentStatus.conflict_declared
    await db.flush()

    missing = await client.get(f"/api/v1/expert/assignments/{uuid.uuid4()}/review")
    assert missing.status_code == 404
    for assignment in (theirs, other_app.assignments[0]):
        url = review_url(assignment)
        for response in (
            await client.get(url),
            await client.put(url, json={}, headers={"If-Match": "*"}),
            await client.post(url + "/submit"),
        ):
            assert response.status_code == 404
            assert response.json()["detail"] == missing.json()["detail"]
    assert (await client.get(review_url(mine))).status_code == 200


async def test_scoring_stops_when_the_application_is_not_in_review(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1, status=ApplicationStatus.withdrawn)
    client = await login_as(panel.experts[0])
    response = await save(
        client, panel.assignments[0], {"scores": criteria_scores(criteria, [1, 1])}
    )
    assert response.status_code == 409
    assert response.json()["current_state"] == "withdrawn"


async def test_scoring_stops_when_the_batch_left_review(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, _ = await make_review_batch(db, status=BatchStatus.publicity)
    panel = await make_panel(db, batch, experts=1)
    client = await login_as(panel.experts[0])
    response = await save(client, panel.assignments[0], {"comment": "晚了"})
    assert response.status_code == 409
    assert response.json()["code"] == "batch_not_reviewing"


async def test_scores_of_a_removed_criterion_are_dropped_at_submit(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1, org=await make_org(db))
    client = await login_as(panel.experts[0])
    await save(
        client,
        panel.assignments[0],
        {"scores": criteria_scores(criteria, [4, 4]), "recommendation": "neutral"},
    )
    await db.delete(criteria[1])
    await db.flush()
    submitted = await client.post(review_url(panel.assignments[0]) + "/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["scores"] == {str(criteria[0].id): "4"}
    assert Decimal(submitted.json()["total"]) == 4
    review = await db.scalar(
        select(Review)
        .where(Review.assignment_id == panel.assignments[0].id)
        .execution_options(populate_existing=True)
    )
    assert review is not None
    assert review.status == ReviewStatus.submitted


async def test_submit_honours_a_stale_if_match(db: AsyncSession, login_as: LoginAs) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1)
    client = await login_as(panel.experts[0])
    url = review_url(panel.assignments[0])
    old = (await client.get(url)).headers["ETag"]
    await save(
        client,
        panel.assignments[0],
        {"scores": criteria_scores(criteria, [4, 4]), "recommendation": "neutral"},
    )
    stale = await client.post(url + "/submit", headers={"If-Match": old})
    assert stale.status_code == 412
    fresh = await client.post(
        url + "/submit", headers={"If-Match": (await client.get(url)).headers["ETag"]}
    )
    assert fresh.status_code == 200


async def test_anonymous_callers_are_refused_before_any_lookup(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"/api/v1/expert/assignments/{uuid.uuid4()}/review")
    assert response.status_code == 401


async def test_a_batch_without_rubric_scores_against_the_default_one(
    db: AsyncSession, login_as: LoginAs
) -> None:
    batch = await make_batch(db, status=BatchStatus.reviewing)
    panel = await make_panel(db, batch, experts=1)
    client = await login_as(panel.experts[0])
    body = (await client.get(review_url(panel.assignments[0]))).json()
    assert len(body["criteria"]) == 5
    assert Decimal(body["max_total"]) == 100
    assert body["criteria"][0]["name_zh"] == "技术创新性"
