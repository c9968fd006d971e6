"""Assignment of experts to accepted applications (DESIGN §1 expert review practice)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Batch
from api.permissions import Principal


async def start_review(session: AsyncSession, actor: Principal, batch: Batch) -> None:
    """closed → reviewing. Not yet: the guard and the move of accepted applications to
    in_review."""
