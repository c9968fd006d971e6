"""Calendar building blocks for tests of other domains."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import CalendarSource, CalendarYear


async def ensure_years(db: AsyncSession, *years: int) -> None:
    """Make `years` known, as plain Monday–Friday years where the calendar lacks them, so that a
    deadline counted near New Year does not depend on the date the suite runs."""
    await db.execute(
        insert(CalendarYear)
        .values([{"year": year, "source": CalendarSource.admin} for year in years])
        .on_conflict_do_nothing(index_elements=[CalendarYear.year])
    )
