from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from api.batches.schemas import BatchBrief
from api.taxonomy.schemas import Term


class Funnel(BaseModel):
    """Applications that reached each stage (a later stage implies the earlier ones)."""

    submitted: int
    accepted: int = Field(description="Passed the formal review (形式审查).")
    reviewed: int = Field(description="Scored by the experts.")
    shortlisted: int = Field(description="Put on the publicity list (拟入选).")
    awarded: int
    revoked: int = Field(description="Awards whose certificate was later revoked.")


class Breakdown(Term):
    applications: int = Field(description="Submitted applications.")
    awards: int
    application_share: float = Field(description="Share of all submitted applications, 0–1.")
    award_share: float = Field(description="Share of all awards, 0–1.")


class Intentions(BaseModel):
    """Purchase intentions for the awarded products; cancelled ones are left out."""

    count: int
    intent_yuan: Decimal = Field(description="Declared, not yet signed.")
    signed_yuan: Decimal = Field(description="Signed or delivered.")
    total_yuan: Decimal = Field(description="Intent + signed + delivered.")
    unverified: int = Field(description="Counted records an admin has not verified yet.")


class Demonstration(BaseModel):
    projects: int
    awards_in_demonstration: int = Field(
        description="Awards with a project in demonstration or in application."
    )
    demonstration_share: float = Field(description="Of the awards counted, 0–1.")
    expected_investment_yuan: Decimal = Field(description="Expected total of every project.")
    unverified: int


class Insurance(BaseModel):
    policies: int
    awards_insured: int
    coverage_share: float = Field(description="Awards with a first-set insurance policy, 0–1.")
    premium_yuan: Decimal
    subsidy_yuan: Decimal = Field(description="Premium × subsidy share, summed.")
    unverified: int


class FollowUp(BaseModel):
    """What happened after the award, over the awards still in force (not revoked). Records
    are counted as the enterprises declared them; `unverified` says how many an admin has not
    checked yet."""

    awards: int
    demonstration: Demonstration
    intentions: Intentions
    insurance: Insurance


class StatisticsBlock(BaseModel):
    funnel: Funnel
    followup: FollowUp
    fields: list[Breakdown]
    levels: list[Breakdown]
    product_types: list[Breakdown]
    districts: list[Breakdown]


class BatchStatistics(StatisticsBlock):
    batch: BatchBrief


class YearStatistics(BaseModel):
    year: int
    funnel: Funnel
    followup: FollowUp


class Statistics(BaseModel):
    overall: StatisticsBlock = Field(
        description="Every published batch together, or the one asked for."
    )
    batches: list[BatchStatistics] = Field(description="Newest batch first.")
    years: list[YearStatistics] = Field(
        description="The batches of each year together, newest first."
    )
