from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
)
from pydantic_core import PydanticCustomError

from api.inputs import BlankIsNone, DateTimeInput, Trimmed
from api.models import RoadshowStatus

# C0 and C1 controls; a multi-line text may keep tabs and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError(
            "control_characters", "Line breaks and control characters are not allowed."
        )
    return value


def _multi_line(value: str) -> str:
    if _CONTROL_MULTILINE.search(value):
        raise PydanticCustomError("control_characters", "Control characters are not allowed.")
    return value.replace("\r\n", "\n")


Title = Annotated[str, Trimmed(1, 200), AfterValidator(_single_line)]
Venue = Title
Presenter = Annotated[str, Trimmed(1, 100), AfterValidator(_single_line)]
Description = Annotated[str, Trimmed(1, 5000), AfterValidator(_multi_line)]
# An optional text left empty in a form means no value.
OptionalTitle = Annotated[Title | None, BlankIsNone()]
OptionalVenue = Annotated[Venue | None, BlankIsNone()]
OptionalDescription = Annotated[Description | None, BlankIsNone()]


# A time with its offset (naive times are refused as timezone_aware, not read as UTC).
Time = Annotated[AwareDatetime, DateTimeInput()]


# --- writes -----------------------------------------------------------------------------------


class RoadshowCreate(BaseModel):
    """A new roadshow, created as a draft. Times carry their offset (e.g. `+08:00`)."""

    model_config = ConfigDict(extra="forbid")

    title_zh: Title
    title_en: OptionalTitle = None
    starts_at: Time
    ends_at: Time = Field(description="After `starts_at`.")
    venue_zh: Venue
    venue_en: OptionalVenue = None
    description_zh: OptionalDescription = None
    description_en: OptionalDescription = None


class RoadshowUpdate(BaseModel):
    """PATCH: only the fields sent change; send `If-Match`. A new window must keep every slot
    of the agenda inside it."""

    model_config = ConfigDict(extra="forbid")

    title_zh: Title | None = None
    title_en: OptionalTitle = None
    starts_at: Time | None = None
    ends_at: Time | None = None
    venue_zh: Venue | None = None
    venue_en: OptionalVenue = None
    description_zh: OptionalDescription = None
    description_en: OptionalDescription = None


class SlotCreate(BaseModel):
    """A presentation on the agenda: inside the event's window, overlapping no other slot."""

    model_config = ConfigDict(extra="forbid")

    starts_at: Time
    ends_at: Time = Field(description="After `starts_at`.")
    organization_id: uuid.UUID = Field(description="The presenting organisation.")
    award_id: uuid.UUID | None = Field(
        None, description="The awarded product presented: an unrevoked award of the organisation."
    )
    talk_title_zh: Title
    talk_title_en: OptionalTitle = None
    presenter: Presenter


class SlotUpdate(BaseModel):
    """PATCH: only the fields sent change; send the roadshow's `If-Match`."""

    model_config = ConfigDict(extra="forbid")

    starts_at: Time | None = None
    ends_at: Time | None = None
    organization_id: uuid.UUID | None = None
    award_id: uuid.UUID | None = None
    talk_title_zh: Title | None = None
    talk_title_en: OptionalTitle = None
    presenter: Presenter | None = None


class MoveDirection(StrEnum):
    up = "up"
    down = "down"


class SlotMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    direction: MoveDirection = Field(
        description="Swap with the slot before (`up`) or after (`down`), keeping both durations "
        "and the gap between them."
    )


# --- reads ------------------------------------------------------------------------------------


class SlotOrganization(BaseModel):
    id: uuid.UUID
    name_zh: str
    name_en: str | None


class SlotProduct(BaseModel):
    award_id: uuid.UUID = Field(description="Also the catalogue entry's id (/catalogue/<id>).")
    product_name_zh: str
    product_name_en: str | None
    certificate_number: str


class SlotRead(BaseModel):
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    organization: SlotOrganization
    product: SlotProduct | None
    talk_title_zh: str
    talk_title_en: str | None
    presenter: str


class RoadshowSummary(BaseModel):
    id: uuid.UUID
    title_zh: str
    title_en: str | None
    starts_at: datetime
    ends_at: datetime
    venue_zh: str
    venue_en: str | None
    status: RoadshowStatus
    slot_count: int


class RoadshowRead(RoadshowSummary):
    description_zh: str | None
    description_en: str | None
    published_at: datetime | None
    version: int = Field(description="Bumped on every change of the event or its agenda.")
    calendar_url: str = Field(description="The event as an iCalendar file (.ics).")
    slots: list[SlotRead] = Field(description="The agenda, in time order.")
    updated_at: datetime


class ClashingSlot(BaseModel):
    """`clashing_slot` in a 409 `slot_overlap` problem."""

    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    talk_title_zh: str
