from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from api.models import District, Locale, Role
from api.organizations.schemas import EnterpriseCreate

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Password = Annotated[str, Field(min_length=1, max_length=128)]
# E-mail addresses are compared and stored lower-cased.
Email = Annotated[EmailStr, AfterValidator(str.lower)]


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
