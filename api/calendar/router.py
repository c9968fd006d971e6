"""The working-day calendar over HTTP.

A count that reaches a year the calendar does not know answers **409** `calendar_year_unknown`
with that `year` in the problem: the request itself is sound, the server's data lacks the year,
and the same request succeeds once an administrator has entered it (`PUT /calendar/years/{year}`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response, status

from api.calendar import service
from api.calendar.schemas import (
    CalendarDayRead,
    CalendarDayWrite,
    CalendarYearDetail,
    CalendarYearList,
    CalendarYearRead,
    WorkingDaysRead,
)
from api.db import SessionDep
from api.errors import problem_responses
from api.http_cache import public_response
from api.models import CalendarDay, CalendarYear
from api.permissions import AdminPrincipal

router = APIRouter(prefix="/calendar", tags=["calendar"])

Year = Annotated[int, Path(ge=2000, le=2100, description="A calendar year, e.g. 2026.")]


def year_detail(year: CalendarYear, days: Sequence[CalendarDay]) -> CalendarYearDetail:
    return CalendarYearDetail(
        **CalendarYearRead.model_validate(year).model_dump(),
        days=[CalendarDayRead.model_validate(d) for d in days],
    )


@router.get(
    "/add-working-days",
    response_model=WorkingDaysRead,
    responses=problem_responses(409, 422),
    summary="The N-th working day on or after a date (public); 409 for a year without data",
)
async def add_working_days(
    request: Request,
    session: SessionDep,
    start: Annotated[date, Query(description="YYYY-MM-DD; counts itself when a working day.")],
    days: Annotated[int, Query(ge=1, le=service.MAX_WORKING_DAYS)],
) -> Response:
    end = await service.add_working_days(session, start, days)
    return public_response(request, WorkingDaysRead(start=start, days=days, end=end))


@router.get(
    "/years",
    response_model=CalendarYearList,
    summary="The years the calendar knows, with their source (public)",
)
async def list_years(request: Request, session: SessionDep) -> Response:
    years = await service.list_years(session)
    return public_response(
        request, CalendarYearList(items=[CalendarYearRead.model_validate(y) for y in years])
    )


@router.get(
    "/years/{year}",
    response_model=CalendarYearDetail,
    responses=problem_responses(404, 422),
    summary="A year's holidays and make-up working days (public)",
)
async def read_year(year: Year, request: Request, session: SessionDep) -> Response:
    return public_response(request, year_detail(*await service.get_year(session, year)))


@router.put(
    "/years/{year}",
    response_model=CalendarYearDetail,
    responses=problem_responses(401, 403, 422),
    summary="Replace a year's holidays and make-up working days (admin)",
)
async def replace_year(
    year: Year,
    entries: Annotated[list[CalendarDayWrite], Body(max_length=366)],
    session: SessionDep,
    principal: AdminPrincipal,
) -> CalendarYearDetail:
    """Enter a year the chinese-calendar package does not know yet, or amend one it does: the
    list replaces every stored day of the year, and the year's source becomes `admin`."""
    return year_detail(*await service.replace_year(session, principal, year, entries))


@router.delete(
    "/years/{year}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Forget an admin-entered year (admin); library years answer 409",
)
async def delete_year(year: Year, session: SessionDep, principal: AdminPrincipal) -> Response:
    await service.delete_year(session, principal, year)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
