"""The results statement (api.review.results) against the plain-Python rules it replaced
(api.review.aggregate): every figure of every row must be the one the Python functions give for
the same reviews — counts, totals in submission order, aggregate by the batch's rule, its
rounding, rank within field, spread and recommendations. Random batches (hypothesis) and a table
of the edge cases that a naive SQL translation gets wrong."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    AggregationRule,
    Application,
    ApplicationStatus,
    AssignmentSource,
    AssignmentStatus,
    Organization,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewStatus,
    Role,
    User,
)
from api.permissions import Principal, load_grants
from api.review import aggregate, results
from api.review.schemas import BatchResults, ResultRow
from tests.factories.experts import make_expert
from tests.factories.identity import make_org, make_user
from tests.review.helpers import make_review_batch

R = AggregationRule
S = ApplicationStatus
# the most assignments one generated application gets: one expert each
EXPERTS = 8
FIELDS = ("integrated_circuits", "aerospace", None)
_clock = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Sheet:
    """One assignment and what became of its review. `kind` "none": no review row at all."""

    kind: str
    total: Decimal | None = None
    recommendation: Recommendation | None = Recommendation.recommend
    minute: int | None = 0  # submitted_at as minutes after _clock; None: not set
    active: bool = True


@dataclass(frozen=True)
class Entry:
    field: str | None
    sheets: tuple[Sheet, ...]
    status: ApplicationStatus = S.reviewed


@dataclass
class Scene:
    admin: Principal
    org: Organization
    experts: list[User]


@pytest.fixture
async def scene(db: AsyncSession) -> Scene:
    user = await make_user(db, Role.admin)
    admin = Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale="zh-CN",
        session_id=uuid.uuid4(),
        grants=await load_grants(db, user.id),
    )
    experts = [await make_expert(db) for _ in range(EXPERTS)]
    return Scene(admin, await make_org(db), experts)


def _expected(
    rule: AggregationRule, entries: list[Entry], reviews: dict[tuple[int, int], uuid.UUID]
) -> dict[int, dict[str, Any]]:
    """What the Python rules make of the entries, keyed by entry index: counts and submitted
    totals as the old tally did, then aggregate.aggregate, aggregate.rank within each field,
    aggregate.display, aggregate.spread."""
    listed = {i: e for i, e in enumerate(entries) if e.status in results.LISTED}
    exact: dict[int, Decimal | None] = {}
    rows: dict[int, dict[str, Any]] = {}
    for i, entry in listed.items():
        active = [(j, s) for j, s in enumerate(entry.sheets) if s.active]
        submitted = sorted(
            (
                (
                    datetime.min.replace(tzinfo=UTC)
                    if s.minute is None
                    else _clock + timedelta(minutes=s.minute),
                    reviews[i, j],
                    s.total,
                    s.recommendation,
                )
                for j, s in active
                if s.kind == "submitted" and s.total is not None
            ),
            key=lambda t: (t[0], t[1]),
        )
        totals = [t[2] for t in submitted]
        exact[i] = aggregate.aggregate(totals, rule)
        spread = aggregate.spread(totals)
        rows[i] = {
            "n_assigned": len(active),
            "n_submitted": len(totals),
            "n_waived": sum(s.kind == "waived" for _, s in active),
            "totals": [str(t) for t in totals],
            "aggregate": None if exact[i] is None else str(aggregate.display(exact[i])),
            "spread": None if spread is None else str(spread),
            "recommendations": {r.value: sum(t[3] == r for t in submitted) for r in Recommendation},
        }
    for field in {e.field for e in listed.values()}:
        ranks = aggregate.rank({i: exact[i] for i, e in listed.items() if e.field == field})
        for i, position in ranks.items():
            rows[i]["rank_in_field"] = position
    return rows


def _got(row: ResultRow) -> dict[str, Any]:
    return {
        "n_assigned": row.n_assigned,
        "n_submitted": row.n_submitted,
        "n_waived": row.n_waived,
        # str: the representation is part of the answer (the API and the exports print it)
        "totals": [str(t) for t in row.totals],
        "aggregate": None if row.aggregate is None else str(row.aggregate),
        "spread": None if row.spread is None else str(row.spread),
        "recommendations": row.recommendations.model_dump(),
        "rank_in_field": row.rank_in_field,
    }


async def _compare(
    db: AsyncSession, scene: Scene, rule: AggregationRule, entries: list[Entry]
) -> dict[int, ResultRow]:
    """Writes the entries into a fresh batch inside a savepoint, asserts that the results
    match the Python rules, rolls back and returns the rows by entry index."""
    savepoint = await db.begin_nested()
    try:
        batch, _ = await make_review_batch(db, rule=rule)
        app_ids = [uuid.uuid4() for _ in entries]
        reviews: dict[tuple[int, int], uuid.UUID] = {}
        applications, assignments, review_rows = [], [], []
        for i, entry in enumerate(entries):
            applications.append(
                {
                    "id": app_ids[i],
                    "batch_id": batch.id,
                    "organization_id": scene.org.id,
                    "status": entry.status,
                    "product_name_zh": f"对照装备{i}{'aZ-'[i % 3]}",
                    "product_key": f"sql-parity-{app_ids[i]}",
                    "field": entry.field,
                    "submitted_at": _clock,
                }
            )
            for j, sheet in enumerate(entry.sheets):
                assignment_id = uuid.uuid4()
                assignments.append(
                    {
                        "id": assignment_id,
                        "batch_id": batch.id,
                        "application_id": app_ids[i],
                        "expert_id": scene.experts[j].id,
                        "status": AssignmentStatus.active
                        if sheet.active
                        else AssignmentStatus.removed,
                        "source": AssignmentSource.manual,
                    }
                )
                if sheet.kind == "none":
                    continue
                reviews[i, j] = uuid.uuid4()
                status = {
                    "submitted": ReviewStatus.submitted,
                    "waived": ReviewStatus.waived,
                    "draft": ReviewStatus.draft,
                }[sheet.kind]
                review_rows.append(
                    {
                        "id": reviews[i, j],
                        "assignment_id": assignment_id,
                        "application_id": app_ids[i],
                        "expert_id": scene.experts[j].id,
                        "status": status,
                        "total": sheet.total,
                        "recommendation": sheet.recommendation,
                        "submitted_at": None
                        if sheet.minute is None
                        else _clock + timedelta(minutes=sheet.minute),
                    }
                )
        await db.execute(insert(Application), applications)
        if assignments:
            await db.execute(insert(ReviewAssignment), assignments)
        if review_rows:
            await db.execute(insert(Review), review_rows)

        found = await results.batch_results(db, scene.admin, batch.id)
        by_id = {row.application_id: row for row in found.items}
        assert [row.application_id for row in found.items] == _reading_order(batch.fields, found)
        expected = _expected(rule, entries, reviews)
        got = {i: _got(by_id[app_ids[i]]) for i in expected}
        assert got == expected
        assert set(by_id) == {app_ids[i] for i in expected}
        index = {a: i for i, a in enumerate(app_ids)}
        return {index[a]: row for a, row in by_id.items()}
    finally:
        await savepoint.rollback()


def _reading_order(fields: list[str], found: BatchResults) -> list[uuid.UUID]:
    """The order an admin reads results in, as Python sorts: the batch's fields in its order,
    rank (unranked last), then name and id by code point."""
    position = {code: i for i, code in enumerate(fields)}
    rows = sorted(
        found.items,
        key=lambda r: (
            position.get(r.field or "", len(position)),
            r.field or "",
            r.rank_in_field is None,
            r.rank_in_field or 0,
            r.product_name_zh,
            str(r.application_id),
        ),
    )
    return [r.application_id for r in rows]


def d(value: str) -> Decimal:
    return Decimal(value)


def submitted(*totals: str) -> tuple[Sheet, ...]:
    # distinct submission times in the order given
    return tuple(Sheet("submitted", d(t), minute=k) for k, t in enumerate(totals))


# --- the table ---------------------------------------------------------------------------------

# (rule, {entry: totals}, {entry: (aggregate, rank)}): one field, all submitted.
CASES: list[tuple[str, AggregationRule, dict[str, tuple[str, ...]], dict[str, tuple[str, int]]]] = [
    (
        # 3.50 / 3 and 7.00 / 6 are the same number: PostgreSQL's `/` gives them different
        # scales (…66667 against …666666666667), a tie Decimal sees must stay a tie
        "equal quotients from different sums tie",
        R.mean,
        {"a": ("1.00", "1.00", "1.50"), "b": ("1.00", "1.00", "1.00", "1.00", "1.00", "2.00")},
        {"a": ("1.17", 1), "b": ("1.17", 1)},
    ),
    (
        "the same tie through the trim: (1+1+1+1+1+2) / 6 kept of 8",
        R.trimmed_mean,
        {
            "a": ("1.00", "1.00", "1.50"),
            "b": ("0.00", "1.00", "1.00", "1.00", "1.00", "1.00", "2.00", "9.00"),
        },
        {"a": ("1.17", 1), "b": ("1.17", 1)},
    ),
    (
        "ranks use the exact value, not the rounded one: 200/3 below 66.67",
        R.mean,
        {"x": ("66.66", "66.67", "66.67"), "y": ("66.67",)},
        {"x": ("66.67", 2), "y": ("66.67", 1)},
    ),
    (
        "half a cent rounds up: mean",
        R.mean,
        {"a": ("0.01", "0.00"), "b": ("2.66", "2.67", "2.68", "2.69")},
        {"a": ("0.01", 2), "b": ("2.68", 1)},
    ),
    (
        "half a cent rounds up: median of an even count",
        R.median,
        {"a": ("2.68", "2.67"), "b": ("0.00", "0.01", "100.00", "0.00")},
        {"a": ("2.68", 1), "b": ("0.01", 2)},
    ),
    (
        "median of an odd count is the middle one",
        R.median,
        {"a": ("1.00", "100.00", "3.00", "2.00", "99.00"), "b": ("3.00",)},
        {"a": ("3.00", 1), "b": ("3.00", 1)},
    ),
    (
        "fewer than five: no trim; five: one highest and one lowest go, even if tied",
        R.trimmed_mean,
        {
            "four": ("10.00", "60.00", "80.00", "90.00"),
            "five": ("100.00", "60.00", "0.00", "80.00", "70.00"),
            "tied": ("90.00", "90.00", "70.00", "50.00", "50.00", "60.00"),
        },
        {"four": ("60.00", 3), "five": ("70.00", 1), "tied": ("67.50", 2)},
    ),
    (
        "competition ranking: 1, 2, 2, 4",
        R.mean,
        {"a": ("80.00",), "b": ("90.00",), "c": ("80.00",), "d": ("70.00",)},
        {"a": ("80.00", 2), "b": ("90.00", 1), "c": ("80.00", 2), "d": ("70.00", 4)},
    ),
    (
        "the largest totals a review can have",
        R.trimmed_mean,
        # (3 × 999999.99 + 999999.98) / 4 shows as 999999.99 but ranks below it
        {"a": ("999999.99",) * 4 + ("999999.98",) * 2, "b": ("999999.99",)},
        {"a": ("999999.99", 2), "b": ("999999.99", 1)},
    ),
]


@pytest.mark.parametrize(("name", "rule", "totals", "want"), CASES, ids=[c[0] for c in CASES])
async def test_table(
    db: AsyncSession,
    scene: Scene,
    name: str,
    rule: AggregationRule,
    totals: dict[str, tuple[str, ...]],
    want: dict[str, tuple[str, int]],
) -> None:
    names = list(totals)
    rows = await _compare(
        db, scene, rule, [Entry("aerospace", submitted(*totals[k])) for k in names]
    )
    got = {k: (str(rows[i].aggregate), rows[i].rank_in_field) for i, k in enumerate(names)}
    assert got == want


async def test_what_counts_as_a_submitted_total(db: AsyncSession, scene: Scene) -> None:
    """Waived, draft, total-less and removed reviews stay out of the aggregate; the totals keep
    submission order, a missing time first and equal times by review id."""
    sheets = (
        Sheet("submitted", d("50.00"), minute=5),
        Sheet("waived", None, recommendation=None, minute=None),
        Sheet("draft", d("10.00"), minute=None),
        Sheet("submitted", None, minute=1),
        Sheet("submitted", d("99.00"), minute=0, active=False),
        Sheet("none"),
        Sheet("submitted", d("20.00"), recommendation=Recommendation.neutral, minute=None),
        Sheet("submitted", d("30.00"), recommendation=None, minute=5),
    )
    entries = [
        Entry("integrated_circuits", sheets),
        Entry("integrated_circuits", ()),
        Entry(None, submitted("40.00")),
        Entry("integrated_circuits", submitted("90.00"), status=S.rejected),
    ]
    rows = await _compare(db, scene, R.trimmed_mean, entries)
    row = rows[0]
    assert (row.n_assigned, row.n_submitted, row.n_waived) == (7, 3, 1)
    assert str(row.totals[0]) == "20.00"
    assert row.recommendations.model_dump() == {"recommend": 1, "neutral": 1, "not_recommend": 0}
    assert rows[1].aggregate is None
    assert rows[1].rank_in_field is None
    assert rows[2].rank_in_field == 1  # alone in the no-field group
    assert 3 not in rows


# --- random batches ----------------------------------------------------------------------------

EDGES = (
    "0.00",
    "0.01",
    "0.02",
    "0.50",
    "1.00",
    "1.50",
    "2.67",
    "2.68",
    "33.33",
    "33.34",
    "66.67",
    "999999.99",
)
CENTS = st.one_of(
    st.sampled_from(EDGES).map(Decimal),
    # a narrow range, so that aggregates tie now and then
    st.integers(0, 300).map(lambda c: Decimal(c).scaleb(-2)),
    st.integers(0, 99_999_999).map(lambda c: Decimal(c).scaleb(-2)),
)
SHEETS = st.builds(
    Sheet,
    kind=st.sampled_from(("submitted", "submitted", "submitted", "waived", "draft", "none")),
    total=st.one_of(CENTS, CENTS, st.none()),
    recommendation=st.one_of(st.none(), st.sampled_from(Recommendation)),
    minute=st.one_of(st.none(), st.integers(0, 3)),
    active=st.sampled_from((True, True, True, False)),
)
ENTRIES = st.builds(
    Entry,
    field=st.sampled_from(FIELDS),
    sheets=st.lists(SHEETS, max_size=EXPERTS).map(tuple),
    status=st.sampled_from((*results.LISTED, S.rejected)),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rule=st.sampled_from(AggregationRule), entries=st.lists(ENTRIES, min_size=1, max_size=8))
async def test_sql_matches_the_python_rules(
    db: AsyncSession, scene: Scene, rule: AggregationRule, entries: list[Entry]
) -> None:
    await _compare(db, scene, rule, entries)


# Three totals near 1.2, summing to about 3.5: the panel and its double have the same mean from
# a sum by 3 and its double by 6, often on either side of where PostgreSQL's `/` changes the
# scale of its result (3.50 / 3 against 7.00 / 6).
NEAR_ONE = st.integers(110, 135).map(lambda c: Decimal(c).scaleb(-2))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rule=st.sampled_from(AggregationRule),
    panels=st.lists(st.lists(CENTS, min_size=1, max_size=EXPERTS), min_size=1, max_size=8),
    twins=st.lists(st.lists(NEAR_ONE, min_size=3, max_size=3), max_size=4),
)
async def test_sql_matches_the_python_rules_on_full_panels(
    db: AsyncSession,
    scene: Scene,
    rule: AggregationRule,
    panels: list[list[Decimal]],
    twins: list[list[Decimal]],
) -> None:
    """Every review submitted and one field: the aggregates and ranks carry the whole weight.
    A twin is a panel beside the same panel twice over: the same mean and median from another
    sum and count, which must tie."""
    for totals in twins:
        panels = [*panels, totals, totals * 2]
    entries = [
        Entry("aerospace", tuple(Sheet("submitted", t, minute=k) for k, t in enumerate(totals)))
        for totals in panels
    ]
    await _compare(db, scene, rule, entries)
