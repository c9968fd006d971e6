"""The follow-up figures (demonstration projects, purchase intentions, insurance) against a fixture
computed by hand: cancelled intentions and revoked awards left out, unverified records counted
and flagged, money exact to the fen, per batch, per year and overall."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Award,
    BatchStatus,
    DemonstrationProject,
    InsurancePolicy,
    IntentionStatus,
    ProjectStage,
    PurchaseIntention,
)
from tests.catalogue.helpers import make_entry, revoke
from tests.factories.applications import make_batch

URL = "/api/v1/statistics"
VERIFIED = datetime(2022, 3, 1, tzinfo=UTC)


def project(award: Award, stage: ProjectStage, yuan: str, verified: bool = True) -> Any:
    return DemonstrationProject(
        award_id=award.id,
        user_enterprise="北京某用户单位",
        site="北京经济技术开发区",
        stage=stage,
        expected_investment_yuan=Decimal(yuan),
        verified_at=VERIFIED if verified else None,
    )


def intention(award: Award, status: IntentionStatus, yuan: str, verified: bool = True) -> Any:
    return PurchaseIntention(
        award_id=award.id,
        buyer="某采购单位",
        amount_yuan=Decimal(yuan),
        intended_on=date(2021, 10, 22),
        status=status,
        verified_at=VERIFIED if verified else None,
    )


def policy(award: Award, number: str, premium: str, share: str, verified: bool = True) -> Any:
    return InsurancePolicy(
        award_id=award.id,
        insurer="某保险公司",
        policy_number=number,
        premium_yuan=Decimal(premium),
        premium_rate=Decimal("0.02"),
        subsidy_share=Decimal(share),
        starts_on=date(2021, 11, 1),
        ends_on=date(2022, 10, 31),
        verified_at=VERIFIED if verified else None,
    )


async def test_followup_figures_equal_the_hand_computed_fixture(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    first = await make_batch(db, status=BatchStatus.announced, year=2031, sequence=1)
    second = await make_batch(db, status=BatchStatus.announced, year=2031, sequence=2)
    later = await make_batch(db, status=BatchStatus.announced, year=2032, sequence=1)
    a1, a2, a3, a4 = [await make_entry(db, batch=first) for _ in range(4)]
    b1 = await make_entry(db, batch=second)
    c1 = await make_entry(db, batch=later)
    revoked = await make_entry(db, batch=first)
    db.add_all(
        [
            # first batch: a1 and a2 in demonstration or application, a3 only planned
            project(a1, ProjectStage.in_demonstration, "1000000.10"),
            project(a1, ProjectStage.completed, "0.05"),
            project(a2, ProjectStage.in_application, "2500000.00", verified=False),
            project(a3, ProjectStage.planned, "99.99"),
            intention(a1, IntentionStatus.intent, "300000.01"),
            intention(a1, IntentionStatus.signed, "200000.02", verified=False),
            intention(a2, IntentionStatus.delivered, "100000.03"),
            intention(a3, IntentionStatus.cancelled, "999999.99", verified=False),
            policy(a1, "P-1", "12000.00", "0.800"),
            policy(a1, "P-2", "333.33", "0.500", verified=False),
            policy(a4, "P-3", "1000.01", "0.800"),
            # second batch, same year
            project(b1, ProjectStage.in_demonstration, "7.00"),
            intention(b1, IntentionStatus.intent, "0.01"),
            # another year
            intention(c1, IntentionStatus.signed, "5.00"),
            # a revoked award's records count nowhere
            project(revoked, ProjectStage.in_demonstration, "123456789.00"),
            intention(revoked, IntentionStatus.signed, "123456789.00"),
            policy(revoked, "P-R", "500.00", "0.800"),
        ]
    )
    await db.flush()
    await revoke(db, revoked)

    body = (await client.get(URL)).json()
    by_batch = {b["batch"]["id"]: b["followup"] for b in body["batches"]}
    assert by_batch[str(first.id)] == {
        "awards": 4,
        "demonstration": {
            "projects": 4,
            "awards_in_demonstration": 2,
            "demonstration_share": 0.5,
            "expected_investment_yuan": "3500100.14",
            "unverified": 1,
        },
        "intentions": {
            "count": 3,
            "intent_yuan": "300000.01",
            "signed_yuan": "300000.05",
            "total_yuan": "600000.06",
            "unverified": 1,  # the cancelled unverified one is not counted
        },
        "insurance": {
            "policies": 3,
            "awards_insured": 2,
            "coverage_share": 0.5,
            "premium_yuan": "13333.34",
            # 12000.00 × 0.8 + 333.33 × 0.5 + 1000.01 × 0.8 = 9600 + 166.665 + 800.008
            "subsidy_yuan": "10566.67",
            "unverified": 1,
        },
    }
    years = {y["year"]: y["followup"] for y in body["years"]}
    assert [y["year"] for y in body["years"]] == [2032, 2031]
    year_2031 = years[2031]
    assert year_2031["awards"] == 5
    assert year_2031["demonstration"]["awards_in_demonstration"] == 3
    assert year_2031["demonstration"]["demonstration_share"] == 0.6
    assert year_2031["demonstration"]["expected_investment_yuan"] == "3500107.14"
    assert year_2031["intentions"]["total_yuan"] == "600000.07"
    assert years[2032]["intentions"] == {
        "count": 1,
        "intent_yuan": "0.00",
        "signed_yuan": "5.00",
        "total_yuan": "5.00",
        "unverified": 0,
    }
    overall = body["overall"]["followup"]
    assert overall["awards"] == 6
    assert overall["intentions"]["total_yuan"] == "600005.07"
    assert overall["insurance"]["coverage_share"] == round(2 / 6, 4)
    # The years' funnels add up their batches'.
    assert body["overall"]["funnel"]["awarded"] == sum(
        y["funnel"]["awarded"] for y in body["years"]
    )


async def test_no_followup_records_give_zeros(db: AsyncSession, client: httpx.AsyncClient) -> None:
    batch = await make_batch(db, status=BatchStatus.announced)
    await make_entry(db, batch=batch)
    followup = (await client.get(URL, params={"batch_id": str(batch.id)})).json()["overall"][
        "followup"
    ]
    assert followup["awards"] == 1
    assert followup["demonstration"]["demonstration_share"] == 0.0
    assert followup["intentions"]["total_yuan"] == "0.00"
    assert followup["insurance"]["subsidy_yuan"] == "0.00"
