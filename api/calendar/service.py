"""Working days on the official calendar: Monday–Friday, less the holidays, plus the make-up
working days (调休) on weekends, for the years the `calendar_year` table knows.

Counting never guesses: reaching a day of a year without a `calendar_year` row raises
`CalendarYearUnknown` naming that year, until an admin enters the year.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, delete, extract, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.calendar.schemas import CalendarDayWrite
from api.errors import Conflict, FieldError, NotFound, Unprocessable, field_error
from api.models import CalendarDay, CalendarSource, CalendarYear
from api.permissions import Principal

MAX_WORKING_DAYS = 366
ONE_DAY = timedelta(days=1)


class CalendarYearUnknown(Conflict):
    """409: the request is sound, but the calendar lacks a year; it succeeds once an admin has
    entered that year."""

    code, title = "calendar_year_unknown", "Calendar year unknown"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"The working-day calendar of {year} is not known yet; an administrator must enter "
            f"its holidays and make-up working days first.",
            extra={"year": year},
        )
        self.year = year


class _BeyondWindow(Exception):
    """The walk left the days loaded for it; the caller loads a longer stretch."""


# --- arithmetic on given data (pure) -------------------------------------------------------


def is_working(day: date, exceptions: Mapping[date, bool]) -> bool:
    """A stored day decides; any other day follows the Monday–Friday week."""
    return exceptions.get(day, day.weekday() < 5)


def nth_working_day(
    start: date,
    days: int,
    exceptions: Mapping[date, bool],
    known_years: Collection[int],
    through: date = date.max,
) -> date:
    """The `days`-th working day on or after `start` (`start` itself counts when it is one).

    `exceptions` maps stored days to their working flag; `known_years` are the years with a
    calendar. `through` is the last day `exceptions` and `known_years` cover."""
    if days < 1:
        raise ValueError("days must be at least 1")
    current, counted = start, 0
    while True:
        if current > through:
            raise _BeyondWindow
        if current.year not in known_years:
            raise CalendarYearUnknown(current.year)
        if is_working(current, exceptions):
            counted += 1
            if counted == days:
                return current
        current += ONE_DAY


# --- on the database -----------------------------------------------------------------------


async def _load(
    session: AsyncSession, first: date, through: date
) -> tuple[frozenset[int], dict[date, bool]]:
    """The known years among first.year..through.year and their stored days in first..through,
    in one query."""
    rows = await session.execute(
        select(CalendarYear.year, CalendarDay.day, CalendarDay.working)
        .outerjoin(
            CalendarDay,
            and_(
                CalendarDay.day.between(first, through),
                extract("year", CalendarDay.day) == CalendarYear.year,
            ),
        )
        .where(CalendarYear.year.between(first.year, through.year))
    )
    known: set[int] = set()
    exceptions: dict[date, bool] = {}
    for year, day, working in rows:
        known.add(year)
        if day is not None:
            exceptions[day] = working
    return frozenset(known), exceptions


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_WORKING_DAYS:
        raise field_error(
            "days",
            f"Count between 1 and {MAX_WORKING_DAYS} working days.",
            "working_days_out_of_range",
        )


async def is_working_day(session: AsyncSession, day: date) -> bool:
    known, exceptions = await _load(session, day, day)
    if day.year not in known:
        raise CalendarYearUnknown(day.year)
    return is_working(day, exceptions)


async def count_working_days(session: AsyncSession, first: date, through: date) -> int:
    """Working days in first..through, both included, in one query; a day of a year without data
    counts as the plain week would (for figures shown beside dates already fixed, such as the
    days left of a publicity window whose year an admin has since removed)."""
    if through < first:
        return 0
    _, exceptions = await _load(session, first, through)
    return sum(
        is_working(first + timedelta(days=n), exceptions) for n in range((through - first).days + 1)
    )


async def add_working_days(session: AsyncSession, start: date, days: int) -> date:
    """The `days`-th working day on or after `start`. A deadline of n working days counted from
    the day after an event D is `add_working_days(D + 1 day, n)`."""
    _check_days(days)
    # Any real year has well over half its days working, so 2n + 31 days hold n working days;
    # an admin's year of unusual holidays only costs another, longer load.
    span = 2 * days + 31
    while True:
        through = start + timedelta(days=min(span, (date.max - start).days))
        known, exceptions = await _load(session, start, through)
        try:
            return nth_working_day(start, days, exceptions, known, through)
        except _BeyondWindow:
            span *= 2


# --- the table, read and amended -----------------------------------------------------------


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


async def list_years(session: AsyncSession) -> Sequence[CalendarYear]:
    return (await session.scalars(select(CalendarYear).order_by(CalendarYear.year))).all()


async def get_year(
    session: AsyncSession, year: int, *, lock: bool = False
) -> tuple[CalendarYear, Sequence[CalendarDay]]:
    # populate_existing: a replace has just rewritten the rows behind the ORM's back.
    stmt = (
        select(CalendarYear)
        .where(CalendarYear.year == year)
        .execution_options(populate_existing=True)
    )
    row = (await session.scalars(stmt.with_for_update() if lock else stmt)).one_or_none()
    if row is None:
        raise NotFound(
            f"The working-day calendar of {year} is not known.",
            code="calendar_year_unknown",
            extra={"year": year},
        )
    first, last = _year_bounds(year)
    days = (
        await session.scalars(
            select(CalendarDay)
            .where(CalendarDay.day.between(first, last))
            .order_by(CalendarDay.day)
            .execution_options(populate_existing=True)
        )
    ).all()
    return row, days


def _counts(source: CalendarSource | None, days: Sequence[Any]) -> dict[str, object]:
    return {
        "source": source,
        "holidays": sum(1 for d in days if not d.working),
        "make_up_days": sum(1 for d in days if d.working),
    }


def validate_year_days(year: int, entries: Sequence[CalendarDayWrite]) -> None:
    """Every entry lies in `year`, once; a working entry is a weekend day (a make-up day), a
    non-working one a weekday or a named holiday. Field paths are the body's (`3.day`)."""
    errors: list[FieldError] = []
    seen: set[date] = set()
    for index, entry in enumerate(entries):
        day = entry.day
        if day.year != year:
            errors.append(
                FieldError(
                    field=f"{index}.day",
                    message=f"{day} is not in {year}.",
                    code="day_outside_year",
                )
            )
            continue
        if day in seen:
            errors.append(
                FieldError(
                    field=f"{index}.day", message=f"{day} is listed twice.", code="duplicate_day"
                )
            )
        seen.add(day)
        weekend = day.weekday() >= 5
        if entry.working and not weekend:
            errors.append(
                FieldError(
                    field=f"{index}.working",
                    message=f"{day} is a weekday and works anyway; only a weekend day can be a "
                    "make-up working day.",
                    code="working_day_not_weekend",
                )
            )
        if not entry.working and weekend and not (entry.name_zh or entry.name_en):
            errors.append(
                FieldError(
                    field=f"{index}.working",
                    message=f"{day} is a weekend day and off anyway; list it only as part of a "
                    "named holiday (give name_zh or name_en).",
                    code="weekend_not_named",
                )
            )
    if errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        raise Unprocessable(detail, errors=errors)


