"""Results of a batch's review: each application's submitted totals aggregated by the batch's
rule, ranked within its field. Two queries (applications; their assignments and reviews), then
arithmetic in Python (api.review.aggregate). Totals carry no expert: results are anonymous."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.batches import service as batches
from api.experts import rubric as rubric_service
from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Batch,
    Organization,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewStatus,
)
from api.organizations.schemas import OrganizationRef
from api.permissions import Principal
from api.review import aggregate
from api.review.schemas import BatchResults, RecommendationCounts, ResultRow
from api.taxonomy.data import FIELD_LABELS

A = ApplicationStatus
LISTED = (A.in_review, A.reviewed, A.shortlisted, A.not_selected, A.awarded)
DECIDED = frozenset({A.shortlisted, A.not_selected, A.awarded})


@dataclass
class _Tally:
    assigned: int = 0
    waived: int = 0
    # (submitted_at, review id, total, recommendation) — sorted for a stable anonymous order
    submitted: list[tuple[datetime | None, uuid.UUID, Decimal, Recommendation | None]] = field(
        default_factory=list
    )


async def _tallies(
    session: AsyncSession, application_ids: list[uuid.UUID]
) -> dict[uuid.UUID, _Tally]:
    tallies: dict[uuid.UUID, _Tally] = defaultdict(_Tally)
    if not application_ids:
        return tallies
    rows = await session.execute(
        select(
            ReviewAssignment.application_id,
            Review.id,
            Review.status,
            Review.total,
            Review.recommendation,
            Review.submitted_at,
        )
        .select_from(ReviewAssignment)
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .where(
            ReviewAssignment.application_id.in_(application_ids),
            ReviewAssignment.status == AssignmentStatus.active,
        )
    )
    for application_id, review_id, status, total, recommendation, submitted_at in rows:
        tally = tallies[application_id]
        tally.assigned += 1
        if status == ReviewStatus.waived:
            tally.waived += 1
        elif status == ReviewStatus.submitted and total is not None:
            tally.submitted.append((submitted_at, review_id, total, recommendation))
    for tally in tallies.values():
        tally.submitted.sort(key=lambda s: (s[0] or datetime.min.replace(tzinfo=UTC), s[1]))
    return tallies


async def batch_results(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, *, field_code: str | None = None
) -> BatchResults:
    batch = await batches.get_batch(session, batch_id)
    criteria = await rubric_service.ensure_rubric(session, batch, actor)
    top = aggregate.max_total((c.max_score, c.weight) for c in criteria)
    stmt = (
        select(Application, Organization)
        .join(Organization, Organization.id == Application.organization_id)
        .where(Application.batch_id == batch.id, Application.status.in_(LISTED))
    )
    if field_code is not None:
        stmt = stmt.where(Application.field == field_code)
    pairs = (await session.execute(stmt)).all()
    tallies = await _tallies(session, [a.id for a, _ in pairs])

    exact: dict[uuid.UUID, Decimal | None] = {}
    for application, _ in pairs:
        totals = [s[2] for s in tallies[application.id].submitted]
        exact[application.id] = aggregate.aggregate(totals, batch.aggregation_rule)
    ranks: dict[uuid.UUID, int | None] = {}
    by_field: dict[str | None, dict[uuid.UUID, Decimal | None]] = defaultdict(dict)
    for application, _ in pairs:
        by_field[application.field][application.id] = exact[application.id]
    for scores in by_field.values():
        ranks.update(aggregate.rank(scores))

    items = [
        _row(application, org, tallies[application.id], exact, ranks, top)
        for application, org in pairs
    ]
    field_order = {code: i for i, code in enumerate(batch.fields)}
    items.sort(
        key=lambda r: (
            field_order.get(r.field or "", len(field_order)),
            r.field or "",
            r.rank_in_field is None,
            r.rank_in_field or 0,
            r.product_name_zh,
            str(r.application_id),
        )
    )
    return BatchResults(
        batch_id=batch.id,
        aggregation_rule=batch.aggregation_rule,
        max_total=top,
        disagreement_threshold=aggregate.DISAGREEMENT_SHARE * top,
        shortlist_quota=dict(batch.shortlist_quota or {}),
        items=items,
    )


def _row(
    application: Application,
    org: Organization,
    tally: _Tally,
    exact: dict[uuid.UUID, Decimal | None],
    ranks: dict[uuid.UUID, int | None],
    top: Decimal,
) -> ResultRow:
    totals = [s[2] for s in tally.submitted]
    spread = aggregate.spread(totals)
    counts = RecommendationCounts()
    for *_, recommendation in tally.submitted:
        if recommendation is not None:
            setattr(counts, recommendation.value, getattr(counts, recommendation.value) + 1)
    labels = FIELD_LABELS.get(application.field or "")
    decided = application.status in DECIDED
    return ResultRow(
        application_id=application.id,
        product_name_zh=application.product_name_zh,
        product_name_en=application.product_name_en,
        organization=OrganizationRef.of(org),
        field=application.field,
        field_zh=labels[0] if labels else None,
        field_en=labels[1] if labels else None,
        status=application.status,
        n_assigned=tally.assigned,
        n_submitted=len(totals),
        n_waived=tally.waived,
        totals=totals,
        aggregate=aggregate.display(exact[application.id]),
        rank_in_field=ranks.get(application.id),
        spread=spread,
        disagreement=aggregate.disagreement(spread, top),
        recommendations=counts,
        decision=application.status if decided else None,
        decision_reason=application.decision_reason if decided else None,
    )


def batch_label(batch: Batch) -> str:
    return f"{batch.year}-{batch.sequence}"
