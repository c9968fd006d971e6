"""Results: aggregate by the batch's rule, rank within field, spread and disagreement, and the
CSV/XLSX exports with anonymous experts and formula-safe cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    AggregationRule,
    ApplicationStatus,
    Batch,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewStatus,
    Role,
    User,
)
from tests.factories.experts import make_expert
from tests.factories.identity import make_org, make_user
from tests.review.conftest import LoginAs
from tests.review.helpers import Panel, make_panel, make_review_batch

S = ApplicationStatus
EVIL_ORG = '=HYPERLINK("http://evil.example","点我")'
EVIL_PRODUCT = "+1 超精密机床"
_clock = datetime(2026, 3, 1, tzinfo=UTC)


async def _review(
    db: AsyncSession,
    assignment: ReviewAssignment,
    total: int | str | None,
    *,
    status: ReviewStatus = ReviewStatus.submitted,
    recommendation: Recommendation = Recommendation.recommend,
    minutes: int = 0,
) -> None:
    db.add(
        Review(
            assignment_id=assignment.id,
            application_id=assignment.application_id,
            expert_id=assignment.expert_id,
            status=status,
            scores={},
            total=None if total is None else Decimal(str(total)),
            recommendation=recommendation if status == ReviewStatus.submitted else None,
            comment="这条意见不应出现在结果里",
            submitted_at=_clock + timedelta(minutes=minutes)
            if status == ReviewStatus.submitted
            else None,
        )
    )
    await db.flush()


async def _scored(
    db: AsyncSession,
    batch: Batch,
    experts: list[User],
    totals: list[int | str],
    *,
    extra: Sequence[ReviewStatus] = (),
    **application: object,
) -> Panel:
    panel = await make_panel(db, batch, experts=experts[: len(totals) + len(extra)], **application)
    for i, total in enumerate(totals):
        recommendation = Recommendation.recommend if i % 2 == 0 else Recommendation.neutral
        # submitted in reverse order of assignment: the anonymous order follows submission
        await _review(db, panel.assignments[i], total, recommendation=recommendation, minutes=-i)
    for j, status in enumerate(extra, start=len(totals)):
        await _review(db, panel.assignments[j], None, status=status)
    return panel


@dataclass
class Setup:
    batch: Batch
    panels: dict[str, Panel]
    experts: list[User]


async def _setup(db: AsyncSession) -> Setup:
    batch, _ = await make_review_batch(db, rule=AggregationRule.trimmed_mean)
    experts = [await make_expert(db) for _ in range(6)]
    evil = await make_org(db, name_zh=EVIL_ORG)
    ic = {"field": "integrated_circuits"}
    panels = {
        # trimmed: drop 10 and 46 → mean(40, 42, 44) = 42; spread 36 > 20 % of 50
        "five": await _scored(db, batch, experts, [40, 42, 44, 46, 10], status=S.reviewed, **ic),
        # plain mean of two = 42: ties with "five"
        "two": await _scored(
            db,
            batch,
            experts,
            [41, 43],
            status=S.reviewed,
            org=evil,
            product_name_zh=EVIL_PRODUCT,
            **ic,
        ),
        # (30 + 31 + 33) / 3 = 31.333…, one waived
        "waived": await _scored(
            db, batch, experts, [30, 31, 33], extra=[ReviewStatus.waived], status=S.reviewed, **ic
        ),
        # in review with only a draft
        "pending": await _scored(
            db, batch, experts, [], extra=[ReviewStatus.draft], status=S.in_review, **ic
        ),
        "aero": await _scored(
            db,
            batch,
            experts,
            ["20.5"],
            status=S.shortlisted,
            field="aerospace",
            decision_reason="航空领域唯一推荐",
        ),
        "rejected": await _scored(db, batch, experts, [50], status=S.rejected, **ic),
    }
    return Setup(batch, panels, experts)


async def _admin(db: AsyncSession, login_as: LoginAs) -> httpx.AsyncClient:
    return await login_as(await make_user(db, Role.admin))


async def test_results_aggregate_rank_and_flag(db: AsyncSession, login_as: LoginAs) -> None:
    setup = await _setup(db)
    batch, panels = setup.batch, setup.panels
    admin = await _admin(db, login_as)

    response = await admin.get(f"/api/v1/batches/{batch.id}/results")
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["aggregation_rule"] == "trimmed_mean"
    assert Decimal(body["max_total"]) == 50
    assert Decimal(body["disagreement_threshold"]) == 10
    rows = {r["application_id"]: r for r in body["items"]}
    assert str(panels["rejected"].application.id) not in rows
    five, two, waived, pending, aero = (
        rows[str(panels[k].application.id)] for k in ("five", "two", "waived", "pending", "aero")
    )
    assert Decimal(five["aggregate"]) == 42
    assert [Decimal(t) for t in five["totals"]] == [10, 46, 44, 42, 40]  # submission order
    assert (five["n_assigned"], five["n_submitted"], five["n_waived"]) == (5, 5, 0)
    assert Decimal(five["spread"]) == 36
    assert five["disagreement"] is True
    assert five["recommendations"] == {"recommend": 3, "neutral": 2, "not_recommend": 0}

    assert Decimal(two["aggregate"]) == 42
    assert two["disagreement"] is False
    assert five["rank_in_field"] == two["rank_in_field"] == 1
    assert Decimal(waived["aggregate"]) == Decimal("31.33")
    assert waived["rank_in_field"] == 3
    assert (waived["n_assigned"], waived["n_submitted"], waived["n_waived"]) == (4, 3, 1)
    assert pending["aggregate"] is None
    assert pending["rank_in_field"] is None
    assert pending["spread"] is None
    assert (pending["n_assigned"], pending["n_submitted"]) == (1, 0)
    assert aero["rank_in_field"] == 1
    assert aero["decision"] == "shortlisted"
    assert aero["decision_reason"] == "航空领域唯一推荐"
    assert aero["field_zh"] == "航空航天"
    assert five["decision"] is None

    # field order of the batch, then rank, unranked last
    order = [r["application_id"] for r in body["items"]]
    assert order.index(str(panels["pending"].application.id)) > order.index(
        str(panels["waived"].application.id)
    )
    # anonymous: no expert, review or comment anywhere
    for expert in setup.experts:
        assert str(expert.id) not in response.text
        assert expert.email not in response.text
    assert "这条意见" not in response.text

    only_aero = await admin.get(
        f"/api/v1/batches/{batch.id}/results",
        params={"field": "aerospace"},
    )
    assert [r["application_id"] for r in only_aero.json()["items"]] == [
        str(panels["aero"].application.id)
    ]


async def test_median_rule_applies_per_batch(db: AsyncSession, login_as: LoginAs) -> None:
    batch, _ = await make_review_batch(db, rule=AggregationRule.median)
    experts = [await make_expert(db) for _ in range(4)]
    panel = await _scored(db, batch, experts, [10, 40, 20, 49], status=S.reviewed)
    admin = await _admin(db, login_as)
    body = (await admin.get(f"/api/v1/batches/{batch.id}/results")).json()
    [row] = body["items"]
    assert row["application_id"] == str(panel.application.id)
    assert Decimal(row["aggregate"]) == 30


async def test_csv_export(db: AsyncSession, login_as: LoginAs) -> None:
    setup = await _setup(db)
    batch = setup.batch
    admin = await _admin(db, login_as)
    response = await admin.get(f"/api/v1/batches/{batch.id}/results.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="firstset-results-{batch.year}-{batch.sequence}.csv"' in disposition
    assert response.content.startswith(b"\xef\xbb\xbf")

    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    assert header[:5] == ["领域", "领域排名", "产品名称", "申报单位", "状态"]
    assert header[-5:] == ["专家A", "专家B", "专家C", "专家D", "专家E"]
    assert len(rows) == 5
    by_product = {r[2]: dict(zip(header, r, strict=False)) for r in rows}
    evil = by_product["'" + EVIL_PRODUCT]
    assert evil["申报单位"] == "'" + EVIL_ORG
    assert evil["汇总分"] == "42.00"
    assert evil["领域排名"] == "1"
    assert evil["专家A"] == "43.00"  # submitted first
    assert evil["专家C"] == ""
    assert evil["意见分歧"] == "否"
    assert any(
        r["状态"] == "拟入选" and r["决定理由"] == "航空领域唯一推荐" for r in by_product.values()
    )
    for expert in setup.experts:
        assert expert.email not in response.text

    english = await admin.get(
        f"/api/v1/batches/{batch.id}/results.csv",
        params={"lang": "en", "field": "aerospace"},
    )
    table = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert table[0][0] == "Field"
    assert table[0][-1] == "Expert A"
    assert table[1][0] == "Aerospace"
    assert "-aerospace.csv" in english.headers["content-disposition"]
    bad = await admin.get(
        f"/api/v1/batches/{batch.id}/results.csv",
        params={"lang": "fr"},
    )
    assert bad.status_code == 422


async def test_xlsx_export(db: AsyncSession, login_as: LoginAs) -> None:
    setup = await _setup(db)
    batch = setup.batch
    admin = await _admin(db, login_as)
    response = await admin.get(f"/api/v1/batches/{batch.id}/results.xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["评审结果"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = values[0]
    assert header[:3] == ["领域", "领域排名", "产品名称"]
    assert header[-1] == "专家E"
    assert len(values) == 6
    rows = {r[2]: dict(zip(header, r, strict=True)) for r in values[1:]}
    # text that a spreadsheet would run is kept verbatim but marked as text, never a formula
    evil = rows[EVIL_PRODUCT]
    assert evil["申报单位"] == EVIL_ORG
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row}
    for text in (EVIL_PRODUCT, EVIL_ORG):
        assert cells[text].data_type == "s"
        assert cells[text].quotePrefix is True
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert evil["汇总分"] == 42
    assert evil["领域排名"] == 1
    assert evil["专家A"] == 43
    assert evil["专家B"] == 41
    assert evil["专家C"] is None
    assert evil["意见分歧"] == "否"
    five = next(r for r in rows.values() if r["已提交"] == 5)
    assert five["意见分歧"] == "是"
    assert five["极差"] == 36

    english = await admin.get(
        f"/api/v1/batches/{batch.id}/results.xlsx",
        params={"lang": "en"},
    )
    sheet = load_workbook(io.BytesIO(english.content))["Results"]
    assert sheet["A1"].value == "Field"
