"""Deliberation by the joint meeting: shortlisted / not selected."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Batch
from api.permissions import Principal


async def start_deliberation(session: AsyncSession, actor: Principal, batch: Batch) -> None:
    """reviewing → deliberation. Not yet: the guard."""
