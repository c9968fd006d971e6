from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from api.batches.schemas import BatchBrief
from api.inputs import DecimalInput, IsoDate
from api.models import (
    AggregationRule,
    ApplicationStatus,
    AssignmentSource,
    AssignmentStatus,
    BatchStatus,
    ReviewStatus,
)
from api.organizations.schemas import OrganizationRef
from api.taxonomy.data import FIELD_LABELS


def _known_fields(fields: list[str]) -> list[str]:
    unknown = [f for f in fields if f not in FIELD_LABELS]
    if unknown:
        raise PydanticCustomError(
            "unknown_field", "Unknown fields: {unknown}", {"unknown": ", ".join(unknown)}
        )
    if len(set(fields)) != len(fields):
        raise PydanticCustomError("duplicate_field", "Each field may be listed once.")
    return fields


ExpertFields = Annotated[
    list[str], Field(min_length=1, max_length=20), AfterValidator(_known_fields)
]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Note = Annotated[str, Field(max_length=500)]


# --- the pool ---------------------------------------------------------------------------------


class ExpertProfileWrite(BaseModel):
    """The whole profile; PUT replaces it."""

    model_config = ConfigDict(extra="forbid")

    fields: ExpertFields
    employer_organization_id: uuid.UUID | None = None
    title_zh: Annotated[str, Field(max_length=100)] | None = None
    title_en: Annotated[str, Field(max_length=150)] | None = None
    speciality: Annotated[str, Field(max_length=300)] | None = None
    active: StrictBool = True


class ConflictRead(BaseModel):
    id: uuid.UUID
    organization: OrganizationRef
    reason: str | None
    created_at: datetime


class ExpertRead(BaseModel):
    user_id: uuid.UUID
    display_name: str
    email: str
    fields: list[str]
    employer: OrganizationRef | None
    title_zh: str | None
    title_en: str | None
    speciality: str | None
    active: bool
    active_load: int = Field(description="Active assignments across all batches.")


class ExpertDetail(ExpertRead):
    conflicts: list[ConflictRead]


class ConflictCreate(BaseModel):
    """The organisation by id or by its unified social credit code (exactly one)."""

    model_config = ConfigDict(extra="forbid")

    organization_id: uuid.UUID | None = None
    uscc: Annotated[str, Field(min_length=18, max_length=18)] | None = None
    reason: Reason

    @model_validator(mode="after")
    def _one_reference(self) -> Self:
        if (self.organization_id is None) == (self.uscc is None):
            raise PydanticCustomError(
                "one_reference", "Give either organization_id or uscc, not both."
            )
        return self


class ConflictDeclared(BaseModel):
    conflict: ConflictRead
    ended_assignments: int = Field(
        description="Active assignments the new conflict ended (their applications need "
        "reassignment)."
    )


class AvailabilityWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    available: StrictBool
    note: Note | None = None


class AvailabilityRead(BaseModel):
    batch_id: uuid.UUID
    expert_id: uuid.UUID
    available: bool
    note: str | None


class BatchExpertRead(BaseModel):
    """An expert of the pool as seen for one batch (admin)."""

    user_id: uuid.UUID
    display_name: str
    fields: list[str]
    employer: OrganizationRef | None
    active: bool
    available: bool
    availability_note: str | None
    load: int = Field(description="Active assignments in this batch.")
    attested: bool
    signed_at: datetime | None


# --- batch review settings and rubric ---------------------------------------------------------


