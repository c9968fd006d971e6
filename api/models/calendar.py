"""The official working-day calendar: which years are known, and the days that differ from the
Monday–Friday week (holidays on weekdays, make-up working days 调休 on weekends)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, TimestampMixin, str_enum


class CalendarSource(StrEnum):
    library = "library"  # seeded from the chinese-calendar package
    admin = "admin"  # entered or amended by an admin


class CalendarYear(TimestampMixin, Base):
    """A year whose calendar is known. Working-day arithmetic refuses years without a row."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    source: Mapped[CalendarSource] = mapped_column(str_enum(CalendarSource, "calendar_source"))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )


class CalendarDay(TimestampMixin, Base):
    """A day whose status differs from the plain week, or a named holiday."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name_zh: Mapped[str | None] = mapped_column(String(60))
    name_en: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[CalendarSource] = mapped_column(str_enum(CalendarSource, "calendar_source"))
