"""Results of a batch's review: each application's submitted totals aggregated by the batch's
rule, ranked within its field. One statement computes the tallies, the aggregate and the rank
(docs/review.md, Scoring and Aggregation); api.review.aggregate holds the same rules in plain
Python, which tests/review/test_results_sql.py holds this statement to. Totals carry no expert:
results are anonymous."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from itertools import chain
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Numeric,
    Select,
    Subquery,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
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
from api.review.schemas import BatchResults
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
RESULTS_WORK_MEM = "64MB"
EMPTY_ARRAY: ColumnElement[Any] = literal_column("'[]'::json")


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


async def results_document(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, *, field_code: str | None = None
) -> str:
    """The batch's results as the JSON of `BatchResults`: each row's JSON built by PostgreSQL,
    in reading order, only the envelope written here. A batch of 10,000 applications is one
    statement and 10,000 strings joined, not 30,000 Python objects."""
    batch = await batches.get_batch(session, batch_id)
    criteria = await rubric_service.ensure_rubric(session, batch, actor)
    top = aggregate.max_total((c.max_score, c.weight) for c in criteria)
    threshold = aggregate.DISAGREEMENT_SHARE * top
    # The tallies and the reading order sort tens of thousands of rows: in memory, not on disk.
    await session.execute(text(f"SET LOCAL work_mem = '{RESULTS_WORK_MEM}'"))
    rows = (await session.execute(_items_statement(batch, field_code, threshold))).scalars()
    envelope = {
        "batch_id": str(batch.id),
        "aggregation_rule": batch.aggregation_rule.value,
        # Decimals as strings, as pydantic writes them
        "max_total": str(top),
        "disagreement_threshold": str(threshold),
        "shortlist_quota": batch.shortlist_quota or {},
    }
    head = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    return head[:-1] + ',"items":[' + ",".join(rows) + "]}"


async def batch_results(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, *, field_code: str | None = None
) -> BatchResults:
    """The results for Python callers (exports, the demo), parsed from the one document."""
    document = await results_document(session, actor, batch_id, field_code=field_code)
    return BatchResults.model_validate_json(document)


def _items_statement(batch: Batch, field_code: str | None, threshold: Decimal) -> Select[str]:
    """Each result row as `ResultRow` JSON text, in the order the admin reads them."""
    r = results_statement(batch, field_code).subquery("r")
    decided = r.c.status.in_(DECIDED)
    # Decimals travel as strings, as pydantic writes them: numeric's text keeps its scale.
    item = func.json_build_object(
        "application_id", r.c.id,
        "product_name_zh", r.c.product_name_zh,
        "product_name_en", r.c.product_name_en,
        "organization", func.json_build_object(
            "id", r.c.org_id,
            "name_zh", r.c.org_name_zh,
            "name_en", r.c.org_name_en,
            "district", r.c.district,
            "enterprise_group", r.c.enterprise_group,
        ),
        "field", r.c.field,
        "field_zh", case(_labels(0), value=r.c.field, else_=null()),
        "field_en", case(_labels(1), value=r.c.field, else_=null()),
        "status", r.c.status,
        "n_assigned", r.c.n_assigned,
        "n_submitted", r.c.n_submitted,
        "n_waived", r.c.n_waived,
        "totals", func.coalesce(func.to_json(cast(r.c.totals, ARRAY(Text))), EMPTY_ARRAY),
        "aggregate", cast(r.c.aggregate, Text),
        "rank_in_field", r.c.rank_in_field,
        "spread", cast(r.c.spread, Text),
        "disagreement", func.coalesce(r.c.spread > threshold, False),
        "recommendations", func.json_build_object(
            *chain.from_iterable((x.value, r.c[f"n_{x.value}"]) for x in Recommendation)
        ),
        "decision", case((decided, r.c.status), else_=null()),
        "decision_reason", case((decided, r.c.decision_reason), else_=null()),
    )  # fmt: skip
    # The order the admin reads: the batch's fields in its order, then rank (unranked last),
    # then name and id compared by code point as Python compares strings ("C" on UTF-8).
    field = cast(r.c.field, Text)
    order = (
        func.coalesce(
            func.array_position(literal(list(batch.fields), ARRAY(Text)), field),
            len(batch.fields) + 1,
        ),
        func.coalesce(field, "").collate("C"),
        r.c.rank_in_field.asc().nulls_last(),
        r.c.product_name_zh.collate("C"),
        r.c.id,
    )
    return select(cast(item, Text)).select_from(r).order_by(*order)


def _labels(index: int) -> dict[str, str]:
    return {code: labels[index] for code, labels in FIELD_LABELS.items()}


def batch_label(batch: Batch) -> str:
    return f"{batch.year}-{batch.sequence}"
