from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import CalendarDay, CalendarYear


@pytest.fixture
async def without_2031(db: AsyncSession) -> None:
    """2030 on are years without data, whatever a later chinese-calendar release knows."""
    await db.execute(delete(CalendarDay).where(CalendarDay.day >= date(2030, 1, 1)))
    await db.execute(delete(CalendarYear).where(CalendarYear.year >= 2030))
