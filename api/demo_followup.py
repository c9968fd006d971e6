"""Demo follow-up of the 2021 first batch, reproducing the picture the programme reported in
October 2021: almost half of the awarded products in demonstration application, purchase
intentions of nearly one billion yuan, and demonstration projects expected to invest nearly ten
billion. Buyers and user enterprises are fictional.

Idempotent: nothing is added once any award of the batch has a follow-up record."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Award,
    Batch,
    DemonstrationProject,
    InsurancePolicy,
    IntentionStatus,
    ProjectStage,
    PurchaseIntention,
    Roadshow,
)
from api.permissions import Principal

IN_DEMONSTRATION = 19  # of the 40 awards: "almost half"
PLANNED_ONLY = 5
INVESTMENT_YUAN = Decimal("9860000000")  # "nearly ten billion"
INTENTIONS_YUAN = Decimal("964000000")  # "nearly one billion", cancelled ones not counted
CANCELLED_YUAN = Decimal("38000000")
INSURED = 11
VERIFIED_AT = datetime(2021, 12, 15, 2, 0, tzinfo=UTC)

USERS = [
    ("北京东方新能源示范电站有限公司", "北京市延庆区"),
    ("京北智能制造产业园运营有限公司", "北京经济技术开发区"),
    ("燕京城市轨道交通运营有限公司", "北京市丰台区"),
    ("华都医学影像中心有限公司", "北京市朝阳区"),
    ("首都环保能源集团有限公司", "北京市通州区"),
    ("京西集成电路制造有限公司", "北京市顺义区"),
    ("京津冀航空维修工程有限公司", "北京市大兴区"),
    ("北方现代农业装备示范基地有限公司", "北京市密云区"),
]
BUYERS = [
    "华北电力装备采购有限公司",
    "京华新能源投资有限公司",
    "北方轨道交通装备集团有限公司",
    "中原精密制造股份有限公司",
    "长江医疗器械采购中心有限公司",
    "东海集成电路产业投资有限公司",
    "西部航空工业物资有限公司",
    "燕赵农业机械销售有限公司",
]
INSURERS = ["华安财产保险股份有限公司", "京联财产保险股份有限公司", "北辰科技保险股份有限公司"]


def _split(total: Decimal, parts: int, rng: random.Random, unit: Decimal) -> list[Decimal]:
    """`total` in `parts` uneven amounts, each a multiple of `unit`, summing exactly."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(parts)]
    scale = total / Decimal(str(sum(weights)))
    amounts = [(Decimal(str(w)) * scale / unit).quantize(Decimal(1)) * unit for w in weights]
    amounts[-1] += total - sum(amounts)
    return amounts


