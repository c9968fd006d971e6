"""An application's status history, read from the audit log."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications import access
from api.applications.schemas import TimelineEntry
from api.models import ApplicationStatus, AuditEvent
from api.permissions import Principal


def _actor_kind(action: str) -> str:
    verb = action.removeprefix("application.")
    if verb.startswith("district_"):
        return "district"
    if verb.startswith("formal_"):
        return "joint_office"
    return "applicant"


async def timeline(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> list[TimelineEntry]:
    await access.get_readable_application(session, principal, application_id)
    events = (
        await session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == "application", AuditEvent.object_id == str(application_id)
            )
            .order_by(AuditEvent.id)
        )
    ).all()
    entries = []
    for event in events:
        status = event.changes.get("status") or {}
        if event.action == "application.create":
            status = {"before": None, "after": ApplicationStatus.draft.value}
        if not status:
            continue  # edits that did not move the application
        entries.append(
            TimelineEntry(
                at=event.occurred_at,
                action=event.action.removeprefix("application."),
                status_before=status.get("before"),
                status_after=status.get("after"),
                note=event.changes.get("note"),
                by=_actor_kind(event.action),
            )
        )
    return entries