class ReviewSettingsWrite(BaseModel):
    """Fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    aggregation_rule: AggregationRule | None = None
    max_assignments_per_expert: int | None = Field(None, ge=1, le=200)
    reviewers_per_application: int | None = Field(None, ge=1, le=15)
    shortlist_quota: (
        Annotated[
            dict[Annotated[str, Field(max_length=60)], Annotated[int, Field(ge=0, le=10_000)]],
            Field(max_length=20, description="{field code: how many may be shortlisted}"),
        ]
        | None
    ) = None
    review_due_on: IsoDate | None = Field(
        None,
        description="Experts submit their scores by this day (Beijing time); they are reminded "
        "two working days before. Null clears it.",
    )


class ReviewSettingsRead(BaseModel):
    batch_id: uuid.UUID
    status: BatchStatus
    aggregation_rule: AggregationRule
    max_assignments_per_expert: int
    reviewers_per_application: int
    shortlist_quota: dict[str, int]
    review_due_on: date | None
    assignment_seed: int | None
    editable: bool


MaxScore = Annotated[
    Decimal,
    DecimalInput(
        2,
        r"^0*([1-9][0-9]{0,2}(\.[0-9]{1,2}0*)?|0\.([1-9][0-9]?|0[1-9])0*|1000(\.0+)?)$",
        gt="0",
        le="1000",
    ),
]
Weight = Annotated[
    Decimal,
    DecimalInput(
        3,
        r"^0*([1-9][0-9]?(\.[0-9]{1,3}0*)?|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9])0*|100(\.0+)?)$",
        gt="0",
        le="100",
    ),
]


class CriterionWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_zh: Annotated[str, Field(min_length=1, max_length=100)]
    name_en: Annotated[str, Field(min_length=1, max_length=150)] | None = None
    max_score: MaxScore
    weight: Weight = Decimal(1)
    guidance_zh: Annotated[str, Field(max_length=2000)] | None = None
    guidance_en: Annotated[str, Field(max_length=4000)] | None = None


def _unique_names(criteria: list[CriterionWrite]) -> list[CriterionWrite]:
    for attr in ("name_zh", "name_en"):
        names = [
            " ".join(v.split()).casefold() for c in criteria if (v := getattr(c, attr)) is not None
        ]
        if len(set(names)) != len(names):
            raise PydanticCustomError(
                "duplicate_criterion", "Each criterion needs its own {attr}.", {"attr": attr}
            )
    return criteria


class RubricWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criteria: Annotated[
        list[CriterionWrite], Field(min_length=1, max_length=20), AfterValidator(_unique_names)
    ]


class CriterionRead(BaseModel):
    id: uuid.UUID
    position: int
    name_zh: str
    name_en: str | None
    max_score: Decimal
    weight: Decimal
    guidance_zh: str | None
    guidance_en: str | None


class RubricRead(BaseModel):
    batch_id: uuid.UUID
    criteria: list[CriterionRead]
    max_total: Decimal = Field(description="Σ weight × max_score.")
    aggregation_rule: AggregationRule
    locked: bool = Field(description="A review of the batch has been submitted.")


# --- attestation ------------------------------------------------------------------------------


class AttestationRead(BaseModel):
    batch_id: uuid.UUID
    statement_version: str
    statement_zh: str
    statement_en: str
    signed_at: datetime | None
    signed_version: str | None


# --- assignment -------------------------------------------------------------------------------


class DrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Below 2**53: a seed must survive JSON numbers in every client (JavaScript's doubles).
    seed: int | None = Field(
        None, ge=0, le=2**53 - 1, description="Replays a draw; drawn at random when left out."
    )


class ShortfallReason(BaseModel):
    code: str
    count: int
    zh: str
    en: str


class CoverageEntry(BaseModel):
    application_id: uuid.UUID
    product_name_zh: str
    product_name_en: str | None
    field: str | None
    organization: OrganizationRef
    active_experts: int
    required: int
    missing: int
    drawable_now: int = Field(description="Experts a draw could add right now.")
    conflicts_declared: int = Field(description="Experts who declared a conflict on it.")
    removed: int = Field(description="Experts an admin removed from it.")
    reasons: list[ShortfallReason]


class ConflictedAssignment(BaseModel):
    """An active assignment the avoidance rules forbid now (e.g. a group was set later)."""

    assignment_id: uuid.UUID
    application_id: uuid.UUID
    expert_id: uuid.UUID
    rule: str


class CoverageRead(BaseModel):
    batch_id: uuid.UUID
    required_per_application: int
    cap_per_expert: int
    applications_in_review: int
    fully_covered: int
    short: list[CoverageEntry]
    conflicted_assignments: list[ConflictedAssignment]


class DrawShortfall(BaseModel):
    application_id: uuid.UUID
    needed: int
    drawn: int
    reasons: list[ShortfallReason]


class DrawRead(BaseModel):
    id: uuid.UUID
    batch_id: uuid.UUID
    seed: int
    per_application: int
    cap_per_expert: int
    run_by: uuid.UUID | None
    created_at: datetime
    applications_considered: int
    assigned: int
    shortfalls: list[DrawShortfall]


class DrawResult(DrawRead):
    coverage: CoverageRead


class DrawDetail(DrawRead):
    """Everything needed to replay the draw: `algorithm.draw` on these inputs with this seed,
    per_application and cap gives these pairs again."""

    pairs: list[tuple[uuid.UUID, uuid.UUID]] = Field(
        description="(application id, expert id) pairs drawn."
    )
    inputs: dict[str, Any]


class ApplicationRef(BaseModel):
    id: uuid.UUID
    product_name_zh: str
    product_name_en: str | None
    field: str | None
    status: ApplicationStatus
    organization: OrganizationRef


class ExpertRef(BaseModel):
    user_id: uuid.UUID
    display_name: str


class AssignmentRead(BaseModel):
    """An assignment as admins see it."""

    id: uuid.UUID
    batch_id: uuid.UUID
    application: ApplicationRef
    expert: ExpertRef
    status: AssignmentStatus
    source: AssignmentSource
    draw_id: uuid.UUID | None
    reason: str | None
    ended_reason: str | None
    ended_at: datetime | None
    created_at: datetime


class ManualAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: uuid.UUID
    expert_id: uuid.UUID
    reason: Reason


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class OwnApplication(BaseModel):
    id: uuid.UUID
    product_name_zh: str
    product_name_en: str | None
    field: str | None
    status: ApplicationStatus
    organization_name_zh: str
    organization_name_en: str | None


class OwnAssignment(BaseModel):
    """An assignment as its expert sees it: application details only once the batch's
    statement is signed, and never anything about the other experts."""

    id: uuid.UUID
    batch: BatchBrief
    attested: bool
    assigned_at: datetime
    application: OwnApplication | None
    review_status: ReviewStatus | None = Field(
        None, description="The expert's own review of it; null until first opened."
    )


class OwnAssignmentEnded(BaseModel):
    id: uuid.UUID
    status: AssignmentStatus
    ended_at: datetime | None
