from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from api.auth.schemas import Email
from api.inputs import Trimmed
from api.models import ApplicationStatus, ObjectionStatus
from api.taxonomy.schemas import Term

# --- the public notice -----------------------------------------------------------------------


class OrganizationPublic(BaseModel):
    name_zh: str
    name_en: str | None
    district: Term | None


class PublicityProduct(BaseModel):
    """A shortlisted product as the notice shows it: nothing an applicant has not published."""

    application_id: uuid.UUID
    product_name_zh: str
    product_name_en: str | None
    model_spec: str | None
    field: Term | None
    claimed_level: Term | None
    organization: OrganizationPublic


class PublicityBatch(BaseModel):
    batch_id: uuid.UUID
    year: int
    sequence: int
    title_zh: str
    title_en: str | None
    publicity_working_days: int
    starts_on: date
    ends_on: date
    accepting_objections: bool = Field(description="Today (Asia/Shanghai) is inside the window.")
    working_days_left: int = Field(
        description="Working days of the window from today on, today included; 0 once closed."
    )
    products: list[PublicityProduct]


class PublicityList(BaseModel):
    today: date = Field(description="The date in Asia/Shanghai the window is judged by.")
    items: list[PublicityBatch]


# --- filing an objection ---------------------------------------------------------------------

Statement = Annotated[str, Trimmed(10, 5000)]


class ObjectionCreate(BaseModel):
    """The public objection form (multipart/form-data). Real name, and a phone number or an
    e-mail address (at least one); the evidence is an optional PDF."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    application_id: uuid.UUID = Field(description="The shortlisted application objected to.")
    objector_name: str = Field(min_length=1, max_length=50, description="Real name.")
    objector_phone: str | None = Field(
        None,
        min_length=6,
        max_length=20,
        pattern=r"^\+?[0-9][0-9 -]*[0-9]$",
        description="Digits, spaces and dashes, optionally after a leading +.",
    )
    objector_email: Email | None = Field(None, max_length=254)
    objector_organization: str | None = Field(None, max_length=200)
    statement: Statement
    evidence: UploadFile | None = Field(None, description="A PDF, judged by its content.")

    @field_validator("evidence", mode="before")
    @classmethod
    def _evidence_is_a_file(cls, value: object) -> object:
        # A form may send a plain text part under the file's name: empty means no file.
        if isinstance(value, str):
            if value == "":
                return None
            raise PydanticCustomError(
                "evidence_not_a_file", "The evidence must be uploaded as a file (a PDF)."
            )
        return value


class ObjectionFiled(BaseModel):
    """What the objector gets back: the reference to quote."""

    id: uuid.UUID
    reference: str = Field(examples=["YY-2026-01-0007"])
    status: ObjectionStatus
    batch_id: uuid.UUID
    application_id: uuid.UUID
    created_at: datetime


# --- triage (admins) -------------------------------------------------------------------------


class ResolutionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: Statement = Field(description="The written resolution (10–5000 characters).")


class ObjectedApplication(BaseModel):
    id: uuid.UUID
    status: ApplicationStatus
    product_name_zh: str
    product_name_en: str | None
    model_spec: str | None
    organization_id: uuid.UUID
    organization_name_zh: str
    organization_name_en: str | None


class ObjectionBatch(BaseModel):
    id: uuid.UUID
    year: int
    sequence: int
    title_zh: str
    title_en: str | None


class ObjectionSummary(BaseModel):
    id: uuid.UUID
    reference: str
    status: ObjectionStatus
    batch_id: uuid.UUID
    application_id: uuid.UUID
    product_name_zh: str
    product_name_en: str | None
    organization_name_zh: str
    organization_name_en: str | None
    objector_name: str
    has_evidence: bool
    created_at: datetime
    resolved_at: datetime | None


class Evidence(BaseModel):
    filename: str
    content_type: str = "application/pdf"
    size_bytes: int
    sha256: str


class ObjectionRead(BaseModel):
    id: uuid.UUID
    reference: str
    status: ObjectionStatus
    batch: ObjectionBatch
    application: ObjectedApplication
    objector_name: str
    objector_phone: str | None
    objector_email: str | None
    objector_organization: str | None
    statement: str
    evidence: Evidence | None
    resolution: str | None
    resolved_by: uuid.UUID | None
    resolved_by_name: str | None = Field(None, description="The admin who resolved it.")
    resolved_at: datetime | None
    ip: str | None = Field(description="The address the objection was filed from.")
    created_at: datetime
    updated_at: datetime
