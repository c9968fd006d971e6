"""The review demo: the 2021 batch awarded after two objections, a batch in publicity today,
a batch under review with work waiting for expert1 — all reached through the services."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.config import DEMO_PASSWORD
from api.demo import demo_email, load_demo
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Batch,
    BatchStatus,
    ExpertAttestation,
    Objection,
    OutboxEvent,
    Review,
    ReviewAssignment,
    ReviewStatus,
    RubricCriterion,
    User,
)
from tests.factories.identity import login


async def _batch(db: AsyncSession, year: int, sequence: int) -> Batch:
    batch = await db.scalar(select(Batch).where(Batch.year == year, Batch.sequence == sequence))
    assert batch is not None
    return batch


async def _statuses(db: AsyncSession, batch: Batch) -> dict[str, int]:
    rows = await db.execute(
        select(Application.status, func.count())
        .where(Application.batch_id == batch.id)
        .group_by(Application.status)
    )
    return {status.value: n for status, n in rows.all()}


async def test_2021_batch_is_awarded_after_two_objections(db: AsyncSession) -> None:
    await load_demo(db)
    batch = await _batch(db, 2021, 1)
    assert batch.status == BatchStatus.announced
    statuses = await _statuses(db, batch)
    assert statuses["awarded"] == 40
    assert sum(statuses.values()) == 60
    objections = {
        o.status.value
        for o in (await db.scalars(select(Objection).where(Objection.batch_id == batch.id)))
    }
    assert objections == {"dismissed", "upheld"}
    awards = await db.scalar(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.event_type == "award.granted")
    )
    assert awards == 40

    # Every review is complete and the scores spread realistically.
    criteria = await db.scalar(
        select(func.count())
        .select_from(RubricCriterion)
        .where(RubricCriterion.batch_id == batch.id)
    )
    reviews = (
        await db.scalars(
            select(Review)
            .join(Application, Application.id == Review.application_id)
            .where(Application.batch_id == batch.id)
        )
    ).all()
    # Five experts each, fewer where the avoidance rules left too few (the coverage report).
    per_application: dict[object, int] = {}
    for review in reviews:
        per_application[review.application_id] = per_application.get(review.application_id, 0) + 1
    assert len(per_application) == 48
    assert all(3 <= n <= 5 for n in per_application.values())
    # Only the fields whose makers the demo experts must avoid run short, a handful of them.
    assert len([n for n in per_application.values() if n < 5]) <= 8
    assert all(r.status == ReviewStatus.submitted and len(r.scores) == criteria for r in reviews)
    totals = [r.total for r in reviews if r.total is not None]
    assert max(totals) - min(totals) >= 20


async def test_a_batch_is_in_publicity_today(db: AsyncSession, client: httpx.AsyncClient) -> None:
    await load_demo(db)
    batch = await _batch(db, 2025, 2)
    assert batch.status == BatchStatus.publicity
    assert batch.publicity_starts_on is not None
    assert batch.publicity_ends_on is not None
    assert batch.publicity_starts_on <= today() <= batch.publicity_ends_on
    listed = (await client.get("/api/v1/publicity")).json()["items"]
    shown = next(b for b in listed if b["batch_id"] == str(batch.id))
    assert shown["accepting_objections"] is True
    assert len(shown["products"]) == (await _statuses(db, batch))["shortlisted"] == 8


async def test_expert1_has_assignments_waiting_for_the_statement(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await load_demo(db)
    batch = await _batch(db, today().year, 1)
    assert batch.status == BatchStatus.reviewing
    expert1 = await db.scalar(select(User).where(User.email == demo_email("expert1")))
    assert expert1 is not None
    waiting = await db.scalar(
        select(func.count())
        .select_from(ReviewAssignment)
        .where(
            ReviewAssignment.batch_id == batch.id,
            ReviewAssignment.expert_id == expert1.id,
            ReviewAssignment.status == AssignmentStatus.active,
        )
    )
    assert waiting
    assert waiting >= 3
    signed = await db.scalar(
        select(func.count())
        .select_from(ExpertAttestation)
        .where(ExpertAttestation.batch_id == batch.id, ExpertAttestation.expert_id == expert1.id)
    )
    assert signed == 0
    statuses = await _statuses(db, batch)
    assert statuses.get(ApplicationStatus.in_review.value, 0) >= 3

    assert (await login(client, demo_email("expert1"), DEMO_PASSWORD)).status_code == 200
    mine = (await client.get("/api/v1/expert/assignments")).json()
    assert mine, "expert1 sees the assignments"


async def test_2021_follow_up_reproduces_the_reported_picture(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    """The October 2021 report: nearly one fifth of the awards in new energy and energy saving,
    almost half in demonstration application, purchase intentions of nearly one billion yuan,
    demonstration projects expected to invest nearly ten billion."""
    await load_demo(db)
    await load_demo(db)  # idempotent: nothing is counted twice
    batch = await _batch(db, 2021, 1)
    body = (await client.get("/api/v1/statistics", params={"batch_id": str(batch.id)})).json()
    block = body["overall"]
    energy = next(f for f in block["fields"] if f["code"] == "energy_environment")
    assert 0.15 <= energy["award_share"] <= 0.2
    followup = block["followup"]
    assert followup["awards"] == 40
    assert 0.4 <= followup["demonstration"]["demonstration_share"] < 0.5
    assert 900_000_000 <= Decimal(followup["intentions"]["total_yuan"]) < 1_000_000_000
    assert 9_000_000_000 <= Decimal(followup["demonstration"]["expected_investment_yuan"]) < 10**10
    # Some records still wait for the joint office, and the statistics say so.
    assert followup["demonstration"]["unverified"] + followup["intentions"]["unverified"] > 0
    assert followup["insurance"]["policies"] > 0
