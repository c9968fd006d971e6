from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from api.applications.schemas import ApplicationRead
from api.inputs import Trimmed
from api.models import Recommendation, ReviewStatus, Scope

ClientName = Annotated[str, Trimmed(2, 200)]


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError as exc:
        raise PydanticCustomError(
            "network_invalid", "Not an IP address or CIDR range: {value}", {"value": value}
        ) from exc


Network = Annotated[
    str,
    StringConstraints(max_length=50),
    AfterValidator(_network),
    Field(description="An IPv4/IPv6 address or CIDR range, e.g. `10.20.0.0/16`."),
]


def _unique_scopes(value: list[Scope]) -> list[Scope]:
    return sorted(set(value), key=list(Scope).index)


def _unique_networks(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))


Scopes = Annotated[list[Scope], AfterValidator(_unique_scopes)]
Networks = Annotated[
    list[Network],
    Field(max_length=50, description="Empty: any address."),
    AfterValidator(_unique_networks),
]
RatePerMinute = Annotated[int, Field(ge=1, le=100_000, description="Requests per minute.")]


class AgencyClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ClientName
    organization_id: uuid.UUID = Field(description="The agency organisation the client acts for.")
    scopes: Scopes = Field(min_length=1)
    allowed_networks: Networks = []
    rate_limit_per_minute: RatePerMinute | None = Field(
        None, description="Unset: the server's default (600)."
    )


class AgencyClientUpdate(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    name: ClientName | None = None
    scopes: Scopes | None = Field(None, min_length=1)
    allowed_networks: Networks | None = None
    rate_limit_per_minute: RatePerMinute | None = None


class SecretRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_hours: int = Field(
        24,
        ge=0,
        le=720,
        description="How long the current secrets keep working beside the new one (0: end now).",
    )


class ClientSecretRead(BaseModel):
    id: uuid.UUID
    hint: str = Field(description="The secret's first characters.")
    created_at: datetime
    expires_at: datetime | None = Field(description="End of the rotation overlap; null: none.")


class AgencyClientRead(BaseModel):
    id: uuid.UUID
    client_id: str
    name: str
    organization_id: uuid.UUID
    organization_name_zh: str
    organization_name_en: str | None
    scopes: list[Scope]
    allowed_networks: list[str]
    rate_limit_per_minute: int
    revoked_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    secrets: list[ClientSecretRead] = Field(description="The secrets that still work.")


class AgencyClientWithSecret(BaseModel):
    """The client with its new secret — shown only in this answer, stored only hashed."""

    client: AgencyClientRead
    client_secret: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 type name
    expires_in: int = Field(description="Seconds until the token expires.")
    scope: str = Field(description="The granted scopes, space-separated.")


class OAuthError(BaseModel):
    """RFC 6749 §5.2 error body."""

    error: str
    error_description: str | None = None


# --- oversight --------------------------------------------------------------------------------


class AnonymousReview(BaseModel):
    expert: str = Field(
        description="The expert as a letter (A, B, …) in assignment order; who it is stays with "
        "the joint office."
    )
    status: ReviewStatus = Field(description="`submitted`, or `waived` by an admin.")
    scores: dict[str, Any] = Field(description="Points per rubric criterion id.")
    total: Decimal | None
    recommendation: Recommendation | None
    comment: str | None
    submitted_at: datetime | None


class OversightApplication(ApplicationRead):
    reviews: list[AnonymousReview]