async def replace_year(
    session: AsyncSession, principal: Principal, year: int, entries: Sequence[CalendarDayWrite]
) -> tuple[CalendarYear, Sequence[CalendarDay]]:
    """Set a year's holidays and make-up days in one go; the year becomes admin-sourced."""
    validate_year_days(year, entries)
    previous = (
        await session.scalars(
            select(CalendarYear).where(CalendarYear.year == year).with_for_update()
        )
    ).one_or_none()
    first, last = _year_bounds(year)
    old_days = (
        await session.scalars(select(CalendarDay).where(CalendarDay.day.between(first, last)))
    ).all()
    before = _counts(previous.source if previous else None, old_days)
    # Upsert: a concurrent first entry of the same year waits here instead of failing.
    await session.execute(
        insert(CalendarYear)
        .values(year=year, source=CalendarSource.admin, updated_by=principal.user_id)
        .on_conflict_do_update(
            index_elements=[CalendarYear.year],
            set_={
                "source": CalendarSource.admin,
                "updated_by": principal.user_id,
                "updated_at": func.now(),
            },
        )
    )
    await session.execute(delete(CalendarDay).where(CalendarDay.day.between(first, last)))
    if entries:
        await session.execute(
            insert(CalendarDay),
            [
                {
                    "day": e.day,
                    "working": e.working,
                    "name_zh": e.name_zh,
                    "name_en": e.name_en,
                    "source": CalendarSource.admin,
                }
                for e in entries
            ],
        )
    await audit.record(
        session,
        actor=principal,
        action="calendar_year.replace",
        object_type="calendar_year",
        object_id=year,
        before=before,
        after=_counts(CalendarSource.admin, entries),
    )
    return await get_year(session, year)


async def delete_year(session: AsyncSession, principal: Principal, year: int) -> None:
    """Forget an admin-entered year; the library's years stay (amend them with a replace)."""
    row, days = await get_year(session, year, lock=True)
    if row.source != CalendarSource.admin:
        raise Conflict(
            f"The calendar of {year} comes from the chinese-calendar package and cannot be "
            "deleted; replace its days instead.",
            code="calendar_year_from_library",
            extra={"year": year, "current_state": row.source.value},
        )
    before = _counts(row.source, days)
    first, last = _year_bounds(year)
    await session.execute(delete(CalendarDay).where(CalendarDay.day.between(first, last)))
    await session.execute(delete(CalendarYear).where(CalendarYear.year == year))
    await audit.record(
        session,
        actor=principal,
        action="calendar_year.delete",
        object_type="calendar_year",
        object_id=year,
        before=before,
        after=None,
    )
