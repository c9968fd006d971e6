from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.inputs import DecimalInput, IsoDate
from api.models import ApplicationStatus, CheckStep, ProductType, TechnicalLevel
from api.organizations.schemas import OrganizationRef

Short = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
# NUMERIC(16, 2): yuan with fen.
Yuan = Annotated[
    Decimal, DecimalInput(2, r"^0*[0-9]{1,14}(\.[0-9]{1,2}0*)?$", ge="0", lt="1e14", max_digits=16)
]


class IndicatorRow(BaseModel):
    """A key technical indicator compared with the best domestic and international values."""

    model_config = ConfigDict(extra="forbid")

    indicator: Short
    unit: Annotated[str, Field(max_length=40)] = ""
    own_value: Short
    best_domestic: Annotated[str, Field(max_length=200)] = ""
    best_international: Annotated[str, Field(max_length=200)] = ""
    evidence: Annotated[str, Field(max_length=500)] = ""


class IpType(StrEnum):
    invention_patent = "invention_patent"
    utility_model = "utility_model"
    design_patent = "design_patent"
    software_copyright = "software_copyright"
    ic_layout = "ic_layout"


class IpStatus(StrEnum):
    granted = "granted"
    pending = "pending"


class IpRight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Short
    type: IpType
    status: IpStatus


class SaleRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    buyer: Short
    date: IsoDate
    units: int = Field(ge=1, le=100_000)
    amount_yuan: Yuan
    in_beijing: StrictBool


class Licence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Short
    number: Short
    valid_until: IsoDate | None = None


class ApplicationContent(BaseModel):
    """What an applicant writes; every part optional until submission."""

    model_config = ConfigDict(extra="forbid")

    product_name_zh: Annotated[str, Field(min_length=2, max_length=200)] | None = None
    product_name_en: Annotated[str, Field(max_length=300)] | None = None
    model_spec: Annotated[str, Field(max_length=200)] | None = None
    field: Annotated[str, Field(max_length=60)] | None = None
    product_type: ProductType | None = None
    claimed_level: TechnicalLevel | None = None
    summary_zh: LongText | None = None
    summary_en: LongText | None = None
    indicators: Annotated[list[IndicatorRow], Field(max_length=50)] | None = None
    ip_rights: Annotated[list[IpRight], Field(max_length=200)] | None = None
    sales: Annotated[list[SaleRecord], Field(max_length=200)] | None = None
    licences: Annotated[list[Licence], Field(max_length=50)] | None = None
    price_yuan: Yuan | None = None
    expected_demonstration_use: LongText | None = None


class ApplicationCreate(ApplicationContent):
    batch_id: uuid.UUID
    product_name_zh: Annotated[str, Field(min_length=2, max_length=200)]
    organization_id: uuid.UUID | None = Field(
        None, description="Needed only by applicants of several organisations."
    )


class ApplicationUpdate(ApplicationContent):
    """PATCH: only the fields sent change. Send `If-Match` with the ETag you read."""


class BatchRef(BaseModel):
    id: uuid.UUID
    year: int
    sequence: int
    title_zh: str
    title_en: str | None


class ApplicationSummary(BaseModel):
    id: uuid.UUID
    status: ApplicationStatus
    product_name_zh: str
    product_name_en: str | None
    model_spec: str | None
    field: str | None
    claimed_level: TechnicalLevel | None
    organization: OrganizationRef
    batch: BatchRef
    submitted_at: datetime | None
    return_step: CheckStep | None
    return_deadline_on: date | None
    overdue: bool = Field(description="Returned and past its correction deadline.")
    created_at: datetime
    updated_at: datetime


class ApplicationRead(ApplicationSummary):
    version: int
    summary_zh: str | None
    summary_en: str | None
    product_type: ProductType | None
    indicators: list[IndicatorRow]
    ip_rights: list[IpRight]
    sales: list[SaleRecord]
    licences: list[Licence]
    price_yuan: Decimal | None
    expected_demonstration_use: str | None
    return_reason: str | None
    decision_reason: str | None


class ReturnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=5, max_length=2000)]
    deadline_working_days: int = Field(5, ge=1, le=30)


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(max_length=2000)] = ""


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=5, max_length=2000)]


class EligibilityRule(BaseModel):
    rule: str
    passed: bool
    reason: str
    reason_zh: str


class Eligibility(BaseModel):
    eligible: bool
    rules: list[EligibilityRule]


class TimelineEntry(BaseModel):
    at: datetime
    action: str
    status_before: ApplicationStatus | None
    status_after: ApplicationStatus | None
    note: str | None
    by: str = Field(description="applicant, district, joint_office or system.")
