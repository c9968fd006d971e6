"""The rows the chinese-calendar package gives the calendar tables (api/calendar/seed.py)."""

from __future__ import annotations

from datetime import date, timedelta

from api.calendar.seed import (
    FALLBACK_NAME_EN,
    SeedDay,
    holiday_names,
    library_days,
    library_rows,
    library_years,
)


def _by_day() -> dict[date, SeedDay]:
    return {d.day: d for d in library_days()}


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_years_run_without_gaps_from_2004() -> None:
    years = library_years()
    assert years[0] == 2004
    assert years[-1] >= 2026
    assert years == list(range(years[0], years[-1] + 1))


def test_spring_festival_2025_with_its_make_up_days() -> None:
    days = _by_day()
    for make_up in (date(2025, 1, 26), date(2025, 2, 8)):  # a Sunday and a Saturday
        assert make_up.weekday() >= 5
        assert days[make_up] == SeedDay(make_up, True, "春节", "Spring Festival")
    for day in _span(date(2025, 1, 28), date(2025, 2, 4)):
        assert days[day] == SeedDay(day, False, "春节", "Spring Festival")
    # the weekdays around the block are plain working days, not stored
    assert date(2025, 1, 27) not in days
    assert date(2025, 2, 5) not in days


def test_national_day_2025_with_its_make_up_days() -> None:
    days = _by_day()
    for make_up in (date(2025, 9, 28), date(2025, 10, 11)):  # a Sunday and a Saturday
        assert make_up.weekday() >= 5
        assert days[make_up].working is True
        assert days[make_up].name_zh == "国庆节"
    for day in _span(date(2025, 10, 1), date(2025, 10, 8)):
        assert days[day].working is False
    # Mid-autumn fell inside the block in 2025
    assert (days[date(2025, 10, 6)].name_zh, days[date(2025, 10, 6)].name_en) == (
        "中秋",
        "Mid-autumn Festival",
    )
    assert days[date(2025, 10, 1)].name_en == "National Day"


def test_only_deviating_days_and_named_holidays_are_kept() -> None:
    for day in library_days():
        assert day.name_zh
        assert day.name_en
        if day.working:
            assert day.day.weekday() >= 5, f"{day.day} stored as a make-up day on a weekday"


def test_every_main_holiday_has_both_names() -> None:
    names = {(d.name_zh, d.name_en) for d in library_days()}
    assert {
        ("元旦", "New Year's Day"),
        ("春节", "Spring Festival"),
        ("清明", "Tomb-sweeping Day"),
        ("劳动节", "Labour Day"),
        ("端午", "Dragon Boat Festival"),
        ("中秋", "Mid-autumn Festival"),
        ("国庆节", "National Day"),
    } <= names


def test_names_fall_back_for_a_holiday_the_table_lacks() -> None:
    assert holiday_names(None) == (None, None)
    zh, en = holiday_names("Some New Day")
    assert zh
    assert en == "Some New Day"
    assert holiday_names("")[1] == FALLBACK_NAME_EN


def test_rows_are_ready_for_the_tables() -> None:
    years, days = library_rows()
    assert {"year": 2025, "source": "library"} in years
    assert {r["source"] for r in days} == {"library"}
    assert set(days[0]) == {"day", "working", "name_zh", "name_en", "source"}
    assert len({r["day"] for r in days}) == len(days)
    assert all(len(str(r["name_zh"])) <= 60 and len(str(r["name_en"])) <= 80 for r in days)
