"""Results of a batch's review: each application's submitted totals aggregated by the batch's
rule, ranked within its field. One statement computes the tallies, the aggregate and the rank
(docs/review.md, Scoring and Aggregation); api.review.aggregate holds the same rules in plain
Python, which tests/review/test_results_sql.py holds this statement to. Totals carry no expert:
results are anonymous."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Row,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal_column,
    null,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from api.batches import service as batches
from api.experts import rubric as rubric_service
from api.models import (
    AggregationRule,
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
from api.permissions import Principal
from api.review import aggregate
from api.review.schemas import BatchResults, ResultRow
from api.taxonomy.data import FIELD_LABELS

A = ApplicationStatus
LISTED = (A.in_review, A.reviewed, A.shortlisted, A.not_selected, A.awarded)
DECIDED = frozenset({A.shortlisted, A.not_selected, A.awarded})

# An aggregate is a quotient of a sum of totals (cents) by a small count. Ranks compare the exact
# quotients, as Decimal does: PostgreSQL's `/` picks the result's scale from its operands, so the
# same quotient reached from two different sums (3.50 / 3 and 7.00 / 6) could differ in the last
# digit and break a tie. `div` truncates exactly instead; scaled by 10^20, two different
# quotients of counts below 10^9 stay at least 1 apart and equal ones stay equal.
RANK_SCALE = literal_column("1e20", Numeric())
CENT = literal_column("0.01", Numeric())


def _exact(rule: AggregationRule, t: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The aggregate of a tally row under `rule` as (numerator, denominator), the numerator
    null without totals: aggregate.aggregate's rules."""
    if rule == AggregationRule.median:
        return t.low + t.high, literal_column("2")
    if rule == AggregationRule.trimmed_mean:
        trims = t.n_submitted >= aggregate.TRIM_MINIMUM
        return (
            case((trims, t.total_sum - t.lowest - t.highest), else_=t.total_sum),
            case((trims, t.n_submitted - 2), else_=t.n_submitted),
        )
    return t.total_sum, t.n_submitted


def _tally(batch: Batch, field_code: str | None) -> Subquery:
    submitted = and_(Review.status == ReviewStatus.submitted, Review.total.is_not(None))

    def counted(*criteria: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count().filter(*criteria)

    columns: list[Any] = [
        ReviewAssignment.application_id.label("application_id"),
        func.count().label("n_assigned"),
        counted(Review.status == ReviewStatus.waived).label("n_waived"),
        counted(submitted).label("n_submitted"),
        # the anonymous order: by submission, then review id (uuid order is the byte order)
        func.array_agg(Review.total)
        .aggregate_order_by(Review.submitted_at.asc().nulls_first(), Review.id)
        .filter(submitted)
        .label("totals"),
        func.sum(Review.total).filter(submitted).label("total_sum"),
        func.min(Review.total).filter(submitted).label("lowest"),
        func.max(Review.total).filter(submitted).label("highest"),
        *(
            counted(submitted, Review.recommendation == r).label(f"n_{r.value}")
            for r in Recommendation
        ),
    ]
    if batch.aggregation_rule == AggregationRule.median:
        # percentile_disc(0.5) is the value at position ceil(n / 2): ascending the lower middle,
        # descending the upper one; both the middle value for an odd count.
        columns += [
            func.percentile_disc(0.5).within_group(Review.total).filter(submitted).label("low"),
            func.percentile_disc(0.5)
            .within_group(Review.total.desc())
            .filter(submitted)
            .label("high"),
        ]
    stmt = (
        select(*columns)
        .select_from(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .where(
            ReviewAssignment.status == AssignmentStatus.active,
            *_listed(batch, field_code),
        )
        .group_by(ReviewAssignment.application_id)
    )
    return stmt.subquery("tally")


def _listed(batch: Batch, field_code: str | None) -> list[ColumnElement[bool]]:
    criteria = [Application.batch_id == batch.id, Application.status.in_(LISTED)]
    if field_code is not None:
        criteria.append(Application.field == field_code)
    return criteria


def results_statement(batch: Batch, field_code: str | None = None) -> Select[*tuple[Any, ...]]:
    """One row per listed application: its tallies, the exact aggregate's rank within its
    field and the aggregate rounded half up to cents."""
    tally = _tally(batch, field_code)
    t = tally.c
    numerator, denominator = _exact(batch.aggregation_rule, t)
    key = func.div(numerator * RANK_SCALE, denominator, type_=Numeric())
    ranked = func.rank().over(partition_by=Application.field, order_by=key.desc().nulls_last())
    # half up (away from zero) to cents as Decimal's quantize does, without a rounded quotient
    # in between: sign · ⌊(200·|num| + den) / (2·den)⌋ / 100
    shown = (
        func.sign(numerator, type_=Numeric())
        * func.div(func.abs(numerator) * 200 + denominator, denominator * 2, type_=Numeric())
        * CENT
    )
    return (
        select(
            Application.id,
            Application.product_name_zh,
            Application.product_name_en,
            Application.field,
            Application.status,
            Application.decision_reason,
            Organization.id.label("org_id"),
            Organization.name_zh.label("org_name_zh"),
            Organization.name_en.label("org_name_en"),
            Organization.district,
            Organization.enterprise_group,
            func.coalesce(t.n_assigned, 0).label("n_assigned"),
            func.coalesce(t.n_submitted, 0).label("n_submitted"),
            func.coalesce(t.n_waived, 0).label("n_waived"),
            t.totals,
            case((key.is_(None), null()), else_=ranked).label("rank_in_field"),
            shown.label("aggregate"),
            (t.highest - t.lowest).label("spread"),
            *(func.coalesce(t[f"n_{r.value}"], 0).label(f"n_{r.value}") for r in Recommendation),
        )
        .join(Organization, Organization.id == Application.organization_id)
        .outerjoin(tally, t.application_id == Application.id)
        .where(*_listed(batch, field_code))
    )


async def batch_results(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, *, field_code: str | None = None
) -> BatchResults:
    batch = await batches.get_batch(session, batch_id)
    criteria = await rubric_service.ensure_rubric(session, batch, actor)
    top = aggregate.max_total((c.max_score, c.weight) for c in criteria)
    rows = (await session.execute(results_statement(batch, field_code))).all()
    items = [_row(row, top) for row in rows]
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


def _row(row: Row[Any], top: Decimal) -> ResultRow:
    labels = FIELD_LABELS.get(row.field or "")
    decided = row.status in DECIDED
    return ResultRow(
        application_id=row.id,
        product_name_zh=row.product_name_zh,
        product_name_en=row.product_name_en,
        organization={
            "id": row.org_id,
            "name_zh": row.org_name_zh,
            "name_en": row.org_name_en,
            "district": row.district,
            "enterprise_group": row.enterprise_group,
        },
        field=row.field,
        field_zh=labels[0] if labels else None,
        field_en=labels[1] if labels else None,
        status=row.status,
        n_assigned=row.n_assigned,
        n_submitted=row.n_submitted,
        n_waived=row.n_waived,
        totals=row.totals or [],
        aggregate=row.aggregate,
        rank_in_field=row.rank_in_field,
        spread=row.spread,
        disagreement=aggregate.disagreement(row.spread, top),
        recommendations={
            "recommend": row.n_recommend,
            "neutral": row.n_neutral,
            "not_recommend": row.n_not_recommend,
        },
        decision=row.status if decided else None,
        decision_reason=row.decision_reason if decided else None,
    )


def batch_label(batch: Batch) -> str:
    return f"{batch.year}-{batch.sequence}"
