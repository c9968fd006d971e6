"""Building blocks for review tests: a batch in review with a rubric, applications in review,
attested experts with assignments, and scoring through the HTTP API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    AggregationRule,
    Application,
    ApplicationStatus,
    Batch,
    BatchStatus,
    ExpertAttestation,
    Organization,
    ReviewAssignment,
    RubricCriterion,
    User,
)
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import attest, make_assignment, make_expert
from tests.factories.identity import make_org

# (max_score, weight): the rubric's maximum total is 10×1 + 20×2 = 50.
DEFAULT_RUBRIC = ((Decimal(10), Decimal(1)), (Decimal(20), Decimal(2)))


async def make_rubric(
    db: AsyncSession, batch: Batch, specs: Sequence[tuple[Decimal, Decimal]] = DEFAULT_RUBRIC
) -> list[RubricCriterion]:
    rows = [
        RubricCriterion(
            batch_id=batch.id,
            position=i,
            name_zh=f"评分项{i}",
            name_en=f"Criterion {i}",
            max_score=top,
            weight=weight,
            guidance_zh=f"评分指引{i}",
            guidance_en=f"Guidance {i}",
        )
        for i, (top, weight) in enumerate(specs, start=1)
    ]
    db.add_all(rows)
    await db.flush()
    return rows


async def make_review_batch(
    db: AsyncSession,
    *,
    status: BatchStatus = BatchStatus.reviewing,
    rule: AggregationRule = AggregationRule.trimmed_mean,
    **overrides: Any,
) -> tuple[Batch, list[RubricCriterion]]:
    batch = await make_batch(db, status=status, aggregation_rule=rule, **overrides)
    return batch, await make_rubric(db, batch)


@dataclass
class Panel:
    """An application in review and its experts, each attested and assigned."""

    batch: Batch
    application: Application
    experts: list[User]
    assignments: list[ReviewAssignment]
    criteria: list[RubricCriterion] = field(default_factory=list)


async def make_panel(
    db: AsyncSession,
    batch: Batch,
    *,
    experts: int | Sequence[User] = 2,
    org: Organization | None = None,
    status: ApplicationStatus = ApplicationStatus.in_review,
    attested: bool = True,
    **application: Any,
) -> Panel:
    org = org or await make_org(db)
    app_row = await make_application(db, org, batch, status=status, **application)
    people = (
        [await make_expert(db) for _ in range(experts)] if isinstance(experts, int) else experts
    )
    assignments = []
    for expert in people:
        if attested:
            await ensure_attested(db, batch, expert)
        assignments.append(await make_assignment(db, app_row, expert))
    return Panel(batch, app_row, list(people), assignments)


async def ensure_attested(db: AsyncSession, batch: Batch, expert: User) -> None:
    exists = await db.scalar(
        select(ExpertAttestation.id).where(
            ExpertAttestation.batch_id == batch.id, ExpertAttestation.expert_id == expert.id
        )
    )
    if exists is None:
        await attest(db, batch, expert)


def criteria_scores(
    criteria: Sequence[RubricCriterion], values: Sequence[float | str]
) -> dict[str, Any]:
    return {str(c.id): v for c, v in zip(criteria, values, strict=True)}


def review_url(assignment: ReviewAssignment) -> str:
    return f"/api/v1/expert/assignments/{assignment.id}/review"


async def save(
    client: httpx.AsyncClient, assignment: ReviewAssignment, body: Mapping[str, Any]
) -> httpx.Response:
    current = await client.get(review_url(assignment))
    assert current.status_code == 200, current.text
    return await client.put(
        review_url(assignment), json=dict(body), headers={"If-Match": current.headers["ETag"]}
    )


async def score_and_submit(
    client: httpx.AsyncClient,
    assignment: ReviewAssignment,
    scores: Mapping[str, Any],
    *,
    recommendation: str = "recommend",
    comment: str | None = None,
) -> httpx.Response:
    saved = await save(
        client,
        assignment,
        {"scores": dict(scores), "recommendation": recommendation, "comment": comment},
    )
    assert saved.status_code == 200, saved.text
    return await client.post(review_url(assignment) + "/submit")
