"""Post-award follow-up: what the awarded enterprise declares (demonstration projects, purchase
intentions, first-set insurance) and what admins verify. Money is `Decimal`, serialised as a
string, never a float."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool
from pydantic_core import PydanticCustomError

from api.awards.schemas import CertificateStatus
from api.inputs import DateInput, DecimalInput, Trimmed
from api.models.followup import (
    DEFAULT_SUBSIDY_SHARE,
    MAX_PREMIUM_RATE,
    IntentionStatus,
    ProjectStage,
)


class FollowUpKind(StrEnum):
    """The kinds of follow-up records, as they appear in URLs."""

    projects = "projects"
    intentions = "intentions"
    insurance_policies = "insurance-policies"


# --- input types ------------------------------------------------------------------------------

# Bidirectional overrides can make a name read differently from what is stored.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _control_error() -> PydanticCustomError:
    return PydanticCustomError("control_characters", "Remove control characters from the text.")


def _single_line(value: str) -> str:
    if any(ord(c) < 32 or 127 <= ord(c) < 160 or c in _BIDI or c in "\u2028\u2029" for c in value):
        raise _control_error()
    return value


def _multi_line(value: str) -> str:
    if any((ord(c) < 32 and c not in "\n\r\t") or 127 <= ord(c) < 160 or c in _BIDI for c in value):
        raise _control_error()
    return value


def _empty_to_none(value: str | None) -> str | None:
    return value or None


Line200 = Annotated[str, Trimmed(1, 200), AfterValidator(_single_line)]
OptionalLine200 = Annotated[
    Annotated[str, Trimmed(0, 200), AfterValidator(_single_line)] | None,
    AfterValidator(_empty_to_none),
]
PolicyNumber = Annotated[
    str,
    Trimmed(1, 60),
    AfterValidator(_single_line),
    Field(description="The insurer's policy number; unique per insurer."),
]
Notes = Annotated[
    Annotated[str, Trimmed(0, 5000), AfterValidator(_multi_line)] | None,
    AfterValidator(_empty_to_none),
    Field(description="Free text, up to 5,000 characters; empty means none."),
]

# NUMERIC(16, 2): yuan with fen, strictly positive.
Yuan = Annotated[
    Decimal,
    DecimalInput(
        2,
        r"^0*([1-9][0-9]{0,13}(\.[0-9]{1,2}0*)?|0\.([1-9][0-9]?|0[1-9])0*)$",
        gt="0",
        lt="1e14",
        max_digits=16,
    ),
    Field(
        description="Yuan with at most 2 decimals, sent and returned as a decimal string.",
        examples=["12345678.90"],
    ),
]


PremiumRate = Annotated[
    Decimal,
    DecimalInput(
        5,
        r"^0+\.0([12][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9]|30{0,3})0*$",
        gt="0",
        le=str(MAX_PREMIUM_RATE),
        max_digits=6,
        over_le=("premium_rate_over_cap", "The premium rate may be at most 3% (0.03)."),
    ),
    Field(description="A fraction, at most 0.03 (3%): 0.025 is 2.5%.", examples=["0.025"]),
]
SubsidyShare = Annotated[
    Decimal,
    DecimalInput(3, r"^0*(0(\.[0-9]{1,3}0*)?|1(\.0+)?)$", ge="0", le="1", max_digits=4),
    Field(
        description="The share of the premium the subsidy covers, 0 to 1 (default 0.80).",
        examples=["0.80"],
    ),
]
# A date in a plausible range, so a typo such as 0202 for 2020 is caught here.
Day = Annotated[
    date,
    Field(ge=date(1990, 1, 1), le=date(2100, 12, 31)),
    DateInput(r"^(199[0-9]|20[0-9]{2}|2100)-"),
]

# --- demonstration projects -------------------------------------------------------------------


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_enterprise: Line200 = Field(description="The enterprise using the product.")
    site: Line200 = Field(description="Where the product is demonstrated.")
    stage: ProjectStage
    starts_on: Day | None = None
    ends_on: Day | None = Field(None, description="On or after starts_on.")
    expected_investment_yuan: Yuan
    notes: Notes = None
    public: StrictBool = Field(
        False, description="Agree to a public summary (user, site, stage, dates) once verified."
    )


class ProjectUpdate(BaseModel):
    """PATCH: only the fields sent change. Send `If-Match` with the record's ETag."""

    model_config = ConfigDict(extra="forbid")

    user_enterprise: Line200 | None = None
    site: Line200 | None = None
    stage: ProjectStage | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    expected_investment_yuan: Yuan | None = None
    notes: Notes = None
    public: StrictBool | None = None


