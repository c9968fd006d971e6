from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.inputs import Trimmed
from api.taxonomy.schemas import Term

# BJSTT-<year>-<batch sequence, 2 digits>-<sequence, 4 digits>
NUMBER_PATTERN = r"^BJSTT-[0-9]{4}-[0-9]{2}-[0-9]{4}$"


class CertificateStatus(StrEnum):
    valid = "valid"
    expired = "expired"
    revoked = "revoked"


STATUS_LABELS: dict[CertificateStatus, tuple[str, str]] = {
    CertificateStatus.valid: ("有效", "Valid"),
    CertificateStatus.expired: ("已过期", "Expired"),
    CertificateStatus.revoked: ("已撤销", "Revoked"),
}


# --- public -----------------------------------------------------------------------------------


class PublicKey(BaseModel):
    key_id: str
    algorithm: str = Field(description="Always `Ed25519`.")
    public_key: str = Field(description="The raw 32-byte public key, base64.")
    created_at: datetime
    retired_at: datetime | None = Field(
        description="Set once a newer key took over; certificates it signed still verify."
    )


class PublicKeys(BaseModel):
    keys: list[PublicKey]


class CertificateDetails(BaseModel):
    """Labels for display, outside the signature (the signed facts are in `payload`)."""

    organization_name_zh: str
    organization_name_en: str | None
    product_name_zh: str
    product_name_en: str | None
    model_spec: str | None
    field: Term | None
    level: Term | None
    batch_year: int
    batch_sequence: int


class CertificatePublic(BaseModel):
    number: str
    status: CertificateStatus = Field(
        description="`revoked` wins; `expired` once today (Asia/Shanghai) is after valid_until."
    )
    status_label: Term
    issued_at: datetime
    valid_until: date
    revoked_at: datetime | None
    revoked_reason: str | None
    payload: dict[str, str] = Field(
        description="The signed facts. The signature covers their canonical JSON: UTF-8, keys "
        "sorted, no insignificant whitespace, non-ASCII as is (RFC 8785 for this flat object "
        "of strings)."
    )
    signature: str = Field(description="Ed25519 signature of the canonical payload, base64.")
    key_id: str = Field(description="The key in GET /api/v1/certificates/keys that signed it.")
    algorithm: str
    verify_url: str
    pdf_url: str
    details: CertificateDetails


# --- admin ------------------------------------------------------------------------------------


class AwardSummary(BaseModel):
    id: uuid.UUID
    number: str
    status: CertificateStatus
    status_label: Term
    application_id: uuid.UUID
    batch_id: uuid.UUID
    organization_id: uuid.UUID
    organization_name_zh: str
    organization_name_en: str | None
    product_name_zh: str
    product_name_en: str | None
    issued_at: datetime
    valid_until: date
    revoked_at: datetime | None


class AwardRead(AwardSummary):
    sequence: int
    payload: dict[str, str]
    signature: str
    key_id: str
    revoked_reason: str | None
    revoked_by: uuid.UUID | None
    pdf_rendered: bool = Field(description="A PDF is cached for the current revocation state.")
    verify_url: str
    pdf_url: str
    created_at: datetime
    updated_at: datetime


Reason = Annotated[str, Trimmed(10, 2000)]


class AwardRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the certificate is revoked (10–2000 characters).")


class IssueResult(BaseModel):
    issued: int = Field(description="Certificates issued by this run.")
