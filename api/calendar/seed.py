"""The rows the `chinese-calendar` package (PyPI `chinesecalendar`) gives the calendar tables.

Pure: no database, no models, so the migration that seeds the tables can import it and a test can
check it. Only days that differ from the Monday–Friday week are kept, plus the named holidays
(a weekend inside a holiday block is stored as a non-working day with the holiday's name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import chinese_calendar  # type: ignore[import-untyped]
from chinese_calendar.constants import Holiday  # type: ignore[import-untyped]

# English names for the holidays every year has; the package's own English is the fallback.
NAMES_EN: dict[str, str] = {
    "new_years_day": "New Year's Day",
    "spring_festival": "Spring Festival",
    "tomb_sweeping_day": "Tomb-sweeping Day",
    "labour_day": "Labour Day",
    "dragon_boat_festival": "Dragon Boat Festival",
    "mid_autumn_festival": "Mid-autumn Festival",
    "national_day": "National Day",
}
FALLBACK_NAME_EN = "Public holiday"
FALLBACK_NAME_ZH = "法定节假日"


@dataclass(frozen=True, slots=True)
class SeedDay:
    day: date
    working: bool
    name_zh: str | None
    name_en: str | None


def holiday_names(value: str | None) -> tuple[str | None, str | None]:
    """(zh, en) for a value of the package's `Holiday` enum (its English name)."""
    if value is None:
        return None, None
    try:
        holiday = Holiday(value)
    except ValueError:
        return FALLBACK_NAME_ZH, value or FALLBACK_NAME_EN
    return holiday.chinese or FALLBACK_NAME_ZH, NAMES_EN.get(holiday.name, holiday.value)


def library_years() -> list[int]:
    """Every year the package covers, first to last."""
    known = {d.year for d in (*chinese_calendar.holidays, *chinese_calendar.workdays)}
    return list(range(min(known), max(known) + 1))


def library_days() -> list[SeedDay]:
    """Holidays (working=False, named) and make-up working days on weekends (working=True, named
    after the holiday they make up for), in date order."""
    rows: dict[date, SeedDay] = {}
    for day, value in chinese_calendar.holidays.items():
        rows[day] = SeedDay(day, False, *holiday_names(value))
    for day, value in chinese_calendar.workdays.items():
        if day in rows:
            raise ValueError(f"{day} is both a holiday and a working day in chinese-calendar")
        if day.weekday() < 5:
            continue  # a weekday that is worked anyway: nothing differs from the plain week
        rows[day] = SeedDay(day, True, *holiday_names(value))
    return [rows[d] for d in sorted(rows)]


def library_rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(calendar_year rows, calendar_day rows) ready for a bulk insert, source `library`."""
    years: list[dict[str, object]] = [{"year": y, "source": "library"} for y in library_years()]
    days: list[dict[str, object]] = [
        {
            "day": d.day,
            "working": d.working,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "source": "library",
        }
        for d in library_days()
    ]
    return years, days
