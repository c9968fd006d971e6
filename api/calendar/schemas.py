from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.inputs import IsoDate, Trimmed
from api.models import CalendarSource

NameZh = Annotated[str, Trimmed(1, 60)]
NameEn = Annotated[str, Trimmed(1, 80)]


class WorkingDaysRead(BaseModel):
    start: date
    days: int
    end: date = Field(description="The `days`-th working day on or after `start`.")


class CalendarYearRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    source: CalendarSource = Field(
        description="`library`: from the chinese-calendar package; `admin`: entered or amended "
        "by an administrator."
    )
    updated_at: datetime


class CalendarYearList(BaseModel):
    items: list[CalendarYearRead] = Field(description="Every known year, oldest first.")


class CalendarDayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    working: bool = Field(
        description="true: a make-up working day (调休) on a weekend; false: a holiday."
    )
    name_zh: str | None
    name_en: str | None
    source: CalendarSource


class CalendarYearDetail(CalendarYearRead):
    days: list[CalendarDayRead] = Field(
        description="The days that differ from the Monday–Friday week, and the named holidays "
        "(weekends inside a holiday block included), in date order. Any other day is a working "
        "day from Monday to Friday and a rest day at the weekend."
    )


class CalendarDayWrite(BaseModel):
    """One day of a year's replacement: a holiday (working=false: a weekday, or a weekend day
    that belongs to a named holiday) or a make-up working day (working=true: a weekend day)."""

    model_config = ConfigDict(extra="forbid")

    day: IsoDate
    working: StrictBool
    name_zh: NameZh | None = None
    name_en: NameEn | None = None
