"""The programme's follow-up figures: demonstration projects, purchase intentions and first-set
insurance of the awards in force, per batch and overall — four grouped queries, each one scan.

Every figure is a sum over disjoint awards, so a year's figures are the sums of its batches'."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Award,
    DemonstrationProject,
    InsurancePolicy,
    IntentionStatus,
    ProjectStage,
    PurchaseIntention,
)
from api.statistics.schemas import Demonstration, FollowUp, Insurance, Intentions

Key = uuid.UUID | None  # a batch, or None for all of them

IN_DEMONSTRATION = (ProjectStage.in_demonstration, ProjectStage.in_application)
SIGNED = (IntentionStatus.signed, IntentionStatus.delivered)
ZERO = Decimal("0.00")


@dataclass
class FollowUpCounts:
    awards: int = 0
    awards_in_demonstration: int = 0
    projects: int = 0
    investment_yuan: Decimal = ZERO
    projects_unverified: int = 0
    intentions: int = 0
    intent_yuan: Decimal = ZERO
    signed_yuan: Decimal = ZERO
    intentions_unverified: int = 0
    policies: int = 0
    awards_insured: int = 0
    premium_yuan: Decimal = ZERO
    subsidy_yuan: Decimal = ZERO
    policies_unverified: int = 0

    def __add__(self, other: FollowUpCounts) -> FollowUpCounts:
        return FollowUpCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def figures(self) -> FollowUp:
        def share(part: int) -> float:
            return round(part / self.awards, 4) if self.awards else 0.0

        return FollowUp(
            awards=self.awards,
            demonstration=Demonstration(
                projects=self.projects,
                awards_in_demonstration=self.awards_in_demonstration,
                demonstration_share=share(self.awards_in_demonstration),
                expected_investment_yuan=self.investment_yuan,
                unverified=self.projects_unverified,
            ),
            intentions=Intentions(
                count=self.intentions,
                intent_yuan=self.intent_yuan,
                signed_yuan=self.signed_yuan,
                total_yuan=self.intent_yuan + self.signed_yuan,
                unverified=self.intentions_unverified,
            ),
            insurance=Insurance(
                policies=self.policies,
                awards_insured=self.awards_insured,
                coverage_share=share(self.awards_insured),
                premium_yuan=self.premium_yuan,
                subsidy_yuan=self.subsidy_yuan.quantize(Decimal("0.01")),
                unverified=self.policies_unverified,
            ),
        )


def total(counts: Iterable[FollowUpCounts]) -> FollowUpCounts:
    return sum(counts, FollowUpCounts())


def _money(value: Decimal | None) -> Decimal:
    return ZERO if value is None else value


async def _grouped(
    session: AsyncSession, batch_ids: Sequence[uuid.UUID], *columns: Any, source: Any
) -> list[Any]:
    """One row per batch and one overall (`overall` = 1), over the awards in force."""
    award = Award.__table__.c
    stmt = (
        select(award.batch_id, func.grouping(award.batch_id).label("overall"), *columns)
        .select_from(source)
        .where(award.batch_id.in_(batch_ids), award.revoked_at.is_(None))
        .group_by(func.grouping_sets(tuple_(award.batch_id), text("()")))
    )
    return list((await session.execute(stmt)).all())


async def followup_counts(
    session: AsyncSession, batch_ids: Sequence[uuid.UUID]
) -> dict[Key, FollowUpCounts]:
    counts: dict[Key, FollowUpCounts] = {key: FollowUpCounts() for key in [None, *batch_ids]}
    if not batch_ids:
        return counts
    award = Award.__table__.c
    project = DemonstrationProject.__table__.c
    intention = PurchaseIntention.__table__.c
    policy = InsurancePolicy.__table__.c

    def key(row: Any) -> Key:
        return None if row.overall else row.batch_id

    in_demonstration = exists().where(
        project.award_id == award.id, project.stage.in_(IN_DEMONSTRATION)
    )
    for row in await _grouped(
        session,
        batch_ids,
        func.count().label("awards"),
        func.count().filter(in_demonstration).label("in_demonstration"),
        source=Award.__table__,
    ):
        counts[key(row)].awards = row.awards
        counts[key(row)].awards_in_demonstration = row.in_demonstration

    for row in await _grouped(
        session,
        batch_ids,
        func.count().label("projects"),
        func.sum(project.expected_investment_yuan).label("investment"),
        func.count().filter(project.verified_at.is_(None)).label("unverified"),
        source=DemonstrationProject.__table__.join(Award.__table__, award.id == project.award_id),
    ):
        c = counts[key(row)]
        c.projects, c.investment_yuan = row.projects, _money(row.investment)
        c.projects_unverified = row.unverified

    live = intention.status != IntentionStatus.cancelled
    for row in await _grouped(
        session,
        batch_ids,
        func.count().filter(live).label("intentions"),
        func.sum(intention.amount_yuan)
        .filter(intention.status == IntentionStatus.intent)
        .label("intent"),
        func.sum(intention.amount_yuan).filter(intention.status.in_(SIGNED)).label("signed"),
        func.count().filter(live, intention.verified_at.is_(None)).label("unverified"),
        source=PurchaseIntention.__table__.join(Award.__table__, award.id == intention.award_id),
    ):
        c = counts[key(row)]
        c.intentions, c.intentions_unverified = row.intentions, row.unverified
        c.intent_yuan, c.signed_yuan = _money(row.intent), _money(row.signed)

    for row in await _grouped(
        session,
        batch_ids,
        func.count().label("policies"),
        func.count(policy.award_id.distinct()).label("insured"),
        func.sum(policy.premium_yuan).label("premium"),
        func.sum(policy.premium_yuan * policy.subsidy_share).label("subsidy"),
        func.count().filter(policy.verified_at.is_(None)).label("unverified"),
        source=InsurancePolicy.__table__.join(Award.__table__, award.id == policy.award_id),
    ):
        c = counts[key(row)]
        c.policies, c.awards_insured = row.policies, row.insured
        c.premium_yuan, c.subsidy_yuan = _money(row.premium), _money(row.subsidy)
        c.policies_unverified = row.unverified
    return counts
