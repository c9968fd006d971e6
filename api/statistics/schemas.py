from __future__ import annotations

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


class StatisticsBlock(BaseModel):
    funnel: Funnel
    fields: list[Breakdown]
    levels: list[Breakdown]
    product_types: list[Breakdown]
    districts: list[Breakdown]


class BatchStatistics(StatisticsBlock):
    batch: BatchBrief


class Statistics(BaseModel):
    overall: StatisticsBlock = Field(
        description="Every published batch together, or the one asked for."
    )
    batches: list[BatchStatistics] = Field(description="Newest batch first.")
