"""Working-day arithmetic: the pure helper, and the service on the seeded tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from api.calendar import service
from api.calendar.seed import library_days, library_years
from api.calendar.service import CalendarYearUnknown, nth_working_day
from api.errors import Unprocessable
from api.models import CalendarDay, CalendarSource, CalendarYear

LIBRARY = {d.day: d.working for d in library_days()}
KNOWN = frozenset(library_years())


@contextmanager
def counted_statements(connection) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


class TestPureArithmetic:
    @pytest.mark.parametrize(
        ("start", "days", "end"),
        [
            # Spring Festival 2025: off 28 Jan – 4 Feb, worked Sun 26 Jan and Sat 8 Feb
            (date(2025, 1, 27), 1, date(2025, 1, 27)),  # a working start counts itself
            (date(2025, 1, 27), 2, date(2025, 2, 5)),
            (date(2025, 1, 24), 2, date(2025, 1, 26)),  # Friday, then the make-up Sunday
            (date(2025, 1, 25), 1, date(2025, 1, 26)),  # a Saturday start is skipped
            (date(2025, 1, 28), 1, date(2025, 2, 5)),  # a holiday start is skipped
            (date(2025, 2, 5), 4, date(2025, 2, 8)),  # Wed, Thu, Fri, the make-up Saturday
            # National Day 2025: off 1–8 Oct, worked Sun 28 Sep and Sat 11 Oct
            (date(2025, 9, 27), 1, date(2025, 9, 28)),
            (date(2025, 9, 30), 2, date(2025, 10, 9)),
            (date(2025, 10, 9), 3, date(2025, 10, 11)),
            (date(2025, 10, 9), 4, date(2025, 10, 13)),
        ],
    )
    def test_across_holidays_and_make_up_days(self, start: date, days: int, end: date) -> None:
        assert nth_working_day(start, days, LIBRARY, KNOWN) == end

    def test_a_plain_week_without_exceptions(self) -> None:
        friday = date(2031, 1, 3)
        assert nth_working_day(friday, 2, {}, {2031}) == date(2031, 1, 6)
        assert service.is_working(friday, {}) is True
        assert service.is_working(friday, {friday: False}) is False

    def test_a_year_without_data_is_named(self) -> None:
        with pytest.raises(CalendarYearUnknown) as raised:
            nth_working_day(date(2026, 12, 28), 10, LIBRARY, {2026})
        assert raised.value.year == 2027
        assert raised.value.extra == {"year": 2027}
        assert "2027" in raised.value.detail
        with pytest.raises(CalendarYearUnknown):
            nth_working_day(date(2031, 5, 6), 1, {}, KNOWN)

    def test_at_least_one_day(self) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            nth_working_day(date(2025, 1, 1), 0, LIBRARY, KNOWN)


class TestOnTheDatabase:
    async def test_spring_festival_2025(self, db: AsyncSession) -> None:
        assert await service.add_working_days(db, date(2025, 1, 27), 2) == date(2025, 2, 5)
        assert await service.is_working_day(db, date(2025, 1, 26)) is True  # Sunday, make-up
        assert await service.is_working_day(db, date(2025, 2, 8)) is True  # Saturday, make-up
        assert await service.is_working_day(db, date(2025, 1, 28)) is False
        assert await service.is_working_day(db, date(2025, 2, 1)) is False  # Saturday, holiday
        assert await service.is_working_day(db, date(2025, 2, 5)) is True

    async def test_national_day_2025(self, db: AsyncSession) -> None:
        assert await service.add_working_days(db, date(2025, 9, 30), 2) == date(2025, 10, 9)
        assert await service.is_working_day(db, date(2025, 9, 28)) is True
        assert await service.is_working_day(db, date(2025, 10, 11)) is True
        assert await service.is_working_day(db, date(2025, 10, 8)) is False

    async def test_across_the_turn_of_a_known_year(self, db: AsyncSession) -> None:
        # 2024-12-31 Tue; 2025-01-01 New Year's Day; 2 Jan Thu, 3 Jan Fri
        assert await service.add_working_days(db, date(2024, 12, 31), 3) == date(2025, 1, 3)

    async def test_a_year_without_data(self, db: AsyncSession, without_2031: None) -> None:
        with pytest.raises(CalendarYearUnknown) as raised:
            await service.add_working_days(db, date(2031, 3, 3), 1)
        assert raised.value.year == 2031
        with pytest.raises(CalendarYearUnknown):
            await service.is_working_day(db, date(2031, 3, 3))

    async def test_stepping_into_a_year_without_data(
        self, db: AsyncSession, without_2031: None
    ) -> None:
        db.add(CalendarYear(year=2030, source=CalendarSource.admin))
        await db.flush()
        # Mon 23 Dec 2030 .. Tue 31 Dec is 7 working days; the 8th lies in 2031
        assert await service.add_working_days(db, date(2030, 12, 23), 7) == date(2030, 12, 31)
        with pytest.raises(CalendarYearUnknown) as raised:
            await service.add_working_days(db, date(2030, 12, 23), 8)
        assert raised.value.year == 2031

    async def test_one_query_however_long_the_count(self, db: AsyncSession) -> None:
        connection = (await db.connection()).sync_connection
        with counted_statements(connection) as statements:
            end = await service.add_working_days(db, date(2025, 1, 1), 366)
        assert end == nth_working_day(date(2025, 1, 1), 366, LIBRARY, KNOWN)
        assert len(statements) == 1

    async def test_working_days_counted_across_national_day_2025(self, db: AsyncSession) -> None:
        """Sun 28 Sep (make-up), 29, 30 Sep, 9, 10 Oct and Sat 11 Oct (make-up): six, with the
        eight days of holiday between them skipped — in one query."""
        connection = (await db.connection()).sync_connection
        with counted_statements(connection) as statements:
            count = await service.count_working_days(db, date(2025, 9, 28), date(2025, 10, 11))
        assert count == 6
        assert len(statements) == 1
        assert await service.count_working_days(db, date(2025, 10, 2), date(2025, 10, 1)) == 0

    async def test_a_long_stretch_of_holidays_loads_further(
        self, db: AsyncSession, without_2031: None
    ) -> None:
        """An admin's year may hold more holidays than a real one: the count still ends right."""
        db.add(CalendarYear(year=2030, source=CalendarSource.admin))
        first = date(2030, 1, 1)
        holidays = [first + timedelta(days=n) for n in range(200)]
        db.add_all(
            CalendarDay(day=d, working=False, name_zh="测试", source=CalendarSource.admin)
            for d in holidays
            if d.weekday() < 5
        )
        await db.flush()
        expected = nth_working_day(first, 3, dict.fromkeys(holidays, False), {2030})
        assert expected == date(2030, 7, 24)
        assert await service.add_working_days(db, first, 3) == expected

    @pytest.mark.parametrize("days", [0, -1, 367])
    async def test_bounded_count(self, db: AsyncSession, days: int) -> None:
        with pytest.raises(Unprocessable) as raised:
            await service.add_working_days(db, date(2025, 1, 1), days)
        assert raised.value.errors is not None
        assert raised.value.errors[0].field == "days"