async def load_followup_demo(session: AsyncSession, admin: Principal) -> int:
    """The follow-up of the 2021 first batch; returns the number of records added."""
    batch = await session.scalar(select(Batch).where(Batch.year == 2021, Batch.sequence == 1))
    if batch is None:
        return 0
    awards = list(
        (
            await session.scalars(
                select(Award)
                .where(Award.batch_id == batch.id, Award.revoked_at.is_(None))
                .order_by(Award.number)
            )
        ).all()
    )
    if not awards:
        return 0
    award_ids = [a.id for a in awards]
    started = await session.scalar(
        select(
            or_(
                exists().where(DemonstrationProject.award_id.in_(award_ids)),
                exists().where(PurchaseIntention.award_id.in_(award_ids)),
                exists().where(InsurancePolicy.award_id.in_(award_ids)),
            )
        )
    )
    if started:
        return 0
    roadshow_id = await session.scalar(
        select(Roadshow.id)
        .where(Roadshow.starts_at >= datetime(2021, 10, 22, tzinfo=UTC))
        .where(Roadshow.starts_at < datetime(2021, 10, 23, tzinfo=UTC))
    )
    rng = random.Random(20211022)  # noqa: S311 - reproducible demo data, not security
    order = list(range(len(awards)))
    rng.shuffle(order)
    demonstrating = [awards[i] for i in order[:IN_DEMONSTRATION]]
    planned = [awards[i] for i in order[IN_DEMONSTRATION : IN_DEMONSTRATION + PLANNED_ONLY]]

    records: list[DemonstrationProject | PurchaseIntention | InsurancePolicy] = []
    # Projects: one per demonstrating award, a second for four of them, one planned each for
    # five more; two of the newest are still to be verified.
    project_awards = (
        [
            (a, rng.choice([ProjectStage.in_demonstration, ProjectStage.in_application]))
            for a in demonstrating
        ]
        + [(a, ProjectStage.completed) for a in demonstrating[:4]]
        + [(a, ProjectStage.planned) for a in planned]
    )
    investments = _split(INVESTMENT_YUAN, len(project_awards), rng, Decimal(10_000))
    for index, ((award, stage), amount) in enumerate(zip(project_awards, investments, strict=True)):
        user, site = USERS[index % len(USERS)]
        start = date(2021, 6, 1) + timedelta(days=rng.randint(0, 150))
        records.append(
            DemonstrationProject(
                award_id=award.id,
                user_enterprise=user,
                site=site,
                stage=stage,
                starts_on=start,
                ends_on=start + timedelta(days=rng.choice([365, 540, 730])),
                expected_investment_yuan=amount,
                notes="依托首台(套)产品开展示范应用。",
                public=index % 3 != 0,
                verified_at=None if index >= len(project_awards) - 2 else VERIFIED_AT,
                verified_by=None if index >= len(project_awards) - 2 else admin.user_id,
            )
        )

    # Intentions: 31 live ones summing to the reported total, plus two cancelled.
    statuses = [IntentionStatus.signed] * 12 + [IntentionStatus.delivered] * 4
    statuses += [IntentionStatus.intent] * 15
    buyers_awards = [awards[i] for i in order[:31]]
    amounts = _split(INTENTIONS_YUAN, len(statuses), rng, Decimal(10_000))
    cancelled = _split(CANCELLED_YUAN, 2, rng, Decimal(10_000))
    intention_rows = [
        *zip(buyers_awards, statuses, amounts, strict=True),
        (awards[order[0]], IntentionStatus.cancelled, cancelled[0]),
        (awards[order[1]], IntentionStatus.cancelled, cancelled[1]),
    ]
    for index, (award, status, amount) in enumerate(intention_rows):
        at_roadshow = index % 2 == 0
        records.append(
            PurchaseIntention(
                award_id=award.id,
                buyer=BUYERS[index % len(BUYERS)],
                amount_yuan=amount,
                intended_on=date(2021, 10, 22)
                if at_roadshow
                else date(2021, 9, 1) + timedelta(days=index),
                status=status,
                source="2021首台(套)重大技术装备及项目授牌路演" if at_roadshow else "企业自行对接",
                roadshow_id=roadshow_id if at_roadshow else None,
                verified_at=None if index == 5 else VERIFIED_AT,
                verified_by=None if index == 5 else admin.user_id,
            )
        )

    # Insurance: eleven products, premium rates from 1.2% to 3%, the default 80% subsidy.
    for index, award in enumerate(awards[i] for i in order[2 : 2 + INSURED]):
        rate = Decimal(rng.choice(["0.012", "0.015", "0.02", "0.025", "0.03"]))
        insured_value = Decimal(rng.randint(80, 600)) * Decimal(100_000)
        start = date(2021, 11, 1) + timedelta(days=index * 3)
        records.append(
            InsurancePolicy(
                award_id=award.id,
                insurer=INSURERS[index % len(INSURERS)],
                policy_number=f"SB2021-{index + 1:04d}",
                premium_yuan=(insured_value * rate).quantize(Decimal("0.01")),
                premium_rate=rate,
                starts_on=start,
                ends_on=start + timedelta(days=364),
                verified_at=VERIFIED_AT,
                verified_by=admin.user_id,
            )
        )
    session.add_all(records)
    await session.flush()
    return len(records)
