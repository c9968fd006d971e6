"""The audit log: one `record()` call per mutation, in the mutation's own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AuditEvent
from api.request_context import current_client_ip, current_request_id

REDACTED = "[redacted]"
_SECRET_KEYS = {"password", "password_hash", "token", "token_hash", "csrf_hash", "secret"}


class Actor(Protocol):
    @property
    def user_id(self) -> uuid.UUID: ...

    @property
    def email(self) -> str: ...


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """`{field: {"before": x, "after": y}}` for every field that changed; secrets redacted."""
    before = before or {}
    after = after or {}
    changes: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old == new and key in before and key in after:
            continue
        if key in _SECRET_KEYS:
            old = REDACTED if key in before else None
            new = REDACTED if key in after else None
        changes[key] = {"before": old, "after": new}
    return changes


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> AuditEvent:
    changes = diff(before, after)
    if note:
        changes["note"] = note
    event = AuditEvent(
        actor_id=actor.user_id if actor else None,
        actor_label=actor.email if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        changes=changes,
        ip=current_client_ip(),
        request_id=current_request_id(),
    )
    session.add(event)
    await session.flush()
    return event


def list_statement(
    *,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> Select[AuditEvent]:
    """Newest first, keyset on the identity column."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    return stmt
