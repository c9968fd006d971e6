"""Domain events, written to the outbox in the caller's transaction (DESIGN §3): a change that
rolls back emits nothing. Webhooks, notifications and awards consume the outbox in `id` order."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import OutboxEvent


async def emit(
    session: AsyncSession,
    event_type: str,
    *,
    object_type: str,
    object_id: uuid.UUID | str,
    payload: dict[str, Any] | None = None,
) -> OutboxEvent:
    event = OutboxEvent(
        event_type=event_type,
        object_type=object_type,
        object_id=str(object_id),
        payload=jsonable_encoder(payload or {}),
    )
    session.add(event)
    await session.flush()
    return event
