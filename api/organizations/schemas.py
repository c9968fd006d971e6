from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from api.inputs import Trimmed
from api.models import District, Organization, OrganizationKind
from api.organizations.uscc import normalise_uscc, uscc_problem


def _valid_uscc(value: str) -> str:
    value = normalise_uscc(value)
    problem = uscc_problem(value)
    if problem:
        raise PydanticCustomError("uscc_invalid", problem)
    return value


USCC = Annotated[
    str,
    Trimmed(1, 18),
    AfterValidator(_valid_uscc),
    Field(description="Unified social credit code (18 characters, check character verified)."),
]
NameZh = Annotated[str, Trimmed(2, 200)]
NameEn = Annotated[str, Trimmed(2, 300)]


class EnterpriseCreate(BaseModel):
    """A new enterprise, as given by a registering applicant."""

    model_config = ConfigDict(extra="forbid")

    name_zh: NameZh
    name_en: NameEn | None = None
    uscc: USCC
    district: District


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_zh: NameZh
    name_en: NameEn | None = None
    uscc: USCC | None = None
    district: District | None = None
    kind: OrganizationKind


class OrganizationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name_zh: str
    name_en: str | None
    uscc: str | None
    district: District | None
    kind: OrganizationKind
    created_at: datetime


class OrganizationRef(BaseModel):
    """An organisation as other records name it."""

    id: uuid.UUID
    name_zh: str
    name_en: str | None
    district: District | None = None
    enterprise_group: str | None = None

    @classmethod
    def of(cls, org: Organization) -> OrganizationRef:
        return cls(
            id=org.id,
            name_zh=org.name_zh,
            name_en=org.name_en,
            district=org.district,
            enterprise_group=org.enterprise_group,
        )