class Verification(BaseModel):
    verified: bool
    verified_at: datetime | None
    verified_by: uuid.UUID | None
    version: int
    etag: str = Field(description="Send it as If-Match to edit or verify this record.")
    created_at: datetime
    updated_at: datetime


class ProjectRead(Verification):
    kind: Literal[FollowUpKind.projects] = FollowUpKind.projects
    id: uuid.UUID
    award_id: uuid.UUID
    user_enterprise: str
    site: str
    stage: ProjectStage
    starts_on: date | None
    ends_on: date | None
    expected_investment_yuan: Decimal
    notes: str | None
    public: bool


class ProjectPublic(BaseModel):
    """What the public sees of a verified project the enterprise agreed to publish."""

    id: uuid.UUID
    award_id: uuid.UUID
    user_enterprise: str
    site: str
    stage: ProjectStage
    starts_on: date | None
    ends_on: date | None


# --- purchase intentions ----------------------------------------------------------------------


class IntentionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    buyer: Line200
    amount_yuan: Yuan
    intended_on: Day
    status: IntentionStatus = IntentionStatus.intent
    source: OptionalLine200 = Field(None, description="Where the buyer was found.")
    roadshow_id: uuid.UUID | None = Field(None, description="The roadshow, when it was one.")
    notes: Notes = None


class IntentionUpdate(BaseModel):
    """PATCH: only the fields sent change. Send `If-Match` with the record's ETag."""

    model_config = ConfigDict(extra="forbid")

    buyer: Line200 | None = None
    amount_yuan: Yuan | None = None
    intended_on: Day | None = None
    status: IntentionStatus | None = None
    source: OptionalLine200 = None
    roadshow_id: uuid.UUID | None = None
    notes: Notes = None


class IntentionRead(Verification):
    kind: Literal[FollowUpKind.intentions] = FollowUpKind.intentions
    id: uuid.UUID
    award_id: uuid.UUID
    buyer: str
    amount_yuan: Decimal
    intended_on: date
    status: IntentionStatus
    source: str | None
    roadshow_id: uuid.UUID | None
    notes: str | None


# --- insurance policies -----------------------------------------------------------------------


class PolicyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    insurer: Line200
    policy_number: PolicyNumber
    premium_yuan: Yuan
    premium_rate: PremiumRate
    subsidy_share: SubsidyShare = DEFAULT_SUBSIDY_SHARE
    starts_on: Day
    ends_on: Day = Field(description="After starts_on, at most 3 years later.")


class PolicyUpdate(BaseModel):
    """PATCH: only the fields sent change. Send `If-Match` with the record's ETag."""

    model_config = ConfigDict(extra="forbid")

    insurer: Line200 | None = None
    policy_number: PolicyNumber | None = None
    premium_yuan: Yuan | None = None
    premium_rate: PremiumRate | None = None
    subsidy_share: SubsidyShare | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None


class PolicyRead(Verification):
    kind: Literal[FollowUpKind.insurance_policies] = FollowUpKind.insurance_policies
    id: uuid.UUID
    award_id: uuid.UUID
    insurer: str
    policy_number: str
    premium_yuan: Decimal
    premium_rate: Decimal
    subsidy_share: Decimal
    starts_on: date
    ends_on: date


RecordRead = Annotated[ProjectRead | IntentionRead | PolicyRead, Field(discriminator="kind")]

# --- verification -----------------------------------------------------------------------------

Reason = Annotated[str, Trimmed(5, 2000), AfterValidator(_multi_line)]


class Unverify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the verification is withdrawn (5–2000 characters).")


# --- awards -----------------------------------------------------------------------------------


class Counts(BaseModel):
    total: int
    unverified: int


class AwardRef(BaseModel):
    id: uuid.UUID
    number: str
    product_name_zh: str
    product_name_en: str | None
    organization_id: uuid.UUID
    organization_name_zh: str
    organization_name_en: str | None


class AwardFollowUpSummary(AwardRef):
    batch_id: uuid.UUID
    batch_year: int
    batch_sequence: int
    status: CertificateStatus
    revoked: bool = Field(description="A revoked award's records stay readable; none are added.")
    projects: Counts
    intentions: Counts
    policies: Counts


class AwardFollowUp(AwardFollowUpSummary):
    """An award with all its follow-up records, oldest first."""

    project_list: list[ProjectRead]
    intention_list: list[IntentionRead]
    policy_list: list[PolicyRead]


class QueueItem(BaseModel):
    """An unverified record with the award it belongs to."""

    award: AwardRef
    record: RecordRead
