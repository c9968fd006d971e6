"""Publicity (公示) of a batch's shortlist, objections, and the award at its close."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Batch
from api.permissions import Principal


async def start_publicity(session: AsyncSession, actor: Principal, batch: Batch) -> None:
    """deliberation → publicity. Not yet: the guard, the window and the event."""


async def announce(session: AsyncSession, actor: Principal, batch: Batch) -> None:
    """publicity → announced. Not yet: the guard and the awards."""
