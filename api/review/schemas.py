from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.inputs import DecimalInput
from api.models import (
    AggregationRule,
    ApplicationStatus,
    AssignmentStatus,
    Recommendation,
    ReviewStatus,
)
from api.organizations.schemas import OrganizationRef

# A score as an expert gives it: at most one decimal (7, 7.5) — finer steps carry no
# judgement and would only make the weighted totals harder to check by hand.
Score = Annotated[
    Decimal, DecimalInput(1, r"^0*([0-9]{1,3}(\.[0-9]0*)?|1000(\.0+)?)$", ge="0", le="1000")
]
CriterionKey = Annotated[str, Field(min_length=1, max_length=64)]
Reason = Annotated[str, Field(min_length=2, max_length=2000)]


# --- the expert's side ------------------------------------------------------------------------


class CriterionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    name_zh: str
    name_en: str | None
    max_score: Decimal
    weight: Decimal
    guidance_zh: str | None
    guidance_en: str | None


class ReviewDraft(BaseModel):
    """The whole editable part of a review: what is left out is cleared (PUT semantics)."""

    model_config = ConfigDict(extra="forbid")

    scores: dict[CriterionKey, Score] = Field(
        default_factory=dict,
        max_length=100,
        description="Score per criterion id; criteria left out are not scored yet.",
    )
    comment: Annotated[str, Field(max_length=5000)] | None = None
    recommendation: Recommendation | None = None


class ReviewRead(BaseModel):
    """The caller's own review and the rubric it is scored on — never anyone else's."""

    id: uuid.UUID
    assignment_id: uuid.UUID
    application_id: uuid.UUID
    status: ReviewStatus
    scores: dict[str, Decimal]
    total: Decimal | None
    comment: str | None
    recommendation: Recommendation | None
    version: int
    submitted_at: datetime | None
    waived_reason: str | None
    criteria: list[CriterionRead]
    max_total: Decimal


# --- the admin's side -------------------------------------------------------------------------


class ReasonRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class ReviewerRef(BaseModel):
    id: uuid.UUID
    display_name: str
    email: str


class AdminReview(BaseModel):
    """An assignment and its review (if any) with the expert's identity — admins only."""

    assignment_id: uuid.UUID
    assignment_status: AssignmentStatus
    application_id: uuid.UUID
    application_status: ApplicationStatus
    product_name_zh: str
    expert: ReviewerRef
    review_id: uuid.UUID | None
    status: ReviewStatus | None = Field(description="null while the expert has not opened it.")
    scores: dict[str, Decimal]
    total: Decimal | None
    comment: str | None
    recommendation: Recommendation | None
    version: int | None
    submitted_at: datetime | None
    waived_reason: str | None


# --- results ----------------------------------------------------------------------------------


class RecommendationCounts(BaseModel):
    recommend: int = 0
    neutral: int = 0
    not_recommend: int = 0


class ResultRow(BaseModel):
    application_id: uuid.UUID
    product_name_zh: str
    product_name_en: str | None
    organization: OrganizationRef
    field: str | None
    field_zh: str | None
    field_en: str | None
    status: ApplicationStatus
    n_assigned: int = Field(description="Active assignments.")
    n_submitted: int
    n_waived: int
    totals: list[Decimal] = Field(
        description="Submitted totals in submission order, without who gave them."
    )
    aggregate: Decimal | None = Field(description="Rounded to 2 decimals; null without totals.")
    rank_in_field: int | None = Field(description="By the exact aggregate; ties share a rank.")
    spread: Decimal | None
    disagreement: bool
    recommendations: RecommendationCounts
    decision: ApplicationStatus | None = Field(
        description="shortlisted, not_selected or awarded once decided."
    )
    decision_reason: str | None


class BatchResults(BaseModel):
    batch_id: uuid.UUID
    aggregation_rule: AggregationRule
    max_total: Decimal = Field(description="The rubric's highest possible total.")
    disagreement_threshold: Decimal = Field(description="A spread above this is flagged.")
    shortlist_quota: dict[str, int]
    items: list[ResultRow]


# --- deliberation -----------------------------------------------------------------------------


class DecisionRead(BaseModel):
    application_id: uuid.UUID
    status: ApplicationStatus
    decision_reason: str | None
    field: str | None
    shortlisted_in_field: int
    quota: int | None
