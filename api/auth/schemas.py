from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from api.inputs import Trimmed
from api.models import District, Locale, Role
from api.organizations.schemas import EnterpriseCreate

DisplayName = Annotated[str, Trimmed(1, 100)]
Password = Annotated[str, Field(min_length=1, max_length=128)]


def _deliverable(value: object, handler: ValidatorFunctionWrapHandler) -> str:
    """Beyond the address syntax the schema states (`format: email`), mail must be able to
    reach it: reserved and special-use domains (.test, .invalid, localhost) are refused under
    a code of their own."""
    try:
        return str(handler(value))
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("value is not a valid email address: ")
        raise PydanticCustomError(
            "email_undeliverable",
            "Not an e-mail address mail can reach: {reason}",
            {"reason": reason},
        ) from None


# E-mail addresses are compared and stored lower-cased.
Email = Annotated[EmailStr, WrapValidator(_deliverable), AfterValidator(str.lower)]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=254)
    ]
    password: Password


class RegisterRequest(BaseModel):
    """Applicant self-registration together with a new enterprise."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password
    display_name: DisplayName
    locale: Locale = Locale.zh_cn
    organization: EnterpriseCreate


class PasswordChangeRequest(BaseModel):
    """The caller's own password change: the current password proves it is the account holder."""

    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class PasswordResetRequest(BaseModel):
    """Ask for a reset link. Any syntactically plausible address is accepted: the answer must
    not tell whether it is registered."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=254)
    ]


class PasswordResetAccepted(BaseModel):
    """The same answer for every address."""

    detail: str = Field(
        description="That a link was sent if the address belongs to an active account."
    )


class PasswordResetConfirm(BaseModel):
    """The token from the reset link and the new password."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=200)]
    new_password: Password


class RoleGrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: Role
    organization_id: uuid.UUID
    organization_name_zh: str
    organization_name_en: str | None
    district: District | None


class Me(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    locale: Locale
    roles: list[RoleGrantRead]
