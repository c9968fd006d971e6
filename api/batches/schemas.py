from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from api.inputs import IsoDateTime
from api.models import BatchStatus
from api.taxonomy.data import DEFAULT_FIELDS, FIELD_LABELS


def _known_fields(fields: list[str]) -> list[str]:
    unknown = [f for f in fields if f not in FIELD_LABELS]
    if unknown:
        raise PydanticCustomError(
            "unknown_field", "Unknown fields: {unknown}", {"unknown": ", ".join(unknown)}
        )
    if len(set(fields)) != len(fields):
        raise PydanticCustomError("duplicate_field", "Each field may be offered once.")
    return fields


Fields = Annotated[list[str], Field(min_length=1, max_length=20), AfterValidator(_known_fields)]
TitleZh = Annotated[str, Field(min_length=2, max_length=200)]
TitleEn = Annotated[str, Field(min_length=2, max_length=300)]


def _window_order(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and opens_at >= closes_at:
        raise PydanticCustomError("window_order", "closes_at must be after opens_at.")


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    sequence: int = Field(ge=1, le=9, description="1 for the year's first batch.")
    title_zh: TitleZh
    title_en: TitleEn | None = None
    fields: Fields = Field(default_factory=lambda: list(DEFAULT_FIELDS))
    opens_at: IsoDateTime
    closes_at: IsoDateTime
    publicity_working_days: int = Field(5, ge=1, le=30)
    reviewers_per_application: int = Field(5, ge=1, le=15)

    @model_validator(mode="after")
    def _check_window(self) -> Self:
        _window_order(self.opens_at, self.closes_at)
        return self


class BatchUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title_zh: TitleZh | None = None
    title_en: TitleEn | None = None
    fields: Fields | None = None
    opens_at: IsoDateTime | None = None
    closes_at: IsoDateTime | None = None
    publicity_working_days: int | None = Field(None, ge=1, le=30)
    reviewers_per_application: int | None = Field(None, ge=1, le=15)

    @model_validator(mode="after")
    def _check_window(self) -> Self:
        _window_order(self.opens_at, self.closes_at)
        return self


class BatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    year: int
    sequence: int
    title_zh: str
    title_en: str | None
    fields: list[str]
    opens_at: datetime
    closes_at: datetime
    publicity_working_days: int
    reviewers_per_application: int
    status: BatchStatus
    publicity_starts_on: date | None = Field(None, description="Set when publicity starts.")
    publicity_ends_on: date | None = None
    accepting_applications: bool = Field(
        description="Open and inside its application window right now."
    )


class BatchBrief(BaseModel):
    """A batch as other records name it."""

    id: uuid.UUID
    year: int
    sequence: int
    title_zh: str
    title_en: str | None
    status: BatchStatus
