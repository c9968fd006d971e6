from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from api.models import BatchStatus
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


class BatchRef(BaseModel):
    id: uuid.UUID
    year: int
    sequence: int
    title_zh: str
    title_en: str | None
    status: BatchStatus


class BatchStatistics(StatisticsBlock):
    batch: BatchRef


class Statistics(BaseModel):
    overall: StatisticsBlock = Field(
        description="Every published batch together, or the one asked for."
    )
    batches: list[BatchStatistics] = Field(description="Newest batch first.")
